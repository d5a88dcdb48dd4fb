package run_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/synth/render"
)

// libDir is a clip library shared by the tests of the package (clips are made once).
var libDir string

func library(*testing.T) string { return libDir }

func TestMain(m *testing.M) {
	var err error
	if libDir, err = os.MkdirTemp("", "trafficsim-run-clips-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 0
	if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.RemoveAll(libDir)
	os.Exit(code)
}

// notDetected are the types the reference detector does not look for (sim/device/detect: riders
// overlap from behind, so passengers are not counted).
var notDetected = []string{"too_many_passengers"}

// TestRunEndToEnd runs intersection-day with three cameras (one smart camera, two on the
// reference device) for 40 s over two freshly synthesised 30 s clips (20 s over two 16 s clips
// under the race detector), then reads the run record back: the summary is what the batch scorer
// computes from the record's files, the device decoded the frames the farm sent and every event
// it sent is in the record; the device's recall per type is printed (it does not find most
// violations yet: docs/bench/run.md).
func TestRunEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var log strings.Builder
	var logMu sync.Mutex
	clips, clipLen, play := 2, 30*time.Second, 40*time.Second
	if raceEnabled { // rendering under the race detector is about five times slower
		clips, clipLen, play = 2, 16*time.Second, 20*time.Second
	}
	res, err := run.Run(ctx, run.Config{Scenario: "intersection-day", Cameras: 3, SmartShare: 0.34, Clips: clips,
		Duration: play, ClipDuration: clipLen, Out: filepath.Join(dir, "runs"), ID: "e2e",
		Library: filepath.Join(dir, "clips"),
		Logf: func(f string, a ...any) {
			logMu.Lock()
			fmt.Fprintf(&log, f+"\n", a...)
			logMu.Unlock()
		}})
	logMu.Lock()
	t.Logf("run log:\n%s", log.String())
	logMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if res.Cameras != 3 || res.Smart != 1 {
		t.Fatalf("cameras %d, smart %d; want 3 and 1", res.Cameras, res.Smart)
	}
	var card strings.Builder
	if err := run.WriteScorecard(&card, res); err != nil {
		t.Fatal(err)
	}
	t.Logf("scorecard:\n%s", card.String())
	for _, f := range []string{"run.json", "truth.jsonl", "events.jsonl", "matches.jsonl", "summary.json", "report.html", "junit.xml"} {
		if _, err := os.Stat(filepath.Join(res.Dir, f)); err != nil {
			t.Errorf("run record: %v", err)
		}
	}

	rec, err := record.Open(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Summary == nil {
		t.Fatal("summary.json is missing")
	}
	// the scorecard is the batch score of the record's files
	batch, _ := results.ScoreRun(rec.Truth, rec.Events, rec.Faults, rec.Run.Config())
	batch.AddDeliveries(rec.Delivery)
	if !reflect.DeepEqual(normal(batch), normal(*rec.Summary)) {
		t.Errorf("summary.json differs from the batch score of the record:\nsummary %+v\nbatch   %+v", rec.Summary.Overall, batch.Overall)
	}
	if !reflect.DeepEqual(normal(res.Score), normal(*rec.Summary)) {
		t.Errorf("the scorecard differs from summary.json")
	}
	if rec.Summary.Truths == 0 {
		t.Fatal("no truth reached the center")
	}

	// the reference device, per type, on its own cameras
	smart := run.SmartCameras(3, 0.34)
	device := map[string]bool{}
	for i, s := range smart {
		device[run.CameraID(i)] = !s
	}
	type tally struct{ tp, fn int }
	byType := map[string]*tally{}
	for _, m := range rec.Matches {
		if !device[m.Camera] || m.Outcome != results.TP && m.Outcome != results.FN {
			continue
		}
		x := byType[string(m.Type)]
		if x == nil {
			x = &tally{}
			byType[string(m.Type)] = x
		}
		if m.Outcome == results.TP {
			x.tp++
		} else {
			x.fn++
		}
	}
	types := make([]string, 0, len(byType))
	for k := range byType {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, k := range types {
		x := byType[k]
		n := x.tp + x.fn
		note := ""
		if slices.Contains(notDetected, k) {
			note = " (not detected by design)"
		}
		t.Logf("reference device: %-20s %2d of %2d found (recall %.2f)%s", k, x.tp, n, float64(x.tp)/float64(n), note)
	}
	// the device saw every frame the farm sent its cameras and its events reached the center
	// (accuracy is the detector's: measured figures in docs/bench/run.md and device.md)
	var sent, decoded int64
	for _, fs := range res.FarmStats {
		if device[fs.ID] {
			sent += fs.Frames
			decoded += res.Device.Cameras[fs.ID].Frames
		}
	}
	if sent == 0 || float64(decoded) < 0.95*float64(sent) {
		t.Errorf("the reference device decoded %d of the %d frames the farm sent its cameras", decoded, sent)
	}
	fromDevice := 0
	for _, e := range rec.Events {
		if e.Source != run.SmartcamID {
			fromDevice++
		}
	}
	if int64(fromDevice) != res.Device.Sent-res.Device.Duplicates {
		t.Errorf("the center recorded %d events of the reference device, the device sent %d", fromDevice, res.Device.Sent)
	}
}

// normal drops what a live score and a batch score legitimately differ in: the live score's
// grace and pending counts (zero at the end).
func normal(s results.Score) results.Score {
	s.GraceMs = 0
	s.PendingTruths, s.PendingEvents = 0, 0
	return s
}
