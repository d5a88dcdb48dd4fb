package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/wire"
)

// A device publishing on the cluster's own NATS server, as it would to the center: good
// events reach the center once, with evidence kept on the cluster; what the center would
// refuse is refused and counted; a device can neither read events nor manage streams.
func TestNATSIngest(t *testing.T) {
	tc := newTestCenter(t, "dev-1")
	cl := startCluster(t, "", tc.upstream(), func(cfg *Config) { cfg.NATSListen = "127.0.0.1:0" })
	ep, _ := cl.EventsEndpoint("dev-1")
	if ep.NATS == "" || ep.User != "dev-1" || ep.Pass != "tok-dev-1" || ep.Subject != wire.EventSubject {
		t.Fatalf("endpoint %+v", ep)
	}
	errs := make(chan error, 8)
	nc, err := nats.Connect(ep.NATS, nats.UserInfo(ep.User, ep.Pass),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pub := func(camera, id string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		m := &nats.Msg{Subject: wire.EventSubject + "." + camera, Data: b, Header: nats.Header{}}
		m.Header.Set(jetstream.MsgIDHeader, id)
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
	}
	withEvidence := event("n-1", "cam-1", "dev-1")
	withEvidence.Evidence = &wire.Evidence{JPEG: jpeg}
	pub("cam-1", "n-1", withEvidence)
	pub("cam-1", "n-1", withEvidence) // a retry: the cluster's stream drops it
	pub("cam-2", "n-arr", []wire.Event{event("n-2", "cam-2", "dev-1"), event("n-3", "cam-2", "dev-1")})
	pub("cam-1", "bad-src", event("n-4", "cam-1", "dev-9"))
	pub("cam-1", "bad-cam", event("n-5", "cam-2", "dev-1"))
	pub("cam-1", "bad-json", json.RawMessage(`{"event_id":`))

	waitFor(t, "three events at the center", 10*time.Second, func() bool { return tc.rec.distinct() >= 3 })
	waitFor(t, "three refused", 10*time.Second, func() bool { return cl.Stats().Refused == 3 })
	waitFor(t, "nothing pending", 10*time.Second, func() bool { return cl.Stats().Pending == 0 })
	tc.exactlyOnce(t, []string{"n-1", "n-2", "n-3"})
	if got, err := os.ReadFile(EvidencePath(cl.cfg.DataDir, "cam-1", "n-1")); err != nil || !bytes.Equal(got, jpeg) {
		t.Fatalf("evidence on disk: %v %v", got, err)
	}
	if ref := tc.rec.refs["n-1"]; ref != "cluster://c1/evidence/cam-1/n-1.jpg" {
		t.Fatalf("reference at the center %q", ref)
	}
	if st := cl.Stats(); st.Received != 3 || st.EvidenceFiles != 1 {
		t.Fatalf("Stats = %+v", st)
	}

	nc.SubscribeSync("traffic.events.>")
	nc.Flush()
	select {
	case err := <-errs:
		if want := `nats: permissions violation: Permissions Violation for Subscription to "traffic.events.>"`; err.Error() != want {
			t.Fatalf("subscribe: %v, want %s", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a device subscribed to the events")
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if _, err := js.Stream(short, "CLUSTER"); err == nil {
		t.Fatal("a device reached the stream API")
	}
}
