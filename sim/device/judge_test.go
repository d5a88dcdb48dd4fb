package device_test

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// An analyzer that declines to judge some types (the view too poor) says so, and the camera's
// stats carry it to the run's results: "not judged" per camera, not a silent miss, with the
// seconds analysed it is a share of (counted by the device when the analyzer does not say).
func TestNotJudgedReachesTheCameraStats(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1000000, t.TempDir())
	r.cfg.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) { return &unjudging{}, nil }
	r.start(t)
	eventually(t, 10*time.Second, "not judged in the stats", func() bool {
		return r.dev.Stats().Cameras["cam1"].NotJudged[wire.StopLineViolation] >= 1
	})
	if cs := r.dev.Stats().Cameras["cam1"]; cs.AnalysedS < cs.NotJudged[wire.StopLineViolation] {
		t.Errorf("analysed %v s, less than the %v s not judged", cs.AnalysedS, cs.NotJudged[wire.StopLineViolation])
	}
}

// unjudging judges no stop_line at all.
type unjudging struct{ frames int }

func (u *unjudging) Process(*decode.Frame, time.Time) []wire.Event { u.frames++; return nil }

func (u *unjudging) NotJudged() map[wire.ViolationType]float64 {
	return map[wire.ViolationType]float64{wire.StopLineViolation: float64(u.frames) / 25}
}
