package render

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

var surfaceColors = map[string]rgba{
	"asphalt":  {0.3, 0.3, 0.31, 1},
	"sidewalk": {0.58, 0.55, 0.5, 1},
	"median":   {0.5, 0.5, 0.48, 1},
	"grass":    {0.3, 0.4, 0.2, 1},
	"concrete": {0.55, 0.54, 0.52, 1},
	"ground":   {0.36, 0.4, 0.27, 1},
}

// hash2 is a cheap deterministic texture value in [-1, 1] for a road-plane point.
func hash2(x, y float64) float32 {
	h := uint64(int64(math.Floor(x*7.3)))*0x9E3779B97F4A7C15 ^ uint64(int64(math.Floor(y*7.3)))*0xC2B2AE3D27D4EB4F
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return float32(h&0xffff)/32768 - 1
}

// groundTri draws a road-plane triangle, split until its pieces are small against their depth
// (so haze and texture vary per vertex and near-plane clipping stays local).
func (b *builder) groundTri(a, c, d wire.Vec3, col rgba, jitter float32, level int) {
	l := max(dist(a, c), dist(c, d), dist(d, a))
	near := min(dist(a, b.cam.o), dist(c, b.cam.o), dist(d, b.cam.o))
	if level < 8 && l > max(2.5, 0.3*near) {
		ac, cd, da := lerp3(a, c, 0.5), lerp3(c, d, 0.5), lerp3(d, a, 0.5)
		b.groundTri(a, ac, da, col, jitter, level+1)
		b.groundTri(ac, c, cd, col, jitter, level+1)
		b.groundTri(da, cd, d, col, jitter, level+1)
		b.groundTri(ac, cd, da, col, jitter, level+1)
		return
	}
	up := wire.Vec3{0, 0, 1}
	base := b.env.shade(col, up)
	if b.env.wet && col == surfaceColors["asphalt"] {
		base = base.mul(rgba{0.62, 0.64, 0.7, 1})
	}
	cols := make([]rgba, 3)
	for i, p := range [3]wire.Vec3{a, c, d} {
		cols[i] = base.scale(1 + jitter*hash2(p[0], p[1]))
	}
	b.poly([]wire.Vec3{a, c, d}, cols, nil)
}

func dist(a, b wire.Vec3) float64 {
	d := sub(a, b)
	return math.Sqrt(dot(d, d))
}

// groundPoly fills a road-plane polygon.
func (b *builder) groundPoly(pg wire.Polygon, z float64, col rgba, jitter float32) {
	for _, t := range triangulate2(pg) {
		b.groundTri(wire.Vec3{pg[t[0]][0], pg[t[0]][1], z}, wire.Vec3{pg[t[1]][0], pg[t[1]][1], z}, wire.Vec3{pg[t[2]][0], pg[t[2]][1], z}, col, jitter, 0)
	}
}

// strip draws a painted band of width w along a-b.
func (b *builder) strip(a, c wire.Point, w float64, col rgba) {
	dx, dy := c[0]-a[0], c[1]-a[1]
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	nx, ny := -dy/n*w/2, dx/n*w/2
	b.groundPoly(wire.Polygon{{a[0] + nx, a[1] + ny}, {c[0] + nx, c[1] + ny}, {c[0] - nx, c[1] - ny}, {a[0] - nx, a[1] - ny}}, 0.005, col, 0.03)
}

func paint(color string) rgba {
	if color == "yellow" {
		return rgba{0.85, 0.68, 0.15, 1}
	}
	return rgba{0.86, 0.86, 0.84, 1}
}

// marking draws a painted line (solid, dashed or double).
func (b *builder) marking(m wire.Marking) {
	col := paint(m.Color)
	w := m.WidthM
	if w <= 0 {
		w = 0.15
	}
	for i := 0; i+1 < len(m.Points); i++ {
		a, c := m.Points[i], m.Points[i+1]
		switch m.Kind {
		case "dashed":
			l := math.Hypot(c[0]-a[0], c[1]-a[1])
			for s := 0.0; s < l; s += 6 {
				e := min(s+3, l)
				b.strip(lerp2(a, c, s/l), lerp2(a, c, e/l), w, col)
			}
		case "double":
			dx, dy := c[0]-a[0], c[1]-a[1]
			n := math.Hypot(dx, dy)
			if n == 0 {
				continue
			}
			ox, oy := -dy/n*w, dx/n*w
			b.strip(wire.Point{a[0] + ox, a[1] + oy}, wire.Point{c[0] + ox, c[1] + oy}, w, col)
			b.strip(wire.Point{a[0] - ox, a[1] - oy}, wire.Point{c[0] - ox, c[1] - oy}, w, col)
		default:
			b.strip(a, c, w, col)
		}
	}
}

