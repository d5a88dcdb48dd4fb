package center

import (
	"io"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// heldRecorder is a ResumedRecorder over a set of event ids it already holds (as
// record.Resume reads them from the run folder), counting what it writes.
type heldRecorder struct {
	fakeRecorder
	held    map[string]bool
	written map[string]int
}

func (h *heldRecorder) Resumed() bool { return true }

func newHeld(held ...string) *heldRecorder {
	h := &heldRecorder{held: map[string]bool{}, written: map[string]int{}}
	for _, id := range held {
		h.held[id] = true
	}
	h.fakeRecorder = fakeRecorder{
		EventFunc: func(e wire.Event, _ time.Time) {
			if !h.held[e.EventID] {
				h.written[e.EventID]++
			}
			h.held[e.EventID] = true
		},
		TruthFunc: func(v wire.Violation) { h.written["truth:"+v.ID]++ },
		FaultFunc: func(wire.Fault) {},
	}
	return h
}

var _ ResumedRecorder = (*heldRecorder)(nil)

// TestAcknowledgedEventsReachTheRunRecordAfterACrash: events the log holds but the run record
// never got (the center died between fsync and the record, or the device's retry after the
// restart was answered "duplicate") reach a resumed record at Start, each once, over HTTP's log
// and NATS's stream alike; a plain Recorder still gets no replay.
func TestAcknowledgedEventsReachTheRunRecordAfterACrash(t *testing.T) {
	dir := t.TempDir()
	// the first life: e1, e2 over HTTP, n1 over NATS and truth v1 are stored; the record
	// got only e1 (the process died before the rest reached it)
	c := startCenter(t, dir, true, nil)
	for _, id := range []string{"e1", "e2"} {
		if code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, event(id))); code != 202 {
			t.Fatalf("%d %s", code, body)
		}
	}
	v := wire.Violation{ID: "v1", Type: wire.RedLight, Camera: "cam-1", Wall: t0}
	if code, body := post(t, c.TruthURL()+"/v1/truth", testTruthToken, "application/json", mustJSON(t, v)); code != 202 {
		t.Fatalf("%d %s", code, body)
	}
	_, js, _ := natsConnect(t, c.NATSURL(), "dev-1", "tok-1")
	ctx := t.Context()
	if _, err := js.Publish(ctx, wire.EventSubject+".cam-1", mustJSON(t, event("n1"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "n1", func() bool { return c.Stats().Events == 3 })
	c.Close()

	rec := newHeld("e1")
	c2 := startCenter(t, dir, true, func(cfg *Config) { cfg.Recorder = rec })
	// the device retries e2 after the restart: a duplicate, and already in the record
	if code, body := post(t, c2.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, event("e2"))); body != `{"accepted":0,"duplicate":1}` {
		t.Fatalf("retry: %d %s", code, body)
	}
	c2.Close()
	want := map[string]int{"e2": 1, "n1": 1, "truth:v1": 1}
	if len(rec.written) != len(want) {
		t.Fatalf("the record got %v, want %v", rec.written, want)
	}
	for k, n := range want {
		if rec.written[k] != n {
			t.Fatalf("the record got %v, want %v", rec.written, want)
		}
	}
	// a Recorder that is not resumed gets nothing replayed (it would write it twice)
	var plain sink
	c3 := startCenter(t, dir, true, func(cfg *Config) { cfg.Recorder = plain.recorder() })
	c3.Close()
	if n, tr, _ := plain.counts(); n != 0 || tr != 0 {
		t.Fatalf("a plain recorder got %d events, %d truth at replay", n, tr)
	}
}

// fullDisk fails writes with ENOSPC while full is set.
type fullDisk struct {
	w    io.Writer
	full atomic.Bool
}

func (d *fullDisk) Write(b []byte) (int, error) {
	if d.full.Load() {
		return 0, &os.PathError{Op: "write", Path: "events.log", Err: syscall.ENOSPC}
	}
	return d.w.Write(b)
}

// TestAFullDiskAnswers503ThenRecoversWithoutRestart: while the log cannot be written the
// center answers 503; once space is back the same event is accepted (not taken for a
// duplicate), with no restart.
func TestAFullDiskAnswers503ThenRecoversWithoutRestart(t *testing.T) {
	disk := &fullDisk{}
	c := startCenter(t, "", false, func(cfg *Config) {
		cfg.logRetry = 50 * time.Millisecond
		cfg.logWrap = func(w io.Writer) io.Writer { disk.w = w; return disk }
	})
	disk.full.Store(true)
	code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, event("e1")))
	if code != 503 || !strings.Contains(body, "no space left on device") {
		t.Fatalf("on a full disk: %d %s", code, body)
	}
	disk.full.Store(false)
	if code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, event("e1"))); code != 202 || body != `{"accepted":1,"duplicate":0}` {
		t.Fatalf("space freed: %d %s", code, body)
	}
}
