package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// childEnv carries the Config of a cluster run as a child process of the test binary.
const childEnv = "TRAFFICSIM_CLUSTER_CHILD"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		os.Exit(runChild(cfg))
	}
	os.Exit(m.Run())
}

// runChild runs a cluster until killed, printing its ingest URL.
func runChild(js string) int {
	var cc childConfig
	if err := json.Unmarshal([]byte(js), &cc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, err := New(Config{ID: cc.ID, DataDir: cc.DataDir, Tokens: cc.Tokens, Upstream: cc.Upstream,
		LeafReconnect: cc.Pause, Retry: cc.Pause, Batch: cc.Batch})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("ingest %s\n", c.URL())
	time.Sleep(time.Minute) // bounded: the parent kills it long before
	return 0
}

// childConfig is what a child cluster is given.
type childConfig struct {
	ID, DataDir string
	Tokens      map[string]string
	Upstream    Upstream
	Pause       time.Duration
	Batch       int
}

// child is a cluster in its own process.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, cfg childConfig) *child {
	t.Helper()
	js, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		u, ok := strings.CutPrefix(l, "ingest ")
		if !ok {
			t.Fatalf("child said %q", l)
		}
		return &child{cmd: cmd, url: u}
	case <-time.After(20 * time.Second):
		t.Fatal("child did not start")
	}
	return nil
}

func (c *child) kill(t *testing.T) {
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
}

// A cluster SIGKILLed while it takes and forwards events, then started again on its data
// directory: every event it acknowledged reaches the center exactly once; an event posted
// as it died (no answer) reaches it at most once.
func TestClusterKilledMidForward(t *testing.T) {
	tc := newTestCenter(t, "dev-1")
	cfg := childConfig{ID: clusterID, DataDir: t.TempDir(), Tokens: map[string]string{"tok-dev-1": "dev-1"}, Upstream: tc.upstream(),
		Pause: 100 * time.Millisecond, Batch: 4}
	ch := startChild(t, cfg)

	// Several posters keep arrays of 10 events coming while the cluster is killed.
	var mu sync.Mutex
	var acked, unanswered []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				var evs []wire.Event
				var ids []string
				for i := range 10 {
					id := fmt.Sprintf("k%d-%d-%d", p, k, i)
					evs = append(evs, event(id, fmt.Sprintf("cam-%d", i%3), "dev-1"))
					ids = append(ids, id)
				}
				body, _ := json.Marshal(evs)
				req, _ := http.NewRequest(http.MethodPost, ch.url+"/v1/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer tok-dev-1")
				resp, err := httpClient.Do(req)
				mu.Lock()
				if err == nil && resp.StatusCode == 202 {
					acked = append(acked, ids...)
				} else {
					unanswered = append(unanswered, ids...)
				}
				mu.Unlock()
				if err != nil {
					return // the cluster is gone
				}
				resp.Body.Close()
			}
		}()
	}
	waitFor(t, "events flowing to the center", 20*time.Second, func() bool { return tc.rec.distinct() >= 200 })
	ch.kill(t)
	close(stop)
	wg.Wait()
	atKill := tc.rec.distinct()
	mu.Lock()
	nAcked := len(acked)
	mu.Unlock()
	if atKill >= nAcked {
		t.Fatalf("the center had all %d events when the cluster was killed: nothing was mid-forward", nAcked)
	}

	startChild(t, cfg)
	waitFor(t, "every acknowledged event at the center", 30*time.Second, func() bool {
		tc.rec.mu.Lock()
		defer tc.rec.mu.Unlock()
		for _, id := range acked {
			if tc.rec.events[id] == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond) // anything else in flight lands too
	tc.rec.mu.Lock()
	defer tc.rec.mu.Unlock()
	maybe, known := map[string]bool{}, map[string]bool{}
	for _, id := range unanswered {
		maybe[id], known[id] = true, true
	}
	for _, id := range acked {
		known[id] = true
	}
	for _, id := range acked {
		if n := tc.rec.events[id]; n != 1 {
			t.Errorf("acknowledged %s at the center %d times", id, n)
		}
	}
	for id, n := range tc.rec.events {
		if !known[id] {
			t.Errorf("%s at the center was never posted", id)
		}
		if !maybe[id] && n != 1 {
			t.Errorf("%s at the center %d times", id, n)
		}
		if maybe[id] && n > 1 {
			t.Errorf("unanswered %s at the center %d times", id, n)
		}
	}
	// The center, not JetStream's Msg-Id window, de-duplicates by (source, event_id) (a device
	// must not be able to suppress another's ids), so a re-forwarded event is counted as a
	// duplicate there and recorded once (checked above).
	t.Logf("%d events acknowledged, %d at the center when the cluster was killed, %d unanswered, %d re-forwarded and counted as duplicates",
		nAcked, atKill, len(unanswered), tc.c.Stats().EventsDuplicate)
}
