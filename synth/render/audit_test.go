package render_test

import (
	"fmt"
	"image"
	"math"
	"testing"

	"github.com/trafficsim/trafficsim/sim/wire"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
)

// auditSummary is what checkIDs found over a clip.
type auditSummary struct {
	objects, checked, plates int
	minIoU, maxVisErr        float64
}

// checkIDs renders t's ID buffer and holds every frame to the checks: for objects with
// visible >= 0.5, IoU(truth box, drawn box) >= 0.9 and |visible - pixel visible| <= 0.1; the GPU
// never shows more of an object than its silhouette; readable plates are drawn at their box.
func checkIDs(t *testing.T, tr *wire.Truth, opts render.Options) auditSummary {
	t.Helper()
	a, err := render.NewAuditor(tr)
	if err != nil {
		t.Fatal(err)
	}
	sum := auditSummary{minIoU: 1}
	opts.Mode = render.IDs
	fails := 0
	failf := func(format string, args ...any) {
		fails++
		if fails <= 20 {
			t.Errorf(format, args...)
		}
	}
	renderAll(t, tr, opts, func(i int, img *image.RGBA) {
		if i == opts.From {
			savePNG(t, fmt.Sprintf("ids-%03d.png", i), img)
		}
		res, err := a.Frame(i, img)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res {
			sum.objects++
			if o.SeenPx > o.AloneInImage+o.AloneInImage/50+8 {
				failf("frame %d object %d: %d pixels shown, silhouette has %d", i, o.ID, o.SeenPx, o.AloneInImage)
			}
			if o.TruthVisible < 0.5 {
				continue
			}
			sum.checked++
			sum.minIoU = math.Min(sum.minIoU, o.IoU)
			ve := math.Abs(o.TruthVisible - o.PixelVisible)
			sum.maxVisErr = math.Max(sum.maxVisErr, ve)
			if o.IoU < 0.9 {
				failf("frame %d object %d: IoU %.3f (truth %v, pixels %v)", i, o.ID, o.IoU, o.TruthBox, o.PixelBox)
			}
			if ve > 0.1 {
				failf("frame %d object %d: visible %.3f in truth, %.3f in pixels", i, o.ID, o.TruthVisible, o.PixelVisible)
			}
			if o.PlateRead && o.TruthPlate != nil {
				sum.plates++
				tp, pp := *o.TruthPlate, o.PixelPlate
				dw, dh := (pp[2]-pp[0])-(tp[2]-tp[0]), (pp[3]-pp[1])-(tp[3]-tp[1])
				if math.Abs(dw) > 2 || math.Abs(dh) > 2 || tp.IoU(pp) < 0.6 {
					failf("frame %d object %d: readable plate drawn at %v, truth %v", i, o.ID, pp, tp)
				}
			}
		}
	})
	t.Logf("%d object-frames, %d checked (visible >= 0.5), %d readable plates; min IoU %.3f, max visible error %.3f",
		sum.objects, sum.checked, sum.plates, sum.minIoU, sum.maxVisErr)
	return sum
}

func TestIDBufferMatchesFixtureTruth(t *testing.T) {
	tr := rendertest.Truth(rendertest.Spec{Frames: 50, Width: 1280, Height: 720})
	s := checkIDs(t, tr, render.Options{})
	if s.checked < 200 || s.plates == 0 {
		t.Errorf("fixture too thin: %d checked object-frames, %d readable plates", s.checked, s.plates)
	}
}
