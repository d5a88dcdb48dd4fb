package netem

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/wire"
)

// TestMain runs this test binary as the commune side (a regional cluster and the devices that
// post to it) when the uplink test starts it inside the namespace, or as the device behind a
// camera link (camlink_test.go).
func TestMain(m *testing.M) {
	if dep := os.Getenv("NETEM_TEST_DEVICE"); dep != "" {
		if err := deviceMain(dep); err != nil {
			fmt.Println("device:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv("NETEM_TEST_COMMUNE") != "" {
		if err := commune(); err != nil {
			fmt.Println("commune:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	communeEvents = 2000             // posted by the devices
	communeRate   = 200              // per second
	devToken      = "dev-token-1"    // the device's token at the cluster
	leafPass      = "leaf-pass-c1"   // the cluster's leaf password at the center
	outageAt      = 4 * time.Second  // after the first post, the uplink goes down ...
	outageFor     = 3 * time.Second  // ... for this long
	uplinkBudget  = 60 * time.Second // every event at the center within this
	clusterID     = "c1"
)

// commune runs cluster c1 forwarding to the center's leaf URL, posts communeEvents events at
// communeRate, each stamped with the time it was posted, and runs until SIGTERM.
func commune() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cl, err := cluster.New(cluster.Config{ID: clusterID, DataDir: os.Getenv("NETEM_TEST_DATA"), Listen: "127.0.0.1:0",
		Tokens:   map[string]string{devToken: "dev-1"},
		Upstream: cluster.Upstream{LeafURL: os.Getenv("NETEM_TEST_LEAF"), User: clusterID, Pass: leafPass}})
	if err != nil {
		return err
	}
	defer cl.Close()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cl.Start(sctx); err != nil {
		return err
	}
	fmt.Println("ready")
	client := &http.Client{Timeout: 10 * time.Second}
	tick := time.NewTicker(time.Second / communeRate)
	for i := range communeEvents {
		<-tick.C
		e := wire.Event{EventID: "e" + strconv.Itoa(i), CameraID: "cam-1", Type: wire.RedLight, Time: time.Now().UTC().Truncate(time.Millisecond),
			Confidence: 0.9, Source: "dev-1"}
		b, _ := json.Marshal(e)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, cl.URL()+"/v1/events", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+devToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("post %d: %s", i, resp.Status)
		}
	}
	tick.Stop()
	fmt.Println("posted", communeEvents)
	for ctx.Err() == nil {
		st := cl.Stats()
		fmt.Printf("stats forwarded %d pending %d errors %d\n", st.Forwarded, st.Pending, st.ForwardErrors)
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	return nil
}

// received collects what the center takes, with the time it took it.
type received struct {
	mu    sync.Mutex
	ids   map[string]int
	lat   []time.Duration
	first time.Time
}

func (r *received) AddTruth(wire.Violation) {}
func (r *received) AddFault(wire.Fault)     {}
func (r *received) AddEvent(e wire.Event, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids[e.EventID]++
	r.lat = append(r.lat, at.Sub(e.Time))
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

// TestClusterHoldsEventsThroughAShapedUplink puts a regional cluster and its devices in their
// own network namespace whose veth uplink to the center is shaped to 20 Mbit/s, 40 ms round
// trip and 1% loss each way, and cut completely for 3 s in the middle (ARCHITECTURE.md: a
// commune's uplink is not loopback). Every one of 2,000 events reaches the center once; the
// latency the link costs (center receipt - post) is logged, and the events posted during the
// cut wait in the cluster's queue, not in the devices.
func TestClusterHoldsEventsThroughAShapedUplink(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip(why)
	}
	pid := os.Getpid()
	ns, err := Create(fmt.Sprintf("tsu%d", pid%100000), pid%250)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ns.Close(); err != nil {
			t.Error(err)
		}
		if Exists(ns.Name) {
			t.Errorf("namespace %s left behind", ns.Name)
		}
	}()
	link := Link{Mbps: 20, RTT: 40 * time.Millisecond, Loss: 0.01}
	if err := ns.Shape(link, link); err != nil {
		// some VM kernels have no sch_netem: bandwidth (tbf) and loss (nftables) still apply
		t.Logf("no round trip on this kernel, the link is 20 Mbit/s and 1%% loss only: %v", err)
		link.RTT = 0
		if err := ns.Shape(link, link); err != nil {
			t.Fatal(err)
		}
	}

	got := &received{ids: map[string]int{}}
	cen, err := center.New(center.Config{DataDir: filepath.Join(t.TempDir(), "center"), Tokens: map[string]string{"center-dev-token": "dev-1"},
		TruthToken: "truth-token", Scorer: got,
		NATS: center.NATSConfig{LeafListen: ns.HostIP + ":0", Leafs: map[string]string{leafPass: clusterID}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cen.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer cen.Close()

	cmd := ns.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NETEM_TEST_COMMUNE=1", "NETEM_TEST_LEAF="+cen.LeafURL(), "NETEM_TEST_DATA="+filepath.Join(t.TempDir(), "cluster"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var last string
	wait := func(what string) {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the commune stopped before %q (last: %s)", what, last)
				}
				last = l
				if len(l) >= len(what) && l[:len(what)] == what {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no %q from the commune", what)
			}
		}
	}
	wait("ready")
	start := time.Now()
	// the cut: everything lost both ways, then the shaped link again
	time.Sleep(outageAt)
	if err := ns.Shape(Link{Loss: 1}, Link{Loss: 1}); err != nil {
		t.Fatal(err)
	}
	atCut := got.count()
	time.Sleep(outageFor)
	duringCut := got.count() - atCut
	if err := ns.Shape(link, link); err != nil {
		t.Fatal(err)
	}
	wait("posted")
	deadline := time.Now().Add(uplinkBudget)
	for got.count() < communeEvents && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := got.count(); n != communeEvents {
		t.Fatalf("the center has %d of %d events %v after the last post (last commune line: %s)", n, communeEvents, uplinkBudget, last)
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	for id, n := range got.ids {
		if n != 1 {
			t.Errorf("event %s reached the center %d times", id, n)
		}
	}
	slices.Sort(got.lat)
	q := func(p float64) time.Duration { return got.lat[int(p*float64(len(got.lat)-1))].Round(time.Millisecond) }
	t.Logf("%d events over %+v with a %v cut after %v: all at the center after %v; latency p50 %v p95 %v p99 %v max %v; %d arrived during the cut",
		communeEvents, link, outageFor, outageAt, time.Since(start).Round(time.Millisecond), q(0.5), q(0.95), q(0.99), q(1), duringCut)
	if duringCut > communeRate/2 { // what was in flight as the cut began
		t.Errorf("%d events reached the center during the cut: the link was not cut", duringCut)
	}
	if q(1) < outageFor/2 {
		t.Errorf("the slowest event took %v: none waited out the cut in the cluster's queue", q(1))
	}
}
