package smartcam

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// Fleet runs a set of smart cameras: it takes their truth as the farm plays it, and sends the
// resulting events when they fall due, keeping them queued while the uplink fails.
type Fleet struct {
	mu      sync.Mutex
	cams    map[string]*Camera
	pending emissions
	send    func(context.Context, []wire.Event) error
	timeNow func() time.Time
	wake    chan struct{}
	stats   Stats
	lastFA  time.Time
}

// Stats counts what a fleet did.
type Stats struct {
	Truths     int64 // true violations observed
	Sent       int64 // events delivered
	Retries    int64 // failed send attempts
	Pending    int   // events waiting
	FalseAlarm int64 // false alarms made
}

// NewFleet makes smart cameras with the given ids; send delivers a batch (an error keeps it queued).
func NewFleet(ids []string, seed uint64, m Model, send func(context.Context, []wire.Event) error, timeNow func() time.Time) *Fleet {
	if timeNow == nil {
		timeNow = time.Now
	}
	f := &Fleet{cams: map[string]*Camera{}, send: send, timeNow: timeNow, wake: make(chan struct{}, 1)}
	for _, id := range ids {
		f.cams[id] = NewCamera(id, seed, m)
	}
	return f
}

// Violation takes one wall-time truth item; items of cameras outside the fleet are ignored.
func (f *Fleet) Violation(v wire.Violation) {
	f.mu.Lock()
	c, ok := f.cams[v.Camera]
	if ok {
		f.stats.Truths++
		for _, e := range c.Observe(v) {
			heap.Push(&f.pending, e)
		}
	}
	f.mu.Unlock()
	f.poke()
}

// Fault is part of the farm's truth sink; a smart camera's analytics ignore stream faults.
func (f *Fleet) Fault(wire.Fault) {}

func (f *Fleet) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counters.
func (f *Fleet) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Pending = f.pending.Len()
	return s
}

// Run sends due events until ctx ends; false alarms are drawn for each elapsed span.
func (f *Fleet) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	f.lastFA = f.timeNow()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-f.wake:
		}
		now := f.timeNow()
		batch := f.due(now)
		if len(batch) == 0 {
			continue
		}
		if err := f.send(ctx, batch); err != nil {
			f.requeue(batch, now.Add(backoff))
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		f.mu.Lock()
		f.stats.Sent += int64(len(batch))
		f.mu.Unlock()
	}
}

// due draws the false alarms since the last call and pops every emission due at now.
func (f *Fleet) due(now time.Time) []wire.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.After(f.lastFA) {
		for _, c := range f.cams {
			for _, e := range c.FalseAlarms(f.lastFA, now) {
				f.stats.FalseAlarm++
				heap.Push(&f.pending, e)
			}
		}
		f.lastFA = now
	}
	var out []wire.Event
	for f.pending.Len() > 0 && !f.pending[0].SendAt.After(now) && len(out) < 500 {
		out = append(out, heap.Pop(&f.pending).(Emission).Event)
	}
	return out
}

func (f *Fleet) requeue(batch []wire.Event, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Retries++
	for _, e := range batch {
		heap.Push(&f.pending, Emission{Event: e, SendAt: at})
	}
}

// emissions is a min-heap by send time.
type emissions []Emission

func (h emissions) Len() int           { return len(h) }
func (h emissions) Less(i, j int) bool { return h[i].SendAt.Before(h[j].SendAt) }
func (h emissions) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *emissions) Push(x any)        { *h = append(*h, x.(Emission)) }
func (h *emissions) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
