package netem

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/wire"
)

// collector is the events endpoint and truth sink of the accuracy figure.
type collector struct {
	mu     sync.Mutex
	truth  []wire.Violation
	events []results.Received
}

func (c *collector) Violation(v wire.Violation) {
	c.mu.Lock()
	c.truth = append(c.truth, v)
	c.mu.Unlock()
}
func (c *collector) Fault(wire.Fault) {}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var evs []wire.Event
	if err := json.NewDecoder(r.Body).Decode(&evs); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now()
	c.mu.Lock()
	for _, e := range evs {
		c.events = append(c.events, results.Received{Event: e, At: now})
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, `{"accepted":%d}`, len(evs))
}

// TestCameraLinkAccuracy is the figure of accuracy against camera-link loss: the reference
// device (decode + detector) in a namespace pulls TRAFFICSIM_CAMLINK_CAMERAS cameras [2] of
// the clip folder TRAFFICSIM_CAMLINK_CLIP over RTP/UDP through a veth losing 0, 0.5 % and 2 %
// of the farm-to-device packets, for TRAFFICSIM_CAMLINK_FOR [40s] each; its events are scored
// against the farm's truth (window 2 s, the first 5 s not scored). Off unless the clip is set.
func TestCameraLinkAccuracy(t *testing.T) {
	clipDir := os.Getenv("TRAFFICSIM_CAMLINK_CLIP")
	if clipDir == "" {
		t.Skip("TRAFFICSIM_CAMLINK_CLIP (a clip folder) is not set")
	}
	if why := Available(); why != "" {
		t.Skip(why)
	}
	runFor, cams := 40*time.Second, 2
	if v := os.Getenv("TRAFFICSIM_CAMLINK_FOR"); v != "" {
		runFor, _ = time.ParseDuration(v)
	}
	if v := os.Getenv("TRAFFICSIM_CAMLINK_CAMERAS"); v != "" {
		fmt.Sscan(v, &cams)
	}
	for i, loss := range []float64{0, 0.005, 0.02} {
		pid := os.Getpid()
		ns, err := Create(fmt.Sprintf("tsa%d%d", pid%10000, i), (pid+17*i+5)%250)
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer ns.Close()
			if err := ns.Shape(Link{}, Link{Loss: loss}); err != nil {
				t.Fatal(err)
			}
			col := &collector{}
			ln, err := net.Listen("tcp", net.JoinHostPort(ns.HostIP, "0"))
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: col}
			go srv.Serve(ln)
			defer srv.Close()
			fm := farm.New(farm.Config{UDPListen: ns.HostIP + ":0", Seed: 11, Sink: col})
			for range cams {
				if _, err := fm.AddCamera(farm.CameraSpec{Clip: clipDir, Transport: farm.TransportUDP}); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), runFor+time.Minute)
			defer cancel()
			if err := fm.Start(ctx); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			dir := t.TempDir()
			b, _ := json.Marshal(fm.Deployment())
			dep := filepath.Join(dir, "cameras.json")
			os.WriteFile(dep, b, 0o600)
			cmd := ns.Command(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "NETEM_TEST_DEVICE="+dep, "NETEM_TEST_EVENTS=http://"+ln.Addr().String(), "NETEM_TEST_FOR="+runFor.String())
			cmd.Stderr = nil
			out, err := cmd.Output()
			end := time.Now()
			fm.Close()
			if err != nil {
				t.Fatalf("device: %v\n%s", err, out)
			}
			var st map[string]struct{ Frames, DecodeErrors, PacketsLost int64 }
			for _, l := range splitLines(string(out)) {
				if j, ok := cutPrefix(l, "stats "); ok {
					json.Unmarshal([]byte(j), &st)
				}
			}
			var frames, decErr, lost int64
			for _, s := range st {
				frames, decErr, lost = frames+s.Frames, decErr+s.DecodeErrors, lost+s.PacketsLost
			}
			_, dropped, _ := ns.Dropped()
			col.mu.Lock()
			score, _ := results.ScoreRun(col.truth, col.events, nil, results.Config{Window: 2 * time.Second,
				Cuts: results.Cuts{From: start.Add(5 * time.Second), Until: end.Add(-2 * time.Second)}})
			col.mu.Unlock()
			o := score.Overall
			t.Logf("camera-link loss %.1f%%: link dropped %d, device lost %d packets, %d frames decoded, %d decode errors; truths %d events %d: TP %d FP %d FN %d precision %.3f recall %.3f F1 %.3f",
				100*loss, dropped, lost, frames, decErr, score.Truths, score.Events, o.TP, o.FP, o.FN, o.Precision, o.Recall, o.F1)
		}()
	}
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

func cutPrefix(s, p string) (string, bool) { return strings.CutPrefix(s, p) }
