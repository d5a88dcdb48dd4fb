package farm

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// faultRun plays one camera of a two-second clip (GOP 25) with a fault spec, watched by
// gortsplib's client over TCP for d; it returns what the client saw and the fault records.
func faultRun(t *testing.T, spec string, d time.Duration) (*watched, []wire.Fault, *Farm) {
	t.Helper()
	return faultRunOn(t, TransportTCP, spec, d)
}

// faultRunOn is faultRun with the camera on the fast path (tcp) or gortsplib's Server (udp,
// watched over UDP).
func faultRunOn(t *testing.T, transport, spec string, d time.Duration) (*watched, []wire.Fault, *Farm) {
	t.Helper()
	faults, err := ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	lib := t.TempDir()
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 50, GOP: 25})
	var mu sync.Mutex
	var records []wire.Fault
	f := New(Config{Library: lib, Faults: faults, TruthAhead: 100 * time.Millisecond,
		Sink: FuncSink{OnFault: func(r wire.Fault) { mu.Lock(); records = append(records, r); mu.Unlock() }}})
	zero := time.Duration(0)
	if _, err := f.AddCamera(CameraSpec{ID: "cam-f", Clip: "clip", Offset: &zero, Phase: &zero, Transport: transport}); err != nil {
		t.Fatal(err)
	}
	startFarmed(t, f)
	cam := f.Deployment().Cameras[0]
	proto := gortsplib.ProtocolTCP
	if transport == TransportUDP {
		proto = gortsplib.ProtocolUDP
	}
	w := watch(t, cam.URL, cam.Username, cam.Password, proto, d)
	mu.Lock()
	defer mu.Unlock()
	return w, append([]wire.Fault(nil), records...), f
}

// wantRecord checks that a fault of this kind was recorded at start+at.
func wantRecord(t *testing.T, rs []wire.Fault, f *Farm, kind string, at time.Duration) {
	t.Helper()
	start := f.cams["cam-f"].start
	for _, r := range rs {
		if r.Kind == kind && r.Camera == "cam-f" && r.Time.Sub(start) == at {
			return
		}
	}
	t.Errorf("no %s fault recorded at +%v: %+v", kind, at, rs)
}

// Disconnect: the session is closed at the window, DESCRIBE is answered 503 during it, and the
// client gets back in afterwards.
func TestFaultDisconnect(t *testing.T) {
	t.Parallel()
	w, rs, f := faultRun(t, "disconnect:500ms/2s", 3600*time.Millisecond)
	if w.sessions < 2 || !hasErr(w.errs, "503") {
		t.Fatalf("sessions %d, errors %v: want a reconnect after 503 Service Unavailable", w.sessions, w.errs)
	}
	wantRecord(t, rs, f, wire.FaultDisconnect, 2*time.Second)
	// Closed at 2 s, back at the next keyframe after 2.5 s: 3 s.
	if gapMax(w.frames) < 900*time.Millisecond {
		t.Errorf("longest gap between frames %v, want about 1 s", gapMax(w.frames))
	}
}

// Reboot: sessions closed, connections dropped without an answer, and the stream comes back
// with a new SSRC.
func TestFaultReboot(t *testing.T) {
	t.Parallel()
	w, rs, f := faultRun(t, "reboot:500ms/2s", 3600*time.Millisecond)
	if w.sessions < 2 || len(w.ssrcs) < 2 || hasErr(w.errs, "503") {
		t.Fatalf("sessions %d, SSRCs %d, errors %v: want a reconnect to a new SSRC without 503", w.sessions, len(w.ssrcs), w.errs)
	}
	wantRecord(t, rs, f, wire.FaultReboot, 2*time.Second)
}

// Freeze: for the window the same picture (the keyframe) is sent again and again with new
// timestamps.
func TestFaultFreeze(t *testing.T) {
	t.Parallel()
	w, rs, f := faultRun(t, "freeze:1s/2s", 3500*time.Millisecond)
	run, best := 1, 1
	for i := 1; i < len(w.frames); i++ {
		if w.frames[i].hash == w.frames[i-1].hash && w.frames[i].ts != w.frames[i-1].ts {
			run++
			best = max(best, run)
		} else {
			run = 1
		}
	}
	if best < 20 {
		t.Fatalf("longest run of identical frames %d, want about 25", best)
	}
	wantRecord(t, rs, f, wire.FaultFreeze, 2*time.Second)
}

