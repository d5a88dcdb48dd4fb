package run

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/wire"
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

// A clip that loops cuts the scene: truth in the first warm-up seconds of every loop after the
// first is not scored either (the traffic in view at the cut is stamped at its first frame).
func TestUntilSinkSkipsTheWarmUpAfterEachLoop(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	var got violations
	s := &untilSink{next: farm.Sinks{&got}, end: t0.Add(time.Hour), warm: 5 * time.Second}
	s.setFrom(t0.Add(5 * time.Second))
	for _, v := range []wire.Violation{
		{ID: "loop0 at 7 s", T: 7, Wall: t0.Add(7 * time.Second)},
		{ID: "loop1 at 0 s", T: 0, Loop: 1, Wall: t0.Add(45 * time.Second)},
		{ID: "loop1 at 4.9 s", T: 4.9, Loop: 1, Wall: t0.Add(49900 * time.Millisecond)},
		{ID: "loop1 at 5 s", T: 5, Loop: 1, Wall: t0.Add(50 * time.Second)},
	} {
		s.Violation(v)
	}
	if len(got) != 2 || got[0].ID != "loop0 at 7 s" || got[1].ID != "loop1 at 5 s" {
		t.Errorf("passed on %v; want loop0 at 7 s and loop1 at 5 s", got)
	}
	if early, _ := s.counts(); early != 2 {
		t.Errorf("counted %d early; want 2", early)
	}
}
