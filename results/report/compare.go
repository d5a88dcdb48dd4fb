package report

import (
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/wire"
)

// Limits are the regression gate: metric name (or a pattern such as "f1.*", path.Match
// syntax) to the largest allowed drop (MaxDrop) or rise (MaxRise), in the metric's unit.
//
// A drop limit on a rate (f1, precision, recall, plate_accuracy) breaks only when the drop
// also is significant at Alpha: noise from a small sample does not fail a gate.
type Limits struct {
	MaxDrop map[string]float64
	MaxRise map[string]float64
	// Alpha is the one-sided significance level of the gate's tests [DefaultAlpha, 0.05].
	Alpha float64
	// Seed seeds the F1 bootstrap [0].
	Seed uint64
}

// ParseLimits reads "f1=0.01,recall.*=0.02" (rates) or "latency_p95=500ms,latency_p99=1s"
// (times: a duration or milliseconds) into a map.
func ParseLimits(s string) (map[string]float64, error) {
	out := map[string]float64{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("limit %q: want metric=value", kv)
		}
		base, _, _ := strings.Cut(k, ".")
		if !slices.Contains(conform.MetricNames(), base) {
			return nil, fmt.Errorf("limit %q: unknown metric %q (want one of %s)", kv, base, strings.Join(conform.MetricNames(), ", "))
		}
		if _, err := path.Match(k, ""); err != nil {
			return nil, fmt.Errorf("limit %q: bad pattern", kv)
		}
		var x float64
		if conform.Unit(k) == "ms" {
			if d, err := time.ParseDuration(v); err == nil {
				x = float64(d) / 1e6
			} else if _, err := fmt.Sscanf(v, "%g", &x); err != nil {
				return nil, fmt.Errorf("limit %q: want a duration such as 500ms", kv)
			}
		} else if n, err := fmt.Sscanf(v, "%g", &x); err != nil || n != 1 || fmt.Sprint(x) == "" {
			return nil, fmt.Errorf("limit %q: want a number", kv)
		}
		if x < 0 || math.IsNaN(x) {
			return nil, fmt.Errorf("limit %q: must not be negative", kv)
		}
		out[k] = x
	}
	return out, nil
}

// Row is one metric of a comparison.
type Row struct {
	Metric     string  `json:"metric"`
	Base       float64 `json:"base"`
	Run        float64 `json:"run"`
	Delta      float64 `json:"delta"` // run - base
	BaseOK     bool    `json:"base_ok"`
	RunOK      bool    `json:"run_ok"` // the metric has data in that run
	Limit      string  `json:"limit,omitempty"`
	LimitValue float64 `json:"limit_value,omitempty"`
	Broken     bool    `json:"broken"`
	// The gate's test of a rate's drop (see Limits): its name, the one-sided p-value, the
	// smallest drop it detects with 80 % power at Alpha, and the truths paired across runs.
	Tested      bool    `json:"tested,omitempty"`
	Test        string  `json:"test,omitempty"`
	P           float64 `json:"p,omitempty"`
	MinDrop     float64 `json:"min_detectable_drop,omitempty"`
	Paired      int     `json:"paired_truths,omitempty"`
	Significant bool    `json:"significant,omitempty"`
}

// Better reports whether a rise of the metric is an improvement (rates, TP) or not (times,
// FP, FN, duplicates).
func Better(metric string) int {
	base, _, _ := strings.Cut(metric, ".")
	switch {
	case conform.IsRate(metric), base == "tp":
		return 1
	}
	return -1
}

// MetricList is every metric a comparison shows: all overall figures, then rates per type,
// per condition and per camera present in either score.
func MetricList(scores ...*results.Score) []string {
	out := conform.MetricNames()
	slices.SortStableFunc(out, func(a, b string) int { return order(a) - order(b) })
	rates := []string{"f1", "precision", "recall", "plate_accuracy"}
	seen := map[string]bool{}
	add := func(scope string) {
		if seen[scope] {
			return
		}
		seen[scope] = true
		for _, r := range rates {
			out = append(out, r+"."+scope)
		}
		out = append(out, "latency_p95."+scope)
	}
	for _, t := range wire.ViolationTypes {
		for _, s := range scores {
			if _, ok := s.ByType[string(t)]; ok {
				add(string(t))
			}
		}
	}
	var conds, cams []string
	for _, s := range scores {
		for k := range s.ByCondition {
			conds = append(conds, k)
		}
		for k := range s.ByCamera {
			cams = append(cams, "camera:"+k)
		}
	}
	slices.Sort(conds)
	slices.Sort(cams)
	for _, c := range slices.Compact(conds) {
		add(c)
	}
	for _, c := range slices.Compact(cams) {
		add(c)
	}
	return out
}