// Loss: the client counts about 20% of the RTP packets as lost.
func TestFaultLoss(t *testing.T) {
	t.Parallel()
	w, rs, f := faultRun(t, "loss:20%", 2500*time.Millisecond)
	share := float64(w.lost) / float64(int(w.lost)+w.packets)
	if share < 0.08 || share > 0.35 {
		t.Fatalf("lost %d of %d packets (%.2f), want about 0.2", w.lost, int(w.lost)+w.packets, share)
	}
	wantRecord(t, rs, f, wire.FaultLoss, 0)
}

// Jitter: frames arrive up to 60 ms after their RTCP wall clock, about 30 ms on average.
func TestFaultJitter(t *testing.T) {
	t.Parallel()
	w, rs, f := faultRun(t, "jitter:60ms", 2500*time.Millisecond)
	var sum, mx time.Duration
	for _, fr := range w.frames {
		d := fr.arrived.Sub(w.srWall[fr.ts])
		sum += d
		mx = max(mx, d)
	}
	mean := sum / time.Duration(len(w.frames))
	if mean < 15*time.Millisecond || mean > 50*time.Millisecond || mx < 40*time.Millisecond {
		t.Fatalf("lateness mean %v max %v, want about 30 ms and up to 60 ms", mean, mx)
	}
	wantRecord(t, rs, f, wire.FaultJitter, 0)
}

// Bitrate: with 40% kept, 10 frames of each 25-frame GOP arrive and the bytes fall alike.
func TestFaultBitrate(t *testing.T) {
	t.Parallel()
	w, rs, f := faultRun(t, "bitrate:40%", 2500*time.Millisecond)
	// Two GOPs of RTP time from the first frame (a keyframe).
	n := 0
	for _, fr := range w.frames {
		if fr.ts-w.frames[0].ts < 2*90000 {
			n++
		}
	}
	if n != 20 {
		t.Fatalf("%d frames in two GOPs, want 20", n)
	}
	wantRecord(t, rs, f, wire.FaultBitrate, 0)
}

// Skew: the camera's RTCP wall clock runs two seconds ahead of the real one.
func TestFaultSkew(t *testing.T) {
	t.Parallel()
	w, rs, f := faultRun(t, "skew:2s", 1500*time.Millisecond)
	for _, fr := range w.frames {
		if d := w.srWall[fr.ts].Sub(fr.arrived); d < 1900*time.Millisecond || d > 2100*time.Millisecond {
			t.Fatalf("RTCP wall clock - arrival = %v, want about 2 s", d)
		}
	}
	wantRecord(t, rs, f, wire.FaultSkew, 0)
}

func hasErr(errs []error, s string) bool {
	for _, e := range errs {
		if strings.Contains(e.Error(), s) {
			return true
		}
	}
	return false
}

func gapMax(fs []seenFrame) time.Duration {
	var g time.Duration
	for i := 1; i < len(fs); i++ {
		g = max(g, fs[i].arrived.Sub(fs[i-1].arrived))
	}
	return g
}

// On gortsplib's Server (UDP cameras) the faults act the same way: loss shows in the client's
// count, a disconnect ends the session and the client gets back in.
func TestFaultsOnUDPPath(t *testing.T) {
	t.Parallel()
	t.Run("loss", func(t *testing.T) {
		t.Parallel()
		w, rs, f := faultRunOn(t, TransportUDP, "loss:20%", 2500*time.Millisecond)
		share := float64(w.lost) / float64(int(w.lost)+w.packets)
		if share < 0.08 || share > 0.35 {
			t.Fatalf("lost %d of %d packets (%.2f), want about 0.2", w.lost, int(w.lost)+w.packets, share)
		}
		wantRecord(t, rs, f, wire.FaultLoss, 0)
	})
	t.Run("disconnect", func(t *testing.T) {
		t.Parallel()
		w, rs, f := faultRunOn(t, TransportUDP, "disconnect:500ms/2s", 3600*time.Millisecond)
		if w.sessions < 2 || gapMax(w.frames) < 400*time.Millisecond {
			t.Fatalf("sessions %d, longest gap %v, errors %v: want a reconnect after a gap", w.sessions, gapMax(w.frames), w.errs)
		}
		wantRecord(t, rs, f, wire.FaultDisconnect, 2*time.Second)
	})
}