func lerp2(a, c wire.Point, t float64) wire.Point {
	return wire.Point{a[0] + (c[0]-a[0])*t, a[1] + (c[1]-a[1])*t}
}

// crosswalk draws zebra stripes across the polygon's longer axis.
func (b *builder) crosswalk(pg wire.Polygon) {
	if len(pg) < 4 {
		b.groundPoly(pg, 0.005, paint("white"), 0.03)
		return
	}
	p0, p1, p3 := pg[0], pg[1], pg[3]
	la, lb := math.Hypot(p1[0]-p0[0], p1[1]-p0[1]), math.Hypot(p3[0]-p0[0], p3[1]-p0[1])
	at := func(u, v float64) wire.Point { // u along p0->p1, v along p0->p3
		return wire.Point{p0[0] + (p1[0]-p0[0])*u + (p3[0]-p0[0])*v, p0[1] + (p1[1]-p0[1])*u + (p3[1]-p0[1])*v}
	}
	if min(la, lb) <= 1 { // already one stripe
		b.groundPoly(pg, 0.005, paint("white"), 0.03)
		return
	}
	long, swap := la, false
	if lb > la {
		long, swap = lb, true
	}
	for s := 0.25; s+0.5 <= long; s += 1.0 {
		t0, t1 := s/long, (s+0.5)/long
		var q wire.Polygon
		if swap {
			q = wire.Polygon{at(0, t0), at(1, t0), at(1, t1), at(0, t1)}
		} else {
			q = wire.Polygon{at(t0, 0), at(t1, 0), at(t1, 1), at(t0, 1)}
		}
		b.groundPoly(q, 0.005, paint("white"), 0.03)
	}
}

// buildStatic draws the parts of the picture that do not move: sky, ground, paint, props.
func (b *builder) buildStatic() {
	b.ground.reset()
	b.stat.reset()
	b.groundGlow.reset()
	b.statItems = b.statItems[:0]
	if b.mode == Color {
		b.cur = &b.ground
		b.sky()
		o := b.cam.o
		const far = 500
		b.groundPoly(wire.Polygon{{o[0] - far, o[1] - far}, {o[0] + far, o[1] - far}, {o[0] + far, o[1] + far}, {o[0] - far, o[1] + far}}, 0, surfaceColors["ground"], 0.08)
		b.skyline()
		sc := &b.t.Scene
		hasSidewalk := false
		for _, s := range sc.Surfaces {
			c, ok := surfaceColors[s.Kind]
			if !ok {
				c = surfaceColors["concrete"]
			}
			hasSidewalk = hasSidewalk || s.Kind == "sidewalk"
			b.groundPoly(s.Polygon, 0, c, 0.07)
		}
		if !hasSidewalk {
			for _, z := range sc.Sidewalks {
				b.groundPoly(z.Polygon, 0, surfaceColors["sidewalk"], 0.07)
			}
		}
		for _, z := range sc.Sidewalks { // kerb
			for i := range z.Polygon {
				b.strip(z.Polygon[i], z.Polygon[(i+1)%len(z.Polygon)], 0.18, rgba{0.72, 0.71, 0.68, 1})
			}
		}
		for _, m := range sc.Markings {
			b.marking(m)
		}
		for _, s := range sc.StopLines {
			b.strip(s.A, s.B, 0.4, paint("white"))
		}
		for _, c := range sc.Crosswalks {
			b.crosswalk(c)
		}
	}
	if b.mode == IDs {
		b.id = sceneryID
	}
	b.sceneryStatic()
}

// skyline puts seeded tree clumps and low buildings far beyond the scene (300-450 m), hazed
// into the horizon: pure backdrop, farther than anything the truth describes.
func (b *builder) skyline() {
	rng := rand.New(rand.NewPCG(b.t.Seed, 0x736b79))
	o := b.cam.o
	pan := math.Atan2(b.cam.f[0], b.cam.f[1])
	for a := -1.2; a < 1.2; a += 0.012 + 0.02*rng.Float64() {
		d := 300 + 150*rng.Float64()
		x, y := o[0]+d*math.Sin(pan+a), o[1]+d*math.Cos(pan+a)
		p := pose{c: wire.Vec3{x, y, 0}, f: wire.Vec3{math.Cos(pan + a), -math.Sin(pan + a), 0}, l: wire.Vec3{math.Sin(pan + a), math.Cos(pan + a), 0}}
		if rng.IntN(3) == 0 {
			c := rgba{0.55, 0.57, 0.6, 1}.scale(0.8 + 0.3*rng.Float32())
			w, dd, h := 10+25*rng.Float64(), 10+15*rng.Float64(), 8+25*rng.Float64()
			b.box(p, -w/2, w/2, -dd/2, dd/2, 0, h, c)
		} else {
			g := rgba{0.2, 0.32, 0.16, 1}.scale(0.8 + 0.3*rng.Float32())
			r, h := 4+6*rng.Float64(), 7+8*rng.Float64()
			b.prism(p, 0, 0, 0, 0.7*h, r, r, 7, g, g)
			b.prism(p, 0, 0, 0.7*h, h, r, 0.4*r, 7, g, g.scale(1.1))
		}
	}
}

