package natsbox

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

func testConfig(t *testing.T) Config {
	return Config{
		StoreDir:     t.TempDir(),
		Devices:      []User{{Name: "dev-1", Pass: "pw1"}},
		Truth:        []User{{Name: "farm", Pass: "pwf"}},
		CenterEvents: User{Name: "center-events", Pass: "pce"},
		CenterTruth:  User{Name: "center-truth", Pass: "pct"},
	}
}

func connect(t *testing.T, b *Box, u User) (*nats.Conn, chan error) {
	t.Helper()
	errs := make(chan error, 16)
	nc, err := nats.Connect(b.URL(), nats.UserInfo(u.Name, u.Pass), nats.Timeout(5*time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

func wantAsyncError(t *testing.T, errs chan error, want string) {
	t.Helper()
	select {
	case err := <-errs:
		if !(err.Error() == want) {
			t.Fatalf("error %q, want %q", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no error, want %q", want)
	}
}

func TestDeviceUserCannotReachTruth(t *testing.T) {
	b, err := Start(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)

	// The farm publishes truth; a center-truth subscriber hears it.
	farm, _ := connect(t, b, User{Name: "farm", Pass: "pwf"})
	ct, _ := connect(t, b, User{Name: "center-truth", Pass: "pct"})
	truthSub, err := ct.SubscribeSync("truth.>")
	if err != nil {
		t.Fatal(err)
	}
	ct.Flush()

	dev, errs := connect(t, b, User{Name: "dev-1", Pass: "pw1"})
	if _, err := dev.SubscribeSync("truth.violations.>"); err != nil {
		t.Fatal(err)
	}
	dev.Flush()
	wantAsyncError(t, errs, `nats: permissions violation: Permissions Violation for Subscription to "truth.violations.>"`)

	if err := dev.Publish("truth.violations.cam-1", []byte(`{"id":"forged"}`)); err != nil {
		t.Fatal(err)
	}
	dev.Flush()
	wantAsyncError(t, errs, `nats: permissions violation: Permissions Violation for Publish to "truth.violations.cam-1"`)

	if _, err := dev.SubscribeSync("traffic.events.>"); err != nil {
		t.Fatal(err)
	}
	dev.Flush()
	wantAsyncError(t, errs, `nats: permissions violation: Permissions Violation for Subscription to "traffic.events.>"`)

	if err := farm.Publish("truth.violations.cam-1", []byte(`{"id":"real"}`)); err != nil {
		t.Fatal(err)
	}
	m, err := truthSub.NextMsg(5 * time.Second)
	if err != nil || string(m.Data) != `{"id":"real"}` {
		t.Fatalf("center-truth got %v, %v; want the farm's message only", m, err)
	}
	if m, err := truthSub.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("center-truth got a second message %q", m.Data)
	}
}

func TestDevicePublishesEventsIntoItsAccountOnly(t *testing.T) {
	b, err := Start(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ce, _ := connect(t, b, User{Name: "center-events", Pass: "pce"})
	ct, _ := connect(t, b, User{Name: "center-truth", Pass: "pct"})
	evSub, _ := ce.SubscribeSync("traffic.events.>")
	leak, _ := ct.SubscribeSync(">")
	ce.Flush()
	ct.Flush()
	dev, _ := connect(t, b, User{Name: "dev-1", Pass: "pw1"})
	dev.Publish("traffic.events.cam-1", []byte("e1"))
	dev.Flush()
	if m, err := evSub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "e1" {
		t.Fatalf("center-events got %v, %v", m, err)
	}
	if m, err := leak.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("TRUTH account heard %s on %s", m.Data, m.Subject)
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	b, err := Start(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	_, err = nats.Connect(b.URL(), nats.UserInfo("dev-1", "nope"), nats.Timeout(5*time.Second))
	if err == nil || !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatalf("got %v, want an authorization violation", err)
	}
}

func TestConfigErrors(t *testing.T) {
	base := func() Config {
		return Config{StoreDir: "x", CenterEvents: User{Name: "ce", Pass: "p"}, CenterTruth: User{Name: "ct", Pass: "p"}}
	}
	cases := []struct {
		name   string
		modify func(*Config)
		err    string
	}{
		{"quote in name", func(c *Config) { c.Devices = []User{{Name: `a"b`, Pass: "p"}} }, `natsbox: user name "a\"b": use only letters, digits and . _ @ -`},
		{"space in password", func(c *Config) { c.Truth = []User{{Name: "farm", Pass: "p w"}} }, `natsbox: password of user "farm": use only letters, digits and . _ @ -`},
		{"same user twice", func(c *Config) { c.Devices = []User{{Name: "ce", Pass: "p"}} }, `natsbox: user "ce" given twice`},
		{"leaf user twice", func(c *Config) { c.Leafs = []User{{Name: "ce", Pass: "p"}} }, `natsbox: user "ce" given twice`},
		{"wildcard in a device subject", func(c *Config) { c.Devices = []User{{Name: "d", Pass: "p", Subjects: []string{"traffic.events.>"}}} },
			`natsbox: subject "traffic.events.>" of user "d": use only letters, digits and . _ @ -`},
		{"empty center user", func(c *Config) { c.CenterTruth = User{} }, `natsbox: user name "": use only letters, digits and . _ @ -`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.modify(&c)
			_, err := ConfigText(c)
			if err == nil || err.Error() != tc.err {
				t.Fatalf("got %v, want %s", err, tc.err)
			}
		})
	}
	if _, err := Start(Config{}); err == nil || err.Error() != "natsbox: StoreDir is required" {
		t.Fatalf("Start without StoreDir: %v", err)
	}
}

// startLeaf runs a plain server (global account) whose leaf node remote dials url as user u.
func startLeaf(t *testing.T, leafURL string, u User) *server.Server {
	t.Helper()
	ru, err := url.Parse(leafURL)
	if err != nil {
		t.Fatal(err)
	}
	ru.User = url.UserPassword(u.Name, u.Pass)
	opts := &server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true}
	opts.LeafNode.ReconnectInterval = 100 * time.Millisecond
	opts.LeafNode.Remotes = []*server.RemoteLeafOpts{{URLs: []*url.URL{ru}}}
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("leaf server not ready")
	}
	return s
}

func waitLeafs(t *testing.T, s *server.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.NumLeafNodes() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d leaf connections, want %d", s.NumLeafNodes(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLeafNodeReachesDevicesAccountOnly(t *testing.T) {
	cfg := testConfig(t)
	cfg.LeafListen = "127.0.0.1:0"
	cfg.Leafs = []User{{Name: "cluster-a", Pass: "pwa"}}
	b, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if !strings.HasPrefix(b.LeafURL(), "nats-leaf://127.0.0.1:") {
		t.Fatalf("LeafURL %q", b.LeafURL())
	}
	ce, _ := connect(t, b, User{Name: "center-events", Pass: "pce"})
	ct, _ := connect(t, b, User{Name: "center-truth", Pass: "pct"})
	evSub, _ := ce.SubscribeSync("traffic.events.>")
	// The center answers requests on traffic.events.> like JetStream's publish ack does.
	ce.Subscribe("traffic.events.cam-ack", func(m *nats.Msg) { m.Respond([]byte("ack")) })
	leak, _ := ct.SubscribeSync(">")
	ce.Flush()
	ct.Flush()

	leaf := startLeaf(t, b.LeafURL(), User{Name: "cluster-a", Pass: "pwa"})
	waitLeafs(t, b.Server(), 1)
	lc, err := nats.Connect(leaf.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lc.Close)
	truthSub, _ := lc.SubscribeSync("truth.>")
	lc.Flush()

	// Interest crosses the leaf connection asynchronously: request until the ack comes back.
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := lc.Request("traffic.events.cam-ack", []byte("e0"), 500*time.Millisecond)
		if err == nil && string(m.Data) == "ack" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reply across the leaf node: %v", err)
		}
	}
	lc.Publish("traffic.events.cam-1", []byte("e1"))
	lc.Publish("truth.violations.cam-1", []byte("forged"))
	lc.Flush()
	got := map[string]bool{}
	for len(got) < 2 {
		m, err := evSub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("center-events: %v (got %v)", err, got)
		}
		got[string(m.Data)] = true
	}
	if !got["e1"] {
		t.Fatalf("center-events got %v, want e1", got)
	}
	farm, _ := connect(t, b, User{Name: "farm", Pass: "pwf"})
	farm.Publish("truth.violations.cam-1", []byte("secret"))
	farm.Flush()
	if m, err := leak.NextMsg(300 * time.Millisecond); err == nil && string(m.Data) != "secret" {
		t.Fatalf("TRUTH account heard %q on %s from the leaf", m.Data, m.Subject)
	}
	for {
		m, err := truthSub.NextMsg(300 * time.Millisecond)
		if err != nil {
			break
		}
		if string(m.Data) != "forged" { // its own publish is delivered on the leaf server
			t.Fatalf("the leaf heard truth %q", m.Data)
		}
	}
	// The streams' management API is out of the leaf's reach.
	if _, err := lc.Request("$JS.API.INFO", nil, 500*time.Millisecond); err == nil {
		t.Fatal("the leaf reached the JetStream API of the DEVICES account")
	}
}

func TestLeafWrongPasswordIsRefused(t *testing.T) {
	cfg := testConfig(t)
	cfg.LeafListen = "127.0.0.1:0"
	cfg.Leafs = []User{{Name: "cluster-a", Pass: "pwa"}}
	b, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	startLeaf(t, b.LeafURL(), User{Name: "cluster-a", Pass: "nope"})
	time.Sleep(500 * time.Millisecond)
	if n := b.Server().NumLeafNodes(); n != 0 {
		t.Fatalf("%d leaf connections with a wrong password", n)
	}
}

func TestListenErrors(t *testing.T) {
	cases := []struct{ name, listen, leaf, err string }{
		{"no port", "127.0.0.1", "", `natsbox: Listen "127.0.0.1": address 127.0.0.1: missing port in address`},
		{"bad leaf port", "", "127.0.0.1:x", `natsbox: LeafListen "127.0.0.1:x": bad port`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Listen, cfg.LeafListen = tc.listen, tc.leaf
			_, err := Start(cfg)
			if err == nil || err.Error() != tc.err {
				t.Fatalf("got %v, want %s", err, tc.err)
			}
		})
	}
}
