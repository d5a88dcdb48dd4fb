package render

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// look is the seeded decoration of an object that the truth does not fix (model variant,
// clothes, helmet colours): drawn from the clip seed and the object ID, so frames repeat.
type look struct {
	parts  []shape.Part
	cargo  rgba
	riders []riderLook
}

type riderLook struct {
	shirt, pants, helmet, skin rgba
	fullFace                   bool
}

var (
	shirts  = []rgba{{0.85, 0.85, 0.82, 1}, {0.15, 0.2, 0.35, 1}, {0.55, 0.1, 0.1, 1}, {0.2, 0.35, 0.25, 1}, {0.9, 0.8, 0.6, 1}, {0.3, 0.3, 0.32, 1}, {0.6, 0.75, 0.9, 1}, {0.85, 0.5, 0.6, 1}}
	pants   = []rgba{{0.12, 0.13, 0.18, 1}, {0.25, 0.25, 0.28, 1}, {0.35, 0.3, 0.22, 1}, {0.1, 0.1, 0.1, 1}}
	helmets = []rgba{{0.92, 0.92, 0.9, 1}, {0.8, 0.1, 0.1, 1}, {0.15, 0.3, 0.75, 1}, {0.95, 0.8, 0.1, 1}, {0.08, 0.08, 0.09, 1}, {0.9, 0.5, 0.65, 1}, {0.2, 0.55, 0.3, 1}}
	skins   = []rgba{{0.78, 0.6, 0.47, 1}, {0.7, 0.52, 0.4, 1}, {0.84, 0.68, 0.55, 1}}
	cargos  = []rgba{{0.85, 0.85, 0.85, 1}, {0.2, 0.35, 0.6, 1}, {0.7, 0.65, 0.5, 1}, {0.3, 0.45, 0.3, 1}, {0.65, 0.15, 0.12, 1}}
)

func newLook(seed uint64, o *wire.Object) *look {
	rng := rand.New(rand.NewPCG(seed, 0x6c6f6f6b^uint64(o.ID)))
	l := &look{parts: shape.Parts(o), cargo: cargos[rng.IntN(len(cargos))]}
	for range o.Riders {
		l.riders = append(l.riders, riderLook{
			shirt: shirts[rng.IntN(len(shirts))], pants: pants[rng.IntN(len(pants))],
			helmet: helmets[rng.IntN(len(helmets))], skin: skins[rng.IntN(len(skins))],
			fullFace: rng.IntN(4) == 0,
		})
	}
	return l
}

// pose places local vehicle coordinates (x forward, y left, z up) in the world.
type pose struct {
	c, f, l wire.Vec3
}

func newPose(st *wire.ObjectState) pose {
	h := st.Heading * math.Pi / 180
	return pose{c: wire.Vec3{st.Pos[0], st.Pos[1], 0}, f: wire.Vec3{math.Sin(h), math.Cos(h), 0}, l: wire.Vec3{-math.Cos(h), math.Sin(h), 0}}
}

func (p pose) at(x, y, z float64) wire.Vec3 {
	return wire.Vec3{p.c[0] + p.f[0]*x + p.l[0]*y, p.c[1] + p.f[1]*x + p.l[1]*y, z}
}

func (p pose) dir(x, y, z float64) wire.Vec3 {
	return wire.Vec3{p.f[0]*x + p.l[0]*y, p.f[1]*x + p.l[1]*y, z}
}

// hexa draws a convex hexahedron from 8 local corners (bottom -x-y, +x-y, +x+y, -x+y, then top);
// cols: top, rear, front, right, left (the bottom is never seen from a camera above the road).
func (b *builder) hexa(p pose, c [8][3]float64, cols [5]rgba, fl faceFlag) {
	var w [8]wire.Vec3
	var ctr wire.Vec3
	for i, q := range c {
		w[i] = p.at(q[0], q[1], q[2])
		ctr = add(ctr, scl(w[i], 1.0/8))
	}
	faces := [5][4]int{{4, 5, 6, 7}, {0, 4, 7, 3}, {1, 2, 6, 5}, {0, 1, 5, 4}, {3, 7, 6, 2}}
	var pts [4]wire.Vec3
	for k, f := range faces {
		var fc wire.Vec3
		for j, i := range f {
			pts[j] = w[i]
			fc = add(fc, scl(w[i], 0.25))
		}
		n := norm(newell(pts[:]))
		if dot(n, sub(fc, ctr)) < 0 {
			n = scl(n, -1)
		}
		b.face(pts[:], n, cols[k], fl)
	}
}