// sky fills the picture with a gradient from the zenith to the horizon line.
func (b *builder) sky() {
	yh := b.cam.cy - b.cam.fpx*math.Tan(math.Asin(-b.cam.f[2]))
	h := float64(b.cam.h)
	col := func(y float64) rgba {
		t := (y - (yh - 1.2*h)) / (1.2 * h)
		return b.env.skyTop.mix(b.env.skyHorizon, float32(min(max(t, 0), 1)))
	}
	const n = 16
	w := float32(b.cam.w)
	for i := 0; i < n; i++ {
		y0, y1 := h*float64(i)/n, h*float64(i+1)/n
		c0, c1 := col(y0), col(y1)
		base := uint32(len(b.ground.v))
		b.ground.rect(0, float32(y0), w, float32(y1), c0, whiteU, whiteU)
		b.ground.v[base+2].ColorR, b.ground.v[base+2].ColorG, b.ground.v[base+2].ColorB = c1[0], c1[1], c1[2]
		b.ground.v[base+3].ColorR, b.ground.v[base+3].ColorG, b.ground.v[base+3].ColorB = c1[0], c1[1], c1[2]
	}
}

func facing(deg float64) wire.Point {
	a := deg * math.Pi / 180
	return wire.Point{math.Sin(a), math.Cos(a)}
}

// signalHead draws a signal's housing and lamps, lit as the frame says.
func (b *builder) signalHead(si int, s *wire.Signal, light wire.Light) {
	if b.mode == IDs {
		b.id = sceneryID
	}
	f, _, _ := shape.SignalHead(*s)
	lamps := s.Lamps()
	p := pose{c: wire.Vec3{s.Position[0], s.Position[1], 0}, f: wire.Vec3{f[0], f[1], 0}, l: wire.Vec3{-f[1], f[0], 0}}
	var head []shape.Occluder
	for _, o := range b.occ {
		if o.Signal == si && o.Name != shape.Pole {
			head = append(head, o)
		}
	}
	centre := func(o shape.Occluder) float64 {
		var c wire.Vec3
		for _, q := range o.Pts {
			c = add(c, scl(q, 1/float64(len(o.Pts))))
		}
		return b.depthOf(c)
	}
	sort.Slice(head, func(i, j int) bool { return centre(head[i]) > centre(head[j]) })
	for _, o := range head {
		c := rgba{0.08, 0.08, 0.08, 1}
		if o.Name == shape.Backplate {
			c = rgba{0.12, 0.12, 0.12, 1}
		}
		b.solid(o.Pts, c, c)
	}
	cols := [3]rgba{{1, 0.12, 0.08, 1}, {1, 0.68, 0.08, 1}, {0.2, 1, 0.55, 1}}
	states := [3]wire.Light{wire.Red, wire.Amber, wire.Green}
	for i, c := range lamps {
		lit := light == states[i]
		col, fl := cols[i].scale(0.16), faceFlag(0)
		if lit {
			col, fl = cols[i], emissive
		}
		const k = 12
		pts := make([]wire.Vec3, k)
		for j := range pts {
			a := 2 * math.Pi * float64(j) / k
			pts[j] = p.at(0.004, wire.LampRadiusM*math.Cos(a), c[2]+wire.LampRadiusM*math.Sin(a))
		}
		b.face(pts, norm(p.f), col, fl)
		if lit && b.mode == Color && dot(p.f, sub(b.cam.o, c)) > 0 {
			k := float32(0.5)
			if b.env.lightsOn {
				k = 0.9
			}
			b.glowAt(&b.glow, add(c, scl(p.f, 0.05)), 0.5, 3, cols[i].scale(k), 1)
		}
	}
}

