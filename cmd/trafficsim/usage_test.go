package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/trafficsim/trafficsim/results/record/recordtest"
)

// TestUsageErrorsExit2: a bad flag value or a missing or extra argument exits 2 in every
// command, as the help says; 1 is kept for a failed check or a failed run.
func TestUsageErrorsExit2(t *testing.T) {
	d := t.TempDir()
	base := filepath.Join(d, "base")
	if _, err := recordtest.Write(base, recordtest.Options{ID: "base"}); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"compare", "--max-drop", "f1=abc", base, base},
		{"compare", "--max-rise", "latency_p95=soon", base, base},
		{"compare", "--max-drop", "f9=1", base, base},
		{"cluster", "extra"},
		{"device", "extra"},
		{"export", "a", "b"},
		{"synth", "--cameras", "0"},
		{"synth", "extra"},
		{"synth", "--scenario", "x", "--cameras", "many"},
		{"cameras"},
		{"run", "extra"},
		{"report"},
		{"scenarios", "validate"},
		{"probe"},
		{"nosuchcommand"},
	}
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	oldErr := os.Stderr
	os.Stderr = devnull
	defer func() { os.Stderr = oldErr }()
	for _, args := range cases {
		if code, out := capture(t, args...); code != 2 {
			t.Errorf("trafficsim %v: exit %d, want 2\n%s", args, code, out)
		}
	}
}

// TestProbeExits1WhenEverySessionFails: a probe that reached no stream fails.
func TestProbeExits1WhenEverySessionFails(t *testing.T) {
	ln := listenClosed(t)
	if code, out := capture(t, "probe", "--duration", "1s", "rtsp://"+ln+"/cam/cam-%03d", "--streams", "2"); code != 1 {
		t.Errorf("probe of a closed port: exit %d, want 1\n%s", code, out)
	}
}

// listenClosed returns an address nobody listens on.
func listenClosed(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
