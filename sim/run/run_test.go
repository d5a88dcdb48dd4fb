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

// minRecall is the share of each type's violations the reference device must find on the
// cameras it analyses, for the types it detects that occur at least minTruths times.
const (
	minRecall = 0.5
	minTruths = 3
)

// notDetected are the types the reference detector does not look for (sim/device/detect: riders
// overlap from behind, so passengers are not counted).
var notDetected = []string{"too_many_passengers"}

// TestRunEndToEnd runs intersection-day with three cameras (one smart camera, two on the
// reference device) for 40 s over two freshly synthesised 30 s clips (20 s over two 16 s clips
// under the race detector), then reads the run record
// back: the reference device finds most violations of each type it detects, and the summary is
// what the batch scorer computes from the record's files.
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
	checked := 0
	for _, k := range types {
		x := byType[k]
		n := x.tp + x.fn
		recall := float64(x.tp) / float64(n)
		t.Logf("reference device: %-20s %2d of %2d found (recall %.2f)", k, x.tp, n, recall)
		// under the race detector the device runs several times slower than real time: its
		// accuracy is measured without it
		if slices.Contains(notDetected, k) || n < minTruths || raceEnabled {
			continue
		}
		checked++
		if recall < minRecall {
			t.Errorf("reference device found %d of %d %s violations; want recall >= %.2f", x.tp, n, k, minRecall)
		}
	}
	if checked == 0 && !raceEnabled {
		t.Errorf("no violation type the device detects occurred %d times on its cameras", minTruths)
	}
}

// normal drops what a live score and a batch score legitimately differ in: the live score's
// grace and pending counts (zero at the end).
func normal(s results.Score) results.Score {
	s.GraceMs = 0
	s.PendingTruths, s.PendingEvents = 0, 0
	return s
}
