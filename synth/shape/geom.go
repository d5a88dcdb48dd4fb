package shape

import (
	"math"

	"github.com/trafficsim/trafficsim/wire"
)

// Projector is wire.Pinhole.Project with the camera basis computed once: the arithmetic is
// the same, so the results are too (the world projects millions of points per clip).
type Projector struct {
	cam        wire.Pinhole
	o, r, d, f wire.Vec3
}

// NewProjector caches cam's basis.
func NewProjector(cam wire.Pinhole) *Projector {
	pr := &Projector{cam: cam}
	pr.o, pr.r, pr.d, pr.f = cam.Basis()
	return pr
}

// Project maps a world point to pixels; ok is false behind (or too near) the camera.
func (pr *Projector) Project(p wire.Vec3) (wire.Point, bool) {
	v := wire.Vec3{p[0] - pr.o[0], p[1] - pr.o[1], p[2] - pr.o[2]}
	z := v[0]*pr.f[0] + v[1]*pr.f[1] + v[2]*pr.f[2]
	if z < wire.NearZ {
		return wire.Point{}, false
	}
	x := v[0]*pr.r[0] + v[1]*pr.r[1] + v[2]*pr.r[2]
	y := v[0]*pr.d[0] + v[1]*pr.d[1] + v[2]*pr.d[2]
	c := pr.cam
	return wire.Point{c.Cx + c.FocalPx*x/z, c.Cy + c.FocalPx*y/z}, true
}

// Depth is a point's distance along the optical axis (wire.Pinhole.ToCamera's z).
func (pr *Projector) Depth(p wire.Vec3) float64 {
	v := wire.Vec3{p[0] - pr.o[0], p[1] - pr.o[1], p[2] - pr.o[2]}
	return v[0]*pr.f[0] + v[1]*pr.f[1] + v[2]*pr.f[2]
}

// DepthKey is the occlusion order of a road user: the depth of its cuboid's centre. Nearer
// objects (smaller key) occlude farther ones; the renderer draws far to near by it.
func (pr *Projector) DepthKey(o *wire.Object, s wire.ObjectState) float64 {
	return pr.Depth(wire.Vec3{s.Pos[0], s.Pos[1], o.HeightM / 2})
}

// ConvexHullInto writes the convex hull of pts (counter-clockwise in image coordinates,
// Andrew's monotone chain) into out, which must hold len(pts)+1 points, and returns its length.
// It allocates nothing for up to 16 points.
func ConvexHullInto(pts []wire.Point, out []wire.Point) int {
	var buf [16]wire.Point
	var hb [33]wire.Point
	p := buf[:0]
	if len(pts) > len(buf) {
		p = make([]wire.Point, 0, len(pts))
	}
	p = append(p, pts...)
	for i := 1; i < len(p); i++ { // insertion sort by x, then y: a few points
		q := p[i]
		j := i
		for ; j > 0 && (p[j-1][0] > q[0] || p[j-1][0] == q[0] && p[j-1][1] > q[1]); j-- {
			p[j] = p[j-1]
		}
		p[j] = q
	}
	cross := func(o, a, b wire.Point) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	h := hb[:0]
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lo := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lo && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	h = h[:len(h)-1]
	return copy(out, h)
}

// ConvexHull returns the convex hull of points (counter-clockwise in image coordinates); fewer
// than 3 points come back as they are, sorted.
func ConvexHull(pts []wire.Point) []wire.Point {
	if len(pts) < 3 {
		p := append([]wire.Point(nil), pts...)
		if len(p) == 2 && (p[1][0] < p[0][0] || p[1][0] == p[0][0] && p[1][1] < p[0][1]) {
			p[0], p[1] = p[1], p[0]
		}
		return p
	}
	out := make([]wire.Point, len(pts)+1)
	return out[:ConvexHullInto(pts, out)]
}

// Bounds is the box of points.
func Bounds(pts []wire.Point) wire.Box {
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		b[0], b[1] = min(b[0], p[0]), min(b[1], p[1])
		b[2], b[3] = max(b[2], p[0]), max(b[3], p[1])
	}
	return b
}