// solid draws a convex world-space solid given as two rings (a shape.Occluder's points).
func (b *builder) solid(pts []wire.Vec3, side, top rgba) {
	k := len(pts) / 2
	var ctr wire.Vec3
	for _, q := range pts {
		ctr = add(ctr, scl(q, 1/float64(len(pts))))
	}
	quad := make([]wire.Vec3, 4)
	for i := 0; i < k; i++ {
		j := (i + 1) % k
		quad[0], quad[1], quad[2], quad[3] = pts[i], pts[j], pts[k+j], pts[k+i]
		b.convexFace(quad, ctr, side, top)
	}
	b.convexFace(pts[:k], ctr, side, top)
	b.convexFace(pts[k:], ctr, side, top)
}

// scenery draws the static groups of shape.Scenery (props and signal poles) as static items,
// one item per group ordered by its anchor, as the world orders them.
func (b *builder) sceneryStatic() {
	sc := &b.t.Scene
	for g0 := 0; g0 < len(b.occ); {
		g1 := g0
		for g1 < len(b.occ) && b.occ[g1].Group == b.occ[g0].Group {
			g1++
		}
		grp := b.occ[g0:g1]
		g0 = g1
		if grp[0].Prop < 0 && grp[0].Name != shape.Pole {
			continue // signal heads are drawn per frame
		}
		it := b.begin(&b.stat, b.depthOf(grp[0].Anchor))
		if grp[0].Prop >= 0 {
			b.prop(grp[0].Prop, &sc.Props[grp[0].Prop], grp)
		} else {
			grey := rgba{0.35, 0.36, 0.35, 1}
			b.solid(grp[0].Pts, grey, grey)
		}
		b.statItems = append(b.statItems, b.end(it))
	}
}

// prop draws a piece of roadside backdrop from its occluder pieces, with its decoration.
func (b *builder) prop(idx int, pr *wire.Prop, grp []shape.Occluder) {
	rng := rand.New(rand.NewPCG(b.t.Seed, 0x70726f70^uint64(idx)))
	col := rgba{0.62, 0.6, 0.56, 1}
	if pr.Color != "" {
		col = hex(pr.Color)
	}
	h := shape.PropHeight(*pr)
	grey := rgba{0.4, 0.41, 0.42, 1}
	switch pr.Kind {
	case "tree":
		g := rgba{0.16, 0.3, 0.12, 1}.scale(0.85 + 0.3*rng.Float32())
		for k, o := range grp {
			switch o.Name {
			case shape.Trunk:
				b.solid(o.Pts, rgba{0.3, 0.22, 0.15, 1}, rgba{0.3, 0.22, 0.15, 1})
			default:
				c := g.scale(1 + 0.05*float32(k))
				b.solid(o.Pts, c, c.scale(1.12))
			}
		}
	case "pole", "streetlight":
		for _, o := range grp {
			b.solid(o.Pts, grey, grey)
			if o.Name != shape.LampHead {
				continue
			}
			lc, fl := rgba{0.7, 0.7, 0.65, 1}, faceFlag(0)
			if b.env.lightsOn {
				lc, fl = rgba{1, 0.85, 0.6, 1}, emissive
			}
			// the lamp's glass under the head: the bottom ring, just below it
			k := len(o.Pts) / 2
			glassPts := make([]wire.Vec3, k)
			var c wire.Vec3
			for i, q := range o.Pts[:k] {
				glassPts[i] = wire.Vec3{q[0], q[1], q[2] - 0.005}
				c = add(c, scl(q, 1/float64(k)))
			}
			b.face(glassPts, wire.Vec3{0, 0, -1}, lc, fl|noCull)
			if b.env.lightsOn && b.mode == Color {
				lamp := wire.Vec3{c[0], c[1], c[2] + 0.07}
				b.streetGlows = append(b.streetGlows, lamp)
				kk := float32(0.45)
				if !b.env.night {
					kk = 0.15
				}
				r := 0.55 * h
				b.groundGlowQuad(&b.groundGlow, [4]wire.Vec3{{lamp[0] - r, lamp[1] - r, 0.01}, {lamp[0] + r, lamp[1] - r, 0.01}, {lamp[0] + r, lamp[1] + r, 0.01}, {lamp[0] - r, lamp[1] + r, 0.01}}, rgba{1, 0.8, 0.5, 1}.scale(kk))
			}
		}
	default: // building and anything box-like: its footprint extruded, windows on the walls
		fp := pr.Footprint
		area := 0.0
		for i := range fp {
			a, c := fp[i], fp[(i+1)%len(fp)]
			area += a[0]*c[1] - c[0]*a[1]
		}
		building := pr.Kind == "building"
		for i := range fp {
			a, c := fp[i], fp[(i+1)%len(fp)]
			n := norm(wire.Vec3{c[1] - a[1], -(c[0] - a[0]), 0})
			if area < 0 {
				n = scl(n, -1)
			}
			wa, wc := wire.Vec3{a[0], a[1], 0}, wire.Vec3{c[0], c[1], 0}
			shade := col.scale(0.92 + 0.16*rng.Float32())
			seed := rng.Uint64()
			b.face([]wire.Vec3{wa, wc, {c[0], c[1], h}, {a[0], a[1], h}}, n, shade, 0)
			if building && dot(n, sub(b.cam.o, wa)) > 0 {
				b.windows(wa, wc, h, n, seed)
			}
		}
		top := make([]wire.Vec3, len(fp))
		for i, q := range fp {
			top[i] = wire.Vec3{q[0], q[1], h}
		}
		for _, t := range triangulate2(fp) {
			b.face([]wire.Vec3{top[t[0]], top[t[1]], top[t[2]]}, wire.Vec3{0, 0, 1}, col.scale(0.8), noCull)
		}
	}
}

