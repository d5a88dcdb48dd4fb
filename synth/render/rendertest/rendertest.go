// Package rendertest builds small hand-made truths (a signalised crossing with cars, motorbikes,
// a truck and a bus) for tests of the renderer, the clip pipeline and the exporters, without the
// world model. Boxes, visible fractions and plate boxes are computed from the camera model the
// way the world computes them: projected cuboid, convex hull, nearer hulls occlude.
package rendertest

import (
	"math"

	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// Version names the fixture's content; bump it when the scene or its movers change (it is part
// of clip keys made from the fixture).
const Version = "fixture-1"

// Spec describes a fixture; zero fields take the defaults in brackets.
type Spec struct {
	Frames        int             // [50]
	Width, Height int             // [640x360]
	FPS           float64         // [25]
	Seed          uint64          // [1]
	Conditions    wire.Conditions // [day, clear, overlay on]
}

// Truth returns the fixture's truth.
func Truth(s Spec) *wire.Truth {
	if s.Frames == 0 {
		s.Frames = 50
	}
	if s.Width == 0 {
		s.Width, s.Height = 640, 360
	}
	if s.FPS == 0 {
		s.FPS = 25
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Conditions == (wire.Conditions{}) {
		s.Conditions = wire.Conditions{TimeOfDay: "day", Weather: "clear", Overlay: true, Start: "2025-03-14T08:15:00+07:00"}
	}
	k := float64(s.Width) / 1280
	t := &wire.Truth{
		Version: wire.TruthVersion, Scenario: "fixture", Seed: s.Seed, Camera: "CAM-FIX-01", FPS: s.FPS,
		Width: s.Width, Height: s.Height, Conditions: s.Conditions,
		Pinhole: wire.Pinhole{FocalPx: 1000 * k, Cx: float64(s.Width) / 2, Cy: float64(s.Height) / 2,
			Position: wire.Point{-1.5, -6}, HeightM: 7.5, TiltDeg: 17, PanDeg: 2, Width: s.Width, Height: s.Height},
		Scene: scene(),
	}
	t.Objects = objects()
	for i := 0; i < s.Frames; i++ {
		t.Frames = append(t.Frames, frame(t, i))
	}
	t.Violations = []wire.Violation{}
	return t
}

func rect(x0, y0, x1, y1 float64) wire.Polygon {
	return wire.Polygon{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func scene() wire.Scene {
	sc := wire.Scene{
		Template: "intersection",
		Surfaces: []wire.Surface{
			{Kind: "asphalt", Polygon: rect(-7, -20, 7, 160)},
			{Kind: "asphalt", Polygon: rect(-80, 42, 80, 56)},
			{Kind: "sidewalk", Polygon: rect(7, -20, 11.5, 42)},
			{Kind: "sidewalk", Polygon: rect(-11.5, -20, -7, 42)},
			{Kind: "sidewalk", Polygon: rect(7, 56, 11.5, 160)},
			{Kind: "sidewalk", Polygon: rect(-11.5, 56, -7, 160)},
		},
		Sidewalks: []wire.Zone{{ID: "sw-east", Polygon: rect(7, -20, 11.5, 42)}, {ID: "sw-west", Polygon: rect(-11.5, -20, -7, 42)}},
		StopLines: []wire.StopLine{{ID: "stop-n", A: wire.Point{0.2, 36}, B: wire.Point{7, 36}, Signal: "sig-n", Lanes: []string{"n1", "n2"}}},
		Crosswalks: []wire.Polygon{
			{{-7, 37.5}, {7, 37.5}, {7, 41}, {-7, 41}},
		},
		Signals:     []wire.Signal{{ID: "sig-n", Position: wire.Point{7.6, 41.5}, HeightM: 5.2, FacingDeg: 180, Lanes: []string{"n1", "n2"}}},
		SpeedLimits: map[wire.Class]float64{wire.Motorbike: 40, wire.Car: 50, wire.Truck: 50, wire.Bus: 50, wire.Bicycle: 25},
	}
	lane := func(id string, x, y0, y1 float64) wire.Lane {
		return wire.Lane{ID: id, Center: []wire.Point{{x, y0}, {x, y1}}, WidthM: 3.5,
			Polygon: rect(x-1.75, min(y0, y1), x+1.75, max(y0, y1)), Allowed: []wire.Class{wire.Car, wire.Motorbike, wire.Truck, wire.Bus, wire.Bicycle}}
	}
	sc.Lanes = []wire.Lane{lane("n1", 1.75, -20, 36), lane("n2", 5.25, -20, 36), lane("s1", -1.75, 160, -20), lane("s2", -5.25, 160, -20)}
	sc.Markings = []wire.Marking{
		{Kind: "double", Color: "yellow", WidthM: 0.12, Points: []wire.Point{{0, -20}, {0, 37}}},
		{Kind: "double", Color: "yellow", WidthM: 0.12, Points: []wire.Point{{0, 57}, {0, 160}}},
		{Kind: "dashed", Color: "white", WidthM: 0.15, Points: []wire.Point{{3.5, -20}, {3.5, 36}}},
		{Kind: "dashed", Color: "white", WidthM: 0.15, Points: []wire.Point{{-3.5, -20}, {-3.5, 37}}},
		{Kind: "dashed", Color: "white", WidthM: 0.15, Points: []wire.Point{{3.5, 57}, {3.5, 160}}},
		{Kind: "dashed", Color: "white", WidthM: 0.15, Points: []wire.Point{{-3.5, 57}, {-3.5, 160}}},
		{Kind: "solid", Color: "white", WidthM: 0.2, Points: []wire.Point{{-6.8, -20}, {-6.8, 37}}},
		{Kind: "solid", Color: "white", WidthM: 0.2, Points: []wire.Point{{6.8, -20}, {6.8, 37}}},
	}
	for i, y := range []float64{0, 16, 60, 80} {
		sc.Props = append(sc.Props,
			wire.Prop{Kind: "building", Footprint: rect(12.5, y, 22, y+14), HeightM: 9 + float64(i%3)*4, Color: []string{"#c9b79c", "#d8d2c4", "#b8c4c8", "#e0c8a8"}[i]},
			wire.Prop{Kind: "building", Footprint: rect(-22, y+2, -12.5, y+15), HeightM: 12 + float64(i%2)*6, Color: []string{"#d8cfc0", "#a9b8a8", "#cdb4a0", "#c8c8c0"}[i]})
	}
	for _, y := range []float64{4, 20, 62, 90} {
		sc.Props = append(sc.Props,
			wire.Prop{Kind: "tree", Footprint: rect(9.8, y-1.4, 11.2, y+1.4), HeightM: 7},
			wire.Prop{Kind: "streetlight", Footprint: rect(-11.1, y+8-0.15, -10.8, y+8+0.15), HeightM: 8})
	}
	return sc
}

// mover is an object of the fixture: a start point and a speed along its heading.
type mover struct {
	o          wire.Object
	x, y, head float64
	v          float64 // m/s
	braking    bool
}

var movers = []mover{
	{o: wire.Object{ID: 1, Class: wire.Car, LengthM: 4.5, WidthM: 1.8, HeightM: 1.5, Color: "#b02020", Plate: wire.Plate{Text: "29A-123.45", Rows: 1, Color: "white"}}, x: 1.8, y: 12, v: 4},
	{o: wire.Object{ID: 2, Class: wire.Motorbike, LengthM: 1.9, WidthM: 0.72, HeightM: 1.68, Color: "#202020", Plate: wire.Plate{Text: "29-B1 567.89", Rows: 2, Color: "white"}, Riders: []wire.Rider{{Helmet: true}, {Helmet: false}}}, x: 4.6, y: 6, v: 5},
	{o: wire.Object{ID: 3, Class: wire.Motorbike, LengthM: 1.85, WidthM: 0.7, HeightM: 1.66, Color: "#c8c8d0", Plate: wire.Plate{Text: "30-K2 246.80", Rows: 2, Color: "white"}, Riders: []wire.Rider{{Helmet: true}}}, x: 2.2, y: 3, v: 6, braking: true},
	{o: wire.Object{ID: 4, Class: wire.Car, LengthM: 4.6, WidthM: 1.85, HeightM: 1.75, Color: "#e8e8e8", Plate: wire.Plate{Text: "30E-005.55", Rows: 1, Color: "yellow"}}, x: -1.8, y: 40, head: 180, v: 6},
	{o: wire.Object{ID: 5, Class: wire.Truck, LengthM: 7.2, WidthM: 2.3, HeightM: 3.1, Color: "#2a5ea8", Plate: wire.Plate{Text: "29C-678.12", Rows: 1, Color: "yellow"}}, x: 5.3, y: 26, v: 2},
	{o: wire.Object{ID: 6, Class: wire.Bus, LengthM: 11, WidthM: 2.5, HeightM: 3.2, Color: "#2f8a4a", Plate: wire.Plate{Text: "29B-024.68", Rows: 1, Color: "yellow"}}, x: -5.2, y: 70, head: 180, v: 5},
	{o: wire.Object{ID: 7, Class: wire.Motorbike, LengthM: 1.9, WidthM: 0.72, HeightM: 1.62, Color: "#a01818", Plate: wire.Plate{Text: "29-H5 135.79", Rows: 2, Color: "white"}, Riders: []wire.Rider{{Helmet: false}, {Helmet: false}, {Helmet: true}}}, x: 5.6, y: 14, v: 4.5},
	{o: wire.Object{ID: 8, Class: wire.Motorbike, LengthM: 1.88, WidthM: 0.7, HeightM: 1.66, Color: "#1a3a8a", Plate: wire.Plate{Text: "30-L1 864.20", Rows: 2, Color: "white"}, Riders: []wire.Rider{{Helmet: true}}}, x: -2.5, y: 22, head: 180, v: 5},
	{o: wire.Object{ID: 9, Class: wire.Bicycle, LengthM: 1.75, WidthM: 0.6, HeightM: 1.65, Color: "#306030", Riders: []wire.Rider{{Helmet: false}}}, x: 6.2, y: 2, v: 3},
	{o: wire.Object{ID: 10, Class: wire.Car, LengthM: 4.3, WidthM: 1.75, HeightM: 1.45, Color: "#404850", Plate: wire.Plate{Text: "51G-372.19", Rows: 1, Color: "white"}}, x: -5.3, y: 30, head: 180, v: 7},
}

func objects() []wire.Object {
	out := make([]wire.Object, len(movers))
	for i, m := range movers {
		out[i] = m.o
		out[i].First, out[i].Last = 0, 1<<30
	}
	return out
}

func frame(t *wire.Truth, i int) wire.Frame {
	ts := float64(i) / t.FPS
	light := wire.Red
	if ts >= 1 {
		light = wire.Green
	}
	f := wire.Frame{Index: i, T: ts, Signals: []wire.SignalState{{ID: "sig-n", Light: light}}}
	for _, m := range movers {
		h := m.head * math.Pi / 180
		st := wire.ObjectState{ID: m.o.ID, Pos: wire.Point{m.x + math.Sin(h)*m.v*ts, m.y + math.Cos(h)*m.v*ts}, Heading: m.head, SpeedKmh: m.v * 3.6, Braking: m.braking}
		f.Objects = append(f.Objects, st)
	}
	Annotate(t, &f)
	return f
}

// Annotate fills Box, Visible, InView, PlateRead and PlateBox of a frame's states from the
// camera model and synth/shape, the way the world should: the box is shape.ImageBox; the visible
// fraction counts the pixels of the object's part hulls that lie in the image and outside the
// part hulls of nearer objects and the scenery occluders nearer than it (shape.DepthKey and
// occluder anchors), over all pixels of its part hulls.
func Annotate(t *wire.Truth, f *wire.Frame) {
	cam := t.Pinhole
	type item struct {
		state int // index in f.Objects, -1 for scenery
		hulls [][]wire.Point
		depth float64
	}
	byID := map[int]*wire.Object{}
	for k := range t.Objects {
		byID[t.Objects[k].ID] = &t.Objects[k]
	}
	var items []item
	occ := shape.Scenery(&t.Scene)
	for g0 := 0; g0 < len(occ); {
		g1 := g0
		for g1 < len(occ) && occ[g1].Group == occ[g0].Group {
			g1++
		}
		it := item{state: -1, depth: cam.ToCamera(occ[g0].Anchor)[2]}
		ok := true
		for _, o := range occ[g0:g1] {
			var pts []wire.Point
			for _, q := range o.Pts {
				p, _, okp := cam.Project(q)
				if !okp {
					ok = false
					break
				}
				pts = append(pts, p)
			}
			it.hulls = append(it.hulls, shape.ConvexHull(pts))
		}
		if ok {
			items = append(items, it)
		}
		g0 = g1
	}
	objItems := map[int]int{}
	for k := range f.Objects {
		st := &f.Objects[k]
		o := byID[st.ID]
		it := item{state: k, depth: shape.DepthKey(cam, o, *st)}
		ok := true
		for _, p := range shape.Parts(o) {
			pts, okp := shape.Project(cam, []shape.Part{p}, *st)
			if !okp {
				ok = false
				break
			}
			it.hulls = append(it.hulls, shape.ConvexHull(pts))
		}
		if ok {
			objItems[k] = len(items)
			items = append(items, it)
		}
	}
	type hullBox struct {
		h wire.Polygon
		b wire.Box
	}
	boxed := func(hs [][]wire.Point) []hullBox {
		out := make([]hullBox, len(hs))
		for i, h := range hs {
			out[i] = hullBox{h, bounds(h)}
		}
		return out
	}
	inAny := func(hs []hullBox, p wire.Point) bool {
		for _, h := range hs {
			if p[0] >= h.b[0] && p[0] <= h.b[2] && p[1] >= h.b[1] && p[1] <= h.b[3] && h.h.Contains(p) {
				return true
			}
		}
		return false
	}
	for k := range f.Objects {
		st := &f.Objects[k]
		st.Box, st.Visible, st.InView, st.PlateRead, st.PlateBox = wire.Box{}, 0, false, false, nil
		ii, ok := objItems[k]
		if !ok {
			continue
		}
		o := byID[st.ID]
		clipped, ok := shape.ImageBox(cam, shape.Parts(o), *st, float64(t.Width), float64(t.Height))
		if !ok {
			continue
		}
		st.InView, st.Box = true, clipped
		it := items[ii]
		var all []wire.Point
		for _, h := range it.hulls {
			all = append(all, h...)
		}
		bb := bounds(all)
		var near [][]wire.Point
		for j := range items {
			if j != ii && items[j].depth < it.depth {
				for _, h := range items[j].hulls {
					if bounds(h).Intersect(bb).Area() > 0 {
						near = append(near, h)
					}
				}
			}
		}
		nearer, own := boxed(near), boxed(it.hulls)
		total, seen := 0, 0
		for y := int(math.Floor(bb[1])); y < int(math.Ceil(bb[3])); y++ {
			for x := int(math.Floor(bb[0])); x < int(math.Ceil(bb[2])); x++ {
				p := wire.Point{float64(x) + 0.5, float64(y) + 0.5}
				if !inAny(own, p) {
					continue
				}
				total++
				if x < 0 || y < 0 || x >= t.Width || y >= t.Height || inAny(nearer, p) {
					continue
				}
				seen++
			}
		}
		if total > 0 {
			st.Visible = float64(seen) / float64(total)
		}
		if !o.HasPlate() {
			continue
		}
		for _, front := range []bool{true, false} {
			if front && !o.HasFrontPlate() {
				continue
			}
			cs := o.PlateCorners(*st, front)
			ctr := wire.Vec3{(cs[0][0] + cs[2][0]) / 2, (cs[0][1] + cs[2][1]) / 2, (cs[0][2] + cs[2][2]) / 2}
			out := wire.Vec3{ctr[0] - st.Pos[0], ctr[1] - st.Pos[1], 0}
			toCam := wire.Vec3{cam.Position[0] - ctr[0], cam.Position[1] - ctr[1], cam.HeightM - ctr[2]}
			if out[0]*toCam[0]+out[1]*toCam[1] <= 0 {
				continue
			}
			var pts []wire.Point
			okAll := true
			for _, c := range cs {
				p, _, okp := cam.Project(c)
				if !okp {
					okAll = false
					break
				}
				pts = append(pts, p)
			}
			if !okAll {
				continue
			}
			full := bounds(pts)
			pb := full.Intersect(wire.Box{0, 0, float64(t.Width), float64(t.Height)})
			if pb.Area() <= 0 {
				continue
			}
			st.PlateBox = &pb
			// readable: wide enough, its object mostly seen, and the whole plate inside the image
			st.PlateRead = st.Visible >= 0.8 && math.Hypot(pts[1][0]-pts[0][0], pts[1][1]-pts[0][1]) >= 24 && pb == full
		}
	}
}

func bounds(pts []wire.Point) wire.Box {
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		b[0], b[1] = min(b[0], p[0]), min(b[1], p[1])
		b[2], b[3] = max(b[2], p[0]), max(b[3], p[1])
	}
	return b
}

func polyArea(p []wire.Point) float64 {
	a := 0.0
	for i := range p {
		q, r := p[i], p[(i+1)%len(p)]
		a += q[0]*r[1] - r[0]*q[1]
	}
	return math.Abs(a) / 2
}
