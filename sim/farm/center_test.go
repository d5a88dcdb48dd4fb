package farm

import (
	"context"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// The farm's NATS sink and the center agree: truth items, fault records and deliveries
// published on the truth account are accepted, none refused.
func TestTruthReachesCenter(t *testing.T) {
	t.Parallel()
	c, err := center.New(center.Config{DataDir: t.TempDir(), TruthToken: "truth-secret", Tokens: map[string]string{"dev-token": "dev-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	user, pass := c.TruthCredentials()
	sink, err := DialNATSSink(NATSSinkConfig{URL: c.NATSURL(), User: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()

	lib := t.TempDir()
	truth := &wire.Truth{Version: wire.TruthVersion, FPS: 25, Violations: []wire.Violation{
		{ID: "v1", Type: wire.RedLight, Frame: 5, Class: wire.Car, Plate: "29A-123.45"}}}
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 25, Truth: truth})
	faults, _ := ParseFaults("jitter:5ms")
	f := New(Config{Library: lib, Sink: sink, Faults: faults, TruthAhead: 1500 * time.Millisecond, DeliveryEvery: 300 * time.Millisecond})
	zero := time.Duration(0)
	if _, err := f.AddCamera(CameraSpec{ID: "cam-c", Clip: "clip", Offset: &zero}); err != nil {
		t.Fatal(err)
	}
	startFarmed(t, f)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := c.Stats()
		if st.TruthAccepted >= 2 && st.FaultsAccepted >= 1 && st.DeliveriesAccepted >= 1 {
			if st.Refused != 0 || sink.Errors() != 0 {
				t.Fatalf("center refused %d, sink errors %d", st.Refused, sink.Errors())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("center stats %+v, sink errors %d", st, sink.Errors())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
