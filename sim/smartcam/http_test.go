package smartcam

import (
	"context"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/wire"
)

func TestHTTPSenderReachesARealCenter(t *testing.T) {
	c, err := center.New(center.Config{DataDir: t.TempDir(), Tokens: map[string]string{"tok-smart": "smartcams"},
		TruthToken: "truth-tok", NATS: center.NATSConfig{Disable: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var refusals []int
	send := HTTPSender(wire.EventsEndpoint{HTTP: c.EventsURL(), Token: "tok-smart"}, func(s int, _ string) { refusals = append(refusals, s) })
	cam := NewCamera("cam-01", 1, Model{MissRate: 1e-9, Source: "smartcams"})
	v := wire.Violation{ID: "v1", Camera: "cam-01", Type: wire.RedLight, Wall: time.Now(), Class: wire.Car, Plate: "29A-123.45", Box: wire.Box{1, 2, 30, 40}}
	em := cam.Observe(v)
	if err := send(ctx, []wire.Event{em[0].Event}); err != nil {
		t.Fatal(err)
	}
	if got := c.Stats(); got.EventsAccepted != 1 {
		t.Errorf("center accepted %+v, want 1 event", got)
	}
	bad := em[0].Event
	bad.Source = "someone-else"
	if err := send(ctx, []wire.Event{bad}); err != nil {
		t.Fatal(err)
	}
	if len(refusals) != 1 || refusals[0] != 403 {
		t.Errorf("refusals = %v, want one 403 for a foreign source", refusals)
	}
}
