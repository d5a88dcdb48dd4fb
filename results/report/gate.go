package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/stats"
	"github.com/trafficsim/trafficsim/wire"
)

// DefaultAlpha is the significance level of the gate when Limits.Alpha is 0.
const DefaultAlpha = 0.05

// gate tests the limited drops of rates: a row breaks only when its drop passes the limit
// and is significant at alpha (one-sided). Recall and plate accuracy are paired by truth
// (McNemar) when both runs have matches of the same truths; precision is a two-proportion
// test; F1 a bootstrap of its drop, paired on the shared truths. Figures without a test
// (times, counts) keep the plain rule.
func gate(r *Row, base, run *results.Score, bm, rm []results.Match, l Limits) {
	base0, _, _ := strings.Cut(r.Metric, ".")
	if !r.BaseOK || !r.RunOK || !slices.Contains([]string{"f1", "precision", "recall", "plate_accuracy"}, base0) {
		return
	}
	alpha := l.Alpha
	if alpha <= 0 {
		alpha = DefaultAlpha
	}
	b, _ := conform.Slice(base, r.Metric)
	u, _ := conform.Slice(run, r.Metric)
	var p, se float64
	pairs := pairTruths(bm, rm, r.Metric)
	switch base0 {
	case "precision":
		p, se = stats.TwoProportion(b.TP, b.TP+b.FP, u.TP, u.TP+u.FP)
		r.Test = "two-proportion z"
	case "recall", "plate_accuracy":
		if pairs.n > 0 {
			lost, won, n := pairs.detLost, pairs.detWon, pairs.n
			if base0 == "plate_accuracy" {
				lost, won, n = pairs.plateLost, pairs.plateWon, pairs.plates
			}
			p, se = stats.McNemar(lost, won, n)
			r.Test, r.Paired = "McNemar", n
		} else if base0 == "recall" {
			p, se = stats.TwoProportion(b.TP, b.TP+b.FN, u.TP, u.TP+u.FN)
			r.Test = "two-proportion z"
		} else {
			p, se = stats.TwoProportion(b.PlatesOK, b.Plates, u.PlatesOK, u.Plates)
			r.Test = "two-proportion z"
		}
	case "f1":
		var tab *[4]int
		r.Test = "bootstrap"
		if pairs.n > 0 {
			tab, r.Paired, r.Test = &pairs.table, pairs.n, "paired bootstrap"
		}
		_, p, se = stats.F1Drop(stats.Rand(l.Seed+1, r.Metric), stats.F1Counts{TP: b.TP, FP: b.FP, FN: b.FN},
			stats.F1Counts{TP: u.TP, FP: u.FP, FN: u.FN}, tab)
	}
	r.Tested, r.P, r.MinDrop = true, p, stats.MinDetectableDrop(se, alpha)
	r.Significant = -r.Delta > 0 && p < alpha
	if r.Limit != "" && strings.HasPrefix(r.Limit, "max drop") {
		r.Broken = !r.RunOK || -r.Delta > r.LimitValue+1e-9 && r.Significant
	}
}

// pairing is what two runs' matches say about the truths they share in one slice.
type pairing struct {
	n                   int    // shared truths
	table               [4]int // detected by both, baseline only, run only, neither
	detLost, detWon     int    // baseline detected and run missed; the reverse
	plates              int    // shared truths with a plate verdict in both runs
	plateLost, plateWon int
}

// truthKey names a truth across runs of the same scenario and seeds: camera, truth id and
// which occurrence of that id it is (a looping clip repeats its truth ids).
type truthKey struct {
	camera, id string
	n          int
}

func truthOutcomes(ms []results.Match, metric string) map[truthKey]*results.Match {
	out := map[truthKey]*results.Match{}
	seen := map[[2]string]int{}
	for i := range ms {
		m := &ms[i]
		if m.TruthID == "" || (m.Outcome != results.TP && m.Outcome != results.FN) || !inScope(m, metric) {
			continue
		}
		k := [2]string{m.Camera, m.TruthID}
		out[truthKey{m.Camera, m.TruthID, seen[k]}] = m
		seen[k]++
	}
	return out
}

// inScope reports whether a match counts in a metric's slice.
func inScope(m *results.Match, metric string) bool {
	_, scope, ok := strings.Cut(metric, ".")
	switch {
	case !ok:
		return true
	case strings.HasPrefix(scope, "camera:"):
		return m.Camera == scope[7:]
	case wire.ViolationType(scope).Valid():
		return string(m.Type) == scope
	}
	c := m.Conditions()
	return slices.Contains(c[:], scope)
}

func pairTruths(bm, rm []results.Match, metric string) pairing {
	var p pairing
	if len(bm) == 0 || len(rm) == 0 {
		return p
	}
	a, b := truthOutcomes(bm, metric), truthOutcomes(rm, metric)
	for k, x := range a {
		y, ok := b[k]
		if !ok {
			continue
		}
		p.n++
		dx, dy := x.Outcome == results.TP, y.Outcome == results.TP
		switch {
		case dx && dy:
			p.table[0]++
		case dx:
			p.table[1]++
			p.detLost++
		case dy:
			p.table[2]++
			p.detWon++
		default:
			p.table[3]++
		}
		if x.PlateOK != results.PlateNA && y.PlateOK != results.PlateNA {
			p.plates++
			switch {
			case x.PlateOK == results.PlateRight && y.PlateOK == results.PlateWrong:
				p.plateLost++
			case x.PlateOK == results.PlateWrong && y.PlateOK == results.PlateRight:
				p.plateWon++
			}
		}
	}
	return p
}

// significance is the p and detectable-drop cell of a row: "p 0.003, ≥0.041".
func significance(r Row) string {
	if !r.Tested {
		return ""
	}
	return fmt.Sprintf("p=%.3f", r.P)
}
