package farm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// startNATS runs an embedded nats-server with a device account (users may not touch truth.>)
// and a truth account with JetStream, as the center does.
func startNATS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf(`listen: "127.0.0.1:-1"
jetstream { store_dir: %q }
accounts {
  DEVICES { users: [ { user: dev, password: devpw, permissions: { subscribe: { deny: ["truth.>"] }, publish: { deny: ["truth.>"] } } } ] }
  TRUTH { jetstream: enabled, users: [ { user: farm, password: farmpw } ] }
}
`, filepath.Join(dir, "js"))
	path := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts.NoLog, opts.NoSigs = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	return s.ClientURL()
}

// The truth timeline and the faults reach the truth account through JetStream, once per id
// however often they are published; a device user can neither subscribe to truth.> nor see any
// of it.
func TestNATSSink(t *testing.T) {
	t.Parallel()
	url := startNATS(t)

	// The device side.
	var devMu sync.Mutex
	var devErr error
	dev, err := nats.Connect(url, nats.UserInfo("dev", "devpw"), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		devMu.Lock()
		devErr = err
		devMu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	devSub, err := dev.SubscribeSync("truth.>")
	if err != nil {
		t.Fatal(err)
	}
	dev.Flush()

	// The center's stream on the truth account.
	center, err := nats.Connect(url, nats.UserInfo("farm", "farmpw"))
	if err != nil {
		t.Fatal(err)
	}
	defer center.Close()
	js, _ := center.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "TRUTH", Subjects: []string{"truth.>"}, Duplicates: time.Minute}); err != nil {
		t.Fatal(err)
	}

	sink, err := DialNATSSink(NATSSinkConfig{URL: url, User: "farm", Password: "farmpw"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()

	lib := t.TempDir()
	truth := &wire.Truth{Version: wire.TruthVersion, FPS: 25, Violations: []wire.Violation{{ID: "v1", Type: wire.Speeding, Frame: 5}}}
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 25, Truth: truth})
	faults, _ := ParseFaults("loss:1%")
	f := New(Config{Library: lib, Sink: sink, Faults: faults, TruthAhead: 1500 * time.Millisecond})
	zero := time.Duration(0)
	if _, err := f.AddCamera(CameraSpec{ID: "cam-n", Clip: "clip", Offset: &zero}); err != nil {
		t.Fatal(err)
	}
	startFarmed(t, f)
	deadline := time.Now().Add(5 * time.Second)
	var info *nats.StreamInfo
	for time.Now().Before(deadline) {
		info, err = js.StreamInfo("TRUTH")
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs >= 3 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	before, _ := js.StreamInfo("TRUTH")
	// Republishing what the farm sent is deduplicated by Nats-Msg-Id.
	sink.Violation(wire.Violation{ID: "v1/L0", Camera: "cam-n", Type: wire.Speeding})
	if err := sink.Sync(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if info, err = js.StreamInfo("TRUTH"); err != nil {
		t.Fatal(err)
	}
	// v1/L0 and v1/L1 lie within 1.5 s; the loss fault is recorded once.
	if info.State.Msgs < 3 || info.State.Msgs != before.State.Msgs {
		t.Fatalf("TRUTH holds %d messages, %d before republishing, want >= 3 (2 violations + 1 fault) and no duplicate",
			info.State.Msgs, before.State.Msgs)
	}
	sub, err := js.SubscribeSync("truth.violations.cam-n", nats.DeliverAll())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		m, err := sub.NextMsg(2 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var v wire.Violation
		if err := json.Unmarshal(m.Data, &v); err != nil {
			t.Fatal(err)
		}
		if m.Header.Get(nats.MsgIdHdr) != "cam-n/"+v.ID || v.Wall.IsZero() {
			t.Errorf("message id %q for violation %+v", m.Header.Get(nats.MsgIdHdr), v)
		}
		ids = append(ids, v.ID)
	}
	if strings.Join(ids, " ") != "v1/L0 v1/L1" {
		t.Errorf("violations %v, want v1/L0 v1/L1", ids)
	}
	fm, err := js.GetLastMsg("TRUTH", "truth.faults.cam-n")
	if err != nil || !strings.Contains(string(fm.Data), `"kind":"loss"`) {
		t.Fatalf("fault record: %v %s", err, fm.Data)
	}

	if _, err := devSub.NextMsg(300 * time.Millisecond); err == nil {
		t.Fatal("a device user received a truth message")
	}
	devMu.Lock()
	defer devMu.Unlock()
	if devErr == nil || !strings.Contains(devErr.Error(), `Permissions Violation for Subscription to "truth.>"`) {
		t.Fatalf("device subscription to truth.> was not refused: %v", devErr)
	}
	if sink.Errors() != 0 {
		t.Fatalf("%d publishes failed", sink.Errors())
	}
}

// Without a stream for truth.> (no center), publishes fail: counted and reported, never silent.
func TestNATSSinkCountsFailures(t *testing.T) {
	t.Parallel()
	url := startNATS(t)
	var mu sync.Mutex
	var errs []string
	sink, err := DialNATSSink(NATSSinkConfig{URL: url, User: "farm", Password: "farmpw", Timeout: 2 * time.Second,
		OnError: func(err error) { mu.Lock(); errs = append(errs, err.Error()); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	sink.Violation(wire.Violation{ID: "v1/L0", Camera: "cam-x", Type: wire.RedLight, Wall: time.Now()})
	sink.Sync()
	mu.Lock()
	defer mu.Unlock()
	if sink.Errors() != 1 || len(errs) != 1 || !strings.HasPrefix(errs[0], "farm: truth sink: truth.violations.cam-x: ") {
		t.Fatalf("errors %d: %v", sink.Errors(), errs)
	}
}

func TestDialNATSSinkError(t *testing.T) {
	t.Parallel()
	url := startNATS(t)
	_, err := DialNATSSink(NATSSinkConfig{URL: url, User: "farm", Password: "wrong"})
	if err == nil || err.Error() != "farm: truth sink: nats: Authorization Violation" {
		t.Fatalf("dial with a wrong password: %v", err)
	}
}
