package center

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/sim/center/natsbox"
	"github.com/trafficsim/trafficsim/wire"
)

func natsConnect(t *testing.T, url, user, pass string) (*nats.Conn, jetstream.JetStream, chan error) {
	t.Helper()
	errs := make(chan error, 8)
	nc, err := nats.Connect(url, nats.UserInfo(user, pass), nats.Timeout(5*time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js, errs
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNATSIngestOfEventsAndTruth(t *testing.T) {
	dir := t.TempDir()
	var s, rec sink
	c := startCenter(t, dir, true, func(cfg *Config) { cfg.Scorer, cfg.Recorder = s.scorer(), rec.recorder() })
	user, pass, ok := c.DeviceCredentials("dev-1")
	if !ok || user != "dev-1" || pass != "tok-1" {
		t.Fatalf("DeviceCredentials = %q %q %v", user, pass, ok)
	}
	ep, ok := c.Endpoint("dev-1")
	if want := (wire.EventsEndpoint{HTTP: c.EventsURL(), Token: "tok-1", NATS: c.NATSURL(), User: "dev-1", Pass: "tok-1", Subject: "traffic.events"}); !ok || ep != want {
		t.Fatalf("Endpoint = %+v, %v; want %+v", ep, ok, want)
	}
	if _, ok := c.Endpoint("dev-9"); ok {
		t.Fatal("Endpoint of an unknown device")
	}
	dev, devJS, devErrs := natsConnect(t, ep.NATS, ep.User, ep.Pass)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	noTime := event("bad")
	noTime.Time = time.Time{}
	spoof := event("spoof")
	spoof.Source = "dev-9"
	pubs := []struct {
		subject string
		body    []byte
	}{
		{"traffic.events.cam-1", mustJSON(t, event("n1"))},
		{"traffic.events.cam-1", mustJSON(t, event("n1"))}, // no Nats-Msg-Id: JetStream keeps it, the center de-duplicates
		{"traffic.events.cam-1", mustJSON(t, []wire.Event{event("n2"), event("n3")})},
		{"traffic.events.cam-1", mustJSON(t, noTime)},
		{"traffic.events.cam-2", mustJSON(t, event("n4"))}, // camera_id cam-1 on cam-2's subject
		{"traffic.events.cam-1", mustJSON(t, spoof)},
		{"traffic.events.cam-1", []byte("not json")},
	}
	for _, p := range pubs {
		if _, err := devJS.Publish(ctx, p.subject, p.body); err != nil {
			t.Fatalf("publish on %s: %v", p.subject, err)
		}
	}
	tu, tp := c.TruthCredentials()
	_, farmJS, _ := natsConnect(t, c.NATSURL(), tu, tp)
	v := wire.Violation{ID: "v1", Type: wire.RedLight, Camera: "cam-1", Wall: t0}
	f := wire.Fault{Time: t0, Camera: "cam-1", Kind: wire.FaultDisconnect, Duration: time.Second}
	for _, p := range []struct {
		subject string
		body    []byte
	}{
		{wire.TruthSubject + ".cam-1", mustJSON(t, v)},
		{wire.TruthSubject + ".cam-1", mustJSON(t, v)},
		{wire.FaultSubject + ".cam-1", mustJSON(t, f)},
		{wire.DeliverySubject + ".cam-1", mustJSON(t, wire.Delivery{Camera: "cam-1", From: t0, To: t0.Add(time.Second), Frames: 25})},
	} {
		if _, err := farmJS.Publish(ctx, p.subject, p.body, jetstream.WithMsgID(string(p.body))); err != nil {
			t.Fatalf("truth publish: %v", err)
		}
	}
	waitFor(t, "ingest", func() bool {
		st := c.Stats()
		return st.EventsAccepted == 3 && st.Refused == 4 && st.TruthAccepted == 1 && st.FaultsAccepted == 1 && st.DeliveriesAccepted == 1
	})
	if st := c.Stats(); st.EventsDuplicate != 1 {
		t.Fatalf("stats %+v", st)
	}
	for _, r := range []struct {
		reason string
		want   float64
	}{{wire.ReasonInvalid, 2}, {wire.ReasonForbidden, 1}, {wire.ReasonBadJSON, 1}} {
		if got := metricValue(t, c, "trafficsim_center_refused_total", map[string]string{"transport": "nats", "reason": r.reason}); got != r.want {
			t.Errorf("refused{nats,%s} = %v, want %v", r.reason, got, r.want)
		}
	}
	// A device credential neither reads nor writes truth.
	if _, err := dev.SubscribeSync("truth.>"); err != nil {
		t.Fatal(err)
	}
	dev.Flush()
	select {
	case err := <-devErrs:
		if err.Error() != `nats: permissions violation: Permissions Violation for Subscription to "truth.>"` {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a device subscribed to truth.> without error")
	}
	dev.Publish(wire.TruthSubject+".cam-1", mustJSON(t, v))
	dev.Flush()
	select {
	case err := <-devErrs:
		if err.Error() != `nats: permissions violation: Permissions Violation for Publish to "truth.violations.cam-1"` {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a device published truth without error")
	}
	if n, tr, fa := rec.counts(); n != 3 || tr != 1 || fa != 1 {
		t.Fatalf("recorder got %d events, %d truth, %d faults", n, tr, fa)
	}
	c.Close()

	// Restart: the streams are read again; the scorer is rebuilt, the recorder is not fed twice,
	// and old refusals are not counted again.
	var s2, rec2 sink
	c2 := startCenter(t, dir, true, func(cfg *Config) { cfg.Scorer, cfg.Recorder = s2.scorer(), rec2.recorder() })
	if n, tr, fa := s2.counts(); n != 3 || tr != 1 || fa != 1 {
		t.Fatalf("scorer after restart: %d events, %d truth, %d faults", n, tr, fa)
	}
	if n, tr, fa := rec2.counts(); n+tr+fa != 0 {
		t.Fatal("recorder fed again at restart")
	}
	if st := c2.Stats(); st.Events != 3 || st.Refused != 0 || st.EventsAccepted != 0 {
		t.Fatalf("stats after restart %+v", st)
	}
	// Received times come from the stream, so they survive the restart.
	if !s2.recv[0].Equal(s.recv[0]) {
		t.Fatalf("received %v after restart, %v before", s2.recv[0], s.recv[0])
	}
}

// TestExternalNATS points a center at a NATS server it does not run (here a natsbox started
// apart, as an operator would run nats-server): it creates the streams and ingests from them.
func TestExternalNATS(t *testing.T) {
	box, err := natsbox.Start(natsbox.Config{StoreDir: t.TempDir(),
		Devices:      []natsbox.User{{Name: "dev-1", Pass: "tok-1"}},
		Truth:        []natsbox.User{{Name: "farm", Pass: "farm-pw"}},
		CenterEvents: natsbox.User{Name: "ce", Pass: "ce-pw"}, CenterTruth: natsbox.User{Name: "ct", Pass: "ct-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(box.Close)
	var s sink
	c := startCenter(t, "", true, func(cfg *Config) {
		cfg.Scorer = s.scorer()
		cfg.NATS = NATSConfig{URL: box.URL(), EventsUser: "ce", EventsPass: "ce-pw", TruthUser: "ct", TruthPass: "ct-pw"}
	})
	if c.NATSURL() != box.URL() {
		t.Fatalf("NATSURL %q, want %q", c.NATSURL(), box.URL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, devJS, _ := natsConnect(t, box.URL(), "dev-1", "tok-1")
	if _, err := devJS.Publish(ctx, "traffic.events.cam-1", mustJSON(t, event("x1"))); err != nil {
		t.Fatal(err)
	}
	_, farmJS, _ := natsConnect(t, box.URL(), "farm", "farm-pw")
	if _, err := farmJS.Publish(ctx, wire.TruthSubject+".cam-1", mustJSON(t, wire.Violation{ID: "v1", Type: wire.Speeding, Camera: "cam-1", Wall: t0})); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "external ingest", func() bool { st := c.Stats(); return st.EventsAccepted == 1 && st.TruthAccepted == 1 })
}

// Events that JetStream acknowledged are stored: Close hands every one of them on before it
// stops the consumers, so none is left for a later start when the run record is already final.
func TestCloseHandsOnEveryStoredEvent(t *testing.T) {
	var rec sink
	c := startCenter(t, "", true, func(cfg *Config) { cfg.Recorder = rec.recorder() })
	ep, _ := c.Endpoint("dev-1")
	_, js, _ := natsConnect(t, ep.NATS, ep.User, ep.Pass)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 3000
	acks := make([]jetstream.PubAckFuture, 0, n)
	for i := range n {
		a, err := js.PublishAsync("traffic.events.cam-1", mustJSON(t, event(fmt.Sprintf("e%05d", i))))
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, a)
	}
	for _, a := range acks {
		select {
		case <-a.Ok():
		case err := <-a.Err():
			t.Fatal(err)
		case <-ctx.Done():
			t.Fatal("no publish acknowledgement")
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := rec.counts(); got != n {
		t.Errorf("the recorder got %d of the %d acknowledged events", got, n)
	}
}
