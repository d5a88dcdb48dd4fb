package results

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// A fault without a duration (loss, jitter, skew, bitrate) covers the rest of the run; one with
// a duration covers only its window.
func TestFaultWithoutDurationCoversTheRestOfTheRun(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	truth := []wire.Violation{
		{ID: "before", Camera: "a", Type: wire.RedLight, Wall: t0.Add(-time.Second)},
		{ID: "long-after", Camera: "a", Type: wire.RedLight, Wall: t0.Add(time.Hour)},
		{ID: "other-camera", Camera: "b", Type: wire.RedLight, Wall: t0.Add(time.Hour)},
		{ID: "after-window", Camera: "b", Type: wire.RedLight, Wall: t0.Add(2 * time.Hour)},
	}
	faults := []wire.Fault{
		{Camera: "a", Kind: wire.FaultLoss, Time: t0},
		{Camera: "b", Kind: wire.FaultDisconnect, Time: t0.Add(time.Hour - time.Second), Duration: 10 * time.Second},
	}
	_, matches := ScoreRun(truth, nil, faults, Config{})
	want := map[string]bool{"before": false, "long-after": true, "other-camera": true, "after-window": false}
	for _, m := range matches {
		if m.TruthID == "" {
			continue
		}
		if m.Faulted != want[m.TruthID] {
			t.Errorf("truth %s: faulted = %v, want %v", m.TruthID, m.Faulted, want[m.TruthID])
		}
		delete(want, m.TruthID)
	}
	if len(want) > 0 {
		t.Errorf("no match record for %v", want)
	}
}
