package load

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestReadersStartedAtARateEachForItsDuration(t *testing.T) {
	s := &Scenario{Executor: ConstantReaderRate, Start: 10 * time.Second, Rate: 3, TimeUnit: 2 * time.Second, ReaderDuration: 5 * time.Second, Duration: 7 * time.Second}
	for _, c := range []struct {
		at   time.Duration
		want int
	}{
		{0, 0},
		{9999 * time.Millisecond, 0},
		{10 * time.Second, 3},
		{11999 * time.Millisecond, 3},
		{12 * time.Second, 6},
		{16 * time.Second, 12}, // units at 10, 12, 14, 16 s
		{17 * time.Second, 12}, // the scenario ended
		{time.Hour, 12},
	} {
		if got := s.ReadersStarted(c.at); got != c.want {
			t.Errorf("ReadersStarted(%v) = %d, want %d", c.at, got, c.want)
		}
	}
	for _, c := range []struct {
		k          int
		start, end time.Duration
	}{
		{0, 10 * time.Second, 15 * time.Second},
		{2, 10 * time.Second, 15 * time.Second},
		{3, 12 * time.Second, 17 * time.Second},
		{11, 16 * time.Second, 17 * time.Second}, // cut at the scenario's end
	} {
		if st, end := s.ReaderStart(c.k); st != c.start || end != c.end {
			t.Errorf("ReaderStart(%d) = %v-%v, want %v-%v", c.k, st, end, c.start, c.end)
		}
	}
	// the readers alive at t (Target) are those started and not yet ended
	for _, at := range []time.Duration{10 * time.Second, 13 * time.Second, 15 * time.Second, 16500 * time.Millisecond} {
		alive := 0
		for k := range s.ReadersStarted(at) {
			if st, end := s.ReaderStart(k); st <= at && at < end {
				alive++
			}
		}
		if n, _ := s.Target(at); n != alive {
			t.Errorf("at %v Target says %d readers, ReaderStart %d", at, n, alive)
		}
	}
}

func TestPrimaryIsTheFirstRampingScenario(t *testing.T) {
	p := testPlan(t, `scenarios:
  a-farm:
    executor: constant-cameras
    cameras: 2
    duration: 10s
  b-rate:
    executor: constant-reader-rate
    rate: 1
    duration: 10s
  c-ramp:
    executor: ramping-readers
    stages: [{duration: 10s, target: 5}]
`)
	if got := p.Primary().Name; got != "c-ramp" {
		t.Errorf("primary %s, want c-ramp", got)
	}
	delete(p.Scenarios, "c-ramp")
	if got := p.Primary().Name; got != "a-farm" {
		t.Errorf("primary without a ramp %s, want a-farm", got)
	}
}

func TestParsePlanReaderAndClusterErrors(t *testing.T) {
	const farm = "scenarios:\n  farm:\n    executor: constant-cameras\n    cameras: 2\n    duration: 10s\n"
	for _, c := range []struct{ name, yaml, err string }{
		{"readers without cameras", "scenarios:\n  r:\n    executor: ramping-readers\n    stages: [{duration: 1s, target: 1}]\n",
			"x.yaml:3: scenarios.r: probe readers need a camera scenario to read (e.g. constant-cameras with device: none)"},
		{"readFrom unknown", farm + "  r:\n    executor: constant-reader-rate\n    rate: 1\n    duration: 5s\n    readFrom: farms\n",
			`x.yaml:10: scenarios.r.readFrom: "farms" is not a camera scenario of the plan`},
		{"readFrom a reader scenario", farm + "  r:\n    executor: constant-reader-rate\n    rate: 1\n    duration: 5s\n    readFrom: r\n",
			`x.yaml:10: scenarios.r.readFrom: "r" is not a camera scenario of the plan`},
		{"readFrom on cameras", farm + "    readFrom: farm\n",
			"x.yaml:6: scenarios.farm.readFrom: only reader scenarios (ramping-readers, constant-reader-rate) read cameras"},
		{"device", farm + "    device: vendor\n", `x.yaml:6: scenarios.farm.device: want reference, external or none (got "vendor")`},
		{"via", farm + "    via: nats\n", `x.yaml:6: scenarios.farm.via: want direct or cluster (got "nats")`},
		{"via cluster without devices", farm + "    device: none\n    via: cluster\n", "x.yaml:7: scenarios.farm.via: a regional cluster runs reference devices (device is none)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePlan("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.err {
				t.Errorf("error\n  %v\nwant\n  %s", err, c.err)
			}
		})
	}
	p, err := ParsePlan("x.yaml", []byte(farm+"    device: none\n  r:\n    executor: constant-reader-rate\n    rate: 2\n    duration: 5s\n    readFrom: farm\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Scenarios["r"]; r.TimeUnit != time.Second || r.ReaderDuration != 10*time.Second || p.Scenarios["farm"].Via != "direct" {
		t.Errorf("defaults: %+v", r)
	}
}

