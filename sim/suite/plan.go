package suite

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/stats"
	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

// Rates are a scenario's truths per camera-minute, measured from its world model.
type Rates struct {
	Scenario   string
	Conditions []string           // the cell conditions it has: day or night, rain, fog
	Minutes    float64            // simulated camera-minutes measured
	ByType     map[string]float64 // truths of a type per camera-minute
	All        float64            // all truths per camera-minute
	Plates     float64            // truths with a readable plate per camera-minute
	// Speed is speeding truths per camera-minute in each bin of DraftSpeed (SpeedBins).
	Speed [SpeedBins]float64
}

// DraftSpeed is the draft's speed range in km/h, split in SpeedBins bins by suites and plans.
var DraftSpeed = SpeedRange{MinKmh: 10, MaxKmh: 180}

// SpeedBins is the number of bins a speed range is judged in.
const SpeedBins = 4

// Measure runs a scenario's world for d with its own seed and counts its truths.
func Measure(name string, d time.Duration) (Rates, error) {
	sc, err := scenarios.Lookup(name)
	if err != nil {
		return Rates{}, err
	}
	tr, _, err := world.Generate(sc, world.Options{Duration: d})
	if err != nil {
		return Rates{}, err
	}
	r := Rates{Scenario: name, Conditions: scenarioConditions(sc), Minutes: d.Minutes(), ByType: map[string]float64{}}
	for _, v := range tr.Violations {
		r.ByType[string(v.Type)] += 1 / r.Minutes
		r.All += 1 / r.Minutes
		if v.Plate != "" && v.PlateReadable {
			r.Plates += 1 / r.Minutes
		}
		if w := (DraftSpeed.MaxKmh - DraftSpeed.MinKmh) / SpeedBins; v.Type == wire.Speeding && v.SpeedKmh >= DraftSpeed.MinKmh && v.SpeedKmh <= DraftSpeed.MaxKmh {
			r.Speed[min(int((v.SpeedKmh-DraftSpeed.MinKmh)/w), SpeedBins-1)] += 1 / r.Minutes
		}
	}
	return r, nil
}

// PlanRow is what one check needs.
type PlanRow struct {
	Metric    string
	Assumed   float64 // the value planned for (measured, or the limit)
	Measured  bool    // Assumed comes from a run or --assume
	Units     int     // truths (plates read, for plate accuracy) for an interval narrower than Width
	Decide    int     // truths for the interval at Assumed to clear the limit; 0: never (on the limit) or no value
	Scenario  string  // the scenario richest in the check's truths
	PerMin    float64 // its truths per camera-minute
	Minutes   float64 // camera-minutes of it for Units
	DecideMin float64 // camera-minutes for Decide
	Note      string
}

// Plan sizes a suite: for each rate check of the profile (f1.* expanded to every type some
// scenario makes), the truths that make its 95 % Wilson interval narrower than width at the
// assumed value (from assume, else the limit, where a verdict is hardest), the truths that
// decide it at a measured value, and the camera-minutes of the scenario richest in them.
// recall is the share of truths detected, for plate accuracy (plates are read on detected
// vehicles only). F1 is planned as a proportion over its truths, a close approximation.
func Plan(p *conform.Profile, rates []Rates, width, recall float64, assume map[string]float64) []PlanRow {
	var out []PlanRow
	explicit := map[string]bool{}
	for _, c := range p.Checks {
		explicit[c.Metric] = true
	}
	for _, c := range p.Checks {
		base, scope, _ := strings.Cut(c.Metric, ".")
		if !conform.IsRate(c.Metric) {
			out = append(out, PlanRow{Metric: c.Metric, Note: "not a rate: its interval depends on the latency distribution (bootstrap); plan it from a run"})
			continue
		}
		names := []string{c.Metric}
		if scope == "*" {
			names = nil
			for _, t := range wire.ViolationTypes {
				if !explicit[base+"."+string(t)] {
					names = append(names, base+"."+string(t))
				}
			}
		}
		for _, n := range names {
			out = append(out, planOne(n, c.Limit(), rates, width, recall, assume))
		}
	}
	return out
}

