package conform

import (
	"bytes"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/stats"
)

func TestDefaultProfile(t *testing.T) {
	p := Default()
	want := map[string]float64{"plate_accuracy.day": 0.93, "plate_accuracy.night": 0.80, "latency_p95": 120000}
	for _, c := range p.Checks {
		if w, ok := want[c.Metric]; ok && c.Limit() != w {
			t.Errorf("%s limit %v, want %v", c.Metric, c.Limit(), w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, yaml, err string }{
		{"unknown key", "name: x\nchecks:\n  - metric: f1\n    op: \">=\"\n    value: 0.9\n    treshold: 1\n",
			`conform: p.yaml: [6:5] unknown field "treshold"`},
		{"unknown top key", "nam: x\n", `conform: p.yaml: [1:1] unknown field "nam"`},
		{"parser panic", "checks:\n  ! #0", "conform: p.yaml: malformed YAML (the parser failed: runtime error: invalid memory address or nil pointer dereference)"},
		{"no checks", "name: x\n", "conform: p.yaml: checks: at least one check is needed"},
		{"unknown metric", "checks:\n  - {metric: f2, op: \">=\", value: 1}\n",
			`conform: p.yaml: checks[0].metric: unknown metric "f2" (want one of duplicates, f1, fn, fp, latency_max, latency_mean, latency_p50, latency_p95, latency_p99, plate_accuracy, precision, recall, time_error_mean, time_error_p95, tp)`},
		{"unknown scope", "checks:\n  - {metric: f1.red_lite, op: \">=\", value: 1}\n",
			`conform: p.yaml: checks[0].metric: unknown scope "red_lite" (want a violation type, a condition, camera:<id> or *)`},
		{"bad op", "checks:\n  - {metric: f1, op: \">\", value: 1}\n", `conform: p.yaml: checks[0].op: want ">=" or "<=", got ">"`},
		{"missing value", "checks:\n  - {metric: f1, op: \">=\"}\n", "conform: p.yaml: checks[0].value: required"},
		{"duration for a rate", "checks:\n  - {metric: f1, op: \">=\", value: 2m}\n", `conform: p.yaml: checks[0].value: want a number, got "2m"`},
		{"bad duration", "checks:\n  - {metric: latency_p95, op: \"<=\", value: soon}\n",
			`conform: p.yaml: checks[0].value: want a duration such as 2m or a number of milliseconds, got "soon"`},
	}
	for _, c := range cases {
		_, err := Parse("p.yaml", []byte(c.yaml))
		if err == nil || err.Error() != c.err {
			t.Errorf("%s: error\n%v\nwant\n%s", c.name, err, c.err)
		}
	}
}

func TestEvaluate(t *testing.T) {
	p, err := Parse("p.yaml", []byte(`checks:
  - {metric: plate_accuracy.day, op: ">=", value: 0.93}
  - {metric: plate_accuracy.night, op: ">=", value: 0.80}
  - {metric: f1.*, op: ">=", value: 0.9}
  - {metric: latency_p95, op: "<=", value: 2m}
  - {metric: recall.camera:c9, op: ">=", value: 0.5}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := &results.Score{
		Overall: results.Metrics{TP: 10, LatencyP95Ms: 130000},
		ByType:  map[string]results.Metrics{"red_light": {TP: 9, FN: 1, F1: 0.947}, "no_helmet": {TP: 1, FN: 1, F1: 0.667}},
		ByCondition: map[string]results.Metrics{"day": {TP: 10, Plates: 10, PlatesOK: 10, PlateAccuracy: 1},
			"night": {FN: 2}},
	}
	var got []string
	for _, v := range p.Evaluate(s) {
		got = append(got, v.String())
	}
	want := []string{
		"plate_accuracy.day 1.0000 >= 0.9300: pass",
		"plate_accuracy.night 0.0000 >= 0.8000: no data",
		"f1.red_light 0.9470 >= 0.9000: pass",
		"f1.no_helmet 0.6670 >= 0.9000: fail",
		"latency_p95 130.0 s <= 120.0 s: fail",
		"recall.camera:c9 0.0000 >= 0.5000: no data",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("verdicts\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var j JUnit
	j.Name = "conformity"
	j.AddSuite("conformity", p.Evaluate(s))
	var b bytes.Buffer
	if err := j.Write(&b); err != nil {
		t.Fatal(err)
	}
	if j.Tests != 6 || j.Fails != 2 || j.Skips != 2 || !strings.Contains(b.String(), `<skipped message="plate_accuracy.night 0.0000 &gt;= 0.8000: no data">`) || !strings.Contains(b.String(), `<testcase name="f1.no_helmet &gt;= 0.9000" classname="conformity">`) {
		t.Errorf("junit %d tests %d failures:\n%s", j.Tests, j.Fails, b.String())
	}
}

// ci fills a slice's intervals the way results does for counts (Wilson; F1 by bootstrap).
func ci(m results.Metrics) results.Metrics {
	m.CI = &results.Intervals{Precision: stats.Wilson(m.TP, m.TP+m.FP), Recall: stats.Wilson(m.TP, m.TP+m.FN),
		F1: stats.F1(stats.Rand(1, "t"), m.TP, m.FP, m.FN), PlateAccuracy: stats.Wilson(m.PlatesOK, m.Plates)}
	m.F1 = float64(2*m.TP) / float64(max(2*m.TP+m.FP+m.FN, 1))
	m.Recall = float64(m.TP) / float64(max(m.TP+m.FN, 1))
	m.PlateAccuracy = float64(m.PlatesOK) / float64(max(m.Plates, 1))
	return m
}

// A check passes only when its whole interval clears the limit, fails only when the whole
// interval misses it, and otherwise asks for a number of truths; no truths is "no data".
func TestThreeWayVerdicts(t *testing.T) {
	p, err := Parse("p.yaml", []byte(`checks:
  - {metric: plate_accuracy.day, op: ">=", value: 0.93}
  - {metric: plate_accuracy.night, op: ">=", value: 0.80}
  - {metric: recall.red_light, op: ">=", value: 0.90}
  - {metric: f1.wrong_way, op: ">=", value: 0.75}
  - {metric: f1.no_helmet, op: ">=", value: 0.75}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := &results.Score{
		ByType: map[string]results.Metrics{"red_light": ci(results.Metrics{FP: 2, FN: 4}), "wrong_way": ci(results.Metrics{FP: 1}),
			"no_helmet": ci(results.Metrics{TP: 12, FP: 3, FN: 2})},
		ByCondition: map[string]results.Metrics{"day": ci(results.Metrics{TP: 167, FN: 35, Plates: 167, PlatesOK: 163}),
			"night": ci(results.Metrics{TP: 67, FN: 19, Plates: 67, PlatesOK: 60})},
	}
	vs := p.Evaluate(s)
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	want := []string{
		"plate_accuracy.day 0.9760 [0.9400, 0.9906] >= 0.9300: pass",
		"plate_accuracy.night 0.8955 [0.7997, 0.9485] >= 0.8000: insufficient sample (~2 more night truths)",
		"recall.red_light 0.0000 [0.0000, 0.4899] >= 0.9000: fail",
		"f1.wrong_way 0.0000 >= 0.7500: no data",
		"f1.no_helmet 0.8276 [0.6400, 0.9375] >= 0.7500: insufficient sample (~69 more no_helmet truths)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("verdicts\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if o := Overall(vs); o != DoesNot {
		t.Errorf("overall %q, want %q", o, DoesNot)
	}
	if o := Overall(vs[1:2]); o != NotDecided {
		t.Errorf("overall of an insufficient sample %q, want %q", o, NotDecided)
	}
	// The promised number of truths decides: night plates at 0.8955 with 86+2 truths (the same
	// plate share) clear 0.80.
	n := 67 + (vs[1].More*67+85)/86
	if iv := stats.Wilson(int(0.8955*float64(n)+0.5), n); iv.Lo < 0.80 {
		t.Errorf("with %d plates the interval %v still does not clear 0.80", n, iv)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(DefaultYAML())
	f.Add([]byte("checks:\n  - {metric: f1, op: \">=\", value: 1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse("f.yaml", b)
		if err == nil {
			p.Evaluate(&results.Score{})
		}
	})
}
