package render

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// Mode selects what a frame shows.
type Mode int

const (
	// Color is the camera picture.
	Color Mode = iota
	// IDs is the ID buffer: every object flat in its ID colour (see DecodeID), plates marked,
	// everything else black; same geometry and draw order as Color.
	IDs
)

// Texture atlas regions (one source image for every batch).
const (
	texW, texH    = 136, 64
	whiteU        = 2 // centre of the 4x4 white square
	glowU0, glowN = 8, 64
)

type faceFlag int

const (
	emissive faceFlag = 1 << iota // not lit by ambient/sun
	noCull                        // drawn from both sides
)

// item is a depth-sorted group of triangles (one vehicle, one prop face, one signal).
type item struct {
	obj    int // object ID, -1 for scenery
	depth  float64
	src    *batch
	v0, v1 int
	i0, i1 int
	box    [4]float32 // screen bounds of its vertices
}

// builder turns the truth of one clip into triangle batches, frame by frame. Pure Go: no GPU.
type builder struct {
	t    *wire.Truth
	cam  camera
	env  env
	mode Mode
	objs map[int]*wire.Object
	look map[int]*look
	occ  []shape.Occluder // scenery pieces, grouped

	staticDone bool
	ground     batch // sky + ground + markings (static)
	groundGlow batch // static pools of street lights
	stat       batch // static 3D items (props, signal housings)
	statItems  []item

	dyn        batch // this frame's 3D items
	items      []item
	objsOut    batch // sorted 3D items
	glowGround batch // additive, on the road: beams, wet reflections
	glow       batch // additive halos
	fx         batch // veil, rain, overlay text

	osd         batch // the camera's clock and id, over the noise
	start       time.Time
	streetGlows []wire.Vec3
	drawn       []item       // this frame's items in drawing order
	glowBoxes   [][4]float32 // screen bounds of each glow and text drawn this frame
	staticGlow  batch        // street-light halos and their reflections, baked after the props

	cur        *batch
	id         rgba // flat colour in ID mode
	tmp1, tmp2 []cvert
}

func newBuilder(t *wire.Truth, mode Mode) (*builder, error) {
	e, err := newEnv(t.Conditions)
	if err != nil {
		return nil, err
	}
	b := &builder{t: t, cam: newCamera(t.Pinhole, t.Width, t.Height), env: e, mode: mode,
		objs: map[int]*wire.Object{}, look: map[int]*look{}}
	if err := validate(t); err != nil {
		return nil, err
	}
	b.start = defaultStart
	if t.Conditions.Start != "" {
		st, err := time.Parse(time.RFC3339, t.Conditions.Start)
		if err != nil {
			return nil, fmt.Errorf("render: conditions.start %q is not RFC 3339", t.Conditions.Start)
		}
		b.start = st
	}
	b.occ = shape.Scenery(&t.Scene)
	for i := range t.Objects {
		o := &t.Objects[i]
		b.objs[o.ID] = o
		b.look[o.ID] = newLook(t.Seed, o)
	}
	return b, nil
}