func (b *builder) box(p pose, x0, x1, y0, y1, z0, z1 float64, col rgba) {
	b.hexa(p, [8][3]float64{{x0, y0, z0}, {x1, y0, z0}, {x1, y1, z0}, {x0, y1, z0}, {x0, y0, z1}, {x1, y0, z1}, {x1, y1, z1}, {x0, y1, z1}},
		[5]rgba{col, col, col, col, col}, 0)
}

// decal draws a quad given in local coordinates with a local outward normal.
func (b *builder) decal(p pose, q [4][3]float64, n [3]float64, col rgba, fl faceFlag) {
	var pts [4]wire.Vec3
	for i, v := range q {
		pts[i] = p.at(v[0]+n[0]*0.006, v[1]+n[1]*0.006, v[2]+n[2]*0.006)
	}
	b.face(pts[:], norm(p.dir(n[0], n[1], n[2])), col, fl)
}

// frontDecal / rearDecal / sideDecal: rectangles on the planes x = x, y = y.
func (b *builder) xDecal(p pose, x, y0, y1, z0, z1 float64, front bool, col rgba, fl faceFlag) {
	n := [3]float64{1, 0, 0}
	if !front {
		n[0] = -1
	}
	b.decal(p, [4][3]float64{{x, y0, z0}, {x, y1, z0}, {x, y1, z1}, {x, y0, z1}}, n, col, fl)
}

func (b *builder) yDecal(p pose, y, x0, x1, z0, z1 float64, left bool, col rgba, fl faceFlag) {
	n := [3]float64{0, 1, 0}
	if !left {
		n[1] = -1
	}
	b.decal(p, [4][3]float64{{x0, y, z0}, {x1, y, z0}, {x1, y, z1}, {x0, y, z1}}, n, col, fl)
}

// prism draws a vertical k-gon prism (heads, poles, tree crowns).
func (b *builder) prism(p pose, x, y, z0, z1, r0, r1 float64, k int, side, top rgba) {
	ring := func(z, r float64) []wire.Vec3 {
		out := make([]wire.Vec3, k)
		for i := range out {
			a := 2 * math.Pi * (float64(i) + 0.5) / float64(k)
			out[i] = p.at(x+r*math.Cos(a), y+r*math.Sin(a), z)
		}
		return out
	}
	lo, hi := ring(z0, r0), ring(z1, r1)
	ctr := p.at(x, y, (z0+z1)/2)
	for i := 0; i < k; i++ {
		j := (i + 1) % k
		pts := []wire.Vec3{lo[i], lo[j], hi[j], hi[i]}
		fc := scl(add(add(lo[i], lo[j]), add(hi[i], hi[j])), 0.25)
		n := norm(newell(pts))
		if dot(n, sub(fc, ctr)) < 0 {
			n = scl(n, -1)
		}
		b.face(pts, n, side, 0)
	}
	b.face(hi, wire.Vec3{0, 0, 1}, top, 0)
}

var (
	glass     = rgba{0.1, 0.13, 0.17, 1}
	darkTrim  = rgba{0.07, 0.07, 0.08, 1}
	chassis   = rgba{0.16, 0.16, 0.17, 1}
	headOff   = rgba{0.78, 0.8, 0.82, 1}
	headOn    = rgba{1, 0.98, 0.9, 1}
	tailOff   = rgba{0.45, 0.05, 0.05, 1}
	tailOn    = rgba{0.85, 0.1, 0.08, 1}
	brakeOn   = rgba{1, 0.18, 0.12, 1}
	beamColor = rgba{0.55, 0.52, 0.42, 1}
)

// vehicle draws one object at one frame state (the current item is open): the parts of
// synth/shape, coloured, then lamps, windows and plates on their faces.
func (b *builder) vehicle(o *wire.Object, st *wire.ObjectState, lk *look) {
	p := newPose(st)
	body := hex(o.Color)
	if b.mode == IDs {
		b.id = idColor(o.ID, false)
	} else {
		b.shadow(o, p)
	}
	for _, pt := range lk.parts {
		b.part(p, pt, body, lk)
	}
	b.decorate(o, st, p, lk, body)
	if o.HasPlate() {
		if o.HasFrontPlate() {
			b.plate(o, st, true)
		}
		b.plate(o, st, false)
	}
}

