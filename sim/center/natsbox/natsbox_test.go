package natsbox

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func testConfig(t *testing.T) Config {
	return Config{
		StoreDir:     t.TempDir(),
		Devices:      []User{{"dev-1", "pw1"}},
		Truth:        []User{{"farm", "pwf"}},
		CenterEvents: User{"center-events", "pce"},
		CenterTruth:  User{"center-truth", "pct"},
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
	farm, _ := connect(t, b, User{"farm", "pwf"})
	ct, _ := connect(t, b, User{"center-truth", "pct"})
	truthSub, err := ct.SubscribeSync("truth.>")
	if err != nil {
		t.Fatal(err)
	}
	ct.Flush()

	dev, errs := connect(t, b, User{"dev-1", "pw1"})
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
	ce, _ := connect(t, b, User{"center-events", "pce"})
	ct, _ := connect(t, b, User{"center-truth", "pct"})
	evSub, _ := ce.SubscribeSync("traffic.events.>")
	leak, _ := ct.SubscribeSync(">")
	ce.Flush()
	ct.Flush()
	dev, _ := connect(t, b, User{"dev-1", "pw1"})
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
		return Config{StoreDir: "x", CenterEvents: User{"ce", "p"}, CenterTruth: User{"ct", "p"}}
	}
	cases := []struct {
		name   string
		modify func(*Config)
		err    string
	}{
		{"quote in name", func(c *Config) { c.Devices = []User{{`a"b`, "p"}} }, `natsbox: user name "a\"b": use only letters, digits and . _ @ -`},
		{"space in password", func(c *Config) { c.Truth = []User{{"farm", "p w"}} }, `natsbox: password of user "farm": use only letters, digits and . _ @ -`},
		{"same user twice", func(c *Config) { c.Devices = []User{{"ce", "p"}} }, `natsbox: user "ce" given twice`},
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
