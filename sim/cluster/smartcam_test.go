package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/wire"
)

// A fleet of smart cameras reports to the cluster as it would to the center (the endpoint
// the cluster gives it); every event it delivered reaches the center once.
func TestSmartCamerasReportThroughTheCluster(t *testing.T) {
	tc := newTestCenter(t, "fleet-1")
	cl := startCluster(t, "", tc.upstream(), func(cfg *Config) { cfg.Tokens = map[string]string{"tok-fleet-1": "fleet-1"} })
	ep, ok := cl.EventsEndpoint("fleet-1")
	if !ok {
		t.Fatal("no endpoint for fleet-1")
	}
	var mu sync.Mutex
	var refusals []string
	send := smartcam.HTTPSender(ep, func(status int, body string) {
		mu.Lock()
		refusals = append(refusals, fmt.Sprint(status, body))
		mu.Unlock()
	})
	var sentIDs idLog
	record := func(ctx context.Context, evs []wire.Event) error {
		if err := send(ctx, evs); err != nil {
			return err
		}
		for _, e := range evs {
			sentIDs.add(e.EventID)
		}
		return nil
	}
	m := smartcam.Model{MissRate: 1e-9, FalsePerHour: 1e-9, LatencyMedian: 5 * time.Millisecond, LatencyP95: 10 * time.Millisecond, Source: "fleet-1"}
	fleet := smartcam.NewFleet([]string{"sc-1", "sc-2", "sc-3"}, 7, m, record, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fleet.Run(ctx)
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()
	now := time.Now().UTC()
	for i := range 60 {
		fleet.Violation(wire.Violation{ID: fmt.Sprintf("v%d", i), Type: wire.RedLight, Camera: fmt.Sprintf("sc-%d", i%3+1),
			Wall: now.Add(time.Duration(i) * time.Millisecond), Plate: "29A-123.45", Class: wire.Car, Box: wire.Box{10, 10, 50, 50}})
	}
	waitFor(t, "the fleet to send", 20*time.Second, func() bool { return fleet.Stats().Sent >= 60 && fleet.Stats().Pending == 0 })
	waitFor(t, "the events at the center", 20*time.Second, func() bool { return tc.rec.distinct() >= len(sentIDs.all()) })
	mu.Lock()
	defer mu.Unlock()
	if len(refusals) > 0 {
		t.Fatalf("refused: %v", refusals)
	}
	tc.exactlyOnce(t, sentIDs.all())
}
