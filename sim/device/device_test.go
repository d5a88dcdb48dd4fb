package device_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

var epoch = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

func TestBackoff(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	cases := []struct {
		attempt int
		want    time.Duration
	}{{0, 0}, {1, 200 * ms}, {2, 400 * ms}, {3, 800 * ms}, {5, 3200 * ms}, {6, 5000 * ms}, {60, 5000 * ms}}
	for _, c := range cases {
		if got := device.Backoff(c.attempt, 200*ms, 5*time.Second); got != c.want {
			t.Errorf("attempt %d: %v, want %v", c.attempt, got, c.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	cam := wire.Calibration{ID: "c1", URL: "rtsp://127.0.0.1:1/cam/c1"}
	ok := device.Config{ID: "d1", Cameras: []wire.Calibration{cam}, Events: wire.EventsEndpoint{HTTP: "http://127.0.0.1:1"}}
	cases := []struct {
		name string
		mod  func(*device.Config)
		want string
	}{
		{"no id", func(c *device.Config) { c.ID = "" }, "device: ID is required"},
		{"no cameras", func(c *device.Config) { c.Cameras = nil }, "device: no cameras"},
		{"no events", func(c *device.Config) { c.Events.HTTP = "" }, "device: Events.HTTP is required"},
		{"no queue", func(c *device.Config) { c.QueueDir = "" }, "device: QueueDir is required"},
		{"camera without id", func(c *device.Config) { c.Cameras = []wire.Calibration{{URL: "rtsp://x"}} }, "device: camera 0 has no id"},
		{"camera twice", func(c *device.Config) { c.Cameras = []wire.Calibration{cam, cam} }, `device: camera "c1" listed twice`},
		{"camera without url", func(c *device.Config) { c.Cameras = []wire.Calibration{{ID: "c2"}} }, `device: camera "c2" has no url`},
		{"bad transport", func(c *device.Config) { c.Cameras = []wire.Calibration{{ID: "c2", URL: "rtsp://x", Transport: "sctp"}} },
			`device: camera "c2": transport "sctp" (want tcp or udp)`},
	}
	for _, c := range cases {
		cfg := ok
		cfg.QueueDir = t.TempDir()
		c.mod(&cfg)
		if _, err := device.New(cfg); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// rig is a camera, a center and a device between them, with the tick analyzer.
type rig struct {
	cam *camera
	ctr *center
	dev *device.Device
	cfg device.Config

	mu       sync.Mutex
	produced []string
	sizes    map[[2]int]int
}

func newRig(t *testing.T, every int, queue string) *rig {
	clip := librarytest.MakeClip(t, t.TempDir(), librarytest.Spec{Frames: 50, Width: 320, Height: 240})
	r := &rig{cam: startCamera(t, clip, "127.0.0.1:0", epoch), ctr: startCenter(t), sizes: map[[2]int]int{}}
	r.cfg = device.Config{
		ID:       "dev1",
		Cameras:  []wire.Calibration{{ID: "cam1", URL: r.cam.url(), Username: "admin", Password: "s3cret", Transport: "tcp", Width: 320, Height: 240, FPS: 25}},
		Events:   wire.EventsEndpoint{HTTP: r.ctr.url(), Token: "tok-1"},
		QueueDir: queue,
		NewAnalyzer: func(cal wire.Calibration, source string) (device.Analyzer, error) {
			return &tick{cam: cal.ID, source: source, n: every, sizes: r.sizes}, nil
		},
		RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, ReadTimeout: 5 * time.Second, // a loaded machine stalls for a second
		OnEvent: func(e wire.Event) { r.mu.Lock(); r.produced = append(r.produced, e.EventID); r.mu.Unlock() },
		Logf:    t.Logf,
	}
	return r
}

func (r *rig) start(t *testing.T) {
	t.Helper()
	d, err := device.New(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.dev = d
	t.Cleanup(func() { d.Close() })
}

func (r *rig) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.produced...)
}

// allDelivered waits until every produced event is at the center and checks each arrived once.
func (r *rig) allDelivered(t *testing.T, d time.Duration) {
	t.Helper()
	eventually(t, d, "every produced event at the center", func() bool {
		for _, id := range r.ids() {
			if !r.ctr.has(id) {
				return false
			}
		}
		return true
	})
	r.ctr.mu.Lock()
	defer r.ctr.mu.Unlock()
	for id, n := range r.ctr.got {
		if n != 1 {
			t.Errorf("%s accepted %d times", id, n)
		}
	}
}

// The device plays a real RTSP stream with digest auth, decodes every frame at the camera's
// size, stamps events with the camera's RTCP wall clock (epoch, not the local clock) and
// delivers them with the bearer token.
func TestDeliversEventsOnTheCameraWallClock(t *testing.T) {
	t.Parallel()
	r := newRig(t, 10, t.TempDir())
	r.start(t)
	eventually(t, 10*time.Second, "5 events at the center", func() bool { return r.ctr.count() >= 5 })
	r.dev.Close()
	r.ctr.mu.Lock()
	for _, e := range r.ctr.events {
		if e.Time.Before(epoch) || e.Time.After(epoch.Add(time.Minute)) {
			t.Errorf("event %s at %v: not on the camera's wall clock (epoch %v)", e.EventID, e.Time, epoch)
		}
		if e.Source != "dev1" || e.CameraID != "cam1" {
			t.Errorf("event %+v", e)
		}
	}
	if r.ctr.badAuth != 0 {
		t.Errorf("%d posts without the token", r.ctr.badAuth)
	}
	r.ctr.mu.Unlock()
	s := r.dev.Stats()
	c := s.Cameras["cam1"]
	if c.Frames < 50 || c.Connects != 1 || c.DecodeErrors != 0 || s.Sent < 5 || s.Accepted != s.Sent {
		t.Errorf("stats %+v camera %+v", s, c)
	}
	if len(r.sizes) != 1 || r.sizes[[2]int{320, 240}] == 0 {
		t.Errorf("decoded sizes %v", r.sizes)
	}
}

// A camera that goes away and comes back on the same address is reconnected with back-off.
func TestReconnectsToACameraThatComesBack(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1, t.TempDir()) // an event on every frame, the new session's first ones included
	r.start(t)
	eventually(t, 10*time.Second, "frames", func() bool { return r.dev.Stats().Cameras["cam1"].Frames > 10 })
	addr := r.cam.addr
	r.cam.Close()
	eventually(t, 5*time.Second, "disconnect noticed", func() bool { return !r.dev.Stats().Cameras["cam1"].Connected })
	time.Sleep(300 * time.Millisecond)
	clip := r.cam.clip
	r.cam = startCamera(t, clip, addr, epoch.Add(time.Hour))
	before := r.dev.Stats().Cameras["cam1"].Frames
	eventually(t, 10*time.Second, "frames after reconnect", func() bool {
		c := r.dev.Stats().Cameras["cam1"]
		return c.Connects >= 2 && c.Frames > before+10
	})
	if e := r.dev.Stats().Cameras["cam1"].ConnectErrs; e < 2 {
		t.Errorf("%d failed sessions counted, want >= 2 (the lost one and refused reconnects)", e)
	}
	// frames before the new session's first sender report are timed with the camera's skew
	// from the first session, not by the device's own clock
	r.dev.Close()
	r.ctr.mu.Lock()
	defer r.ctr.mu.Unlock()
	for _, e := range r.ctr.events {
		if e.Time.Before(epoch) || e.Time.After(epoch.Add(2*time.Hour)) {
			t.Errorf("event %s at %v: not on the camera's wall clock (epoch %v)", e.EventID, e.Time, epoch)
		}
	}
}

// outage is the length of each outage in TestOutages; TRAFFICSIM_OUTAGE (e.g. 60s) gives the
// long form.
func outage(t *testing.T) time.Duration {
	if v := os.Getenv("TRAFFICSIM_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	return 1500 * time.Millisecond
}

// Uplink down (center unreachable), then center down (answering 503): events wait in the edge
// queue and all reach the center exactly once when it returns.
func TestOutages(t *testing.T) {
	t.Parallel()
	d := outage(t)
	r := newRig(t, 5, t.TempDir())
	r.start(t)
	eventually(t, 10*time.Second, "first deliveries", func() bool { return r.ctr.count() >= 3 })

	addr := r.ctr.addr
	r.ctr.down()
	time.Sleep(d)
	if r.dev.Stats().Pending == 0 {
		t.Error("uplink down: nothing waiting in the edge queue")
	}
	r.ctr.up(addr)
	r.allDelivered(t, d+10*time.Second)

	r.ctr.setFailing(true)
	time.Sleep(d)
	if r.dev.Stats().Pending == 0 {
		t.Error("center down: nothing waiting in the edge queue")
	}
	r.ctr.setFailing(false)
	r.allDelivered(t, d+10*time.Second)
	s := r.dev.Stats()
	if s.SendErrors == 0 || s.Refused != 0 {
		t.Errorf("stats %+v", s)
	}
	t.Logf("produced %d events, %d sent, %d duplicates at the center, %d send errors", len(r.ids()), s.Sent, s.Duplicates, s.SendErrors)
}

// An event the center refuses (4xx) is dropped and counted; the others still arrive.
func TestRefusedEventIsDroppedAndCounted(t *testing.T) {
	t.Parallel()
	r := newRig(t, 5, t.TempDir())
	r.ctr.setFailing(true) // hold everything until the refused id is known
	r.start(t)
	eventually(t, 10*time.Second, "3 events produced", func() bool { return len(r.ids()) >= 3 })
	r.ctr.mu.Lock()
	r.ctr.refuseID = r.ids()[1]
	r.ctr.failing = false
	r.ctr.mu.Unlock()
	eventually(t, 10*time.Second, "refusal counted", func() bool { return r.dev.Stats().Refused == 1 })
	ids := r.ids()
	eventually(t, 10*time.Second, "the others delivered", func() bool {
		for _, id := range ids {
			if id != ids[1] && !r.ctr.has(id) {
				return false
			}
		}
		return true
	})
	if r.ctr.has(ids[1]) {
		t.Error("refused event accepted")
	}
}

// A camera whose stream is not the size its calibration says is counted and not analysed.
func TestFrameSizeMismatchIsCounted(t *testing.T) {
	t.Parallel()
	r := newRig(t, 5, t.TempDir())
	r.cfg.Cameras[0].Width, r.cfg.Cameras[0].Height = 640, 480
	r.start(t)
	eventually(t, 10*time.Second, "size errors", func() bool { return r.dev.Stats().Cameras["cam1"].SizeErrors > 10 })
	if n := len(r.sizes); n != 0 {
		t.Errorf("the analyzer saw %d frame sizes, want none", n)
	}
}

// Events that fail validation are dropped and counted, never sent.
func TestInvalidEventsAreCounted(t *testing.T) {
	t.Parallel()
	r := newRig(t, 5, t.TempDir())
	r.cfg.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) {
		return analyzerFunc(func(*decode.Frame, time.Time) []wire.Event {
			return []wire.Event{{EventID: "x", CameraID: "cam1", Type: "u_turn", Time: epoch, Source: source}}
		}), nil
	}
	r.start(t)
	eventually(t, 10*time.Second, "invalid events counted", func() bool { return r.dev.Stats().Invalid > 5 })
	if s := r.dev.Stats(); s.Queued != 0 || r.ctr.count() != 0 {
		t.Errorf("invalid events queued or sent: %+v", s)
	}
}

type analyzerFunc func(*decode.Frame, time.Time) []wire.Event

func (f analyzerFunc) Process(fr *decode.Frame, t time.Time) []wire.Event { return f(fr, t) }

// Events an analyzer still holds when the device stops are queued on disk, and the next device
// on the same queue delivers them.
func TestCloseQueuesHeldEvents(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1000000, t.TempDir())
	held := &holding{}
	r.cfg.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) { return held, nil }
	r.start(t)
	eventually(t, 10*time.Second, "frames", func() bool { return r.dev.Stats().Cameras["cam1"].Frames > 5 })
	r.ctr.down() // nothing can leave before Close
	r.dev.Close()
	if r.ctr.count() != 0 || len(r.ids()) != 1 {
		t.Fatalf("before restart: %d at the center, %d produced", r.ctr.count(), len(r.ids()))
	}
	r.ctr.up("127.0.0.1:0")
	r.cfg.Events.HTTP = r.ctr.url()
	r.cfg.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) { return &holding{}, nil }
	r.start(t)
	eventually(t, 10*time.Second, "the held event delivered", func() bool { return r.ctr.has("held-1") })
}

