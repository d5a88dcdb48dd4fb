package run

import (
	"reflect"
	"testing"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

// summary.json's not_judged comes from the reference devices' per-camera counters, under the
// scenario's condition; a camera whose device did not analyse (or does not say) is left out.
func TestNotJudgedFromDeviceStats(t *testing.T) {
	st := device.Stats{Cameras: map[string]device.CameraStats{
		"cam-001": {AnalysedS: 56, NotJudged: map[wire.ViolationType]float64{wire.RedLight: 50, wire.NoHelmet: 56}},
		"cam-002": {AnalysedS: 56},
		"cam-003": {Frames: 10}, // an external box's camera: no analyser counters
	}}
	got := notJudged(st, true, "rain")
	want := map[string]results.NotJudged{
		"cam-001": {Light: results.Night, Weather: "rain", AnalysedS: 56, ByTypeS: map[string]float64{"red_light": 50, "no_helmet": 56}},
		"cam-002": {Light: results.Night, Weather: "rain", AnalysedS: 56, ByTypeS: map[string]float64{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("not judged:\n got %+v\nwant %+v", got, want)
	}
	if notJudged(device.Stats{}, false, "clear") != nil {
		t.Error("no reference device: want no not_judged (omitted from summary.json)")
	}
}
