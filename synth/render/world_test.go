package render_test

import (
	"flag"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

var (
	long    = flag.Bool("long", false, "check whole scenario clips (intersection-day: 10 minutes) instead of 4 seconds")
	clipDur = flag.Duration("clip", 0, "check this much of the scenario clips instead of 4 seconds (-long wins)")
)

// worldTruth runs a shipped scenario's world for the test's duration.
func worldTruth(t *testing.T, name string) *wire.Truth {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	d := 4 * time.Second
	if *clipDur > 0 {
		d = *clipDur
	}
	if *long {
		d = 0 // the scenario's own duration
	}
	tr, _, err := world.Generate(sc, world.Options{Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// On the world's intersection-day scene (its roads, scenery, traffic, signals), the pixels agree
// with the world's own truth: boxes from synth/shape parts, visible fractions from their part
// hulls occluded by nearer road users and scenery. The truth of the shape model built here
// (rendertest.Annotate) is measured too, for comparison (see docs/bench/render.md).
func TestIDBufferOnWorldScene(t *testing.T) {
	tr := worldTruth(t, "intersection-day")
	s := checkIDs(t, tr, render.Options{})
	t.Logf("world's own truth: min IoU %.3f, max visible error %.3f, %d failed checks over %d checked object-frames",
		s.minIoU, s.maxVisErr, s.fails, s.checked)
	if s.checked < 300 {
		t.Errorf("only %d object-frames checked", s.checked)
	}
	for i := range tr.Frames {
		rendertest.Annotate(tr, &tr.Frames[i])
	}
	ref := auditIDs(t, tr, render.Options{}, false)
	t.Logf("shape-model truth (rendertest.Annotate): min IoU %.3f, max visible error %.3f, %d failed checks over %d checked object-frames",
		ref.minIoU, ref.maxVisErr, ref.fails, ref.checked)
}
