package render_test

import (
	"fmt"
	"image"
	"math"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

// minCheckPx is the least box width and height the checks apply to: below it one pixel of
// quantisation alone costs more than 0.1 of IoU, and the world's 4-pixel occlusion cells are too
// coarse for a visible fraction within 0.1 (KITTI likewise ignores boxes under 25 px).
const minCheckPx = 24

// auditSummary is what checkIDs found over a clip.
type auditSummary struct {
	objects, checked, plates int
	minIoU, maxVisErr        float64
	sceneryHidden            int // checked object-frames that scenery hides by more than 0.1
	fails                    int
}

// checkIDs renders t's ID buffer and holds every frame to the checks: for objects with
// visible >= 0.5, IoU(truth box, drawn box) >= 0.9 and |visible - pixel visible| <= 0.1; the GPU
// never shows more of an object than its silhouette; readable plates are drawn at their box.
// Objects smaller than minCheckPx are counted but not held to the box and visibility checks.
func checkIDs(t *testing.T, tr *wire.Truth, opts render.Options) auditSummary {
	return auditIDs(t, tr, opts, true)
}

// auditIDs is checkIDs; when strict is false it only measures (failures are counted and logged).
func auditIDs(t *testing.T, tr *wire.Truth, opts render.Options, strict bool) auditSummary {
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
		if strict && fails <= 20 {
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
			if o.TruthVisible < 0.5 || o.TruthBox[2]-o.TruthBox[0] < minCheckPx || o.TruthBox[3]-o.TruthBox[1] < minCheckPx {
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
				failf("frame %d object %d: visible %.3f in truth, %.3f in pixels (%.3f hidden by scenery)", i, o.ID, o.TruthVisible, o.PixelVisible, float64(o.SceneryPx)/float64(max(o.AlonePx, 1)))
			}
			if float64(o.SceneryPx) > 0.1*float64(o.AlonePx) {
				sum.sceneryHidden++
			}
			if o.PlateRead && o.TruthPlate != nil {
				sum.plates++
				tp, pp := *o.TruthPlate, o.DrawnPlate
				dw, dh := (pp[2]-pp[0])-(tp[2]-tp[0]), (pp[3]-pp[1])-(tp[3]-tp[1])
				// pixel-centre sampling loses up to a pixel at each sharp corner of a slanted plate
				if math.Abs(dw) > 2.5 || math.Abs(dh) > 2.5 || (tp[2]-tp[0] >= 12 && tp.IoU(pp) < 0.6) {
					failf("frame %d object %d: readable plate drawn at %v, truth %v", i, o.ID, pp, tp)
				}
			}
		}
	})
	sum.fails = fails
	t.Logf("%d object-frames, %d checked (visible >= 0.5, box >= 24 px), %d readable plates; min IoU %.3f, max visible error %.3f; %d hidden > 0.1 by scenery; %d failures",
		sum.objects, sum.checked, sum.plates, sum.minIoU, sum.maxVisErr, sum.sceneryHidden, fails)
	return sum
}

func TestIDBufferMatchesFixtureTruth(t *testing.T) {
	tr := rendertest.Truth(rendertest.Spec{Frames: 50, Width: 1280, Height: 720})
	s := checkIDs(t, tr, render.Options{})
	if s.checked < 200 || s.plates == 0 {
		t.Errorf("fixture too thin: %d checked object-frames, %d readable plates", s.checked, s.plates)
	}
}
