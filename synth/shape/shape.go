package shape

import (
	"math"
	"sort"

	"github.com/trafficsim/trafficsim/wire"
)

// Part names.
const (
	Wheel     = "wheel"
	Body      = "body"      // car/bus body, motorbike frame, bicycle frame
	Cabin     = "cabin"     // car greenhouse: glass sides, roof on top
	Cab       = "cab"       // truck cab
	Cargo     = "cargo"     // truck box
	Chassis   = "chassis"   // truck frame under the box
	Fender    = "fender"    // motorbike rear fender and plate bracket
	Shield    = "shield"    // scooter leg shield
	Seat      = "seat"      // saddle
	Handlebar = "handlebar" // bar with grips, reaching the object's width
	Mirror    = "mirror"
	Thigh     = "thigh" // rider parts carry the rider index
	Shin      = "shin"
	Torso     = "torso"
	Arm       = "arm"
	Helmet    = "helmet"
	Face      = "face" // bare head: face and neck
	Hair      = "hair"
)

// Part is one convex piece of a body in the object's frame: x forward along the heading, y to
// the object's left, z up, metres from the centre of the footprint on the road. Pts holds two
// rings of equal length (bottom then top, or one side then the other for wheels); the solid is
// their convex hull.
type Part struct {
	Name  string
	Rider int // rider index for rider parts, -1 otherwise
	Pts   []wire.Vec3
}

// Ring returns the number of points in each ring.
func (p Part) Ring() int { return len(p.Pts) / 2 }