var hair = rgba{0.05, 0.04, 0.04, 1}

// part draws one convex part: the hull of its two rings.
func (b *builder) part(p pose, pt shape.Part, body rgba, lk *look) {
	if pt.Name == shape.Wheel {
		b.wheel(p, pt)
		return
	}
	var rl riderLook
	if pt.Rider >= 0 && pt.Rider < len(lk.riders) {
		rl = lk.riders[pt.Rider]
	}
	side, top := body, body
	switch pt.Name {
	case shape.Cabin:
		side = glass
	case shape.Cargo:
		side, top = lk.cargo, lk.cargo.scale(0.95)
	case shape.Chassis, shape.Fender, shape.Seat, shape.Handlebar, shape.Mirror:
		side, top = darkTrim, darkTrim
	case shape.Thigh, shape.Shin:
		side, top = rl.pants, rl.pants
	case shape.Torso, shape.Arm:
		side, top = rl.shirt, rl.shirt
	case shape.Helmet:
		side, top = rl.helmet, rl.helmet.scale(1.08)
	case shape.Face:
		side, top = rl.skin, hair
	case shape.Hair:
		side, top = hair, hair
	}
	w, ctr, k := b.prismSides(p, pt, side, top)
	b.convexFace(w[:k], ctr, side, top)
	b.convexFace(w[k:], ctr, side, top)
}

// prismSides places a part of two rings of k points and draws the k side faces between them; it
// returns the placed points (ring 0 then ring 1) and their centre, for the caps.
func (b *builder) prismSides(p pose, pt shape.Part, side, top rgba) (w []wire.Vec3, ctr wire.Vec3, k int) {
	k = pt.Ring()
	w = make([]wire.Vec3, len(pt.Pts))
	for i, q := range pt.Pts {
		w[i] = p.at(q[0], q[1], q[2])
		ctr = add(ctr, scl(w[i], 1/float64(len(w))))
	}
	quad := make([]wire.Vec3, 4)
	for i := 0; i < k; i++ {
		j := (i + 1) % k
		quad[0], quad[1], quad[2], quad[3] = w[i], w[j], w[k+j], w[k+i]
		b.convexFace(quad, ctr, side, top)
	}
	return w, ctr, k
}

// convexFace draws a face of a convex solid with its normal pointing away from the centre;
// faces looking up take the top colour.
func (b *builder) convexFace(pts []wire.Vec3, ctr wire.Vec3, side, top rgba) {
	var fc wire.Vec3
	for _, q := range pts {
		fc = add(fc, scl(q, 1/float64(len(pts))))
	}
	n := norm(newell(pts))
	if dot(n, sub(fc, ctr)) < 0 {
		n = scl(n, -1)
	}
	c := side
	if n[2] > 0.7 {
		c = top
	}
	b.face(pts, n, c, 0)
}

// wheel draws a wheel part: tyre with hub caps.
func (b *builder) wheel(p pose, pt shape.Part) {
	tire, hub := rgba{0.06, 0.06, 0.065, 1}, rgba{0.45, 0.45, 0.47, 1}
	w, ctr, k := b.prismSides(p, pt, tire, tire)
	for _, ring := range [][]wire.Vec3{w[:k], w[k:]} {
		b.convexFace(ring, ctr, tire, tire)
		if b.mode == Color {
			var rc wire.Vec3
			for _, q := range ring {
				rc = add(rc, scl(q, 1/float64(k)))
			}
			out := norm(sub(rc, ctr))
			h := make([]wire.Vec3, k)
			for i, q := range ring {
				h[i] = add(lerp3(rc, q, 0.55), scl(out, 0.004))
			}
			if dot(out, sub(b.cam.o, rc)) > 0 {
				b.face(h, out, hub, 0)
			}
		}
	}
}

