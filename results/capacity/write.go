package capacity

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// WriteJSON writes the plan as indented JSON.
func WriteJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// WriteCSV writes one row per level and metric, for spreadsheets.
func WriteCSV(w io.Writer, p *Plan) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"model", "year", "level", "name", "count", "metric", "unit", "mean", "p5", "p50", "p95"})
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, l := range p.Levels {
		for _, f := range l.Figures {
			cw.Write([]string{p.Model, strconv.Itoa(p.Year), l.Kind, l.Name, strconv.Itoa(l.Count), f.Metric, f.Unit, g(f.Mean), g(f.P5), g(f.P50), g(f.P95)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteText prints the plan's levels as aligned tables (p50 with the 5-95 % band).
func WriteText(w io.Writer, p *Plan) error {
	fmt.Fprintf(w, "capacity plan: model %s, year %d, %d draws (seed %d)\n", p.Model, p.Year, p.Draws, p.Seed)
	for _, k := range p.Knees {
		fmt.Fprintf(w, "knee: %s holds %d cameras per device (first limit above it: %s)\n", k.Device, k.CamerasPerDevice, orNone(k.Limit))
	}
	for _, l := range p.Levels {
		fmt.Fprintf(w, "\n%s\n", l.title())
		for _, f := range l.Figures {
			fmt.Fprintf(w, "  %-58s %12s  [%s - %s] %s\n", f.Label, short(f.P50), short(f.P5), short(f.P95), f.Unit)
		}
	}
	return nil
}

func (l Level) title() string {
	switch {
	case l.Kind == "commune":
		return fmt.Sprintf("one commune-level unit of %s (any of %d)", l.Name, l.Count)
	case l.Kind == "province" && l.Count > 1:
		return fmt.Sprintf("one province of %s (each of %d)", l.Name, l.Count)
	case l.Kind == "province":
		return "province " + l.Name
	}
	return "all of " + l.Name
}

func orNone(s string) string {
	if s == "" {
		return "none up to the largest count tried"
	}
	return s
}

// short prints a figure with three significant digits.
func short(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + " M"
	case v >= 100 || v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