// Probe readers on the farm's cameras, nothing else reading them: a ramping swarm follows its
// stages (2 readers, then 4), a constant rate starts a reader a second for 2 s each; frames,
// lateness and failures are sampled per scenario and judged, and the stage table and a failed
// threshold say how many readers ran.
func TestReaderScenariosRunProbeSwarms(t *testing.T) {
	t.Parallel()
	p := testPlan(t, `scenarios:
  farm:
    executor: constant-cameras
    cameras: 2
    duration: 7s
    device: none
    clips: 1
    clipDuration: 2s
  swarm:
    executor: ramping-readers
    startReaders: 2
    stages:
      - {duration: 3s, target: 2}
      - {duration: 0s, target: 4}
      - {duration: 3s, target: 4}
  rate:
    executor: constant-reader-rate
    readFrom: farm
    rate: 1
    readerDuration: 2s
    duration: 4s
thresholds:
  readers{scenario:swarm}: ["max==4"]
  readers{scenario:rate}: ["max==2"]
  readers: ["max==6"]
  reader_frames: ["count>100"]
  reader_frames{scenario:rate}: ["count>0"]
  reader_failures: ["count==0"]
  reader_lateness: ["p(95)<0"]
`)
	var status Status
	var statusErr error
	cfg := Config{Plan: p, WarmUp: time.Second, Logf: t.Logf}
	cfg.OnStart = func(url, token, _ string) {
		go func() {
			time.Sleep(2 * time.Second) // the swarm runs 2 readers, then 4
			req, _ := http.NewRequest("GET", url+"/v1/status", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				statusErr = err
				return
			}
			defer resp.Body.Close()
			statusErr = json.NewDecoder(resp.Body).Decode(&status)
		}()
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sw := status.Scenarios["swarm"]; statusErr != nil || sw.Executor != RampingReaders || sw.Readers < 2 || status.Readers < sw.Readers || status.Cameras != 2 {
		t.Errorf("GET /v1/status: %+v, %v", status, statusErr)
	}
	var lateness ThresholdResult
	for _, tr := range res.Thresholds {
		want := tr.Selector != "reader_lateness"
		if tr.Passed != want {
			t.Errorf("%s %s: passed %v (value %v), want %v", tr.Selector, tr.Threshold, tr.Passed, tr.Value, want)
		}
		if tr.Selector == "reader_lateness" {
			lateness = tr
		}
	}
	if lateness.FirstFailed == nil || lateness.FirstFailed.Readers == 0 {
		t.Errorf("reader_lateness first failed %+v, want the readers then running", lateness.FirstFailed)
	}
	if res.PeakReaders != 6 || len(res.Stages) != 2 || res.Stages[0].Readers < 2 || res.Stages[1].Readers < 4 || res.Stages[1].ReaderFrames <= 0 {
		t.Errorf("peak %d readers, stages %+v", res.PeakReaders, res.Stages)
	}
	if m := res.Metrics["reader_lateness"]; m.Values["count"] == 0 {
		t.Errorf("reader_lateness totals %+v", m)
	}
	var summary bytes.Buffer
	WriteSummary(&summary, p, res)
	for _, s := range []string{"█ STAGES (swarm)", "reader late p95", " readers (", "peak 2 cameras, 6 readers"} {
		if !strings.Contains(summary.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, summary.String())
		}
	}
}
