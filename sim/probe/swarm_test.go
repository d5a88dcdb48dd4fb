package probe

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// until polls cond for up to 20 s (the machine may be busy).
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting: %s", what)
}

// A swarm grows and shrinks while it runs: readers spread round-robin over the cameras, the
// newest stop first, readers with a lifetime stop by themselves, and Drain hands over what each
// read since the last Drain, tagged with its camera.
func TestSwarmAddsAndRemovesReadersWhileRunning(t *testing.T) {
	t.Parallel()
	f := startFarm(t, 2)
	targets := TargetsFromDeployment(f.Deployment())
	s := NewSwarm(Config{Targets: targets})
	defer s.Close()
	s.Start(3, 0)
	if n := s.Readers(); n != 3 {
		t.Fatalf("readers after Start(3) = %d", n)
	}
	var got []ReaderInterval
	until(t, "3 readers report frames", func() bool {
		iv := s.Drain()
		got = append(got, iv.Readers...)
		cams := map[string]bool{}
		for _, r := range got {
			cams[r.Camera] = true
		}
		return iv.Alive == 3 && len(cams) == 2 && len(got) >= 3
	})
	for _, r := range got {
		if r.Camera != targets[0].ID && r.Camera != targets[1].ID || r.Frames <= 0 || r.Timed != r.Frames || r.LateMean < 0 || r.LateMax < r.LateMean {
			t.Errorf("reader interval %+v", r)
		}
	}
	s.Stop(2, false)
	if n := s.Readers(); n != 1 {
		t.Fatalf("readers after Stop(2) = %d, want 1", n)
	}
	s.Start(2, 500*time.Millisecond)
	if n := s.Readers(); n != 3 {
		t.Fatalf("readers after Start(2, 500ms) = %d", n)
	}
	until(t, "the two short-lived readers end", func() bool { return s.Readers() == 1 })
	s.Drain()
	until(t, "stopped readers are forgotten", func() bool {
		s.Drain()
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.readers) == 1
	})
	if iv := s.Drain(); iv.Failures != 0 {
		t.Errorf("failures %d: %v", iv.Failures, iv.Errors)
	}
}

// A reader whose camera goes offline moves to a camera online and no failure is counted; a
// camera that is online but refuses connections counts failures with their reason.
func TestSwarmFollowsTargetsAndCountsFailures(t *testing.T) {
	t.Parallel()
	f := startFarm(t, 2)
	targets := TargetsFromDeployment(f.Deployment())
	s := NewSwarm(Config{Targets: targets[:1], Retry: 100 * time.Millisecond})
	defer s.Close()
	s.Start(2, 0)
	until(t, "frames from the first camera", func() bool { return len(s.Drain().Readers) > 0 })
	s.SetTargets(targets[1:])
	if err := f.RemoveCamera(targets[0].ID); err != nil {
		t.Fatal(err)
	}
	until(t, "both readers on the second camera", func() bool {
		iv := s.Drain()
		return len(iv.Readers) == 2 && iv.Readers[0].Camera == targets[1].ID && iv.Readers[1].Camera == targets[1].ID
	})
	if iv := s.Drain(); iv.Failures != 0 {
		t.Errorf("a camera the plan took offline counted %d failures: %v", iv.Failures, iv.Errors)
	}
	// a port nobody listens on
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := Target{ID: "dead", URL: "rtsp://" + ln.Addr().String() + "/cam/dead"}
	ln.Close()
	s.SetTargets([]Target{dead})
	var iv Interval
	until(t, "failures on the dead camera", func() bool {
		d := s.Drain()
		iv.Failures += d.Failures
		iv.Errors = append(iv.Errors, d.Errors...)
		return iv.Failures >= 4
	})
	if !slices.ContainsFunc(iv.Errors, func(e string) bool { return strings.Contains(e, "connection refused") }) {
		t.Errorf("errors %v, want connection refused", iv.Errors)
	}
	s.SetTargets(nil)
	s.Drain()
	time.Sleep(300 * time.Millisecond)
	if d := s.Drain(); d.Failures > 2 || d.Alive != 2 { // at most the sessions in flight
		t.Errorf("without targets: %+v", d)
	}
}
