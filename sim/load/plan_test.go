package load

import (
	"strings"
	"testing"
	"time"
)

const minimalPlan = `scenarios:
  knee:
    executor: ramping-cameras
    startCameras: 10
    stages:
      - {duration: 60s, target: 10}
      - {duration: 0s, target: 20}
      - {duration: 60s, target: 20}
thresholds:
  latency: ["p(95)<4000"]
  frames_lost:
    - threshold: count==0
      abortOnFail: true
      delayAbortEval: 10s
`

func TestParsePlanReadsExecutorsStagesAndThresholds(t *testing.T) {
	p, err := ParsePlan("x.yaml", []byte(minimalPlan))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Scenarios["knee"]
	if s.Name != "knee" || s.Scenario != "intersection-day" || s.CamerasPerDevice != 60 || s.Device != "reference" || len(s.Stages) != 3 {
		t.Errorf("scenario = %+v", s)
	}
	fl := p.Thresholds["frames_lost"][0]
	if fl.Expr.Agg.Name != "count" || !fl.AbortOnFail || fl.DelayAbortEval != 10*time.Second {
		t.Errorf("frames_lost threshold = %+v", fl)
	}
	if got := p.Thresholds["latency"][0].Expr.Source; got != "p(95)<4000" {
		t.Errorf("latency threshold %q", got)
	}
	if p.Length() != 120*time.Second || p.Options.Tail != 7*time.Second {
		t.Errorf("length %v, tail %v", p.Length(), p.Options.Tail)
	}
}

func TestParsePlanErrorsNameFileLineAndField(t *testing.T) {
	cases := []struct{ name, yaml, err string }{
		{"empty", "", "x.yaml:1: the file is empty"},
		{"negative warm-up", minimalPlan + "options:\n  warmUp: -1s\n", "x.yaml:16: options.warmUp: must not be negative"},
		{"unknown top-level key", minimalPlan + "colour: red\n", "x.yaml:15: colour: unknown field"},
		{"unknown scenario key", strings.Replace(minimalPlan, "startCameras: 10", "startCameras: 10\n    startVUs: 3", 1), "x.yaml:5: startVUs: unknown field"},
		{"unknown stage key", strings.Replace(minimalPlan, "{duration: 0s, target: 20}", "{duration: 0s, target: 20, vus: 3}", 1), "x.yaml:7: vus: unknown field"},
		{"no scenarios", "thresholds:\n  latency: [\"avg<1\"]\n", "x.yaml:1: scenarios: at least one scenario is required"},
		{"unknown executor", strings.Replace(minimalPlan, "ramping-cameras", "ramping-vus", 1), `x.yaml:3: scenarios.knee.executor: unknown executor "ramping-vus" (want one of ramping-cameras, constant-cameras, ramping-readers, constant-reader-rate, externally-controlled)`},
		{"no stages", "scenarios:\n  a:\n    executor: ramping-cameras\n", "x.yaml:3: scenarios.a.stages: a ramping-cameras scenario needs at least one stage"},
		{"constant without cameras", "scenarios:\n  a:\n    executor: constant-cameras\n    duration: 10s\n", "x.yaml:3: scenarios.a.cameras: a constant-cameras scenario needs at least 1 camera"},
		{"negative target", strings.Replace(minimalPlan, "target: 20}\n", "target: -1}\n", 1), "x.yaml:7: scenarios.knee.stages[1].target: must not be negative"},
		{"smart share", strings.Replace(minimalPlan, "startCameras: 10", "startCameras: 10\n    smartShare: 1.5", 1), "x.yaml:5: scenarios.knee.smartShare: must be within 0-1 (got 1.5)"},
		{"unknown metric", minimalPlan + "  lag: [\"avg<1\"]\n", `x.yaml:15: thresholds.lag: unknown metric "lag" (want one of ` + strings.Join(MetricNames(), ", ") + ")"},
		{"bad selector", minimalPlan + "  latency{type: [\"avg<1\"]\n", `x.yaml:15: thresholds.latency{type: "latency{type": unclosed "{"`},
		{"bad expression", strings.Replace(minimalPlan, "p(95)<4000", "p95<4000", 1), `x.yaml:10: thresholds.latency[0]: "p95<4000": unknown aggregation "p95" (want avg, min, max, med, count, rate, value or p(N))`},
		{"aggregation of another kind", strings.Replace(minimalPlan, "count==0", "p(95)<1", 1), `x.yaml:12: thresholds.frames_lost[0]: "p(95)<1": a counter metric has count, rate, not p(95)`},
		{"unknown threshold option", strings.Replace(minimalPlan, "abortOnFail: true", "abortOnFail: true\n      abort: yes", 1), "x.yaml:14: thresholds.frames_lost[0].abort: unknown field"},
		{"bad duration", strings.Replace(minimalPlan, "duration: 60s, target: 10", "duration: 1 minute, target: 10", 1), "x.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePlan("x.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error, want %s", c.err)
			}
			if c.err == "x.yaml" {
				if !strings.HasPrefix(err.Error(), "x.yaml:") {
					t.Errorf("error %q names no line", err)
				}
				return
			}
			if err.Error() != c.err {
				t.Errorf("error\n  %s\nwant\n  %s", err, c.err)
			}
		})
	}
}

