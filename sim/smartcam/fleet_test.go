package smartcam

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

func TestFleetDeliversEveryEventOnceDespiteUplinkFailures(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	failures := 3
	send := func(_ context.Context, evs []wire.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return errors.New("uplink down")
		}
		for _, e := range evs {
			got[e.EventID]++
		}
		return nil
	}
	now := time.Now()
	f := NewFleet([]string{"cam-01", "cam-02"}, 1, Model{MissRate: 1e-9, FalsePerHour: 1e-9, LatencyMedian: time.Millisecond, LatencyP95: 2 * time.Millisecond}, send, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	for i := 0; i < 50; i++ {
		f.Violation(wire.Violation{ID: "v" + time.Duration(i).String(), Camera: []string{"cam-01", "cam-02", "cam-99"}[i%3],
			Type: wire.NoHelmet, Wall: now, Class: wire.Motorbike})
	}
	want := 34 // cam-99 is not in the fleet: 50 - 16
	for ctx.Err() == nil {
		if s := f.Stats(); s.Sent >= int64(want) && s.Pending == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != want {
		t.Fatalf("delivered %d distinct events, want %d (stats %+v)", len(got), want, f.Stats())
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	if s := f.Stats(); s.Retries != 3 {
		t.Errorf("retries = %d, want 3", s.Retries)
	}
}
