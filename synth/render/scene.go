package render

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/trafficsim/trafficsim/sim/wire"
)

var surfaceColors = map[string]rgba{
	"asphalt":  {0.3, 0.3, 0.31, 1},
	"sidewalk": {0.58, 0.55, 0.5, 1},
	"median":   {0.5, 0.5, 0.48, 1},
	"grass":    {0.3, 0.4, 0.2, 1},
	"concrete": {0.55, 0.54, 0.52, 1},
	"ground":   {0.42, 0.4, 0.33, 1},
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
		b.id = rgba{0, 0, 0, 1}
	}
	for i := range b.t.Scene.Props {
		b.prop(i, &b.t.Scene.Props[i])
	}
	for i := range b.t.Scene.Signals {
		s := &b.t.Scene.Signals[i]
		f := facing(s.FacingDeg)
		back := wire.Vec3{s.Position[0] - f[0]*0.45, s.Position[1] - f[1]*0.45, 0}
		it := b.begin(&b.stat, b.depthOf(wire.Vec3{back[0], back[1], s.HeightM}))
		p := pose{c: back, f: wire.Vec3{1, 0, 0}, l: wire.Vec3{0, 1, 0}}
		b.prism(p, 0, 0, 0, s.HeightM+0.9, 0.09, 0.07, 8, rgba{0.35, 0.36, 0.35, 1}, rgba{0.35, 0.36, 0.35, 1})
		b.statItems = append(b.statItems, b.end(it))
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
func (b *builder) signalHead(s *wire.Signal, light wire.Light) {
	if b.mode == IDs {
		b.id = rgba{0, 0, 0, 1}
	}
	f := facing(s.FacingDeg)
	lamps := s.Lamps()
	p := pose{c: wire.Vec3{s.Position[0], s.Position[1], 0}, f: wire.Vec3{f[0], f[1], 0}, l: wire.Vec3{-f[1], f[0], 0}}
	hw := wire.LampRadiusM + 0.08
	top, bot := lamps[0][2]+wire.LampRadiusM+0.12, lamps[2][2]-wire.LampRadiusM-0.12
	housing := rgba{0.08, 0.08, 0.08, 1}
	b.box(p, -0.3, -0.005, -hw, hw, bot, top, housing)
	b.box(p, -0.45, -0.3, -0.05, 0.05, bot+0.2, top-0.2, housing)
	b.xDecal(p, -0.005, -hw-0.06, hw+0.06, bot-0.06, top+0.06, true, rgba{0.12, 0.12, 0.12, 1}, 0)
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

// prop draws a piece of roadside backdrop as static items.
func (b *builder) prop(idx int, pr *wire.Prop) {
	if len(pr.Footprint) < 3 {
		return
	}
	var cx, cy float64
	for _, q := range pr.Footprint {
		cx, cy = cx+q[0]/float64(len(pr.Footprint)), cy+q[1]/float64(len(pr.Footprint))
	}
	rad := 0.0
	for _, q := range pr.Footprint {
		rad = max(rad, math.Hypot(q[0]-cx, q[1]-cy))
	}
	rng := rand.New(rand.NewPCG(b.t.Seed, 0x70726f70^uint64(idx)))
	p := pose{c: wire.Vec3{cx, cy, 0}, f: wire.Vec3{1, 0, 0}, l: wire.Vec3{0, 1, 0}}
	add := func(depthAt wire.Vec3, draw func()) {
		it := b.begin(&b.stat, b.depthOf(depthAt))
		draw()
		b.statItems = append(b.statItems, b.end(it))
	}
	col := rgba{0.62, 0.6, 0.56, 1}
	if pr.Color != "" {
		col = hex(pr.Color)
	}
	switch pr.Kind {
	case "tree":
		h := max(pr.HeightM, 3)
		add(wire.Vec3{cx, cy, h / 2}, func() {
			b.prism(p, 0, 0, 0, 0.45*h, 0.14, 0.11, 6, rgba{0.3, 0.22, 0.15, 1}, rgba{0.3, 0.22, 0.15, 1})
			g := rgba{0.16, 0.3, 0.12, 1}.scale(0.85 + 0.3*rng.Float32())
			r := max(rad, 1.2)
			b.prism(p, 0, 0, 0.4*h, 0.75*h, 0.7*r, r, 8, g, g.scale(1.1))
			b.prism(p, 0, 0, 0.75*h, h, r, 0.45*r, 8, g.scale(1.05), g.scale(1.2))
		})
	case "pole", "streetlight":
		h := max(pr.HeightM, 2)
		grey := rgba{0.4, 0.41, 0.42, 1}
		arm := b.towardRoad(cx, cy)
		lamp := wire.Vec3{cx + arm[0]*1.6, cy + arm[1]*1.6, h - 0.1}
		add(wire.Vec3{cx, cy, h / 2}, func() {
			b.prism(p, 0, 0, 0, h, 0.1, 0.07, 8, grey, grey)
			if pr.Kind == "streetlight" {
				ap := pose{c: wire.Vec3{cx, cy, 0}, f: wire.Vec3{arm[0], arm[1], 0}, l: wire.Vec3{-arm[1], arm[0], 0}}
				b.box(ap, 0, 1.7, -0.04, 0.04, h-0.06, h, grey)
				b.box(ap, 1.2, 1.9, -0.14, 0.14, h-0.16, h-0.02, grey)
				lc, fl := rgba{0.7, 0.7, 0.65, 1}, faceFlag(0)
				if b.env.lightsOn {
					lc, fl = rgba{1, 0.85, 0.6, 1}, emissive
				}
				b.face([]wire.Vec3{ap.at(1.25, -0.12, h-0.17), ap.at(1.85, -0.12, h-0.17), ap.at(1.85, 0.12, h-0.17), ap.at(1.25, 0.12, h-0.17)}, wire.Vec3{0, 0, -1}, lc, fl|noCull)
			}
		})
		if pr.Kind == "streetlight" && b.env.lightsOn && b.mode == Color {
			b.streetGlows = append(b.streetGlows, lamp)
			k := float32(0.45)
			if !b.env.night {
				k = 0.15
			}
			r := 0.55 * h
			b.groundGlowQuad(&b.groundGlow, [4]wire.Vec3{{lamp[0] - r, lamp[1] - r, 0.01}, {lamp[0] + r, lamp[1] - r, 0.01}, {lamp[0] + r, lamp[1] + r, 0.01}, {lamp[0] - r, lamp[1] + r, 0.01}}, rgba{1, 0.8, 0.5, 1}.scale(k))
		}
	default: // building and anything box-like: walls as separate items, then the roof
		h := max(pr.HeightM, 1)
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
			mid := lerp3(wa, wc, 0.5)
			mid[2] = h / 2
			shade := col.scale(0.92 + 0.16*rng.Float32())
			seed := rng.Uint64()
			add(mid, func() {
				b.face([]wire.Vec3{wa, wc, {c[0], c[1], h}, {a[0], a[1], h}}, n, shade, 0)
				if building {
					b.windows(wa, wc, h, n, seed)
				}
			})
		}
		top := make([]wire.Vec3, len(fp))
		for i, q := range fp {
			top[i] = wire.Vec3{q[0], q[1], h}
		}
		add(wire.Vec3{cx, cy, h}, func() {
			for _, t := range triangulate2(fp) {
				b.face([]wire.Vec3{top[t[0]], top[t[1]], top[t[2]]}, wire.Vec3{0, 0, 1}, col.scale(0.8), noCull)
			}
		})
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

// towardRoad is the unit direction from a point to the nearest lane centre point.
func (b *builder) towardRoad(x, y float64) wire.Point {
	best, bd := wire.Point{1, 0}, math.Inf(1)
	for _, l := range b.t.Scene.Lanes {
		for _, q := range l.Center {
			d := math.Hypot(q[0]-x, q[1]-y)
			if d < bd && d > 0 {
				bd, best = d, wire.Point{(q[0] - x) / d, (q[1] - y) / d}
			}
		}
	}
	return best
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
