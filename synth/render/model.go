package render

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/trafficsim/trafficsim/sim/wire"
)

// look is the seeded decoration of an object that the truth does not fix (model variant,
// clothes, helmet colours): drawn from the clip seed and the object ID, so frames repeat.
type look struct {
	variant int
	cargo   rgba
	riders  []riderLook
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
	l := &look{variant: rng.IntN(3), cargo: cargos[rng.IntN(len(cargos))]}
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

// wheel draws an octagonal wheel with its axle across the vehicle.
func (b *builder) wheel(p pose, x, yc, halfW, r float64) {
	const k = 8
	tire, hub := rgba{0.06, 0.06, 0.065, 1}, rgba{0.45, 0.45, 0.47, 1}
	var in, out [k]wire.Vec3
	var hubIn, hubOut [k]wire.Vec3
	for i := 0; i < k; i++ {
		a := 2 * math.Pi * (float64(i) + 0.5) / k
		dx, dz := r*math.Cos(a), r+r*math.Sin(a)
		in[i] = p.at(x+dx, yc-halfW, dz)
		out[i] = p.at(x+dx, yc+halfW, dz)
		hubIn[i] = p.at(x+0.55*dx, yc-halfW-0.004, r+0.55*r*math.Sin(a))
		hubOut[i] = p.at(x+0.55*dx, yc+halfW+0.004, r+0.55*r*math.Sin(a))
	}
	ctr := p.at(x, yc, r)
	for i := 0; i < k; i++ {
		j := (i + 1) % k
		pts := []wire.Vec3{in[i], in[j], out[j], out[i]}
		fc := scl(add(add(in[i], in[j]), add(out[i], out[j])), 0.25)
		n := norm(newell(pts))
		if dot(n, sub(fc, ctr)) < 0 {
			n = scl(n, -1)
		}
		b.face(pts, n, tire, 0)
	}
	nl := norm(p.dir(0, 1, 0))
	b.face(out[:], nl, tire, 0)
	b.face(hubOut[:], nl, hub, 0)
	b.face(in[:], scl(nl, -1), tire, 0)
	b.face(hubIn[:], scl(nl, -1), hub, 0)
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

// vehicle draws one object at one frame state (the current item is open).
func (b *builder) vehicle(o *wire.Object, st *wire.ObjectState, lk *look) {
	p := newPose(st)
	body := hex(o.Color)
	if b.mode == IDs {
		b.id = idColor(o.ID, false)
	} else {
		b.shadow(o, p)
	}
	L, W, H := o.LengthM, o.WidthM, o.HeightM
	switch o.Class {
	case wire.Motorbike, wire.Bicycle:
		b.twoWheeler(o, st, p, lk, body)
	case wire.Truck:
		b.truck(p, L, W, H, body, lk, st)
	case wire.Bus:
		b.bus(p, L, W, H, body, st)
	default:
		b.car(p, L, W, H, body, lk, st)
	}
	if o.HasPlate() {
		if o.HasFrontPlate() {
			b.plate(o, st, true)
		}
		b.plate(o, st, false)
	}
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

func (b *builder) car(p pose, L, W, H float64, body rgba, lk *look, st *wire.ObjectState) {
	c := 0.16
	hb := min(max(0.52*H, 0.62), 1.0)
	r := min(0.33, 0.42*hb)
	xa := L/2 - max(0.75, 0.2*L)
	for _, x := range []float64{xa, -xa} {
		b.wheel(p, x, W/2-0.13, 0.12, r)
		b.wheel(p, x, -W/2+0.13, 0.12, r)
	}
	b.box(p, -L/2, L/2, -W/2, W/2, c, hb, body)
	// bumpers
	b.xDecal(p, L/2, -W/2, W/2, c, c+0.14, true, darkTrim, 0)
	b.xDecal(p, -L/2, -W/2, W/2, c, c+0.12, false, darkTrim, 0)
	b.xDecal(p, L/2, -W/2+0.38, W/2-0.38, hb-0.26, hb-0.1, true, darkTrim, 0)
	var cab [4]float64 // bottom x0, x1, top x0, x1 (fractions of L)
	switch lk.variant {
	case 0:
		cab = [4]float64{-0.36, 0.2, -0.24, 0.03}
	case 1:
		cab = [4]float64{-0.47, 0.17, -0.44, 0.0}
	default:
		cab = [4]float64{-0.49, 0.22, -0.47, 0.08}
	}
	yb, yt := W/2-0.04, W/2-0.13
	cc := [8][3]float64{
		{cab[0] * L, -yb, hb}, {cab[1] * L, -yb, hb}, {cab[1] * L, yb, hb}, {cab[0] * L, yb, hb},
		{cab[2] * L, -yt, H}, {cab[3] * L, -yt, H}, {cab[3] * L, yt, H}, {cab[2] * L, yt, H},
	}
	b.hexa(p, cc, [5]rgba{body, glass, glass, glass, glass}, 0)
	// pillars between the side windows
	xm := (cab[0] + cab[1] + cab[2] + cab[3]) / 4 * L
	for _, s := range []float64{-1, 1} {
		y := s * (yb + yt) / 2
		b.decal(p, [4][3]float64{{xm - 0.06, s * yb, hb + 0.02}, {xm + 0.06, s * yb, hb + 0.02}, {xm + 0.06, s * yt, H - 0.03}, {xm - 0.06, s * yt, H - 0.03}}, [3]float64{0, s, 0.1}, body.scale(0.9), 0)
		_ = y
	}
	b.lights(p, L/2, -L/2, W, hb-0.14, hb-0.12, 0.12, 0.28, st.Braking, false)
}

func (b *builder) truck(p pose, L, W, H float64, body rgba, lk *look, st *wire.ObjectState) {
	cabL := min(max(0.24*L, 1.6), 2.4)
	cabTop := 0.85 * H
	r := 0.45
	b.wheel(p, L/2-cabL/2, W/2-0.18, 0.16, r)
	b.wheel(p, L/2-cabL/2, -W/2+0.18, 0.16, r)
	for _, x := range []float64{-L/2 + 0.22*L, -L/2 + 0.22*L + 1.05} {
		b.wheel(p, x, W/2-0.2, 0.18, r)
		b.wheel(p, x, -W/2+0.2, 0.18, r)
	}
	b.box(p, -L/2+0.1, L/2-cabL, -W/2+0.2, W/2-0.2, 0.5, 1.0, chassis)
	b.box(p, -L/2, L/2-cabL-0.12, -W/2, W/2, 1.0, H, lk.cargo)
	b.box(p, L/2-cabL, L/2, -W/2+0.02, W/2-0.02, 0.45, cabTop, body)
	b.xDecal(p, L/2, -W/2+0.12, W/2-0.12, cabTop-0.85, cabTop-0.12, true, glass, 0)
	for _, s := range []float64{-1, 1} {
		b.yDecal(p, s*(W/2-0.02), L/2-cabL+0.25, L/2-0.15, cabTop-0.75, cabTop-0.15, s > 0, glass, 0)
	}
	b.xDecal(p, L/2, -W/2+0.02, W/2-0.02, 0.45, 0.7, true, darkTrim, 0)
	b.lights(p, L/2, -L/2, W, 0.85, 1.15, 0.16, 0.3, st.Braking, false)
}

func (b *builder) bus(p pose, L, W, H float64, body rgba, st *wire.ObjectState) {
	r := 0.5
	for _, x := range []float64{L/2 - 0.22*L, -L/2 + 0.25*L} {
		b.wheel(p, x, W/2-0.2, 0.17, r)
		b.wheel(p, x, -W/2+0.2, 0.17, r)
	}
	b.box(p, -L/2, L/2, -W/2, W/2, 0.3, H, body)
	for _, s := range []float64{-1, 1} {
		b.yDecal(p, s*W/2, -L/2+0.4, L/2-0.5, 0.52*H, 0.88*H, s > 0, glass, 0)
		b.yDecal(p, s*W/2, -L/2, L/2, 0.42*H, 0.47*H, s > 0, rgba{0.92, 0.92, 0.9, 1}, 0)
	}
	b.xDecal(p, L/2, -W/2+0.1, W/2-0.1, 0.38*H, 0.92*H, true, glass, 0)
	b.xDecal(p, -L/2, -W/2+0.2, W/2-0.2, 0.6*H, 0.9*H, false, glass, 0)
	b.xDecal(p, L/2, -W/2, W/2, 0.3, 0.5, true, darkTrim, 0)
	b.lights(p, L/2, -L/2, W, 0.75, 0.9, 0.16, 0.3, st.Braking, false)
}

// twoWheeler draws a motorbike (scooter) or bicycle with its riders; the driver's head reaches
// the cuboid's top, the handlebar its width.
func (b *builder) twoWheeler(o *wire.Object, st *wire.ObjectState, p pose, lk *look, body rgba) {
	L, W, H := o.LengthM, o.WidthM, o.HeightM
	bike := o.Class == wire.Bicycle
	r := 0.29
	if bike {
		r = 0.33
	}
	hw := 0.055
	if bike {
		hw = 0.025
	}
	b.wheel(p, L/2-r, 0, hw, r)
	b.wheel(p, -L/2+r, 0, hw, r)
	seatZ := min(0.8, 0.48*H)
	barX, barZ := 0.3*L, seatZ+0.2
	if bike {
		b.box(p, -L/2+r, L/2-r, -0.03, 0.03, r, r+0.08, body)
		b.box(p, -0.12*L, -0.05*L, -0.03, 0.03, r, seatZ-0.04, body)
		b.box(p, L/2-r-0.05, L/2-r+0.03, -0.03, 0.03, r, barZ, body)
		b.box(p, -0.18*L, 0.0, -0.08, 0.08, seatZ-0.06, seatZ, darkTrim)
	} else {
		b.box(p, -0.3*L, 0.2*L, -0.17, 0.17, 0.34, seatZ-0.07, body)
		b.box(p, -L/2+0.02, -0.28*L, -0.09, 0.09, 0.55, 0.86, darkTrim)
		b.box(p, 0.2*L, 0.31*L, -0.2, 0.2, 0.3, barZ-0.04, body)
		b.box(p, -0.3*L, 0.04*L, -0.15, 0.15, seatZ-0.07, seatZ, darkTrim)
		b.lights(p, 0.31*L, -L/2+0.02, 0.18, barZ-0.12, 0.64, 0.08, 0.12, st.Braking, true)
	}
	// handlebar with grips reaching the cuboid's width, mirrors above
	b.box(p, barX-0.03, barX+0.03, -W/2+0.02, W/2-0.02, barZ-0.03, barZ+0.02, darkTrim)
	if !bike {
		for _, s := range []float64{-1, 1} {
			y := s * (W/2 - 0.1)
			b.box(p, barX-0.01, barX+0.01, y-0.01, y+0.01, barZ, barZ+0.22, darkTrim)
			b.box(p, barX-0.02, barX+0.02, y-0.06, y+0.06, barZ+0.2, barZ+0.27, darkTrim)
		}
	}
	for k := range o.Riders {
		var rl riderLook
		if k < len(lk.riders) {
			rl = lk.riders[k]
		}
		x := 0.04*L - float64(k)*0.3
		top := H - 0.035*float64(k)
		b.rider(p, x, seatZ, top, barX, barZ, W, k == 0, o.Riders[k].Helmet, rl)
	}
}

// rider draws a seated person; the head's top is at top.
func (b *builder) rider(p pose, x, seatZ, top, barX, barZ, W float64, driver, helmet bool, rl riderLook) {
	headH := 0.27
	shoulder := top - headH - 0.03
	// legs: thighs on the seat, shins down to the footboard
	b.box(p, x-0.05, x+0.3, -0.19, 0.19, seatZ-0.02, seatZ+0.13, rl.pants)
	for _, s := range []float64{-1, 1} {
		b.box(p, x+0.22, x+0.34, s*0.13-0.07, s*0.13+0.07, 0.32, seatZ+0.05, rl.pants)
	}
	// torso, leaning forward a little
	b.hexa(p, [8][3]float64{
		{x - 0.14, -0.19, seatZ + 0.08}, {x + 0.12, -0.19, seatZ + 0.08}, {x + 0.12, 0.19, seatZ + 0.08}, {x - 0.14, 0.19, seatZ + 0.08},
		{x - 0.12, -0.23, shoulder}, {x + 0.1, -0.23, shoulder}, {x + 0.1, 0.23, shoulder}, {x - 0.12, 0.23, shoulder},
	}, [5]rgba{rl.shirt, rl.shirt, rl.shirt, rl.shirt, rl.shirt}, 0)
	// arms: to the handlebar for the driver, down for passengers
	for _, s := range []float64{-1, 1} {
		if driver {
			gy := s * (W/2 - 0.12)
			b.hexa(p, [8][3]float64{
				{x - 0.02, s*0.2 - 0.05, shoulder - 0.14}, {barX, gy - 0.04, barZ - 0.02}, {barX, gy + 0.04, barZ - 0.02}, {x - 0.02, s*0.2 + 0.05, shoulder - 0.14},
				{x - 0.02, s*0.2 - 0.05, shoulder - 0.02}, {barX, gy - 0.04, barZ + 0.05}, {barX, gy + 0.04, barZ + 0.05}, {x - 0.02, s*0.2 + 0.05, shoulder - 0.02},
			}, [5]rgba{rl.shirt, rl.shirt, rl.skin, rl.shirt, rl.shirt}, 0)
		} else {
			b.box(p, x-0.06, x+0.06, s*0.23-0.05, s*0.23+0.05, seatZ+0.12, shoulder-0.02, rl.shirt)
		}
	}
	neck := shoulder
	if helmet {
		hc := rl.helmet
		b.prism(p, x-0.01, 0, neck+0.02, top-0.07, 0.14, 0.145, 8, hc, hc)
		b.prism(p, x-0.01, 0, top-0.07, top, 0.145, 0.09, 8, hc, hc.scale(1.08))
		if rl.fullFace {
			b.xDecal(p, x+0.13, -0.09, 0.09, neck+0.1, top-0.1, true, darkTrim, 0)
		} else {
			b.xDecal(p, x+0.125, -0.08, 0.08, neck+0.04, top-0.1, true, rl.skin, 0)
		}
	} else {
		hair := rgba{0.05, 0.04, 0.04, 1}
		b.prism(p, x-0.01, 0, neck, neck+0.06, 0.055, 0.055, 6, rl.skin, rl.skin)
		b.prism(p, x-0.01, 0, neck+0.06, top-0.06, 0.1, 0.105, 8, rl.skin, hair)
		b.prism(p, x-0.02, 0, top-0.06, top, 0.105, 0.07, 8, hair, hair)
		b.xDecal(p, x-0.115, -0.09, 0.09, neck+0.1, top-0.06, false, hair, 0)
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
