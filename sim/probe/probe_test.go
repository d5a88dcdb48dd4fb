package probe

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/base"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

func startFarm(t *testing.T, cameras int) *farm.Farm {
	t.Helper()
	lib := t.TempDir()
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 50})
	f := farm.New(farm.Config{Library: lib})
	for range cameras {
		if _, err := f.AddCamera(farm.CameraSpec{Clip: "clip"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		f.Close()
	})
	return f
}

// Six readers on three cameras for two seconds: every frame timed by its sender report, no
// loss, and frames on time.
func TestSwarmReadsFarm(t *testing.T) {
	t.Parallel()
	f := startFarm(t, 3)
	rep, err := Run(context.Background(), Config{Targets: TargetsFromDeployment(f.Deployment()), Readers: 6, Duration: 2500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Overall
	t.Logf("overall: %+v", o)
	if len(rep.Streams) != 3 || o.Readers != 6 {
		t.Fatalf("streams %d readers %d", len(rep.Streams), o.Readers)
	}
	// A reader starts at the next keyframe (within 1 s) and then sees 25 frames a second.
	if o.Frames < 6*36 || o.Frames > 6*64 || o.Timed != o.Frames || float64(o.Lost) > lossLimit*float64(o.Packets) || o.Reconnects != 0 || len(o.Errors) > 0 {
		t.Fatalf("overall %+v", o)
	}
	if o.Late.P99 > lateLimitMs {
		t.Errorf("p99 lateness %v ms > %d ms", o.Late.P99, lateLimitMs)
	}
}

// 10% of readers that stop reading, and readers that drop their connection abruptly, do not
// make the other streams late or lossy.
func TestSlowAndAbruptReadersIsolated(t *testing.T) {
	t.Parallel()
	f := startFarm(t, 10)
	targets := TargetsFromDeployment(f.Deployment())
	ctx, cancel := context.WithTimeout(context.Background(), 4500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var abrupt int
	var mu sync.Mutex
	for i := range 3 { // reset connections right after PLAY, again and again
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := playAndReset(targets[i]); err == nil {
					mu.Lock()
					abrupt++
					mu.Unlock()
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	rep, err := Run(ctx, Config{Targets: targets, Readers: 40, StopReading: 0.1, Duration: 3500 * time.Millisecond})
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Overall
	t.Logf("overall: %+v", o)
	if o.Readers != 36 || float64(o.Lost) > lossLimit*float64(o.Packets) || o.Reconnects != 0 || o.Frames < 36*60 { // 2.5 s of 25 fps after at most 1 s waiting for a keyframe
		t.Fatalf("overall %+v", o)
	}
	if o.Late.P99 > lateLimitMs {
		t.Errorf("p99 lateness %v ms > %d ms with stalled and abrupt readers", o.Late.P99, lateLimitMs)
	}
	if abrupt < 10 {
		t.Errorf("only %d abrupt sessions", abrupt)
	}
}

// playAndReset starts a session and resets the TCP connection (RST, no TEARDOWN).
func playAndReset(t Target) error {
	u, _ := base.ParseURL(t.URL)
	nc, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetLinger(0)
	r := &reader{cfg: &Config{Timeout: time.Second, TimeNow: time.Now}, t: t, hist: newHist(), stall: true}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	return r.session(ctx)
}

func TestLoadTargets(t *testing.T) {
	ts, err := LoadTargets("rtsp://u:p@127.0.0.1:8554/cam/cam-%03d", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[2].URL != "rtsp://127.0.0.1:8554/cam/cam-003" || ts[0].Username != "u" || ts[0].Password != "p" {
		t.Fatalf("%+v", ts)
	}
	for _, c := range []struct{ arg, err string }{
		{"http://x", `probe: "http://x" is neither a cameras.json nor an rtsp:// URL`},
		{"rtsp://h/cam-%03d", `probe: URL pattern "rtsp://h/cam-%03d" needs a stream count`},
		{"rtsp://h/cam-%s-%d", `probe: URL pattern "rtsp://h/cam-%s-%d": want one integer verb such as %03d`},
		{"missing.json", `probe: open missing.json: no such file or directory`},
		{"rtsp://@", `probe: "rtsp://@" has no host`},
	} {
		n := 0
		if c.arg == "rtsp://h/cam-%s-%d" {
			n = 2
		}
		if _, err := LoadTargets(c.arg, n); err == nil || err.Error() != c.err {
			t.Errorf("LoadTargets(%q): %v, want %s", c.arg, err, c.err)
		}
	}
}

func FuzzLoadTargets(f *testing.F) {
	for _, s := range []string{"rtsp://u:p@h:1/cam/cam-%03d", "rtsp://h/x", "rtsp://h/%s%d", "rtsp://[::1", "rtsp://h/%%"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, arg string, n int) {
		if n > 100 || strings.HasSuffix(arg, ".json") {
			return
		}
		ts, err := LoadTargets(arg, n)
		if err != nil {
			return
		}
		for _, tg := range ts {
			if !strings.HasPrefix(tg.URL, "rtsp://") {
				t.Fatalf("%q gave target URL %q", arg, tg.URL)
			}
		}
	})
}

// Keep-alives (GET_PARAMETER, every 20 s by default) go out while frames arrive and the session
// carries on: the keep-alive request once had no header map and panicked.
func TestKeepAlivesDoNotEndTheSession(t *testing.T) {
	t.Parallel()
	f := startFarm(t, 1)
	rep, err := Run(context.Background(), Config{Targets: TargetsFromDeployment(f.Deployment()), KeepAlive: 100 * time.Millisecond, Duration: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if o := rep.Overall; o.Frames == 0 || o.Reconnects != 0 || len(o.Errors) > 0 {
		t.Fatalf("with keep-alives every 100 ms: %+v", o)
	}
}