// decorate adds lamps, windows and trim on the parts' faces.
func (b *builder) decorate(o *wire.Object, st *wire.ObjectState, p pose, lk *look, body rgba) {
	find := func(name string) (lo, hi wire.Vec3, ok bool) {
		for _, pt := range lk.parts {
			if pt.Name == name {
				lo, hi = pt.Bounds()
				return lo, hi, true
			}
		}
		return
	}
	W := o.WidthM
	switch o.Class {
	case wire.Car:
		lo, hi, _ := find(shape.Body)
		c, hb := lo[2], hi[2]
		b.xDecal(p, hi[0], -W/2, W/2, c, c+0.14, true, darkTrim, 0)
		b.xDecal(p, lo[0], -W/2, W/2, c, c+0.12, false, darkTrim, 0)
		b.xDecal(p, hi[0], -W/2+0.38, W/2-0.38, hb-0.26, hb-0.1, true, darkTrim, 0)
		if clo, chi, ok := find(shape.Cabin); ok {
			xm := (clo[0] + chi[0]) / 2
			for _, s := range []float64{-1, 1} {
				b.decal(p, [4][3]float64{{xm - 0.06, s * (W/2 - 0.04), hb + 0.02}, {xm + 0.06, s * (W/2 - 0.04), hb + 0.02}, {xm + 0.06, s * (W/2 - 0.13), chi[2] - 0.03}, {xm - 0.06, s * (W/2 - 0.13), chi[2] - 0.03}}, [3]float64{0, s, 0.1}, body.scale(0.9), 0)
			}
		}
		b.lights(p, hi[0], lo[0], W, hb-0.14, hb-0.12, 0.12, 0.28, st.Braking, false)
	case wire.Truck:
		lo, hi, _ := find(shape.Cab)
		top := hi[2]
		b.xDecal(p, hi[0], -W/2+0.12, W/2-0.12, top-0.85, top-0.12, true, glass, 0)
		for _, s := range []float64{-1, 1} {
			b.yDecal(p, s*(W/2-0.02), lo[0]+0.25, hi[0]-0.15, top-0.75, top-0.15, s > 0, glass, 0)
		}
		b.xDecal(p, hi[0], -W/2+0.02, W/2-0.02, lo[2], lo[2]+0.25, true, darkTrim, 0)
		clo, _, _ := find(shape.Cargo)
		b.lights(p, hi[0], clo[0], W, lo[2]+0.4, clo[2]+0.15, 0.16, 0.3, st.Braking, false)
	case wire.Bus:
		lo, hi, _ := find(shape.Body)
		H := hi[2]
		for _, s := range []float64{-1, 1} {
			b.yDecal(p, s*W/2, lo[0]+0.4, hi[0]-0.5, 0.52*H, 0.88*H, s > 0, glass, 0)
			b.yDecal(p, s*W/2, lo[0], hi[0], 0.42*H, 0.47*H, s > 0, rgba{0.92, 0.92, 0.9, 1}, 0)
		}
		b.xDecal(p, hi[0], -W/2+0.1, W/2-0.1, 0.38*H, 0.92*H, true, glass, 0)
		b.xDecal(p, lo[0], -W/2+0.2, W/2-0.2, 0.6*H, 0.9*H, false, glass, 0)
		b.xDecal(p, hi[0], -W/2, W/2, lo[2], lo[2]+0.2, true, darkTrim, 0)
		b.lights(p, hi[0], lo[0], W, lo[2]+0.45, lo[2]+0.6, 0.16, 0.3, st.Braking, false)
	case wire.Motorbike:
		_, shi, ok1 := find(shape.Shield)
		flo, fhi, ok2 := find(shape.Fender)
		if ok1 && ok2 {
			b.lights(p, shi[0], flo[0], 0.18, shi[2]-0.1, fhi[2]-0.2, 0.08, 0.12, st.Braking, true)
		}
	}
	// helmet visors / faces, hair at the back of bare heads
	for _, pt := range lk.parts {
		if pt.Rider < 0 || pt.Rider >= len(lk.riders) {
			continue
		}
		rl := lk.riders[pt.Rider]
		lo, hi := pt.Bounds()
		x, top := (lo[0]+hi[0])/2, hi[2]
		switch {
		case pt.Name == shape.Helmet && hi[2]-lo[2] > 0.1: // the shell, not its crown
			if rl.fullFace {
				b.xDecal(p, x+0.135, -0.09, 0.09, lo[2]+0.08, top-0.02, true, darkTrim, 0)
			} else {
				b.xDecal(p, x+0.13, -0.08, 0.08, lo[2]+0.02, top-0.03, true, rl.skin, 0)
			}
		case pt.Name == shape.Face && hi[2]-lo[2] > 0.1:
			b.xDecal(p, x-0.1, -0.09, 0.09, lo[2]+0.04, top, false, hair, 0)
		}
	}
}

