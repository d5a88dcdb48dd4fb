package world

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/wire"
)

// TestVisibleFractionAgainstPixels redraws frames at full resolution the way the renderer's ID
// buffer sees them (convex hulls of the projected cuboids and of the scenery pieces, far to near
// by DepthKey and the scenery anchors, the frame edge cutting) and checks the coarse raster's
// visible fraction against it.
func TestVisibleFractionAgainstPixels(t *testing.T) {
	tr, _, err := Generate(load(t, "intersection-day"), Options{Duration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	scenery := sceneryOccluders(&tr.Scene)
	objs := map[int]wire.Object{}
	for _, o := range tr.Objects {
		objs[o.ID] = o
	}
	W, H := tr.Width, tr.Height
	ids := make([]int32, W*H)
	checked, bad := 0, 0
	worst := 0.0
	for fi := 0; fi < len(tr.Frames); fi += 5 {
		f := tr.Frames[fi]
		clear(ids)
		// Road users and scenery pieces, drawn far to near by depth (scenery by its anchor).
		type piece struct {
			depth float64
			id    int32 // -1 for scenery
			hull  []wire.Point
		}
		var pieces []piece
		hulls := map[int][]wire.Point{}
		for _, s := range f.Objects {
			var pts [8]wire.Point
			for k, c := range objs[s.ID].Cuboid(s).Corners() {
				pts[k], _, _ = tr.Pinhole.Project(c)
			}
			var h [16]wire.Point
			hull := slices.Clone(h[:convexHull(pts[:], h[:])])
			hulls[s.ID] = hull
			pieces = append(pieces, piece{DepthKey(tr.Pinhole, objs[s.ID], s), int32(s.ID), hull})
		}
		for _, oc := range scenery {
			var pts []wire.Point
			ok := true
			for _, q := range oc.pts {
				p, _, good := tr.Pinhole.Project(q)
				ok = ok && good
				pts = append(pts, p)
			}
			if !ok {
				continue
			}
			h := make([]wire.Point, len(pts)+1)
			pieces = append(pieces, piece{tr.Pinhole.ToCamera(oc.anchor)[2], -1, h[:convexHull(pts, h)]})
		}
		slices.SortStableFunc(pieces, func(a, b piece) int {
			if a.depth != b.depth {
				if a.depth > b.depth {
					return -1
				}
				return 1
			}
			return int(b.id - a.id)
		})
		for _, pc := range pieces { // far to near: nearer ones overwrite
			fillHull(ids, W, H, pc.hull, pc.id)
		}
		count := map[int32]int{}
		for _, id := range ids {
			count[id]++
		}
		for _, s := range f.Objects {
			area := polyArea(hulls[s.ID])
			if area < 400 { // below 20 x 20 pixels a 4-pixel grid cannot be held to 0.1
				continue
			}
			want := float64(count[int32(s.ID)]) / area
			checked++
			d := math.Abs(want - s.Visible)
			worst = max(worst, d)
			if d > 0.1 {
				bad++
				t.Logf("frame %d object %d: area %.0f px, pixels say %.3f, truth %.3f", fi, s.ID, area, want, s.Visible)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d states checked", checked)
	}
	if float64(bad) > 0.01*float64(checked) {
		t.Errorf("%d of %d visible fractions off by more than 0.1 (worst %.3f)", bad, checked, worst)
	}
	t.Logf("%d states, %d off by > 0.1, worst %.3f", checked, bad, worst)
}

// fillHull sets the pixels whose centres lie inside a convex polygon.
func fillHull(ids []int32, W, H int, hull []wire.Point, id int32) {
	y0, y1 := math.Inf(1), math.Inf(-1)
	for _, p := range hull {
		y0, y1 = min(y0, p[1]), max(y1, p[1])
	}
	for y := max(0, int(math.Ceil(y0-0.5))); y <= min(H-1, int(math.Floor(y1-0.5))); y++ {
		fy := float64(y) + 0.5
		xl, xr := math.Inf(1), math.Inf(-1)
		for a := range hull {
			p, q := hull[a], hull[(a+1)%len(hull)]
			if (p[1] <= fy) != (q[1] <= fy) {
				x := p[0] + (fy-p[1])*(q[0]-p[0])/(q[1]-p[1])
				xl, xr = min(xl, x), max(xr, x)
			}
		}
		for x := max(0, int(math.Ceil(xl-0.5))); x <= min(W-1, int(math.Floor(xr-0.5))); x++ {
			ids[y*W+x] = id
		}
	}
}
