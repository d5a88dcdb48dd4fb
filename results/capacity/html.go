package capacity

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"

	"github.com/trafficsim/trafficsim/viz/chart"
)

//go:embed plan.html.tmpl
var planHTML string

var planTmpl = template.Must(template.New("plan").Funcs(template.FuncMap{
	"short":  short,
	"pct":    func(v float64) string { return fmt.Sprintf("%.1f %%", v*100) },
	"f0":     func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"f1":     func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f2":     func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"hourly": func(v float64) float64 { return v * 3600 },
}).Parse(planHTML))

type htmlView struct {
	P      *Plan
	Tiles  []tile
	Levels []htmlLevel
	Charts []htmlChart
}

type tile struct{ Label, Value, Band string }

type htmlLevel struct {
	Title   string
	Figures []Figure
}

type htmlChart struct {
	SVG     template.HTML
	Caption string
}

// WriteHTML writes the plan as a self-contained HTML report.
func WriteHTML(w io.Writer, p *Plan) error {
	v := htmlView{P: p}
	country := p.Levels[len(p.Levels)-1]
	fig := func(l Level, key string) Figure {
		for _, f := range l.Figures {
			if f.Metric == key {
				return f
			}
		}
		return Figure{}
	}
	band := func(f Figure) string { return fmt.Sprintf("%s - %s %s", short(f.P5), short(f.P95), f.Unit) }
	devKey := "devices:" + p.Knees[0].Device
	for _, t := range []struct{ label, key string }{
		{"devices (" + p.Knees[0].Device + ")", devKey},
		{"uplink to the centre, busiest hour", "uplink_peak_mbps"},
		{"events at the centre, busiest hour", "events_per_s_peak"},
		{"video at the clusters", "edge_storage_tb"},
	} {
		f := fig(country, t.key)
		v.Tiles = append(v.Tiles, tile{t.label, short(f.P50) + " " + f.Unit, band(f)})
	}
	for _, l := range p.Levels {
		v.Levels = append(v.Levels, htmlLevel{Title: l.title(), Figures: l.Figures})
	}
	for _, c := range []struct{ key, caption string }{
		{devKey, "devices needed, all of " + p.Model},
		{"uplink_peak_mbps", "uplink to the centre in the busiest hour, all of " + p.Model + " (Mbit/s)"},
		{"events_per_s_peak", "events per second at the centre in the busiest hour"},
		{"centre_storage_tb", "records and evidence at the data centres (TB)"},
	} {
		f := fig(country, c.key)
		v.Charts = append(v.Charts, htmlChart{SVG: template.HTML(histogram(f, c.caption)), Caption: c.caption + fmt.Sprintf(": median %s, 5-95 %% %s", short(f.P50), band(f))})
	}
	return planTmpl.Execute(w, v)
}

// histogram buckets a figure's draws into 20 bars with its median and 5/95 % marks.
func histogram(f Figure, title string) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range f.samples {
		lo, hi = min(lo, s), max(hi, s)
	}
	const n = 20
	width := (hi - lo) / n
	if !(width > 0) {
		width = math.Max(math.Abs(lo)/10, 1)
	}
	counts := make([]int, n)
	for _, s := range f.samples {
		counts[min(n-1, int((s-lo)/width))]++
	}
	return chart.Histogram{Title: title, From: lo, Width: width, Counts: counts, Markers: []chart.Marker{
		{Label: "p5", Value: f.P5, Color: chart.Grey}, {Label: "median", Value: f.P50, Color: chart.Ink}, {Label: "p95", Value: f.P95, Color: chart.Grey},
	}}.SVG()
}