// defaultStart is the overlay clock of frame 0 when the truth gives none (Hanoi time).
var defaultStart = time.Date(2025, 3, 14, 8, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// validate checks what the renderer relies on; the errors name the offending field.
func validate(t *wire.Truth) error {
	if t.Width <= 0 || t.Height <= 0 || t.Width%2 != 0 || t.Height%2 != 0 {
		return fmt.Errorf("render: frame size %dx%d must be positive and even", t.Width, t.Height)
	}
	if t.FPS <= 0 {
		return fmt.Errorf("render: fps %v must be positive", t.FPS)
	}
	if t.Pinhole.FocalPx <= 0 {
		return fmt.Errorf("render: pinhole focal_px %v must be positive", t.Pinhole.FocalPx)
	}
	ids := map[int]bool{}
	for _, o := range t.Objects {
		if ids[o.ID] {
			return fmt.Errorf("render: object %d appears twice", o.ID)
		}
		ids[o.ID] = true
		if !o.Class.Valid() {
			return fmt.Errorf("render: object %d: unknown class %q", o.ID, o.Class)
		}
		if o.LengthM <= 0 || o.WidthM <= 0 || o.HeightM <= 0 {
			return fmt.Errorf("render: object %d: size %vx%vx%v must be positive", o.ID, o.LengthM, o.WidthM, o.HeightM)
		}
		if !validHex(o.Color) {
			return fmt.Errorf("render: object %d: color %q is not #rrggbb", o.ID, o.Color)
		}
	}
	for i, f := range t.Frames {
		if f.Index != i {
			return fmt.Errorf("render: frame %d has index %d", i, f.Index)
		}
		for _, s := range f.Objects {
			if !ids[s.ID] {
				return fmt.Errorf("render: frame %d: object %d is not in objects", i, s.ID)
			}
		}
	}
	return nil
}

func validHex(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// idColor encodes an object ID (+1, so 0 is background) in red and green; blue marks plates.
func idColor(id int, plate bool) rgba {
	v := id + 1
	c := rgba{float32(v&0xff) / 255, float32((v>>8)&0xff) / 255, 0, 1}
	if plate {
		c[2] = 1
	}
	return c
}

// sceneryID is the ID-buffer colour of scenery (props, signal heads): not an object, but drawn
// so that the audit can tell what hides an object.
var sceneryID = rgba{0, 0, 64.0 / 255, 1}

// IsScenery reports whether an ID-buffer pixel is scenery (a building, tree, pole or signal).
func IsScenery(r, g, b uint8) bool { return r == 0 && g == 0 && b == 64 }

// DecodeID reads an ID-buffer pixel: the object ID, whether it is plate, and ok false for
// background.
func DecodeID(r, g, b uint8) (id int, plate, ok bool) {
	v := int(r) | int(g)<<8
	if v == 0 {
		return 0, false, false
	}
	return v - 1, b > 127, true
}

// poly appends a polygon with per-vertex colours (already lit) to the current batch, hazed by
// depth and clipped to the near plane.
func (b *builder) poly(pts []wire.Vec3, cols []rgba, uv [][2]float32) {
	b.tmp1 = b.tmp1[:0]
	for i, p := range pts {
		q := b.cam.toCam(p)
		c := cols[0]
		if len(cols) > 1 {
			c = cols[i]
		}
		if b.mode == Color {
			c = c.mix(b.env.hazeColor.alpha(c[3]), b.env.haze(q[2]))
		}
		v := cvert{q: q, c: c, u: whiteU, v: whiteU}
		if uv != nil {
			v.u, v.v = uv[i][0], uv[i][1]
		}
		b.tmp1 = append(b.tmp1, v)
	}
	b.tmp2 = clipNear(b.tmp1, b.tmp2, wire.NearZ)
	b.cur.fan(&b.cam, b.tmp2, 0, 0)
}

// face appends a flat polygon with outward normal n (unit), culled when it faces away.
func (b *builder) face(pts []wire.Vec3, n wire.Vec3, col rgba, fl faceFlag) {
	if fl&noCull == 0 && dot(n, sub(b.cam.o, pts[0])) <= 0 {
		return
	}
	var c rgba
	switch {
	case b.mode == IDs:
		c = b.id
	case fl&emissive != 0:
		c = col
	default:
		c = b.env.shade(col, n)
	}
	b.poly(pts, []rgba{c}, nil)
}

// begin starts an item in batch dst at a depth.
func (b *builder) begin(dst *batch, depth float64) item {
	b.cur = dst
	return item{obj: -1, depth: depth, src: dst, v0: len(dst.v), i0: len(dst.idx)}
}

func (b *builder) end(it item) item {
	it.v1, it.i1 = len(it.src.v), len(it.src.idx)
	it.box = [4]float32{math.MaxFloat32, math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32}
	for _, v := range it.src.v[it.v0:it.v1] {
		it.box[0], it.box[1] = min(it.box[0], v.DstX), min(it.box[1], v.DstY)
		it.box[2], it.box[3] = max(it.box[2], v.DstX), max(it.box[3], v.DstY)
	}
	return it
}

func overlap(a, b [4]float32) bool { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3] }

// depthOf is the distance along the optical axis of a world point.
func (b *builder) depthOf(p wire.Vec3) float64 { return b.cam.toCam(p)[2] }

// Frame builds frame i; the batches stay valid until the next call.
func (b *builder) frame(i int) {
	b.ensureStatic()
	b.dyn.reset()
	b.glowGround.reset()
	b.glow.reset()
	b.fx.reset()
	b.osd.reset()
	b.glowBoxes = b.glowBoxes[:0]
	b.items = b.items[:0]

	fr := &b.t.Frames[i]

	// signals: lamp state changes per frame
	lights := map[string]wire.Light{}
	for _, s := range fr.Signals {
		lights[s.ID] = s.Light
	}
	for k := range b.t.Scene.Signals {
		s := &b.t.Scene.Signals[k]
		it := b.begin(&b.dyn, b.depthOf(wire.Vec3{s.Position[0], s.Position[1], s.HeightM}))
		b.signalHead(k, s, lights[s.ID])
		b.items = append(b.items, b.end(it))
	}
	for k := range fr.Objects {
		st := &fr.Objects[k]
		o, ok := b.objs[st.ID]
		if !ok {
			continue // New checked that every state has an object
		}
		cb := o.Cuboid(*st)
		if _, ok := b.cam.box(cb); !ok {
			continue // partly behind the camera: not in view (as in the truth)
		}
		// the world's occlusion order (world.DepthKey): depth of the cuboid's centre
		it := b.begin(&b.dyn, b.depthOf(wire.Vec3{st.Pos[0], st.Pos[1], o.HeightM / 2}))
		it.obj = o.ID
		b.vehicle(o, st, b.look[o.ID])
		b.items = append(b.items, b.end(it))
	}
	// static scenery is baked into the background (bakeStatic); it is drawn again only where it
	// stands in front of something that moves
	all := b.items
	for _, st := range b.statItems {
		for _, it := range b.items {
			if it.depth > st.depth && overlap(it.box, st.box) {
				all = append(all, st)
				break
			}
		}
	}
	sort.SliceStable(all, func(x, y int) bool { return all[x].depth > all[y].depth })
	b.drawn = all
	b.objsOut.reset()
	for _, it := range all {
		base := uint32(len(b.objsOut.v)) - uint32(it.v0)
		b.objsOut.v = append(b.objsOut.v, it.src.v[it.v0:it.v1]...)
		for _, ix := range it.src.idx[it.i0:it.i1] {
			b.objsOut.idx = append(b.objsOut.idx, ix+base)
		}
	}
	if b.mode == Color {
		b.effects(i)
	}
}

// staticSorted returns the static items far to near, to bake into the background.
func (b *builder) staticSorted() *batch {
	b.ensureStatic()
	all := append([]item(nil), b.statItems...)
	sort.SliceStable(all, func(x, y int) bool { return all[x].depth > all[y].depth })
	var out batch
	for _, it := range all {
		base := uint32(len(out.v)) - uint32(it.v0)
		out.v = append(out.v, it.src.v[it.v0:it.v1]...)
		for _, ix := range it.src.idx[it.i0:it.i1] {
			out.idx = append(out.idx, ix+base)
		}
	}
	return &out
}

// ensureStatic builds the static batches once.
func (b *builder) ensureStatic() {
	if !b.staticDone {
		b.buildStatic()
		b.staticDone = true
		if b.mode == Color {
			for _, l := range b.streetGlows {
				b.glowAt(&b.staticGlow, l, 0.9, 4, rgba{1, 0.85, 0.6, 1}.scale(0.8), 1)
				if b.env.wet {
					b.glowAt(&b.staticGlow, wire.Vec3{l[0], l[1], -l[2]}, 0.8, 3, rgba{0.6, 0.5, 0.35, 1}, 3.5)
				}
			}
		}
	}
}

// bounds returns the screen bounds of a batch's vertices and false when it is empty.
func (bt *batch) bounds() (r [4]float32, ok bool) {
	if len(bt.idx) == 0 {
		return r, false
	}
	r = [4]float32{math.MaxFloat32, math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32}
	for _, v := range bt.v {
		r[0], r[1] = min(r[0], v.DstX), min(r[1], v.DstY)
		r[2], r[3] = max(r[2], v.DstX), max(r[3], v.DstY)
	}
	return r, true
}

// dirty lists the screen areas this frame draws over the background: every item, the glow
// batches and the overlay (full when weather covers the whole picture).
func (b *builder) dirty(all []item) (rs [][4]float32, full bool) {
	if len(b.fx.idx) > 0 {
		return nil, true
	}
	for _, it := range all {
		rs = append(rs, it.box)
	}
	rs = append(rs, b.glowBoxes...)
	return rs, false
}

// box is the image box of a cuboid; ok is false when a corner is behind the camera.
func (c *camera) box(cb wire.Cuboid) (wire.Box, bool) {
	bx := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range cb.Corners() {
		q := c.toCam(p)
		if q[2] < wire.NearZ {
			return wire.Box{}, false
		}
		x, y := c.proj(q)
		bx[0], bx[1] = min(bx[0], float64(x)), min(bx[1], float64(y))
		bx[2], bx[3] = max(bx[2], float64(x)), max(bx[3], float64(y))
	}
	return bx, true
}

// glowAt adds a screen-space halo around a world point: radius in metres (at least minPx).
func (b *builder) glowAt(dst *batch, p wire.Vec3, radiusM, minPx float64, c rgba, sy float64) {
	q := b.cam.toCam(p)
	if q[2] < 0.5 {
		return
	}
	x, y := b.cam.proj(q)
	r := max(b.cam.fpx*radiusM/q[2], minPx)
	f := 1 - b.env.haze(q[2])*0.6
	c = c.scale(f)
	rx, ry := float32(r), float32(r*sy)
	if x+rx < 0 || y+ry < 0 || x-rx > float32(b.cam.w) || y-ry > float32(b.cam.h) {
		return
	}
	b.glowBoxes = append(b.glowBoxes, [4]float32{x - rx, y - ry, x + rx, y + ry})
	base := uint32(len(dst.v))
	for k, d := range [4][2]float32{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		u := float32(glowU0) + float32(glowN)*(d[0]+1)/2
		v := float32(glowN) * (d[1] + 1) / 2
		_ = k
		dst.v = append(dst.v, ebiten.Vertex{DstX: x + d[0]*rx, DstY: y + d[1]*ry, SrcX: u, SrcY: v, ColorR: c[0], ColorG: c[1], ColorB: c[2], ColorA: 1})
	}
	dst.idx = append(dst.idx, base, base+1, base+2, base, base+2, base+3)
}

// groundGlow adds a glow texture stretched over a road-plane quad (corners in order).
func (b *builder) groundGlowQuad(dst *batch, corners [4]wire.Vec3, c rgba) {
	uv := [][2]float32{{glowU0, 0}, {glowU0 + glowN, 0}, {glowU0 + glowN, glowN}, {glowU0, glowN}}
	// subdivide 4x4 so the affine texture mapping follows the perspective closely
	const n = 4
	prev := b.cur
	b.cur = dst
	v0 := len(dst.v)
	defer func() {
		r := [4]float32{math.MaxFloat32, math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32}
		for _, v := range dst.v[v0:] {
			r[0], r[1] = min(r[0], v.DstX), min(r[1], v.DstY)
			r[2], r[3] = max(r[2], v.DstX), max(r[3], v.DstY)
		}
		if len(dst.v) > v0 {
			b.glowBoxes = append(b.glowBoxes, r)
		}
	}()
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			u0, u1 := float64(i)/n, float64(i+1)/n
			v0, v1 := float64(j)/n, float64(j+1)/n
			pt := func(u, v float64) wire.Vec3 {
				return lerp3(lerp3(corners[0], corners[1], u), lerp3(corners[3], corners[2], u), v)
			}
			tc := func(u, v float64) [2]float32 {
				return [2]float32{uv[0][0] + float32(u)*glowN, float32(v) * glowN}
			}
			b.poly([]wire.Vec3{pt(u0, v0), pt(u1, v0), pt(u1, v1), pt(u0, v1)}, []rgba{c},
				[][2]float32{tc(u0, v0), tc(u1, v0), tc(u1, v1), tc(u0, v1)})
		}
	}
	b.cur = prev
}

