package render

import (
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/trafficsim/trafficsim/wire"
)

// rgba is a straight-alpha colour, components 0-1.
type rgba [4]float32

func (c rgba) scale(k float32) rgba { return rgba{c[0] * k, c[1] * k, c[2] * k, c[3]} }
func (c rgba) mix(o rgba, t float32) rgba {
	return rgba{c[0] + (o[0]-c[0])*t, c[1] + (o[1]-c[1])*t, c[2] + (o[2]-c[2])*t, c[3] + (o[3]-c[3])*t}
}
func (c rgba) mul(o rgba) rgba      { return rgba{c[0] * o[0], c[1] * o[1], c[2] * o[2], c[3]} }
func (c rgba) alpha(a float32) rgba { return rgba{c[0], c[1], c[2], a} }

// camera is wire.Pinhole with its basis computed once (the same formulas as wire.Pinhole.basis).
type camera struct {
	o, r, d, f wire.Vec3
	fpx        float64
	cx, cy     float64
	w, h       int
}

func newCamera(p wire.Pinhole, w, h int) camera {
	pan, tilt := p.PanDeg*math.Pi/180, p.TiltDeg*math.Pi/180
	c := camera{fpx: p.FocalPx, cx: p.Cx, cy: p.Cy, w: w, h: h}
	c.o = wire.Vec3{p.Position[0], p.Position[1], p.HeightM}
	c.f = wire.Vec3{math.Sin(pan) * math.Cos(tilt), math.Cos(pan) * math.Cos(tilt), -math.Sin(tilt)}
	c.r = wire.Vec3{math.Cos(pan), -math.Sin(pan), 0}
	up := cross(c.r, c.f)
	c.d = wire.Vec3{-up[0], -up[1], -up[2]}
	return c
}

func (c *camera) toCam(p wire.Vec3) wire.Vec3 {
	v := sub(p, c.o)
	return wire.Vec3{dot(v, c.r), dot(v, c.d), dot(v, c.f)}
}

func (c *camera) proj(q wire.Vec3) (float32, float32) {
	return float32(c.cx + c.fpx*q[0]/q[2]), float32(c.cy + c.fpx*q[1]/q[2])
}

func sub(a, b wire.Vec3) wire.Vec3 { return wire.Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func add(a, b wire.Vec3) wire.Vec3 { return wire.Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func scl(a wire.Vec3, k float64) wire.Vec3 {
	return wire.Vec3{a[0] * k, a[1] * k, a[2] * k}
}
func dot(a, b wire.Vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func cross(a, b wire.Vec3) wire.Vec3 {
	return wire.Vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
func norm(a wire.Vec3) wire.Vec3 {
	n := math.Sqrt(dot(a, a))
	if n == 0 {
		return a
	}
	return scl(a, 1/n)
}
func lerp3(a, b wire.Vec3, t float64) wire.Vec3 {
	return wire.Vec3{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

// newell returns the (unnormalised) normal of a planar polygon, right-handed with its winding.
func newell(p []wire.Vec3) wire.Vec3 {
	var n wire.Vec3
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		n[0] += (a[1] - b[1]) * (a[2] + b[2])
		n[1] += (a[2] - b[2]) * (a[0] + b[0])
		n[2] += (a[0] - b[0]) * (a[1] + b[1])
	}
	return n
}

// cvert is a vertex in camera space with its colour and texture coordinates.
type cvert struct {
	q    wire.Vec3
	c    rgba
	u, v float32
}

// clipNear clips a convex polygon in camera space to z >= near (Sutherland-Hodgman).
func clipNear(in []cvert, out []cvert, near float64) []cvert {
	out = out[:0]
	for i := range in {
		a, b := in[i], in[(i+1)%len(in)]
		ain, bin := a.q[2] >= near, b.q[2] >= near
		if ain {
			out = append(out, a)
		}
		if ain != bin {
			t := (near - a.q[2]) / (b.q[2] - a.q[2])
			tf := float32(t)
			out = append(out, cvert{q: lerp3(a.q, b.q, t), c: a.c.mix(b.c, tf), u: a.u + (b.u-a.u)*tf, v: a.v + (b.v-a.v)*tf})
		}
	}
	return out
}

// batch is a list of screen-space triangles for one DrawTriangles32 call.
type batch struct {
	v   []ebiten.Vertex
	idx []uint32
}

func (b *batch) reset() { b.v, b.idx = b.v[:0], b.idx[:0] }

// fan appends a convex polygon of projected vertices as a triangle fan.
func (b *batch) fan(c *camera, p []cvert, su, sv float32) {
	if len(p) < 3 {
		return
	}
	base := uint32(len(b.v))
	for _, q := range p {
		x, y := c.proj(q.q)
		b.v = append(b.v, ebiten.Vertex{DstX: x, DstY: y, SrcX: su + q.u, SrcY: sv + q.v, ColorR: q.c[0], ColorG: q.c[1], ColorB: q.c[2], ColorA: q.c[3]})
	}
	for i := 2; i < len(p); i++ {
		b.idx = append(b.idx, base, base+uint32(i-1), base+uint32(i))
	}
}

// quad2 appends a screen-space quad (x0,y0)-(x1,y1) with a flat colour.
func (b *batch) rect(x0, y0, x1, y1 float32, c rgba, su, sv float32) {
	base := uint32(len(b.v))
	for _, p := range [4][2]float32{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}} {
		b.v = append(b.v, ebiten.Vertex{DstX: p[0], DstY: p[1], SrcX: su, SrcY: sv, ColorR: c[0], ColorG: c[1], ColorB: c[2], ColorA: c[3]})
	}
	b.idx = append(b.idx, base, base+1, base+2, base, base+2, base+3)
}

// triangulate2 ear-clips a simple polygon (either winding) and returns index triples.
func triangulate2(pg wire.Polygon) [][3]int {
	n := len(pg)
	if n < 3 {
		return nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	area := 0.0
	for i := range pg {
		a, b := pg[i], pg[(i+1)%n]
		area += a[0]*b[1] - b[0]*a[1]
	}
	sign := 1.0
	if area < 0 {
		sign = -1
	}
	var out [][3]int
	guard := 0
	for len(idx) > 3 && guard < 10*n {
		guard++
		found := false
		for i := range idx {
			ia, ib, ic := idx[(i+len(idx)-1)%len(idx)], idx[i], idx[(i+1)%len(idx)]
			a, b, c := pg[ia], pg[ib], pg[ic]
			cr := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
			if cr*sign <= 1e-12 {
				continue
			}
			ear := true
			for _, j := range idx {
				if j == ia || j == ib || j == ic {
					continue
				}
				if inTri(pg[j], a, b, c) {
					ear = false
					break
				}
			}
			if !ear {
				continue
			}
			out = append(out, [3]int{ia, ib, ic})
			idx = append(idx[:i], idx[i+1:]...)
			found = true
			break
		}
		if !found {
			break
		}
	}
	if len(idx) == 3 {
		out = append(out, [3]int{idx[0], idx[1], idx[2]})
	}
	return out
}

func inTri(p, a, b, c wire.Point) bool {
	s := func(p1, p2, p3 wire.Point) float64 {
		return (p1[0]-p3[0])*(p2[1]-p3[1]) - (p2[0]-p3[0])*(p1[1]-p3[1])
	}
	d1, d2, d3 := s(p, a, b), s(p, b, c), s(p, c, a)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}