func order(m string) int {
	return slices.Index([]string{"f1", "precision", "recall", "plate_accuracy", "latency_p50", "latency_p95", "latency_p99",
		"latency_max", "latency_mean", "time_error_mean", "time_error_p95", "tp", "fp", "fn", "duplicates"}, m)
}

// Compare puts two scores side by side and marks the rows whose change breaks a limit. A
// limited metric that has data in the baseline but none in the run is broken too. The
// tests of rate drops are unpaired; ComparePaired pairs them by truth.
func Compare(base, run *results.Score, l Limits) []Row { return ComparePaired(base, run, nil, nil, l) }

// ComparePaired is Compare with the two runs' matches: when both come from the same scenario
// and seeds (the caller checks), the truths they share are paired in the tests of recall,
// plate accuracy and F1, which then see through what both runs miss alike.
func ComparePaired(base, run *results.Score, bm, rm []results.Match, l Limits) []Row {
	var rows []Row
	for _, m := range MetricList(base, run) {
		r := Row{Metric: m}
		r.Base, r.BaseOK = conform.Lookup(base, m)
		r.Run, r.RunOK = conform.Lookup(run, m)
		r.Delta = r.Run - r.Base
		if k, lim, ok := limitFor(l.MaxDrop, m); ok {
			r.Limit, r.LimitValue = "max drop "+conform.Format(m, lim)+" ("+k+")", lim
			if r.BaseOK && (!r.RunOK || -r.Delta > lim+1e-9) {
				r.Broken = true
			}
		}
		if k, lim, ok := limitFor(l.MaxRise, m); ok {
			r.Limit, r.LimitValue = "max rise "+conform.Format(m, lim)+" ("+k+")", lim
			if r.BaseOK && (!r.RunOK || r.Delta > lim+1e-9) {
				r.Broken = true
			}
		}
		gate(&r, base, run, bm, rm, l)
		rows = append(rows, r)
	}
	return rows
}

// limitFor finds the limit of a metric: an exact name first, then the first matching
// pattern in sorted order.
func limitFor(m map[string]float64, metric string) (string, float64, bool) {
	if v, ok := m[metric]; ok {
		return metric, v, true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if ok, _ := path.Match(k, metric); ok {
			return k, m[k], true
		}
	}
	return "", 0, false
}

// Broken counts the rows that break a limit.
func Broken(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Broken {
			n++
		}
	}
	return n
}

// Table prints the comparison as an aligned text table. With all false it prints only
// overall metrics, limited metrics and changed rates.
func Table(w io.Writer, rows []Row, all bool) error {
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tbaseline\trun\tchange\tsignificance\tdetectable drop\tlimit\tverdict")
	for _, r := range rows {
		overall := !strings.Contains(r.Metric, ".")
		if !all && !overall && r.Limit == "" && math.Abs(r.Delta) < 1e-9 {
			continue
		}
		verdict := "ok"
		switch {
		case r.Broken:
			verdict = "BROKEN"
		case r.Limit == "":
			verdict = ""
		}
		if verdict == "ok" && r.Tested && -r.Delta > r.LimitValue+1e-9 && strings.HasPrefix(r.Limit, "max drop") {
			verdict = "ok (not significant)"
		}
		mdd := ""
		if r.Tested {
			mdd = conform.Format(r.Metric, r.MinDrop)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Metric, cell(r.Metric, r.Base, r.BaseOK), cell(r.Metric, r.Run, r.RunOK),
			delta(r), significance(r), mdd, r.Limit, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, l := range strings.SplitAfter(buf.String(), "\n") {
		if _, err := io.WriteString(w, strings.TrimRight(l, " \n")+strings.Repeat("\n", strings.Count(l, "\n"))); err != nil {
			return err
		}
	}
	return nil
}

func cell(m string, v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return conform.Format(m, v)
}

func delta(r Row) string {
	if !r.BaseOK || !r.RunOK {
		return "-"
	}
	if math.Abs(r.Delta) < 1e-9 {
		return "="
	}
	s := conform.Format(r.Metric, math.Abs(r.Delta))
	if r.Delta > 0 {
		return "+" + s
	}
	return "-" + s
}

// JUnit adds the comparison to a JUnit report: one case per limited metric.
func CompareJUnit(j *conform.JUnit, rows []Row) {
	s := conform.JUnitSuite{Name: "regression"}
	for _, r := range rows {
		if r.Limit == "" {
			continue
		}
		c := conform.JUnitCase{Name: r.Metric + " " + r.Limit, ClassName: "regression"}
		if r.Broken {
			msg := fmt.Sprintf("%s: %s -> %s (%s), %s", r.Metric, cell(r.Metric, r.Base, r.BaseOK), cell(r.Metric, r.Run, r.RunOK), delta(r), r.Limit)
			c.Failure = &conform.JUnitFailure{Message: msg, Text: msg}
			s.Fails++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	j.Suites = append(j.Suites, s)
	j.Tests += s.Tests
	j.Fails += s.Fails
}
