package farm

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// Cameras are added and removed while the farm runs (k6 ramps do this); a removed camera's
// readers are closed and its path answers 404; clips are loaded once however many cameras play
// them; cameras.json carries calibration and credentials but nothing of the truth.
func TestAddRemoveAtRunTime(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	truth := &wire.Truth{Version: wire.TruthVersion, FPS: 25, Violations: []wire.Violation{{ID: "secret", Plate: "99Z-999.99", Frame: 1}}}
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 25, Truth: truth})
	removals := make(chan wire.Fault, 1)
	f := New(Config{Library: lib, Sink: FuncSink{OnFault: func(r wire.Fault) { removals <- r }}})
	startFarmed(t, f)
	for range 3 {
		if _, err := f.AddCamera(CameraSpec{Clip: "clip"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.clips) != 1 {
		t.Fatalf("%d clip copies for 3 cameras, want 1", len(f.clips))
	}
	d := f.Deployment()
	b, _ := json.Marshal(d)
	if len(d.Cameras) != 3 || strings.Contains(string(b), "secret") || strings.Contains(string(b), "99Z") || d.Cameras[1].Width != 320 || d.Cameras[1].FPS != 25 {
		t.Fatalf("cameras.json: %s", b)
	}
	cam := d.Cameras[1]
	w := make(chan *watched, 1)
	go func() {
		w <- watch(t, cam.URL, cam.Username, cam.Password, gortsplib.ProtocolTCP, 2500*time.Millisecond)
	}()
	time.Sleep(1500 * time.Millisecond)
	if st := f.Stats(); st[1].Readers != 1 {
		t.Fatalf("readers of %s: %d, want 1", cam.ID, st[1].Readers)
	}
	if err := f.RemoveCamera(cam.ID); err != nil {
		t.Fatal(err)
	}
	// Truth already sent for frames that will not play is covered by a disconnect record.
	select {
	case r := <-removals:
		if r.Camera != cam.ID || r.Kind != wire.FaultDisconnect || r.Params["removed"] != 1 || r.Duration < time.Second || r.Duration > 2*time.Second+40*time.Millisecond { // up to TruthAhead and one frame
			t.Fatalf("removal record %+v", r)
		}
	case <-time.After(time.Second):
		t.Fatal("no record of the removal")
	}
	got := <-w
	if !hasErr(got.errs, "401") || len(got.frames) == 0 { // a removed camera is answered like a wrong password: no enumeration
		t.Fatalf("after removal: frames %d, errors %v; want frames before and 401 after", len(got.frames), got.errs)
	}
	if err := f.RemoveCamera(cam.ID); err == nil || err.Error() != `farm: no camera "cam-002"` {
		t.Fatalf("second removal: %v", err)
	}
	if len(f.Stats()) != 2 {
		t.Fatal("stats still list the removed camera")
	}
}

func TestAddCameraErrors(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 5})
	f := New(Config{Library: lib})
	if _, err := f.AddCamera(CameraSpec{ID: "a", Clip: "clip"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec CameraSpec
		err  string
	}{
		{CameraSpec{}, "farm: camera spec names no clip"},
		{CameraSpec{Clip: "nope"}, `farm: clip "nope": library: open ` + lib + `/nope/meta.json: no such file or directory`},
		{CameraSpec{ID: "a", Clip: "clip"}, `farm: camera "a" already exists`},
		{CameraSpec{ID: "a/b", Clip: "clip"}, `farm: camera id "a/b": only letters, digits, '-', '_' and '.' are allowed`},
		{CameraSpec{Clip: "clip", Transport: "sctp"}, `farm: camera "": transport "sctp" (want tcp or udp)`},
	} {
		if _, err := f.AddCamera(c.spec); err == nil || err.Error() != c.err {
			t.Errorf("AddCamera(%+v): %v, want %s", c.spec, err, c.err)
		}
	}
	if err := f.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.Start(context.Background()); err == nil || err.Error() != "farm: already started" {
		t.Errorf("second Start: %v", err)
	}
	f.Close()
	if _, err := f.AddCamera(CameraSpec{Clip: "clip"}); err == nil || err.Error() != "farm: closed" {
		t.Errorf("AddCamera after Close: %v", err)
	}
}

// Host replaces the listener's host in the URLs of cameras.json, keeping the real port.
func TestHostInURLs(t *testing.T) {
	t.Parallel()
	f := startFarm(t, Config{Host: "farm.example"}, 5, TransportTCP)
	_, port, _ := net.SplitHostPort(f.Addr().String())
	if got, want := f.Deployment().Cameras[0].URL, "rtsp://farm.example:"+port+"/cam/cam-001"; got != want {
		t.Fatalf("URL %s, want %s", got, want)
	}
}

// Cameras playing one clip are not in lock-step: each has its own seeded offset into the clip
// and phase within a frame, its own SSRC and password; the same seed gives the same ones.
func TestCamerasNotInLockStep(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 50})
	type ident struct {
		offset int64
		phase  time.Duration
		ssrc   uint32
		pass   string
	}
	idents := func() []ident {
		f := New(Config{Library: lib, Seed: 7})
		var out []ident
		for range 10 {
			id, err := f.AddCamera(CameraSpec{Clip: "clip"})
			if err != nil {
				t.Fatal(err)
			}
			c := f.cams[id]
			out = append(out, ident{c.offset, c.phase, c.ssrc, c.pass})
		}
		return out
	}
	a, b := idents(), idents()
	offsets, phases := map[int64]bool{}, map[time.Duration]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("camera %d differs between two farms of one seed: %+v vs %+v", i, a[i], b[i])
		}
		if a[i].offset < 0 || a[i].offset >= 50 || a[i].phase < 0 || a[i].phase >= 40*time.Millisecond {
			t.Fatalf("camera %d: offset %d, phase %v out of range", i, a[i].offset, a[i].phase)
		}
		offsets[a[i].offset], phases[a[i].phase] = true, true
	}
	if len(offsets) < 7 || len(phases) < 10 {
		t.Fatalf("%d distinct offsets and %d distinct phases among 10 cameras", len(offsets), len(phases))
	}
}

// A sink that takes deliveries gets, per camera and span, the frames and bytes sent.
func TestDeliveryRecords(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 25, GOP: 5})
	got := make(chan wire.Delivery, 64)
	f := New(Config{Library: lib, DeliveryEvery: 500 * time.Millisecond, Sink: FuncSink{OnDelivery: func(d wire.Delivery) { got <- d }}})
	for range 2 {
		if _, err := f.AddCamera(CameraSpec{Clip: "clip"}); err != nil {
			t.Fatal(err)
		}
	}
	startFarmed(t, f)
	cam := f.Deployment().Cameras[0]
	watch(t, cam.URL, cam.Username, cam.Password, gortsplib.ProtocolTCP, 1600*time.Millisecond)
	var frames [2]int64
	for len(got) > 0 {
		d := <-got
		if !d.To.After(d.From) {
			t.Fatalf("delivery span %v..%v", d.From, d.To)
		}
		switch d.Camera {
		case "cam-001":
			frames[0] += d.Frames
		case "cam-002":
			frames[1] += d.Frames
		}
	}
	if frames[0] < 20 || frames[1] != 0 {
		t.Fatalf("delivered frames %v: want >= 20 for the watched camera and 0 for the other", frames)
	}
}
