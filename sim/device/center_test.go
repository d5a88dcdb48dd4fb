package device_test

import (
	"context"
	"testing"
	"time"

	realcenter "github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/wire"
)

// startRealCenter runs the project's center (sim/center) on addr with the device's token.
func startRealCenter(t *testing.T, dir, addr string) *realcenter.Center {
	t.Helper()
	var c *realcenter.Center
	var err error
	for range 50 { // a just-closed port can take a moment to free
		c, err = realcenter.New(realcenter.Config{DataDir: dir, HTTPListen: addr, Tokens: map[string]string{"tok-1": "dev1"}, TruthToken: "truth-1"})
		if err == nil {
			if err = c.Start(context.Background()); err == nil {
				return c
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}

// Against the real center: events arrive with the device's token and source; the center is
// stopped for an outage and started again on its data; every produced event is held exactly
// once and the center counted no refusal.
func TestAgainstTheRealCenterWithARestart(t *testing.T) {
	t.Parallel()
	r := newRig(t, 5, t.TempDir())
	dir := t.TempDir()
	ctr := startRealCenter(t, dir, "127.0.0.1:0")
	addr := ctr.EventsURL()[len("http://"):]
	r.cfg.Events = wire.EventsEndpoint{HTTP: ctr.EventsURL(), Token: "tok-1"}
	r.start(t)
	eventually(t, 10*time.Second, "events at the center", func() bool { return ctr.Stats().Events >= 5 })
	ctr.Close()
	time.Sleep(outage(t))
	ctr = startRealCenter(t, dir, addr)
	defer ctr.Close()
	eventually(t, 20*time.Second, "every produced event at the center", func() bool {
		n := len(r.ids())
		return n > 10 && ctr.Stats().Events == n && r.dev.Stats().Pending == 0
	})
	s := ctr.Stats()
	if s.Refused != 0 {
		t.Errorf("center refused %d requests", s.Refused)
	}
	d := r.dev.Stats()
	if d.Refused != 0 || d.Sent != int64(len(r.ids())) {
		t.Errorf("device stats %+v, produced %d", d, len(r.ids()))
	}
	t.Logf("%d events produced, %d held by the center after its restart, %d duplicates since restart", len(r.ids()), s.Events, s.EventsDuplicate)
}