// effects adds weather, veil and overlay for frame i (colour mode only).
func (b *builder) effects(i int) {
	w, h := float32(b.cam.w), float32(b.cam.h)
	if b.env.veil > 0 {
		b.fx.rect(0, 0, w, h, b.env.hazeColor.alpha(b.env.veil), whiteU, whiteU)
	}
	if b.env.rain {
		rng := rand.New(rand.NewPCG(b.t.Seed, 0x7261696e^uint64(i)))
		n := int(w * h / 2500)
		for k := 0; k < n; k++ {
			x, y := rng.Float32()*w, rng.Float32()*h
			l := 10 + rng.Float32()*h/22
			a := 0.12 + rng.Float32()*0.18
			c := rgba{0.85, 0.88, 0.92, a}
			if b.env.night {
				c = rgba{0.5, 0.5, 0.55, a}
			}
			dx := l * 0.12
			base := uint32(len(b.fx.v))
			for _, p := range [4][2]float32{{x, y}, {x + 1.2, y}, {x + 1.2 + dx, y + l}, {x + dx, y + l}} {
				b.fx.v = append(b.fx.v, ebiten.Vertex{DstX: p[0], DstY: p[1], SrcX: whiteU, SrcY: whiteU, ColorR: c[0], ColorG: c[1], ColorB: c[2], ColorA: c[3]})
			}
			b.fx.idx = append(b.fx.idx, base, base+1, base+2, base, base+2, base+3)
		}
	}
	if b.t.Conditions.Overlay {
		b.overlay(i)
	}
}
