package world

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// TestVisibleFractionAgainstPixels checks the coarse raster's truth against the renderer's
// pixel-exact model of it (rendertest.Annotate: the synth/shape part hulls and scenery pieces,
// each pixel centre tested, far to near by DepthKey and the scenery anchors, the frame edge
// cutting): boxes agree to a hundredth of a pixel, visible fractions within 0.1 for objects of
// at least 20 x 20 pixels (below that a 3-pixel grid cannot be held to 0.1) but for 1% of them.
func TestVisibleFractionAgainstPixels(t *testing.T) {
	tr, _, err := Generate(load(t, "intersection-day"), Options{Duration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checked, bad := 0, 0
	worst := 0.0
	for fi := 0; fi < len(tr.Frames); fi += 5 {
		f := tr.Frames[fi]
		ref := f
		ref.Objects = slices.Clone(f.Objects)
		rendertest.Annotate(tr, &ref)
		for k, s := range f.Objects {
			r := ref.Objects[k]
			for i := range s.Box {
				if math.Abs(s.Box[i]-r.Box[i]) > 0.006 {
					t.Fatalf("frame %d object %d: box %v, pixel model %v", fi, s.ID, s.Box, r.Box)
				}
			}
			if (s.Box[2]-s.Box[0])*(s.Box[3]-s.Box[1]) < 400 {
				continue
			}
			checked++
			d := math.Abs(r.Visible - s.Visible)
			worst = max(worst, d)
			if d > 0.1 {
				bad++
				t.Logf("frame %d object %d: box %v, pixels say %.3f, truth %.3f", fi, s.ID, s.Box, r.Visible, s.Visible)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d states checked", checked)
	}
	if float64(bad) > 0.01*float64(checked) { // thin, mostly hidden objects: a cell is a lot of them
		t.Errorf("%d of %d visible fractions off by more than 0.1 (worst %.3f)", bad, checked, worst)
	}
	t.Logf("%d states, %d off by > 0.1, worst %.3f", checked, bad, worst)
}

// clippedBox is shape.ClippedBox without allocating: the same boxes, to the bit.
func TestClippedBoxMatchesShape(t *testing.T) {
	for _, hull := range [][]wire.Point{
		{{-10, 5}, {30, -4}, {50, 60}, {-3, 40}},           // cut left and top
		{{1270, 700}, {1300, 690}, {1290, 760}},            // cut right and bottom
		{{10, 10}, {20, 10}, {20, 20}, {10, 20}},           // inside
		{{-30, -30}, {-10, -30}, {-10, -5}},                // outside
		{{-50, 300}, {640, -100}, {1400, 400}, {640, 900}}, // cut on every side
	} {
		got, gok := clippedBox(hull, 1280, 720)
		want, wok := shape.ClippedBox(hull, 1280, 720)
		if got != want || gok != wok {
			t.Errorf("hull %v: clippedBox %v %v, shape.ClippedBox %v %v", hull, got, gok, want, wok)
		}
	}
}
