package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/center/natsbox"
)

// With Upstream.NATSURL the cluster publishes to an external NATS server (here a second
// embedded server standing in for it) that the center also uses; the external server going
// away and coming back on the same store loses nothing and duplicates nothing.
func TestExternalNATS(t *testing.T) {
	store, listen := t.TempDir(), freeAddr(t)
	boxCfg := natsbox.Config{StoreDir: store, Listen: listen,
		Devices:      []natsbox.User{{Name: clusterID, Pass: "ext-pw"}},
		CenterEvents: natsbox.User{Name: "ce", Pass: "ce-pw"}, CenterTruth: natsbox.User{Name: "ct", Pass: "ct-pw"}}
	box, err := natsbox.Start(boxCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if box != nil {
			box.Close()
		}
	})
	rec := newRecorder()
	c, err := center.New(center.Config{DataDir: t.TempDir(), Tokens: map[string]string{"tok-dev-1": "dev-1"}, TruthToken: truthTok,
		Scorer: rec, NATS: center.NATSConfig{URL: box.URL(), EventsUser: "ce", EventsPass: "ce-pw", TruthUser: "ct", TruthPass: "ct-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })

	cl := startCluster(t, "", Upstream{NATSURL: box.URL(), User: clusterID, Pass: "ext-pw"}, nil)
	prod := startProducer(t, cl.URL(), "tok-dev-1", "dev-1", 10*time.Millisecond)
	waitFor(t, "events at the center", 10*time.Second, func() bool { return rec.distinct() >= 10 })
	box.Close()
	box = nil
	waitFor(t, "the uplink down", 10*time.Second, func() bool { return !cl.Stats().UplinkUp })
	waitFor(t, "events held at the cluster", 10*time.Second, func() bool { return cl.Stats().Pending > 0 })
	time.Sleep(time.Second)
	if box, err = natsbox.Start(boxCfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the uplink up", 10*time.Second, func() bool { return cl.Stats().UplinkUp })
	time.Sleep(300 * time.Millisecond)
	sent := prod.stop()
	waitFor(t, "every event at the center", 30*time.Second, func() bool { return rec.distinct() >= len(sent) })
	waitFor(t, "nothing pending", 10*time.Second, func() bool { return cl.Stats().Pending == 0 })
	rec.exactlyOnce(t, sent)
	if d := c.Stats().EventsDuplicate; d != 0 {
		t.Fatalf("the center received %d events twice", d)
	}
}
