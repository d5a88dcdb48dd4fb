package cluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// startFarm serves a small real H.264 clip on n cameras cam-1..cam-n of a camera farm
// (sim/farm) and returns their cameras.json entries.
func startFarm(t *testing.T, n int) []wire.Calibration {
	t.Helper()
	root := t.TempDir()
	librarytest.MakeClip(t, root, librarytest.Spec{ID: "clip", Frames: 50, Width: 320, Height: 240})
	f := farm.New(farm.Config{Library: root})
	for i := range n {
		if _, err := f.AddCamera(farm.CameraSpec{ID: fmt.Sprintf("cam-%d", i+1), Clip: "clip"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f.Deployment().Cameras
}

// everyNth is an analyzer standing in for violations: one event every nth decoded frame,
// stamped with the frame's capture time.
type everyNth struct {
	cam, source string
	n, frames   int
}

func (a *everyNth) Process(_ *decode.Frame, t time.Time) []wire.Event {
	a.frames++
	if a.frames%a.n != 0 {
		return nil
	}
	return []wire.Event{{EventID: fmt.Sprintf("%s-%s-%d", a.source, a.cam, a.frames), CameraID: a.cam,
		Type: wire.RedLight, Time: t.UTC().Truncate(time.Millisecond), Confidence: 0.9, Source: a.source}}
}

// The reference device runs as the cluster's workers: it reads three cameras of a real camera
// farm (RTSP, H.264 decoded by libavcodec), reports to the cluster's ingest, and every event it made
// reaches the center once, stamped with its worker's id.
func TestReferenceDeviceWorkers(t *testing.T) {
	cams := startFarm(t, 3)
	tc := newTestCenter(t, "c1-w1", "c1-w2")
	var mu sync.Mutex
	var made []string
	cl := startCluster(t, "", tc.upstream(), func(cfg *Config) {
		cfg.Cameras, cfg.CamerasPerWorker = cams, 2
		cfg.NewWorker = DeviceWorkers(t.TempDir(), func(dc *device.Config) {
			dc.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) {
				return &everyNth{cam: cal.ID, source: source, n: 10}, nil
			}
			dc.RetryMin, dc.RetryMax = 20*time.Millisecond, 200*time.Millisecond
			dc.OnEvent = func(e wire.Event) { mu.Lock(); made = append(made, e.EventID); mu.Unlock() }
			dc.Logf = t.Logf
		})
	})
	if st := cl.Stats(); st.WorkersRunning != 2 {
		t.Fatalf("%d workers running, want 2", st.WorkersRunning)
	}
	waitFor(t, "events of every camera at the center", 20*time.Second, func() bool {
		tc.rec.mu.Lock()
		defer tc.rec.mu.Unlock()
		seen := map[string]bool{}
		for id := range tc.rec.events {
			for _, c := range cams {
				if strings.Contains(id, "-"+c.ID+"-") {
					seen[c.ID] = true
				}
			}
		}
		return len(seen) == 3
	})
	mu.Lock()
	ids := append([]string(nil), made...)
	mu.Unlock()
	waitFor(t, "every event made so far at the center", 20*time.Second, func() bool {
		tc.rec.mu.Lock()
		defer tc.rec.mu.Unlock()
		for _, id := range ids {
			if tc.rec.events[id] == 0 {
				return false
			}
		}
		return true
	})
	tc.rec.mu.Lock()
	for id, n := range tc.rec.events {
		if n != 1 {
			t.Errorf("%s at the center %d times", id, n)
		}
	}
	tc.rec.mu.Unlock()
	if d := tc.c.Stats().EventsDuplicate; d != 0 {
		t.Fatalf("the center received %d events twice", d)
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "c1-w1-cam-1-") && !strings.HasPrefix(id, "c1-w1-cam-2-") && !strings.HasPrefix(id, "c1-w2-cam-3-") {
			t.Fatalf("event %s from an unexpected worker or camera", id)
		}
	}
}
