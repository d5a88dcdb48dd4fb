package devicetest_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/device/detect"
	"github.com/trafficsim/trafficsim/sim/devicetest"
	"github.com/trafficsim/trafficsim/wire"
)

// Each case fails a device that lacks its behaviour, with a message that says what is wrong:
// the reference device with one defect put in.
func TestTheKitBites(t *testing.T) {
	cases := []struct {
		name, run string
		d         devicetest.Device
		want      string
	}{
		{"a device that stamps events with its own clock", "EventTimeIsTheCameraWallClock",
			devicetest.Reference(func(c *device.Config) { c.NewAnalyzer = localClock }),
			"the event is on the device's own clock, not the camera's RTCP wall clock"},
		{"a device that never reconnects", "ReconnectsAfterTheSessionDrops",
			devicetest.Reference(func(c *device.Config) { c.RetryMin, c.RetryMax = time.Hour, time.Hour }),
			"for the device playing cam-1 again after the camera came back"},
		{"a device without an edge queue", "DeliversExactlyOnceAcrossAnUplinkOutage",
			devicetest.Reference(func(c *device.Config) { c.HTTPClient = &http.Client{Transport: forgetful{}} }),
			"no event (lost)"},
		{"a device that reads cameras.json once", "FollowsCamerasJSON", readsOnce(devicetest.Reference(nil)),
			"for the device playing cam-2 after it was added to cameras.json"},
		{"a device that logs nothing", "NamesABrokenCamera", silent(devicetest.Reference(nil)),
			"the device's log does not name cam-badpass and cam-badsize (a broken camera dropped silently)"},
	}
	var wg sync.WaitGroup
	for _, c := range cases {
		dir := t.TempDir()
		wg.Go(func() {
			res, err := devicetest.Check(t.Context(), c.d, devicetest.Options{Run: "^" + c.run + "$", Patience: 8 * time.Second,
				TempDir: func() (string, error) { return os.MkdirTemp(dir, "case-") }})
			switch {
			case err != nil:
				t.Errorf("%s: %v", c.name, err)
			case len(res) != 1:
				t.Errorf("%s: %d results", c.name, len(res))
			case res[0].Err == nil:
				t.Errorf("%s passes %s", c.name, c.run)
			case !strings.Contains(res[0].Err.Error(), c.want):
				t.Errorf("%s fails %s with %q, want it to say %q", c.name, c.run, res[0].Err, c.want)
			default:
				t.Logf("%s fails %s: %v", c.name, c.run, res[0].Err)
			}
		})
	}
	wg.Wait()
}

// localClock is the reference detector fed the device's clock instead of the frame's.
func localClock(cal wire.Calibration, source string) (device.Analyzer, error) {
	d, err := detect.New(cal, detect.Options{Source: source})
	if err != nil {
		return nil, err
	}
	return analyzerFunc(func(f *decode.Frame, _ time.Time) []wire.Event { return d.Process(f, time.Now()) }), nil
}

type analyzerFunc func(*decode.Frame, time.Time) []wire.Event

func (f analyzerFunc) Process(fr *decode.Frame, t time.Time) []wire.Event { return f(fr, t) }

// forgetful posts, and answers 202 itself when the center cannot be reached: the events are
// gone.
type forgetful struct{}

func (forgetful) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		return resp, nil
	}
	return &http.Response{StatusCode: http.StatusAccepted, Body: io.NopCloser(strings.NewReader(`{"accepted":0}`)), Request: r}, nil
}

// readsOnce gives the device a copy of cameras.json taken at start.
func readsOnce(d devicetest.Device) devicetest.Device {
	return devicetest.DeviceFunc(func(ctx context.Context, cfg devicetest.Config) (devicetest.Running, error) {
		b, err := os.ReadFile(cfg.Cameras)
		if err != nil {
			return nil, err
		}
		cfg.Cameras = filepath.Join(cfg.StateDir, "cameras-at-start.json")
		if err := os.WriteFile(cfg.Cameras, b, 0o644); err != nil {
			return nil, err
		}
		return d.Start(ctx, cfg)
	})
}

// silent throws the device's log away.
func silent(d devicetest.Device) devicetest.Device {
	return devicetest.DeviceFunc(func(ctx context.Context, cfg devicetest.Config) (devicetest.Running, error) {
		cfg.Log = io.Discard
		return d.Start(ctx, cfg)
	})
}
