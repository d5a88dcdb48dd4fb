package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/record/recordtest"
)

func TestParseLimits(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]float64
		err  string
	}{
		{"", map[string]float64{}, ""},
		{"f1=0.01, recall.*=0.02", map[string]float64{"f1": 0.01, "recall.*": 0.02}, ""},
		{"latency_p95=500ms,latency_p99=2s,latency_max=1500", map[string]float64{"latency_p95": 500, "latency_p99": 2000, "latency_max": 1500}, ""},
		{"f1", nil, `limit "f1": want metric=value`},
		{"f2=0.1", nil, `limit "f2=0.1": unknown metric "f2" (want one of duplicates, f1, fn, fp, latency_max, latency_mean, latency_p50, latency_p95, latency_p99, plate_accuracy, precision, recall, time_error_mean, time_error_p95, tp)`},
		{"f1=lots", nil, `limit "f1=lots": want a number`},
		{"latency_p95=soon", nil, `limit "latency_p95=soon": want a duration such as 500ms`},
		{"f1=-0.1", nil, `limit "f1=-0.1": must not be negative`},
		{"f1.[=0.1", nil, `limit "f1.[=0.1": bad pattern`},
	}
	for _, c := range cases {
		got, err := ParseLimits(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%q: %v %v, want %v", c.in, got, err, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%q: %s = %v, want %v", c.in, k, got[k], v)
			}
		}
	}
}

func TestCompareTable(t *testing.T) {
	base := &results.Score{Overall: results.Metrics{TP: 90, FP: 10, FN: 10, F1: 0.9, Precision: 0.9, Recall: 0.9, LatencyP95Ms: 800},
		ByType: map[string]results.Metrics{"red_light": {TP: 50, FN: 5, F1: 0.95}, "no_helmet": {TP: 40, FN: 5, F1: 0.9}}}
	run := &results.Score{Overall: results.Metrics{TP: 88, FP: 10, FN: 12, F1: 0.888, Precision: 0.898, Recall: 0.88, LatencyP95Ms: 1500},
		ByType: map[string]results.Metrics{"red_light": {TP: 50, FN: 5, F1: 0.95}, "no_helmet": {TP: 38, FN: 7, F1: 0.86}}}
	drop, _ := ParseLimits("f1=0.02,f1.*=0.03")
	rise, _ := ParseLimits("latency_p95=500ms")
	rows := Compare(base, run, Limits{MaxDrop: drop, MaxRise: rise})
	var b bytes.Buffer
	if err := Table(&b, rows, false); err != nil {
		t.Fatal(err)
	}
	want := `metric           baseline  run      change   significance  detectable drop  limit                          verdict
f1               0.9000    0.8880   -0.0120  p=0.366       0.0799           max drop 0.0200 (f1)           ok
precision        0.9000    0.8980   -0.0020  p=0.481       0.1065
recall           0.9000    0.8800   -0.0200  p=0.326       0.1100
plate_accuracy   -         -        -
latency_p50      0 ms      0 ms     =
latency_p95      800 ms    1500 ms  +700 ms                                 max rise 500 ms (latency_p95)  BROKEN
`
	if got := b.String(); !strings.HasPrefix(got, want) {
		t.Errorf("table starts\n%s\nwant\n%s", got, want)
	}
	// no_helmet drops 4 points, past its limit, but on 45 truths that is within noise.
	if !strings.Contains(b.String(), "f1.no_helmet     0.9000    0.8600   -0.0400  p=0.293       0.1040           max drop 0.0300 (f1.*)         ok (not significant)") {
		t.Errorf("per-type pattern limit not applied:\n%s", b.String())
	}
	if n := Broken(rows); n != 1 {
		t.Errorf("%d broken rows, want 1", n)
	}
	// The same drop on 100 times the truths is significant.
	big := func(s *results.Score) *results.Score {
		m := s.ByType["no_helmet"]
		m.TP, m.FN = 100*m.TP, 100*m.FN
		return &results.Score{Overall: s.Overall, ByType: map[string]results.Metrics{"no_helmet": m}}
	}
	if r := Compare(big(base), big(run), Limits{MaxDrop: drop}); Broken(r) != 1 || !r[len(r)-5].Broken {
		t.Errorf("a 4-point drop on 4500 truths: %d broken, want f1.no_helmet", Broken(r))
	}
	var j conform.JUnit
	CompareJUnit(&j, rows)
	// f1, latency_p95, and f1.<type> for both types: 4 cases, 1 failure.
	if j.Tests != 4 || j.Fails != 1 {
		t.Errorf("junit: %d tests, %d failures; want 4, 1", j.Tests, j.Fails)
	}
}

// TestCompareGeneratedRuns gates a worse build of the device against the default one.
func TestCompareGeneratedRuns(t *testing.T) {
	d := t.TempDir()
	a, err := recordtest.Write(filepath.Join(d, "a"), recordtest.Options{ID: "base"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := recordtest.Write(filepath.Join(d, "b"), recordtest.Options{ID: "worse", Skill: 0.9, ExtraLatency: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	same := Compare(a.Summary, a.Summary, Limits{MaxDrop: map[string]float64{"f1": 0}, MaxRise: map[string]float64{"latency_p95": 0}})
	if Broken(same) != 0 {
		t.Error("a run compared with itself breaks a zero limit")
	}
	// The worse build reads 8 points fewer plates (significant) and loses 3 points of F1 on
	// 288 truths (not significant at 0.05).
	rows := ComparePaired(a.Summary, b.Summary, a.Matches, b.Matches, Limits{MaxDrop: map[string]float64{"f1": 0.01, "plate_accuracy": 0.01},
		MaxRise: map[string]float64{"latency_p95": 200}})
	if Broken(rows) != 2 || rows[0].Broken || !rows[3].Broken || rows[3].Paired == 0 {
		t.Errorf("worse build: %d limits broken, want 2 (plate_accuracy paired, latency_p95; not f1): %+v", Broken(rows), rows[:4])
	}
	in := Prepare(b, nil)
	in.Compare, in.Baseline = rows, "base"
	var h bytes.Buffer
	if err := Render(&h, in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), "Regression against base") || !strings.Contains(h.String(), "2 LIMITS BROKEN") {
		t.Error("HTML lacks the regression section")
	}
}
