package farm

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// A clip of one second with two violations played across three loops: every truth item has
// the wall time of the frame that shows it, as the frame's RTCP sender report says, to within
// one frame; the same violation is one clip length apart from loop to loop, in wall time and in
// RTP time (continuous across loops); and each item was emitted before its frame arrived.
func TestTruthTimelineAcrossLoops(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	truth := &wire.Truth{Version: wire.TruthVersion, Camera: "clip", FPS: 25, Width: 320, Height: 240, Violations: []wire.Violation{
		{ID: "v1", Type: wire.RedLight, Frame: 3, T: 0.12, Object: 1, Plate: "29A-123.45", Class: wire.Car},
		{ID: "v2", Type: wire.NoHelmet, Frame: 17, T: 0.68, Object: 2, Class: wire.Motorbike},
	}}
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 25, GOP: 5, Truth: truth})
	type got struct {
		v       wire.Violation
		emitted time.Time
	}
	var mu sync.Mutex
	var items []got
	sink := FuncSink{OnViolation: func(v wire.Violation) {
		mu.Lock()
		items = append(items, got{v, time.Now()})
		mu.Unlock()
	}}
	zero := time.Duration(0)
	f := New(Config{Library: lib, Sink: sink, TruthAhead: 300 * time.Millisecond})
	if _, err := f.AddCamera(CameraSpec{ID: "cam-a", Clip: "clip", Offset: &zero, Phase: &zero}); err != nil {
		t.Fatal(err)
	}
	startFarmed(t, f)
	cam := f.Deployment().Cameras[0]
	w := watch(t, cam.URL, cam.Username, cam.Password, gortsplib.ProtocolTCP, 3500*time.Millisecond)

	mu.Lock()
	defer mu.Unlock()
	const frame = 40 * time.Millisecond
	byID := map[string]got{}
	for _, it := range items {
		if it.v.Camera != "cam-a" || it.v.Wall.IsZero() {
			t.Fatalf("truth item without camera or wall time: %+v", it.v)
		}
		if _, dup := byID[it.v.ID]; dup {
			t.Fatalf("truth id %s emitted twice", it.v.ID)
		}
		byID[it.v.ID] = it
	}
	for _, id := range []string{"v1/L0", "v2/L0", "v1/L1", "v2/L1", "v1/L2", "v2/L2"} {
		if _, ok := byID[id]; !ok {
			t.Fatalf("truth item %s missing; have %d items", id, len(items))
		}
	}
	matched := map[string]seenFrame{}
	for id, it := range byID {
		var best *seenFrame
		for i, fr := range w.frames {
			wall, ok := w.srWall[fr.ts]
			if !ok {
				t.Fatalf("frame with RTP time %d came without a sender report", fr.ts)
			}
			if d := wall.Sub(it.v.Wall); d > -frame && d < frame {
				best = &w.frames[i]
				break
			}
		}
		if best == nil {
			if it.v.Wall.After(w.frames[len(w.frames)-1].arrived) || it.v.Wall.Before(w.frames[0].arrived.Add(-frame)) {
				continue // played outside the session
			}
			if f.Stats()[0].Skipped > 0 {
				continue // the machine stalled the sender past LateSkip and it skipped frames
			}
			for _, fr := range w.frames[:5] {
				t.Logf("frame ts %d seq %d arrived %v wall %v", fr.ts, fr.seq, fr.arrived, w.srWall[fr.ts])
			}
			t.Logf("sessions %d errs %v frames %d", w.sessions, w.errs, len(w.frames))
			t.Fatalf("%s: no frame has an RTCP wall clock within one frame of %v", id, it.v.Wall)
		}
		if it.emitted.After(best.arrived) {
			t.Errorf("%s: emitted %v after its frame arrived", id, it.emitted.Sub(best.arrived))
		}
		matched[id] = *best
	}
	for _, v := range []string{"v1", "v2"} {
		for l := 1; l <= 2; l++ {
			a, b := byID[v+"/L"+strconv.Itoa(l-1)], byID[v+"/L"+strconv.Itoa(l)]
			if d := b.v.Wall.Sub(a.v.Wall); d != time.Second {
				t.Errorf("%s loop %d -> %d: wall step %v, want 1s", v, l-1, l, d)
			}
			fa, oka := matched[v+"/L"+strconv.Itoa(l-1)]
			fb, okb := matched[v+"/L"+strconv.Itoa(l)]
			if oka && okb && fb.ts-fa.ts != 90000 {
				t.Errorf("%s loop %d -> %d: RTP time step %d, want 90000", v, l-1, l, fb.ts-fa.ts)
			}
		}
	}
	if len(matched) < 4 {
		t.Fatalf("only %d truth items matched received frames", len(matched))
	}
}