func TestTargetRampsLinearlyAndJumpsOnZeroStages(t *testing.T) {
	s := &Scenario{Executor: RampingCameras, Start: 10 * time.Second, StartCameras: 10, Stages: []Stage{
		{60 * time.Second, 10}, {0, 20}, {60 * time.Second, 20}, {10 * time.Second, 0},
	}}
	cases := []struct {
		at          time.Duration
		want, stage int
	}{
		{0, 0, -1},
		{9999 * time.Millisecond, 0, -1},
		{10 * time.Second, 10, 0},
		{69999 * time.Millisecond, 10, 0},
		{70 * time.Second, 20, 2}, // the zero stage jumped
		{129999 * time.Millisecond, 20, 2},
		{130 * time.Second, 20, 3},
		{135 * time.Second, 10, 3},        // half way down
		{139999 * time.Millisecond, 1, 3}, // whole cameras, moving from the previous target
		{140 * time.Second, 0, 4},         // ended
	}
	for _, c := range cases {
		n, st := s.Target(c.at)
		if n != c.want || st != c.stage {
			t.Errorf("Target(%v) = %d cameras, stage %d; want %d, stage %d", c.at, n, st, c.want, c.stage)
		}
	}
	up := &Scenario{Executor: RampingCameras, Stages: []Stage{{10 * time.Second, 5}}}
	for at, want := range map[time.Duration]int{0: 0, 1999 * time.Millisecond: 0, 2 * time.Second: 1, 9999 * time.Millisecond: 4} {
		if n, _ := up.Target(at); n != want {
			t.Errorf("ramp 0->5 over 10s at %v = %d, want %d (rounded down)", at, n, want)
		}
	}
}

func TestTargetOfConstantExecutors(t *testing.T) {
	c := &Scenario{Executor: ConstantCameras, Cameras: 8, Duration: time.Minute}
	if n, st := c.Target(59 * time.Second); n != 8 || st != 0 {
		t.Errorf("constant at 59s = %d, %d", n, st)
	}
	if n, st := c.Target(time.Minute); n != 0 || st != 1 {
		t.Errorf("constant at its end = %d, %d", n, st)
	}
	r := &Scenario{Executor: ConstantReaderRate, Rate: 2, TimeUnit: time.Second, ReaderDuration: 3 * time.Second, Duration: time.Minute}
	for at, want := range map[time.Duration]int{0: 2, 1500 * time.Millisecond: 4, 2 * time.Second: 6, 10 * time.Second: 6} {
		if n, _ := r.Target(at); n != want {
			t.Errorf("readers at %v = %d, want %d", at, n, want)
		}
	}
	if r.Peak() != 6 {
		t.Errorf("peak %d", r.Peak())
	}
}

func FuzzParsePlan(f *testing.F) {
	f.Add([]byte(minimalPlan))
	f.Add([]byte("scenarios: {a: {executor: constant-cameras, cameras: 1, duration: 1s}}"))
	f.Add([]byte("scenarios: {a: {executor: constant-cameras, cameras: 1, duration: 1s, device: none}, r: {executor: constant-reader-rate, rate: 2, duration: 3s, readFrom: a}}"))
	f.Add([]byte("scenarios: {a: {executor: ramping-cameras, via: cluster, stages: [{duration: 1s, target: 2}]}, r: {executor: ramping-readers, stages: [{duration: 1s, target: 5}]}}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePlan("f.yaml", b)
		if err == nil && len(p.Scenarios) == 0 {
			t.Fatal("a valid plan without scenarios")
		}
	})
}
