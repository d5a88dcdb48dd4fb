package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/wire"
)

// outage is how long the center or the uplink stays away in the outage tests. Short by
// default; the long run of the issue is go test ./sim/cluster -run Outage -outage 60s.
var outage = flag.Duration("outage", 3*time.Second, "length of the center and uplink outages in the outage tests")

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

const (
	clusterID = "c1"
	leafPass  = "leaf-pw"
	truthTok  = "truth-tok"
)

// event is a valid event of device dev on camera cam.
func event(id, cam, dev string) wire.Event {
	return wire.Event{EventID: id, CameraID: cam, Type: wire.RedLight, Time: t0, Plate: "29A-123.45",
		VehicleClass: wire.Car, Confidence: 0.9, Source: dev}
}

// recorder is the scorer of one center instance: it gets every event the center holds, those
// read again from its log and streams at start and those accepted since, each once by the
// center's own de-duplication.
type recorder struct {
	mu     sync.Mutex
	events map[string]int
	refs   map[string]string
}

func newRecorder() *recorder { return &recorder{events: map[string]int{}, refs: map[string]string{}} }

func (r *recorder) AddEvent(e wire.Event, _ time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events[e.EventID]++
	if e.Evidence != nil {
		r.refs[e.EventID] = e.Evidence.Ref
	}
}
func (r *recorder) AddTruth(wire.Violation) {}
func (r *recorder) AddFault(wire.Fault)     {}

func (r *recorder) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// exactlyOnce checks that the center holds every id of want once and nothing else.
func (r *recorder) exactlyOnce(t testing.TB, want []string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var bad []string
	for _, id := range want {
		if n := r.events[id]; n != 1 {
			bad = append(bad, fmt.Sprintf("%s x%d", id, n))
		}
	}
	if len(r.events) != len(want) {
		bad = append(bad, fmt.Sprintf("%d distinct events recorded, want %d", len(r.events), len(want)))
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		if len(bad) > 10 {
			bad = append(bad[:10], "...")
		}
		t.Fatalf("not exactly once: %v", bad)
	}
}

// freeAddr returns a loopback address nothing listens on (for a server restarted on the same
// port).
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// testCenter is a real center whose leaf listener keeps its address across restarts.
type testCenter struct {
	t       testing.TB
	dir     string
	leaf    string // host:port
	devices []string
	rec     *recorder
	dups    int64 // events the center received again over NATS (past JetStream's message-id window), all instances
	c       *center.Center
}

func newTestCenter(t testing.TB, devices ...string) *testCenter {
	tc := &testCenter{t: t, dir: t.TempDir(), leaf: freeAddr(t), devices: devices}
	tc.start()
	t.Cleanup(func() {
		if tc.c != nil {
			tc.c.Close()
		}
	})
	return tc
}

func (tc *testCenter) start() {
	tc.t.Helper()
	tokens := map[string]string{}
	for _, d := range tc.devices {
		tokens["tok-"+d] = d
	}
	tc.rec = newRecorder()
	c, err := center.New(center.Config{DataDir: tc.dir, Tokens: tokens, TruthToken: truthTok, Scorer: tc.rec,
		NATS: center.NATSConfig{LeafListen: tc.leaf, Leafs: map[string]string{leafPass: clusterID}}})
	if err != nil {
		tc.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		tc.t.Fatal(err)
	}
	tc.c = c
}

func (tc *testCenter) stop() {
	tc.dups += tc.c.Stats().EventsDuplicate
	tc.c.Close()
	tc.c = nil
}

// exactlyOnce checks that the center holds every id of want once, nothing else, and never
// received one twice.
func (tc *testCenter) exactlyOnce(t testing.TB, want []string) {
	t.Helper()
	tc.rec.exactlyOnce(t, want)
	// a re-forwarded event may reach the center twice: the center, not JetStream's Msg-Id
	// window, de-duplicates by (source, event_id), counts it and records it once (above)
	if d := tc.dups + tc.c.Stats().EventsDuplicate; d != 0 {
		t.Logf("the center counted %d re-forwarded events as duplicates", d)
	}
}

func (tc *testCenter) upstream() Upstream {
	return Upstream{LeafURL: "nats-leaf://" + tc.leaf, User: clusterID, Pass: leafPass}
}

func startCluster(t testing.TB, dir string, up Upstream, modify func(*Config)) *Cluster {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := Config{ID: clusterID, DataDir: dir, Tokens: map[string]string{"tok-dev-1": "dev-1"}, Upstream: up,
		LeafReconnect: 100 * time.Millisecond, Retry: 200 * time.Millisecond, PublishTimeout: 2 * time.Second}
	if modify != nil {
		modify(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// post sends evs to url/v1/events and returns the status and body.
func post(t testing.TB, url, token string, evs ...wire.Event) (int, string) {
	t.Helper()
	var body []byte
	if len(evs) == 1 {
		body, _ = json.Marshal(evs[0])
	} else {
		body, _ = json.Marshal(evs)
	}
	return postRaw(t, url, token, "application/json", body)
}

func postRaw(t testing.TB, url, token, contentType string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var httpClient = &http.Client{Timeout: 15 * time.Second}

func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeWorker stands in for a device worker: it posts one event per camera every interval to
// the endpoint it was given, over real HTTP, until n events per camera or Close.
type fakeWorker struct {
	id      string
	cams    []wire.Calibration
	ep      wire.EventsEndpoint
	n       int
	every   time.Duration
	t       *testing.T
	sent    *idLog
	stop    chan struct{}
	wg      sync.WaitGroup
	started bool
}

// idLog collects ids the cluster acknowledged (202).
type idLog struct {
	mu  sync.Mutex
	ids []string
}

func (l *idLog) add(ids ...string) {
	l.mu.Lock()
	l.ids = append(l.ids, ids...)
	l.mu.Unlock()
}

func (l *idLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ids...)
}

func (w *fakeWorker) Start(ctx context.Context) error {
	w.stop = make(chan struct{})
	w.started = true
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for k := 0; k < w.n; k++ {
			for _, cam := range w.cams {
				e := event(fmt.Sprintf("%s-%s-%d", w.id, cam.ID, k), cam.ID, w.id)
				body, _ := json.Marshal(e)
				req, _ := http.NewRequest(http.MethodPost, w.ep.HTTP+"/v1/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+w.ep.Token)
				resp, err := httpClient.Do(req)
				if err != nil {
					w.t.Errorf("worker %s: %v", w.id, err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					w.t.Errorf("worker %s: status %d", w.id, resp.StatusCode)
					return
				}
				w.sent.add(e.EventID)
			}
			select {
			case <-time.After(w.every):
			case <-w.stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return nil
}

func (w *fakeWorker) Close() error {
	if w.started {
		close(w.stop)
		w.wg.Wait()
	}
	return nil
}