// plate draws a licence plate with its text, in the font of font.go.
func (b *builder) plate(o *wire.Object, st *wire.ObjectState, front bool) {
	cs := o.PlateCorners(*st, front)
	ctr := scl(add(add(cs[0], cs[1]), add(cs[2], cs[3])), 0.25)
	n := norm(newell(cs[:]))
	if dot(n, sub(ctr, wire.Vec3{st.Pos[0], st.Pos[1], ctr[2]})) < 0 {
		n = scl(n, -1)
	}
	if dot(n, sub(b.cam.o, ctr)) <= 0 {
		return
	}
	if b.mode == IDs {
		save := b.id
		b.id = idColor(o.ID, true)
		b.face(cs[:], n, rgba{}, 0)
		b.id = save
		return
	}
	bg, ink := rgba{0.93, 0.93, 0.9, 1}, rgba{0.05, 0.05, 0.06, 1}
	switch o.Plate.Color {
	case "yellow":
		bg = rgba{0.96, 0.78, 0.12, 1}
	case "blue":
		bg, ink = rgba{0.1, 0.22, 0.62, 1}, rgba{0.95, 0.95, 0.95, 1}
	case "red":
		bg, ink = rgba{0.75, 0.1, 0.1, 1}, rgba{0.95, 0.95, 0.95, 1}
	}
	lit := b.env.shade(rgba{1, 1, 1, 1}, n)
	k := max(lit[0], lit[1], lit[2])
	if b.env.lightsOn {
		k = max(k, 0.6) // plates are retro-reflective and lit by the plate lamp
	}
	fl := emissive
	b.face(cs[:], n, bg.scale(min(k, 1.15)), fl|noCull)
	at := func(u, v float64) wire.Vec3 {
		top := lerp3(cs[0], cs[1], u)
		bot := lerp3(cs[3], cs[2], u)
		return add(lerp3(top, bot, v), scl(n, 0.002))
	}
	// too small to hold strokes: a grey band where the text is
	q0, _, _ := b.cam.projPt(cs[0])
	q1, _, _ := b.cam.projPt(cs[1])
	inkC := ink.scale(min(k, 1.15))
	if bg[0] < 0.5 {
		inkC = ink.scale(min(k, 1.1))
	}
	if math.Hypot(float64(q1[0]-q0[0]), float64(q1[1]-q0[1])) < 12 {
		mid := bg.mix(ink, 0.45).scale(min(k, 1.15))
		b.face([]wire.Vec3{at(0.1, 0.25), at(0.9, 0.25), at(0.9, 0.75), at(0.1, 0.75)}, n, mid, fl|noCull)
		return
	}
	// border
	for _, r := range [4][4]float64{{0.02, 0.04, 0.98, 0.1}, {0.02, 0.9, 0.98, 0.96}, {0.02, 0.04, 0.035, 0.96}, {0.965, 0.04, 0.98, 0.96}} {
		b.face([]wire.Vec3{at(r[0], r[1]), at(r[2], r[1]), at(r[2], r[3]), at(r[0], r[3])}, n, inkC, fl|noCull)
	}
	rows := []string{o.Plate.Text}
	if o.Plate.Rows == 2 {
		if i := strings.IndexByte(o.Plate.Text, ' '); i > 0 {
			rows = []string{o.Plate.Text[:i], o.Plate.Text[i+1:]}
		}
	}
	for ri, text := range rows {
		v0, v1 := 0.2, 0.8
		if len(rows) == 2 {
			v0, v1 = 0.13+0.4*float64(ri), 0.47+0.4*float64(ri)
		}
		rs := []rune(text)
		cw := 0.88 / float64(max(len(rs), 1))
		u0 := 0.06
		if len(rows) == 2 {
			cw = min(cw, 0.16)
			u0 = 0.5 - cw*float64(len(rs))/2
		}
		for ci, ch := range rs {
			cu := u0 + cw*float64(ci) + cw*0.1
			gw := cw * 0.8
			for _, rn := range cachedRuns(ch) {
				x0 := cu + gw*float64(rn.c0)/GlyphW
				x1 := cu + gw*float64(rn.c1+1)/GlyphW
				y0 := v0 + (v1-v0)*float64(rn.row)/GlyphH
				y1 := v0 + (v1-v0)*float64(rn.row+1)/GlyphH
				b.face([]wire.Vec3{at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1)}, n, inkC, fl|noCull)
			}
		}
	}
}