func planOne(metric string, limit float64, rates []Rates, width, recall float64, assume map[string]float64) PlanRow {
	r := PlanRow{Metric: metric, Assumed: limit}
	if v, ok := assume[metric]; ok {
		r.Assumed, r.Measured = v, true
	}
	base, scope, _ := strings.Cut(metric, ".")
	r.Units = stats.WilsonWidthNeeded(r.Assumed, width)
	if r.Measured {
		r.Decide = stats.WilsonNeeded(r.Assumed, limit)
	}
	// Truths per camera-minute of each scenario for this slice.
	perMin := func(x Rates) float64 {
		v := x.All
		switch {
		case scope == "":
		case wire.ViolationType(scope).Valid():
			v = x.ByType[scope]
		case scope == "day" || scope == "night":
			if !slices.Contains(x.Conditions, scope) {
				return 0
			}
		case scope == "weather:clear":
			if slices.Contains(x.Conditions, "rain") || slices.Contains(x.Conditions, "fog") {
				return 0
			}
		case strings.HasPrefix(scope, "weather:"):
			if !slices.Contains(x.Conditions, scope[8:]) {
				return 0
			}
		default:
			return 0
		}
		if base == "plate_accuracy" {
			v = x.Plates * recall // plates are scored on detected vehicles
			if wire.ViolationType(scope).Valid() && x.All > 0 {
				v *= x.ByType[scope] / x.All
			}
		}
		return v
	}
	for _, x := range rates {
		if v := perMin(x); v > r.PerMin {
			r.Scenario, r.PerMin = x.Scenario, v
		}
	}
	if r.PerMin == 0 {
		r.Note = "no measured scenario makes these truths"
		return r
	}
	r.Minutes = math.Ceil(float64(r.Units) / r.PerMin)
	if r.Decide > 0 {
		r.DecideMin = math.Ceil(float64(r.Decide) / r.PerMin)
	}
	return r
}

// PlanSpeed sizes the speed check of the draft's range: per bin, the readings (detected
// speeding truths, recall of them) for a Wilson interval of the share within tolerance
// narrower than width, at share (measured, when > 0; else the limit), and the readings that
// decide it against limit; the camera-minutes of the scenario richest in the bin's speeders.
func PlanSpeed(rates []Rates, width, recall, share, limit float64) []PlanRow {
	w := (DraftSpeed.MaxKmh - DraftSpeed.MinKmh) / SpeedBins
	var out []PlanRow
	for i := range SpeedBins {
		r := PlanRow{Metric: fmt.Sprintf("speed %.0f-%.0f km/h (readings)", DraftSpeed.MinKmh+float64(i)*w, DraftSpeed.MinKmh+float64(i+1)*w), Assumed: limit}
		if share > 0 {
			r.Assumed, r.Measured = share, true
			r.Decide = stats.WilsonNeeded(share, limit)
		}
		r.Units = stats.WilsonWidthNeeded(r.Assumed, width)
		for _, x := range rates {
			if v := x.Speed[i] * recall; v > r.PerMin {
				r.Scenario, r.PerMin = x.Scenario, v
			}
		}
		if r.PerMin == 0 {
			r.Note = "no measured scenario has speeders in this bin"
		} else {
			r.Minutes = math.Ceil(float64(r.Units) / r.PerMin)
			if r.Decide > 0 {
				r.DecideMin = math.Ceil(float64(r.Decide) / r.PerMin)
			}
		}
		out = append(out, r)
	}
	return out
}

// WritePlan prints the plan as a table.
func WritePlan(w io.Writer, rows []PlanRow, rates []Rates, width float64) error {
	fmt.Fprintf(w, "truths per camera-minute, measured from the world model:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tconditions\tminutes\tall\treadable plates\tspeeders per speed bin\tby type")
	for _, r := range rates {
		var types []string
		for _, t := range wire.ViolationTypes {
			if v := r.ByType[string(t)]; v > 0 {
				types = append(types, fmt.Sprintf("%s %.2f", t, v))
			}
		}
		bins := make([]string, SpeedBins)
		for i, v := range r.Speed {
			bins[i] = fmt.Sprintf("%.2f", v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%s\t%s\n", r.Scenario, strings.Join(r.Conditions, "+"), r.Minutes, r.All, r.Plates, strings.Join(bins, " "), strings.Join(types, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwhat each check needs for a 95%% interval narrower than %.2f (and, at a measured value, to decide):\n", width)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tplanned at\ttruths\tscenario\ttruths/cam-min\tcamera-minutes\tto decide: truths\tcamera-minutes")
	for _, r := range rows {
		if r.Note != "" && r.PerMin == 0 {
			fmt.Fprintf(tw, "%s\t\t\t\t\t\t\t%s\n", r.Metric, r.Note)
			continue
		}
		at := fmt.Sprintf("%.3f (limit)", r.Assumed)
		dec, decMin := "-", "-"
		if r.Measured {
			at = fmt.Sprintf("%.3f (measured)", r.Assumed)
			dec, decMin = "never (on the limit)", "-"
			if r.Decide > 0 {
				dec, decMin = fmt.Sprint(r.Decide), fmt.Sprintf("%.0f", r.DecideMin)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.2f\t%.0f\t%s\t%s\n", r.Metric, at, r.Units, r.Scenario, r.PerMin, r.Minutes, dec, decMin)
	}
	return tw.Flush()
}
