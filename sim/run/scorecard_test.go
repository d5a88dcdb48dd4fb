package run_test

import (
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/stats"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/run"
)

func TestScorecardTable(t *testing.T) {
	res := &run.Result{Cameras: 2, Smart: 1, Report: "runs/x/report.html", Profile: "p",
		Score: results.Score{Truths: 5, Events: 4,
			Overall: results.Metrics{TP: 3, FP: 1, FN: 2, Precision: 0.75, Recall: 0.6, F1: 2.0 / 3, LatencyP50Ms: 800, LatencyP95Ms: 1900, LatencyP99Ms: 2400, TimeErrorMeanMs: 120, TimeErrorP95Ms: 300},
			ByType: map[string]results.Metrics{
				"red_light": {TP: 3, FP: 0, FN: 1, Precision: 1, Recall: 0.75, F1: 6.0 / 7},
				"sidewalk":  {FP: 1, FN: 1},
			},
			ByCondition: map[string]results.Metrics{"day": {Plates: 3, PlatesOK: 2, PlateAccuracy: 2.0 / 3}},
		},
		FarmStats: []farm.CameraStats{{ID: "cam-001", Frames: 250}, {ID: "cam-002", Frames: 240}},
		Device:    device.Stats{Sent: 3, Cameras: map[string]device.CameraStats{"cam-001": {Frames: 248, PacketsLost: 4, Connects: 1}}},
		Verdicts:  []conform.Verdict{{Metric: "f1", Op: ">=", Limit: 0.85, Value: 2.0 / 3, Status: conform.Fail}, {Metric: "latency_p95", Op: "<=", Limit: 120000, Value: 1900, Status: conform.Pass}},
	}
	var b strings.Builder
	if err := run.WriteScorecard(&b, res); err != nil {
		t.Fatal(err)
	}
	want := `       type  TP  FP  FN  precision  recall     F1  F1 95% CI
  red_light   3   0   1      1.000   0.750  0.857          -
   sidewalk   0   1   1      0.000   0.000  0.000          -
    overall   3   1   2      0.750   0.600  0.667          -

plate accuracy   day 66.7% (2/3), night -
latency          p50 800 ms, p95 1900 ms, p99 2400 ms (received at the center - truth wall time)
time error       mean 120 ms, p95 300 ms
cameras          2 (1 smart cameras), 5 truths, 4 events, 0 late, 0 invalid
reference device 1 cameras: 248 frames decoded of 250 the farm sent, 4 RTP packets lost, 1 sessions; 3 events sent
verdict          DOES NOT CONFORM: 1 pass, 1 fail, 0 not decided of 2 checks of profile p
                   ` + res.Verdicts[0].String() + `
report           runs/x/report.html
`
	if b.String() != want {
		t.Errorf("scorecard:\n%q\nwant:\n%q", b.String(), want)
	}
}

// The scorecard shows the 95 % intervals when the summary has them.
func TestScorecardShowsIntervals(t *testing.T) {
	m := results.Metrics{TP: 12, FP: 21, FN: 11, F1: 0.429, Plates: 167, PlatesOK: 163, PlateAccuracy: 0.976, LatencyP95Ms: 1357,
		CI: &results.Intervals{F1: stats.Interval{Lo: 0.28, Hi: 0.58}, PlateAccuracy: stats.Interval{Lo: 0.94, Hi: 0.9906}, LatencyP95Ms: &stats.Interval{Lo: 1270, Hi: 1810}}}
	res := &run.Result{Score: results.Score{Overall: m, ByType: map[string]results.Metrics{"no_helmet": m}, ByCondition: map[string]results.Metrics{"day": m}},
		Verdicts: []conform.Verdict{{Metric: "f1", Op: ">=", Limit: 0.5, Value: 0.429, CI: &stats.Interval{Lo: 0.28, Hi: 0.58}, Status: conform.Insufficient, More: 90, Truths: 23}}}
	var b strings.Builder
	if err := run.WriteScorecard(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no_helmet  12  21  11      0.000   0.000  0.429  0.28-0.58", "day 97.6% (163/167, 95% CI 94.0-99.1%)",
		"p95 1357 ms (95% CI 1270-1810)", "verdict          NOT DECIDED: 0 pass, 0 fail, 1 not decided of 1 checks",
		"f1 0.4290 [0.2800, 0.5800] >= 0.5000: insufficient sample (~90 more truths)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("scorecard lacks %q:\n%s", want, b.String())
		}
	}
}
