package render_test

import (
	"flag"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/wire"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/synth/world"
)

var long = flag.Bool("long", false, "check whole scenario clips (intersection-day: 10 minutes) instead of 4 seconds")

// worldTruth runs a shipped scenario's world for the test's duration.
func worldTruth(t *testing.T, name string) *wire.Truth {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	d := 4 * time.Second
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
// with the truth of the shape model: boxes from synth/shape parts, visible fractions from their
// part hulls occluded by nearer road users and scenery (rendertest.Annotate). The world's own
// boxes still come from the cuboid; how far they are from the pixels is logged (see
// docs/bench/render.md for the change the world needs).
func TestIDBufferOnWorldScene(t *testing.T) {
	tr := worldTruth(t, "intersection-day")
	raw := auditIDs(t, tr, render.Options{}, false)
	t.Logf("world's own truth (cuboid boxes): min IoU %.3f, max visible error %.3f, %d failed checks over %d checked object-frames",
		raw.minIoU, raw.maxVisErr, raw.fails, raw.checked)
	for i := range tr.Frames {
		rendertest.Annotate(tr, &tr.Frames[i])
	}
	s := checkIDs(t, tr, render.Options{})
	if s.checked < 300 {
		t.Errorf("only %d object-frames checked", s.checked)
	}
}