// projPt projects a world point; ok is false behind the camera.
func (c *camera) projPt(p wire.Vec3) ([2]float32, float64, bool) {
	q := c.toCam(p)
	if q[2] < wire.NearZ {
		return [2]float32{}, q[2], false
	}
	x, y := c.proj(q)
	return [2]float32{x, y}, q[2], true
}

// shadow is the soft contact shadow under a vehicle.
func (b *builder) shadow(o *wire.Object, p pose) {
	L, W := o.LengthM/2+0.35, o.WidthM/2+0.3
	off := wire.Vec3{0, 0, 0}
	if !b.env.night {
		off = scl(wire.Vec3{-b.env.sunDir[0], -b.env.sunDir[1], 0}, 0.25*o.HeightM)
	}
	c := [4]wire.Vec3{add(p.at(-L, W, 0.01), off), add(p.at(L, W, 0.01), off), add(p.at(L, -W, 0.01), off), add(p.at(-L, -W, 0.01), off)}
	uv := [][2]float32{{glowU0, 0}, {glowU0 + glowN, 0}, {glowU0 + glowN, glowN}, {glowU0, glowN}}
	b.poly(c[:], []rgba{{0, 0, 0, 0.75}}, uv)
}

// lights draws a vehicle's lamps (front at +x, rear at -x) with halos, beams and reflections.
func (b *builder) lights(p pose, xf, xr, W, zf, zr, hLamp, wLamp float64, braking bool, single bool) {
	on := b.env.lightsOn && b.mode == Color
	hc, hf := headOff, faceFlag(0)
	if on {
		hc, hf = headOn, emissive
	}
	tc, tf := tailOff, faceFlag(0)
	switch {
	case braking:
		tc, tf = brakeOn, emissive
	case on:
		tc, tf = tailOn, emissive
	}
	ys := [][2]float64{{W/2 - 0.06 - wLamp, W/2 - 0.06}, {-W/2 + 0.06, -W/2 + 0.06 + wLamp}}
	if single {
		ys = [][2]float64{{-wLamp / 2, wLamp / 2}}
	}
	for _, y := range ys {
		b.xDecal(p, xf, y[0], y[1], zf-hLamp/2, zf+hLamp/2, true, hc, hf)
		b.xDecal(p, xr, y[0], y[1], zr-hLamp/2, zr+hLamp/2, false, tc, tf)
	}
	if b.mode != Color {
		return
	}
	for _, y := range ys {
		yc := (y[0] + y[1]) / 2
		if on {
			hp := p.at(xf+0.05, yc, zf)
			if dot(p.f, sub(b.cam.o, hp)) > 0 {
				b.glowAt(&b.glow, hp, 0.45, 3, rgba{0.9, 0.88, 0.75, 1}, 1)
			}
			if b.env.wet {
				b.glowAt(&b.glowGround, p.at(xf+0.3, yc, -zf), 0.35, 2, rgba{0.35, 0.34, 0.3, 1}, 3)
			}
		}
		if on || braking {
			tp := p.at(xr-0.05, yc, zr)
			k := float32(0.45)
			if braking {
				k = 0.8
			}
			if dot(p.f, sub(b.cam.o, tp)) < 0 {
				b.glowAt(&b.glow, tp, 0.3, 2, rgba{0.9, 0.1, 0.05, 1}.scale(k), 1)
			}
			if b.env.wet {
				b.glowAt(&b.glowGround, p.at(xr-0.3, yc, -zr), 0.3, 2, rgba{0.4, 0.05, 0.03, 1}.scale(k), 3)
			}
		}
	}
	if on {
		k := float32(0.5)
		if !b.env.night {
			k = 0.2
		}
		hw := W / 2
		if single {
			hw = 0.4
		}
		beam := [4]wire.Vec3{p.at(xf+0.3, hw, 0.01), p.at(xf+0.3, -hw, 0.01), p.at(xf+16, -hw-2.5, 0.01), p.at(xf+16, hw+2.5, 0.01)}
		b.groundGlowQuad(&b.glowGround, beam, beamColor.scale(k))
	}
}
