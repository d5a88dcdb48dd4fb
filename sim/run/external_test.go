package run_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/wire"
)

// shortRun is a one-camera run of 6 s over a 5 s clip, for the lifecycle tests.
func shortRun(t *testing.T, dir string) run.Config {
	return run.Config{Scenario: "intersection-day", Cameras: 1, SmartShare: -1, Clips: 1,
		Duration: 6 * time.Second, ClipDuration: 5 * time.Second, Grace: time.Second,
		Out: filepath.Join(dir, "runs"), ID: "short", Library: library(t), Logf: t.Logf}
}

// With an external device the run writes cameras.json (streams, credentials, calibration and
// the events endpoint with the device's token, no truth) and scores whatever that box sends.
func TestRunExternalDeviceGetsCamerasJSON(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := shortRun(t, t.TempDir())
	cfg.Device = run.DeviceExternal
	posted := make(chan int, 1)
	cfg.ExternalReady = func(path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Error(err)
			posted <- 0
			return
		}
		var dep wire.Deployment
		if err := json.Unmarshal(b, &dep); err != nil {
			t.Error(err)
		}
		if len(dep.Cameras) != 1 || dep.Cameras[0].ID != "cam-001" || dep.Cameras[0].URL == "" || dep.Events == nil || dep.Events.Token == "" {
			t.Errorf("cameras.json: %s", b)
			posted <- 0
			return
		}
		// the vendor's box reports one (false) red light
		ev := []wire.Event{{EventID: "box-1", CameraID: "cam-001", Type: "red_light", Time: time.Now().UTC(), Confidence: 0.9, Source: run.ExternalID}}
		body, _ := json.Marshal(ev)
		req, _ := http.NewRequest(http.MethodPost, dep.Events.HTTP+"/v1/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+dep.Events.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			posted <- 0
			return
		}
		resp.Body.Close()
		posted <- resp.StatusCode
	}
	res, err := run.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if code := <-posted; code/100 != 2 {
		t.Errorf("the center answered the external device's POST with %d", code)
	}
	if res.CamerasJSON != filepath.Join(res.Dir, "cameras.json") {
		t.Errorf("cameras.json at %q", res.CamerasJSON)
	}
	rec, err := record.Open(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Events) != 1 || rec.Events[0].EventID != "box-1" || rec.Summary.Events != 1 {
		t.Errorf("record holds %d events (summary %d), want the external device's one", len(rec.Events), rec.Summary.Events)
	}
	if res.Device.Queued != 0 {
		t.Errorf("a reference device ran beside the external one: %+v", res.Device)
	}
}

// Cancelling the context stops every part in order; the run record is still finished and
// scored, and the result says the run was interrupted.
func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := shortRun(t, t.TempDir())
	cfg.Duration = time.Minute
	runCtx, stop := context.WithCancel(ctx)
	var cancelled time.Time
	cfg.Logf = func(f string, a ...any) {
		t.Logf(f, a...)
		if strings.HasPrefix(f, "run %s:") { // the cameras play: interrupt them 2 s later
			time.AfterFunc(2*time.Second, func() { cancelled = time.Now(); stop() })
		}
	}
	res, err := run.Run(runCtx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || cancelled.IsZero() {
		t.Fatal("the result does not say the run was interrupted")
	}
	if d := time.Since(cancelled); d > 15*time.Second {
		t.Errorf("the run took %v to stop after the cancel", d)
	}
	for _, f := range []string{"summary.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(res.Dir, f)); err != nil {
			t.Error(err)
		}
	}
}
