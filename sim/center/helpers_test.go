package center

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// fakeScorer is a Scorer of function fields (STYLE.md item 7).
type fakeScorer struct {
	AddTruthFunc func(wire.Violation)
	AddFaultFunc func(wire.Fault)
	AddEventFunc func(wire.Event, time.Time)
}

func (f fakeScorer) AddTruth(v wire.Violation)             { f.AddTruthFunc(v) }
func (f fakeScorer) AddFault(x wire.Fault)                 { f.AddFaultFunc(x) }
func (f fakeScorer) AddEvent(e wire.Event, recv time.Time) { f.AddEventFunc(e, recv) }

// fakeRecorder is a Recorder of function fields.
type fakeRecorder struct {
	EventFunc func(wire.Event, time.Time)
	TruthFunc func(wire.Violation)
	FaultFunc func(wire.Fault)
}

func (f fakeRecorder) Event(e wire.Event, recv time.Time) { f.EventFunc(e, recv) }
func (f fakeRecorder) Truth(v wire.Violation)             { f.TruthFunc(v) }
func (f fakeRecorder) Fault(x wire.Fault)                 { f.FaultFunc(x) }

var (
	_ Scorer   = fakeScorer{}
	_ Recorder = fakeRecorder{}
)

// sink collects what a center hands on, through the fakes.
type sink struct {
	mu     sync.Mutex
	events []wire.Event
	recv   []time.Time
	truth  []wire.Violation
	faults []wire.Fault
}

func (s *sink) scorer() fakeScorer {
	return fakeScorer{
		AddTruthFunc: func(v wire.Violation) { s.mu.Lock(); s.truth = append(s.truth, v); s.mu.Unlock() },
		AddFaultFunc: func(f wire.Fault) { s.mu.Lock(); s.faults = append(s.faults, f); s.mu.Unlock() },
		AddEventFunc: func(e wire.Event, r time.Time) {
			s.mu.Lock()
			s.events = append(s.events, e)
			s.recv = append(s.recv, r)
			s.mu.Unlock()
		},
	}
}

func (s *sink) recorder() fakeRecorder {
	sc := s.scorer()
	return fakeRecorder{EventFunc: sc.AddEventFunc, TruthFunc: sc.AddTruthFunc, FaultFunc: sc.AddFaultFunc}
}

func (s *sink) counts() (events, truth, faults int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events), len(s.truth), len(s.faults)
}

var testTokens = map[string]string{"tok-1": "dev-1", "tok-2": "dev-2"}

const testTruthToken = "truth-tok"

// startCenter runs a center on a fresh or given data dir; NATS is off unless withNATS.
func startCenter(t *testing.T, dir string, withNATS bool, modify func(*Config)) *Center {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := Config{DataDir: dir, Tokens: testTokens, TruthToken: testTruthToken, NATS: NATSConfig{Disable: !withNATS}}
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

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func event(id string) wire.Event {
	return wire.Event{EventID: id, CameraID: "cam-1", Type: wire.RedLight, Time: t0, Plate: "29A-123.45",
		VehicleClass: wire.Car, Confidence: 0.9, Source: "dev-1"}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends a body and returns status and body.
func post(t testing.TB, url, token, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(bytes.TrimSpace(b))
}

// metricValue sums the samples of a metric whose labels include all of want.
func metricValue(t *testing.T, c *Center, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := c.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			if m.Counter != nil {
				sum += m.Counter.GetValue()
			} else if m.Gauge != nil {
				sum += m.Gauge.GetValue()
			}
		}
	}
	return sum
}
