package device_test

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

// A load ramp adds and removes cameras while the device runs: added ones are read, removed
// ones stop, and the counters of both stay in Stats.
func TestSetCamerasAddsAndRemovesCamerasWhileRunning(t *testing.T) {
	r := newRig(t, 1000, t.TempDir())
	r.cfg.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) {
		return &tick{cam: cal.ID, source: source, n: 1000}, nil
	}
	r.start(t)
	frames := func(id string) int64 { return r.dev.Stats().Cameras[id].Frames }
	eventually(t, 10*time.Second, "cam1 decodes", func() bool { return frames("cam1") > 5 })

	cam1 := r.cfg.Cameras[0]
	cam2 := cam1
	cam2.ID = "cam2"
	if err := r.dev.SetCameras([]wire.Calibration{cam1, cam2}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the added cam2 decodes", func() bool { return frames("cam2") > 5 })

	if err := r.dev.SetCameras([]wire.Calibration{cam2}); err != nil {
		t.Fatal(err)
	}
	if got := r.dev.Running(); len(got) != 1 || got[0] != "cam2" {
		t.Fatalf("running %v, want [cam2]", got)
	}
	was := frames("cam1")
	before2 := frames("cam2")
	time.Sleep(500 * time.Millisecond)
	if frames("cam1") != was {
		t.Errorf("removed cam1 still decodes: %d -> %d frames", was, frames("cam1"))
	}
	if frames("cam2") <= before2 {
		t.Errorf("cam2 stopped with cam1")
	}
	if r.dev.Stats().Cameras["cam1"].Connected {
		t.Error("removed cam1 still shows connected")
	}
}

func TestSetCamerasRejectsBadLists(t *testing.T) {
	r := newRig(t, 1000, t.TempDir())
	d, err := device.New(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SetCameras(r.cfg.Cameras); err == nil || err.Error() != "device: SetCameras before Start" {
		t.Errorf("before Start: %v", err)
	}
	r.start(t)
	for _, c := range []struct {
		cams []wire.Calibration
		err  string
	}{
		{[]wire.Calibration{{URL: "rtsp://x"}}, "device: camera 0 has no id"},
		{[]wire.Calibration{{ID: "a"}}, `device: camera "a" has no url`},
		{[]wire.Calibration{{ID: "a", URL: "rtsp://x"}, {ID: "a", URL: "rtsp://x"}}, `device: camera "a" listed twice`},
	} {
		if err := r.dev.SetCameras(c.cams); err == nil || err.Error() != c.err {
			t.Errorf("%v: %v, want %s", c.cams, err, c.err)
		}
	}
}