// holding is an analyzer that holds one event until Flush.
type holding struct{ done bool }

func (h *holding) Process(*decode.Frame, time.Time) []wire.Event { return nil }

func (h *holding) Flush() []wire.Event {
	if h.done {
		return nil
	}
	h.done = true
	return []wire.Event{{EventID: "held-1", CameraID: "cam1", Type: wire.NoHelmet, Time: epoch, Confidence: 0.5, Source: "dev1"}}
}

// A camera the analyzer cannot work with is left out and says why; the others run. When no
// camera can run, Start fails with the first reason.
func TestCameraWithoutUsableCalibrationIsLeftOut(t *testing.T) {
	t.Parallel()
	r := newRig(t, 5, t.TempDir())
	bad := r.cfg.Cameras[0]
	bad.ID = "cam-bad"
	r.cfg.Cameras = append(r.cfg.Cameras, bad)
	inner := r.cfg.NewAnalyzer
	r.cfg.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) {
		if cal.ID == "cam-bad" {
			return nil, errors.New("detect: calibration has no image_to_road homography")
		}
		return inner(cal, source)
	}
	r.start(t)
	eventually(t, 10*time.Second, "events from the good camera", func() bool { return r.ctr.count() >= 2 })
	want := `device: camera "cam-bad": detect: calibration has no image_to_road homography`
	if got := r.dev.Stats().Cameras["cam-bad"].LastError; got != want {
		t.Errorf("bad camera: %q, want %q", got, want)
	}

	only := device.Config{ID: "d", Cameras: []wire.Calibration{bad}, Events: r.cfg.Events, QueueDir: t.TempDir(), NewAnalyzer: r.cfg.NewAnalyzer, Logf: t.Logf}
	d, err := device.New(only)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Start(context.Background()); err == nil || err.Error() != want {
		t.Errorf("Start with no usable camera: %v, want %q", err, want)
	}
}