// windows draws a grid of windows on a wall (lit at random after dark), and a shop front.
func (b *builder) windows(a, c wire.Vec3, h float64, n wire.Vec3, seed uint64) {
	if b.mode == IDs {
		return
	}
	rng := rand.New(rand.NewPCG(seed, 0x77696e))
	l := dist(a, c)
	off := scl(n, 0.02)
	at := func(u, z float64) wire.Vec3 { p := lerp3(a, c, u/l); p[2] = z; return add(p, off) }
	// ground-floor shop front: dark glass with a coloured sign above
	if l > 3 && h > 4 {
		b.face([]wire.Vec3{at(0.4, 0.1), at(l-0.4, 0.1), at(l-0.4, 2.6), at(0.4, 2.6)}, n, rgba{0.12, 0.12, 0.13, 1}, 0)
		signs := []rgba{{0.75, 0.15, 0.12, 1}, {0.15, 0.35, 0.7, 1}, {0.9, 0.75, 0.2, 1}, {0.2, 0.55, 0.3, 1}}
		sc, fl := signs[rng.IntN(len(signs))], faceFlag(0)
		if b.env.lightsOn {
			fl = emissive
			sc = sc.scale(0.8)
		}
		b.face([]wire.Vec3{at(0.5, 2.75), at(l-0.5, 2.75), at(l-0.5, 3.3), at(0.5, 3.3)}, n, sc, fl)
	}
	for z := 4.0; z+1.6 < h; z += 3.2 {
		for u := 1.0; u+1.3 < l; u += 2.6 {
			col, fl := rgba{0.2, 0.24, 0.28, 1}, faceFlag(0)
			if b.env.lightsOn && rng.IntN(3) == 0 {
				col, fl = rgba{0.95, 0.8, 0.5, 1}.scale(0.75+0.25*rng.Float32()), emissive
			}
			b.face([]wire.Vec3{at(u, z), at(u+1.3, z), at(u+1.3, z+1.5), at(u, z+1.5)}, n, col, fl)
		}
	}
}

// overlay draws the camera's clock and id like a camera's on-screen display.
func (b *builder) overlay(i int) {
	t := b.start.Add(time.Duration(float64(i) / b.t.FPS * float64(time.Second)))
	s := float32(max(2, b.cam.h/240))
	b.text(t.Format("2006-01-02 15:04:05"), 12, 10, s)
	id := b.t.Camera
	if id != "" {
		w := float32(len([]rune(id))) * 6 * s
		b.text(id, float32(b.cam.w)-w-12, float32(b.cam.h)-10-7*s, s)
	}
}

// text draws white text with a dark shadow at screen position (x, y), s pixels per font cell.
func (b *builder) text(str string, x, y, s float32) {
	b.glowBoxes = append(b.glowBoxes, [4]float32{x, y, x + float32(len([]rune(str)))*6*s + s, y + 8*s})
	for pass := 0; pass < 2; pass++ {
		c, d := rgba{0, 0, 0, 0.75}, s*0.5
		if pass == 1 {
			c, d = rgba{1, 1, 1, 1}, 0
		}
		for ci, ch := range []rune(str) {
			x0 := x + float32(ci)*6*s + d
			for _, r := range cachedRuns(ch) {
				b.osd.rect(x0+float32(r.c0)*s, y+d+float32(r.row)*s, x0+float32(r.c1+1)*s, y+d+float32(r.row+1)*s, c, whiteU, whiteU)
			}
		}
	}
}
