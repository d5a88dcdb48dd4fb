package shape_test

import (
	"math"
	"testing"

	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// The parts of every class stay inside the object's cuboid and reach its top; two-wheelers
// reach its width with the handlebar; helmets are drawn exactly for riders who wear them.
func TestPartsFillTheCuboid(t *testing.T) {
	for _, c := range []struct {
		name    string
		o       wire.Object
		helmets int
	}{
		{"saloon", wire.Object{ID: 1, Class: wire.Car, LengthM: 4.5, WidthM: 1.8, HeightM: 1.45}, 0},
		{"suv", wire.Object{ID: 2, Class: wire.Car, LengthM: 4.7, WidthM: 1.9, HeightM: 1.8}, 0},
		{"truck", wire.Object{ID: 3, Class: wire.Truck, LengthM: 7, WidthM: 2.3, HeightM: 3.1}, 0},
		{"bus", wire.Object{ID: 4, Class: wire.Bus, LengthM: 11, WidthM: 2.5, HeightM: 3.2}, 0},
		{"motorbike 3 riders", wire.Object{ID: 5, Class: wire.Motorbike, LengthM: 1.9, WidthM: 0.72, HeightM: 1.68, Riders: []wire.Rider{{Helmet: true}, {Helmet: false}, {Helmet: true}}}, 2},
		{"bicycle", wire.Object{ID: 6, Class: wire.Bicycle, LengthM: 1.7, WidthM: 0.6, HeightM: 1.65, Riders: []wire.Rider{{Helmet: false}}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			lo := wire.Vec3{math.Inf(1), math.Inf(1), math.Inf(1)}
			hi := wire.Vec3{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
			helmetRiders := map[int]bool{}
			for _, p := range shape.Parts(&c.o) {
				if len(p.Pts)%2 != 0 || len(p.Pts) < 6 {
					t.Errorf("part %s has %d points", p.Name, len(p.Pts))
				}
				a, b := p.Bounds()
				for k := range 3 {
					lo[k], hi[k] = min(lo[k], a[k]), max(hi[k], b[k])
				}
				if p.Name == shape.Helmet {
					helmetRiders[p.Rider] = true
				}
			}
			const eps = 1e-9
			L, W, H := c.o.LengthM, c.o.WidthM, c.o.HeightM
			if lo[0] < -L/2-eps || hi[0] > L/2+eps || lo[1] < -W/2-eps || hi[1] > W/2+eps || lo[2] < -eps || hi[2] > H+eps {
				t.Errorf("parts span %v..%v, outside the cuboid %vx%vx%v", lo, hi, L, W, H)
			}
			if math.Abs(hi[2]-H) > 1e-9 || math.Abs(hi[1]-W/2) > 0.02 || hi[0]-lo[0] < 0.95*L || lo[2] > 0.03 {
				t.Errorf("parts span %v..%v, do not fill the cuboid %vx%vx%v", lo, hi, L, W, H)
			}
			if len(helmetRiders) != c.helmets {
				t.Errorf("%d riders with helmets drawn, want %d", len(helmetRiders), c.helmets)
			}
		})
	}
}

func TestClippedBox(t *testing.T) {
	sq := []wire.Point{{-10, -10}, {10, -10}, {10, 10}, {-10, 10}}
	tri := []wire.Point{{50, 90}, {150, 90}, {100, 140}} // crosses the bottom edge at y = 100
	for _, c := range []struct {
		name string
		hull []wire.Point
		want wire.Box
		ok   bool
	}{
		{"inside", []wire.Point{{10, 10}, {20, 10}, {20, 30}}, wire.Box{10, 10, 20, 30}, true},
		{"corner", sq, wire.Box{0, 0, 10, 10}, true},
		{"edge cuts a triangle", tri, wire.Box{50, 90, 150, 100}, true},
		{"outside", []wire.Point{{-5, -5}, {-1, -5}, {-1, -1}}, wire.Box{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, ok := shape.ClippedBox(c.hull, 200, 100)
			if ok != c.ok || (ok && b != c.want) {
				t.Errorf("got %v %v, want %v %v", b, ok, c.want, c.ok)
			}
		})
	}
}

func TestImageBoxMatchesProjection(t *testing.T) {
	cam := wire.Pinhole{FocalPx: 1000, Cx: 640, Cy: 360, Position: wire.Point{0, -10}, HeightM: 7, TiltDeg: 15}
	o := wire.Object{ID: 1, Class: wire.Car, LengthM: 4.5, WidthM: 1.8, HeightM: 1.5}
	st := wire.ObjectState{ID: 1, Pos: wire.Point{2, 20}, Heading: 10}
	parts := shape.Parts(&o)
	full, ok := shape.Box(cam, parts, st)
	if !ok {
		t.Fatal("car not in view")
	}
	in, ok := shape.ImageBox(cam, parts, st, 1280, 720)
	if !ok || math.Abs(in[0]-full[0]) > 1e-6 || math.Abs(in[3]-full[3]) > 1e-6 {
		t.Errorf("inside the image the clipped box %v should equal the box %v", in, full)
	}
	cb, _ := cam.ProjectCuboid(o.Cuboid(st))
	if full.IoU(cb) > 0.95 || cb.Intersect(full).Area() < full.Area()-1e-6 {
		t.Errorf("shape box %v should lie inside the cuboid box %v and be tighter", full, cb)
	}
}

// Scenery has one group per prop and two per signal (pole, head), every piece inside its prop's
// footprint circle and height (street-light arms reach 1.9 m over the road).
func TestSceneryGroups(t *testing.T) {
	sc := &wire.Scene{
		Lanes: []wire.Lane{{ID: "a", Center: []wire.Point{{0, 0}, {0, 50}}}},
		Props: []wire.Prop{
			{Kind: "building", Footprint: wire.Polygon{{10, 0}, {20, 0}, {20, 10}, {10, 10}}, HeightM: 12},
			{Kind: "tree", Footprint: wire.Polygon{{5, 5}, {6, 5}, {6, 6}, {5, 6}}, HeightM: 7},
			{Kind: "streetlight", Footprint: wire.Polygon{{6, 20}, {6.2, 20}, {6.2, 20.2}, {6, 20.2}}, HeightM: 8},
			{Kind: "tiny", Footprint: wire.Polygon{{1, 1}, {2, 1}}}, // not a polygon: skipped
		},
		Signals: []wire.Signal{{ID: "s", Position: wire.Point{4, 30}, HeightM: 5, FacingDeg: 180}},
	}
	occ := shape.Scenery(sc)
	groups := map[int]bool{}
	for _, o := range occ {
		groups[o.Group] = true
		if len(o.Pts)%2 != 0 || len(o.Pts) < 6 {
			t.Errorf("%s has %d points", o.Name, len(o.Pts))
		}
		if o.Prop >= 0 {
			pr := sc.Props[o.Prop]
			cx, cy, rad := shape.PropCentre(pr)
			reach := max(rad, 1.2) + 0.01
			if o.Name == shape.LightArm || o.Name == shape.LampHead {
				reach = 2
			}
			for _, p := range o.Pts {
				if math.Hypot(p[0]-cx, p[1]-cy) > reach || p[2] < 0 || p[2] > shape.PropHeight(pr)+1e-9 {
					t.Errorf("%s of prop %d: point %v outside its prop", o.Name, o.Prop, p)
				}
			}
		}
	}
	if len(groups) != 3+2 {
		t.Errorf("%d groups, want 5 (3 props, a signal's pole and head)", len(groups))
	}
}
