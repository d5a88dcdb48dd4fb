package run

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/wire"
)

type violations []wire.Violation

func (v *violations) Violation(x wire.Violation) { *v = append(*v, x) }
func (v *violations) Fault(wire.Fault)           {}
func (v *violations) Delivery(wire.Delivery)     {}

// Truth due in the devices' warm-up or at or after the end is not scored, and is counted.
func TestUntilSinkScoresOnlyBetweenWarmUpAndEnd(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	var got violations
	s := &untilSink{next: farm.Sinks{&got}, end: t0.Add(time.Minute)}
	s.setFrom(t0.Add(5 * time.Second))
	for i, at := range []time.Duration{0, 4999 * time.Millisecond, 5 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute} {
		s.Violation(wire.Violation{ID: string(rune('a' + i)), Wall: t0.Add(at)})
	}
	s.setEnd(t0.Add(40 * time.Second)) // interrupted: the end moves earlier, never later
	s.setEnd(t0.Add(50 * time.Second))
	s.Violation(wire.Violation{ID: "g", Wall: t0.Add(45 * time.Second)})
	if len(got) != 2 || got[0].ID != "c" || got[1].ID != "d" {
		t.Errorf("passed on %v; want c and d", got)
	}
	if early, late := s.counts(); early != 2 || late != 3 {
		t.Errorf("counted %d early and %d late; want 2 and 3", early, late)
	}
}