// Bounds returns the part's local bounding box: min and max corners.
func (p Part) Bounds() (lo, hi wire.Vec3) {
	lo = wire.Vec3{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi = wire.Vec3{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for _, q := range p.Pts {
		for k := range 3 {
			lo[k], hi[k] = min(lo[k], q[k]), max(hi[k], q[k])
		}
	}
	return
}

func box(name string, rider int, x0, x1, y0, y1, z0, z1 float64) Part {
	return hexa(name, rider, [8][3]float64{{x0, y0, z0}, {x1, y0, z0}, {x1, y1, z0}, {x0, y1, z0}, {x0, y0, z1}, {x1, y0, z1}, {x1, y1, z1}, {x0, y1, z1}})
}

func hexa(name string, rider int, c [8][3]float64) Part {
	p := Part{Name: name, Rider: rider, Pts: make([]wire.Vec3, 8)}
	for i, q := range c {
		p.Pts[i] = wire.Vec3(q)
	}
	return p
}

// prismZ is a vertical k-gon prism, radius r0 at z0 and r1 at z1.
func prismZ(name string, rider int, x, y, z0, z1, r0, r1 float64, k int) Part {
	p := Part{Name: name, Rider: rider, Pts: make([]wire.Vec3, 2*k)}
	for i := 0; i < k; i++ {
		a := 2 * math.Pi * (float64(i) + 0.5) / float64(k)
		p.Pts[i] = wire.Vec3{x + r0*math.Cos(a), y + r0*math.Sin(a), z0}
		p.Pts[k+i] = wire.Vec3{x + r1*math.Cos(a), y + r1*math.Sin(a), z1}
	}
	return p
}

// wheel is an octagonal wheel standing on the road, axle across the object.
func wheel(x, yc, halfW, r float64) Part {
	const k = 8
	p := Part{Name: Wheel, Rider: -1, Pts: make([]wire.Vec3, 2*k)}
	for i := 0; i < k; i++ {
		a := 2 * math.Pi * float64(i) / k // a vertex at the bottom: the tyre touches the road
		dx, dz := r*math.Cos(a), r+r*math.Sin(a)
		p.Pts[i] = wire.Vec3{x + dx, yc - halfW, dz}
		p.Pts[k+i] = wire.Vec3{x + dx, yc + halfW, dz}
	}
	return p
}

// CarStyle is the car's body style, fixed by its truth (height, then ID) so world and renderer
// agree: 0 saloon, 1 hatchback, 2 SUV/MPV.
func CarStyle(o *wire.Object) int {
	if o.HeightM >= 1.65 {
		return 2
	}
	return o.ID % 2
}

// Parts returns the object's parts (see the package doc); the driver's head reaches HeightM and
// the handlebar the width.
func Parts(o *wire.Object) []Part {
	L, W, H := o.LengthM, o.WidthM, o.HeightM
	var ps []Part
	switch o.Class {
	case wire.Motorbike, wire.Bicycle:
		bike := o.Class == wire.Bicycle
		r, hw := 0.29, 0.055
		if bike {
			r, hw = 0.33, 0.025
		}
		r = min(r, L/4)
		ps = append(ps, wheel(L/2-r, 0, hw, r), wheel(-L/2+r, 0, hw, r))
		seatZ := min(0.8, 0.48*H)
		barX, barZ := 0.3*L, seatZ+0.2
		if bike {
			ps = append(ps,
				box(Body, -1, -L/2+r, L/2-r, -0.03, 0.03, r, r+0.08),
				box(Body, -1, -0.12*L, -0.05*L, -0.03, 0.03, r, seatZ-0.04),
				box(Body, -1, L/2-r-0.05, L/2-r+0.03, -0.03, 0.03, r, barZ),
				box(Seat, -1, -0.18*L, 0.0, -0.08, 0.08, seatZ-0.06, seatZ))
		} else {
			ps = append(ps,
				box(Body, -1, -0.3*L, 0.2*L, -0.17, 0.17, 0.34, seatZ-0.07),
				box(Fender, -1, -L/2+0.02, -0.28*L, -0.09, 0.09, 0.55, 0.86),
				box(Shield, -1, 0.2*L, 0.31*L, -0.2, 0.2, 0.3, barZ-0.04),
				box(Seat, -1, -0.3*L, 0.04*L, -0.15, 0.15, seatZ-0.07, seatZ))
		}
		ps = append(ps, box(Handlebar, -1, barX-0.03, barX+0.03, -W/2, W/2, barZ-0.03, barZ+0.02))
		if !bike {
			for _, s := range []float64{-1, 1} {
				y := s * (W/2 - 0.1)
				ps = append(ps, box(Mirror, -1, barX-0.01, barX+0.01, y-0.01, y+0.01, barZ, barZ+0.22),
					box(Mirror, -1, barX-0.02, barX+0.02, y-0.06, y+0.06, barZ+0.2, barZ+0.27))
			}
		}
		for k, rd := range o.Riders {
			x := 0.04*L - float64(k)*0.3
			top := H - 0.035*float64(k)
			ps = append(ps, rider(k, x, seatZ, top, barX, barZ, W, rd.Helmet)...)
		}
	case wire.Truck:
		cabL := min(max(0.24*L, 1.6), 2.4)
		cabTop := 0.85 * H
		r := min(0.45, 0.2*H)
		for _, x := range []float64{L/2 - cabL/2, -L/2 + 0.22*L, -L/2 + 0.22*L + 2.2*r + 0.1} {
			ps = append(ps, wheel(x, W/2-0.2, 0.17, r), wheel(x, -W/2+0.2, 0.17, r))
		}
		ps = append(ps,
			box(Chassis, -1, -L/2+0.1, L/2-cabL, -W/2+0.2, W/2-0.2, r, 2.2*r),
			box(Cargo, -1, -L/2, L/2-cabL-0.12, -W/2, W/2, 2.2*r, H),
			box(Cab, -1, L/2-cabL, L/2, -W/2+0.02, W/2-0.02, r, cabTop))
	case wire.Bus:
		r := min(0.5, 0.16*H)
		for _, x := range []float64{L/2 - 0.22*L, -L/2 + 0.25*L} {
			ps = append(ps, wheel(x, W/2-0.2, 0.17, r), wheel(x, -W/2+0.2, 0.17, r))
		}
		ps = append(ps, box(Body, -1, -L/2, L/2, -W/2, W/2, 0.3, H))
	default: // car
		c := 0.14
		hb := min(max(0.52*H, 0.62), 1.0)
		r := min(0.33, 0.42*hb)
		xa := L/2 - max(0.75, 0.2*L)
		for _, x := range []float64{xa, -xa} {
			ps = append(ps, wheel(x, W/2-0.13, 0.12, r), wheel(x, -W/2+0.13, 0.12, r))
		}
		ps = append(ps, box(Body, -1, -L/2, L/2, -W/2, W/2, c, hb))
		cab := [4]float64{-0.36, 0.2, -0.24, 0.03}
		switch CarStyle(o) {
		case 1:
			cab = [4]float64{-0.47, 0.17, -0.44, 0.0}
		case 2:
			cab = [4]float64{-0.49, 0.22, -0.47, 0.08}
		}
		yb, yt := W/2-0.04, W/2-0.13
		ps = append(ps, hexa(Cabin, -1, [8][3]float64{
			{cab[0] * L, -yb, hb}, {cab[1] * L, -yb, hb}, {cab[1] * L, yb, hb}, {cab[0] * L, yb, hb},
			{cab[2] * L, -yt, H}, {cab[3] * L, -yt, H}, {cab[3] * L, yt, H}, {cab[2] * L, yt, H},
		}))
	}
	return ps
}

// rider is a seated person k (0 drives); the head's top is at top.
func rider(k int, x, seatZ, top, barX, barZ, W float64, helmet bool) []Part {
	headH := 0.27
	shoulder := top - headH - 0.03
	ps := []Part{box(Thigh, k, x-0.05, x+0.3, -0.19, 0.19, seatZ-0.02, seatZ+0.13)}
	for _, s := range []float64{-1, 1} {
		ps = append(ps, box(Shin, k, x+0.22, x+0.34, s*0.13-0.07, s*0.13+0.07, 0.32, seatZ+0.05))
	}
	ps = append(ps, hexa(Torso, k, [8][3]float64{
		{x - 0.14, -0.19, seatZ + 0.08}, {x + 0.12, -0.19, seatZ + 0.08}, {x + 0.12, 0.19, seatZ + 0.08}, {x - 0.14, 0.19, seatZ + 0.08},
		{x - 0.12, -0.23, shoulder}, {x + 0.1, -0.23, shoulder}, {x + 0.1, 0.23, shoulder}, {x - 0.12, 0.23, shoulder},
	}))
	for _, s := range []float64{-1, 1} {
		if k == 0 {
			gy := s * (W/2 - 0.12)
			ps = append(ps, hexa(Arm, k, [8][3]float64{
				{x - 0.02, s*0.2 - 0.05, shoulder - 0.14}, {barX, gy - 0.04, barZ - 0.02}, {barX, gy + 0.04, barZ - 0.02}, {x - 0.02, s*0.2 + 0.05, shoulder - 0.14},
				{x - 0.02, s*0.2 - 0.05, shoulder - 0.02}, {barX, gy - 0.04, barZ + 0.05}, {barX, gy + 0.04, barZ + 0.05}, {x - 0.02, s*0.2 + 0.05, shoulder - 0.02},
			}))
		} else {
			ps = append(ps, box(Arm, k, x-0.06, x+0.06, s*0.23-0.05, s*0.23+0.05, seatZ+0.12, shoulder-0.02))
		}
	}
	if helmet {
		ps = append(ps, prismZ(Helmet, k, x-0.01, 0, shoulder+0.02, top-0.07, 0.14, 0.145, 8),
			prismZ(Helmet, k, x-0.01, 0, top-0.07, top, 0.145, 0.09, 8))
	} else {
		ps = append(ps, prismZ(Face, k, x-0.01, 0, shoulder, shoulder+0.06, 0.055, 0.055, 6),
			prismZ(Face, k, x-0.01, 0, shoulder+0.06, top-0.06, 0.1, 0.105, 8),
			prismZ(Hair, k, x-0.02, 0, top-0.06, top, 0.105, 0.07, 8))
	}
	return ps
}

// ToWorld places a local point of an object at a state.
func ToWorld(s wire.ObjectState, p wire.Vec3) wire.Vec3 {
	h := s.Heading * math.Pi / 180
	fx, fy := math.Sin(h), math.Cos(h)
	lx, ly := -math.Cos(h), math.Sin(h)
	return wire.Vec3{s.Pos[0] + fx*p[0] + lx*p[1], s.Pos[1] + fy*p[0] + ly*p[1], p[2]}
}

// Points returns every part's points in the world at a state.
func Points(parts []Part, s wire.ObjectState) []wire.Vec3 {
	var out []wire.Vec3
	for _, p := range parts {
		for _, q := range p.Pts {
			out = append(out, ToWorld(s, q))
		}
	}
	return out
}

// Project projects the object's points; ok is false when any is behind the camera (such objects
// are not in view, as with wire.Pinhole.ProjectCuboid).
func Project(cam wire.Pinhole, parts []Part, s wire.ObjectState) ([]wire.Point, bool) {
	pts := Points(parts, s)
	out := make([]wire.Point, len(pts))
	for i, p := range pts {
		q, _, ok := cam.Project(p)
		if !ok {
			return nil, false
		}
		out[i] = q
	}
	return out, true
}

// Box is the tight image box of the object's shape, unclipped.
func Box(cam wire.Pinhole, parts []Part, s wire.ObjectState) (wire.Box, bool) {
	pts, ok := Project(cam, parts, s)
	if !ok {
		return wire.Box{}, false
	}
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		b[0], b[1] = min(b[0], p[0]), min(b[1], p[1])
		b[2], b[3] = max(b[2], p[0]), max(b[3], p[1])
	}
	return b, true
}

// Hull is the convex hull of the object's shape in the image (counter-clockwise in pixel axes).
func Hull(cam wire.Pinhole, parts []Part, s wire.ObjectState) ([]wire.Point, bool) {
	pts, ok := Project(cam, parts, s)
	if !ok {
		return nil, false
	}
	return ConvexHull(pts), true
}

// ConvexHull returns the convex hull of points (Andrew's monotone chain).
func ConvexHull(pts []wire.Point) []wire.Point {
	p := append([]wire.Point(nil), pts...)
	sort.Slice(p, func(i, j int) bool { return p[i][0] < p[j][0] || p[i][0] == p[j][0] && p[i][1] < p[j][1] })
	if len(p) < 3 {
		return p
	}
	cr := func(o, a, b wire.Point) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	var h []wire.Point
	for _, q := range p {
		for len(h) >= 2 && cr(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lo := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lo && cr(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	return h[:len(h)-1]
}

// ClippedBox is the box of the part of a convex image polygon (a Hull) inside the image
// [0, w] x [0, h]: tight for objects cut by the frame edge, unlike clipping the unclipped box.
// ok is false when nothing is inside.
func ClippedBox(hull []wire.Point, w, h float64) (wire.Box, bool) {
	poly := hull
	for _, e := range [4]struct {
		axis int
		v    float64
		keep func(float64, float64) bool
	}{
		{0, 0, func(a, v float64) bool { return a >= v }}, {0, w, func(a, v float64) bool { return a <= v }},
		{1, 0, func(a, v float64) bool { return a >= v }}, {1, h, func(a, v float64) bool { return a <= v }},
	} {
		var out []wire.Point
		for i := range poly {
			a, b := poly[i], poly[(i+1)%len(poly)]
			ain, bin := e.keep(a[e.axis], e.v), e.keep(b[e.axis], e.v)
			if ain {
				out = append(out, a)
			}
			if ain != bin {
				t := (e.v - a[e.axis]) / (b[e.axis] - a[e.axis])
				out = append(out, wire.Point{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t})
			}
		}
		poly = out
		if len(poly) == 0 {
			return wire.Box{}, false
		}
	}
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range poly {
		b[0], b[1] = min(b[0], p[0]), min(b[1], p[1])
		b[2], b[3] = max(b[2], p[0]), max(b[3], p[1])
	}
	return b, b.Area() > 0
}

// ImageBox is the truth box of an object: the union of its parts' projected hulls, each clipped
// to the image (w x h). It is tight for objects cut by the frame edge, where clipping the whole
// hull would bridge gaps between parts. ok is false when no part is in view or any point is
// behind the camera.
func ImageBox(cam wire.Pinhole, parts []Part, s wire.ObjectState, w, h float64) (wire.Box, bool) {
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	any := false
	for _, p := range parts {
		pts, ok := Project(cam, []Part{p}, s)
		if !ok {
			return wire.Box{}, false
		}
		pb, ok := ClippedBox(ConvexHull(pts), w, h)
		if !ok {
			continue
		}
		any = true
		b[0], b[1] = min(b[0], pb[0]), min(b[1], pb[1])
		b[2], b[3] = max(b[2], pb[2]), max(b[3], pb[3])
	}
	return b, any
}
