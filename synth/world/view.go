package world

import (
	"math"
	"slices"

	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// Visibility and readability constants (documented in truth for devices and tests).
const (
	// CellPx is the side of a cell of the occlusion raster: visible fractions are counted on a
	// grid of CellPx x CellPx pixels, sampled at cell centres.
	CellPx = 3
	// MinCharPx and MinStrokePx are the least character height and stroke width (pixels) at
	// which a plate counts as readable: the minimum AxxonSoft states for its licence plate
	// recognition engine ("character height is at least 15px, stroke width is at least 2px",
	// https://docs.axxonsoft.com/confluence/pages/diffpages.action?originalId=248416870&pageId=248445514,
	// camera requirements for ANPR). Milestone's XProtect LPR asks for more (2.7 px per stroke).
	// The plate must also face the camera, lie inside the image and be unoccluded.
	MinCharPx   = 15
	MinStrokePx = 2
	// FullyVisible is the visible fraction from which an object counts as fully visible (its
	// unclipped box must also lie inside the image): no_helmet and too_many_passengers are
	// stamped at the first such frame.
	FullyVisible = 0.99
	// MinFacing is the least cosine between a plate's normal and the direction to the camera.
	MinFacing = 0.25
)

// viewer projects the world through the camera and keeps the occlusion raster.
type viewer struct {
	cam    wire.Pinhole
	w, h   int
	gw, gh int
	rows   [][]span // per raster row: the covered cells as sorted, disjoint intervals
	tmp    []span
	// Scenery (props and signal heads) never moves: per cell, the depth of the nearest scenery
	// group covering it (+Inf: none), and per row the cell range scenery touches.
	scDepth []float32
	scLo    []int32
	scHi    []int32
	depth   float64 // DepthKey of the object being rastered
	camPos  wire.Vec3
	items   []viewItem
	// The part hulls of this frame's items: points, and each hull's end in hullPts.
	hullPts []wire.Point
	hullEnd []int32
	partBox []wire.Box // each part's unclipped box (same index as hullEnd)
	urows   [][]span   // one object's cells, before they go into rows
	// The camera basis, computed once (wire.Pinhole.Project recomputes it per point); the
	// arithmetic is the same, so the results are too.
	o, r, d, f wire.Vec3
}

// project is wire.Pinhole.Project with the basis cached.
func (vw *viewer) project(p wire.Vec3) (wire.Point, bool) {
	v := wire.Vec3{p[0] - vw.o[0], p[1] - vw.o[1], p[2] - vw.o[2]}
	z := v[0]*vw.f[0] + v[1]*vw.f[1] + v[2]*vw.f[2]
	if z < wire.NearZ {
		return wire.Point{}, false
	}
	x := v[0]*vw.r[0] + v[1]*vw.r[1] + v[2]*vw.r[2]
	y := v[0]*vw.d[0] + v[1]*vw.d[1] + v[2]*vw.d[2]
	c := vw.cam
	return wire.Point{c.Cx + c.FocalPx*x/z, c.Cy + c.FocalPx*y/z}, true
}

// basis mirrors wire.Pinhole's camera frame.
func basis(c wire.Pinhole) (o, r, d, f wire.Vec3) {
	p, t := c.PanDeg*math.Pi/180, c.TiltDeg*math.Pi/180
	o = wire.Vec3{c.Position[0], c.Position[1], c.HeightM}
	f = wire.Vec3{math.Sin(p) * math.Cos(t), math.Cos(p) * math.Cos(t), -math.Sin(t)}
	r = wire.Vec3{math.Cos(p), -math.Sin(p), 0}
	up := wire.Vec3{r[1]*f[2] - r[2]*f[1], r[2]*f[0] - r[0]*f[2], r[0]*f[1] - r[1]*f[0]}
	d = wire.Vec3{-up[0], -up[1], -up[2]}
	return
}

type viewItem struct {
	v       *vehicle
	idx     int
	depth   float64
	p0      int      // first point of its part hulls in viewer.hullPts
	h0, h1  int      // its part hulls' ends are viewer.hullEnd[h0:h1]
	box     wire.Box // unclipped, of all parts
	clipped wire.Box // shape.ImageBox
	inView  bool
	visible float64
}

func newViewer(cam wire.Pinhole) *viewer {
	gw, gh := (cam.Width+CellPx-1)/CellPx, (cam.Height+CellPx-1)/CellPx
	vw := &viewer{cam: cam, w: cam.Width, h: cam.Height, gw: gw, gh: gh, rows: make([][]span, gh),
		camPos: wire.Vec3{cam.Position[0], cam.Position[1], cam.HeightM}}
	vw.o, vw.r, vw.d, vw.f = basis(cam)
	vw.scDepth = make([]float32, gw*gh)
	for i := range vw.scDepth {
		vw.scDepth[i] = float32(math.Inf(1))
	}
	vw.scLo, vw.scHi = make([]int32, gh), make([]int32, gh)
	for j := range vw.scLo {
		vw.scLo[j], vw.scHi[j] = math.MaxInt32, -1
	}
	return vw
}

// DepthKey is the occlusion order of an object: the depth of its cuboid centre along the optical
// axis. Nearer objects (smaller key) occlude farther ones; the renderer draws far to near by it.
func DepthKey(cam wire.Pinhole, o wire.Object, s wire.ObjectState) float64 {
	q := cam.ToCamera(wire.Vec3{s.Pos[0], s.Pos[1], o.HeightM / 2})
	return q[2]
}

// look fills box, visibility and plate fields of the states (one per vehicle, same order). An
// object's silhouette is its synth/shape parts, each part's projected convex hull: Box is
// shape.ImageBox (each hull clipped to the image) and Visible the share of the union of the
// hulls' cells (those outside the image included) that lies inside the image and that no nearer
// object's parts or scenery cover.
func (vw *viewer) look(vs []*vehicle, states []wire.ObjectState) {
	vw.items = vw.items[:0]
	vw.hullPts, vw.hullEnd, vw.partBox = vw.hullPts[:0], vw.hullEnd[:0], vw.partBox[:0]
	W, H := float64(vw.w), float64(vw.h)
	for i, v := range vs {
		v.inside = false
		st := states[i]
		it := viewItem{v: v, idx: i, h0: len(vw.hullEnd)}
		parts := v.shapeParts()
		p0 := len(vw.hullPts)
		var ub wire.Box
		ok := false
		if c := &v.look; c.valid && c.pos == st.Pos && c.heading == st.Heading && c.key == v.partsKey {
			// Not moved since the last frame (the camera never moves): the same hulls.
			ub, ok = c.ub, c.ok
			vw.hullPts = append(vw.hullPts, c.pts...)
			for _, e := range c.ends {
				vw.hullEnd = append(vw.hullEnd, int32(p0)+e)
			}
			vw.partBox = append(vw.partBox, c.boxes...)
		} else {
			if !vw.outside(v, st) {
				ub, ok = vw.projectParts(parts, st)
			}
			c.valid, c.pos, c.heading, c.key, c.ub, c.ok = true, st.Pos, st.Heading, v.partsKey, ub, ok
			c.cellsValid, c.clipValid = false, false
			c.pts, c.ends, c.boxes = c.pts[:0], c.ends[:0], c.boxes[:0]
			if ok {
				c.pts = append(c.pts, vw.hullPts[p0:]...)
				for _, e := range vw.hullEnd[it.h0:] {
					c.ends = append(c.ends, e-int32(p0))
				}
				c.boxes = append(c.boxes, vw.partBox[it.h0:]...)
			}
		}
		if !ok {
			vw.hullPts, vw.hullEnd, vw.partBox = vw.hullPts[:p0], vw.hullEnd[:it.h0], vw.partBox[:it.h0]
			continue
		}
		it.h1 = len(vw.hullEnd)
		lc := &v.look
		if !lc.clipValid {
			lc.clipped, lc.in = vw.clipParts(p0, it.h0, it.h1)
			lc.clipValid = true
		}
		cb, in := lc.clipped, lc.in
		if !in {
			vw.hullPts, vw.hullEnd, vw.partBox = vw.hullPts[:p0], vw.hullEnd[:it.h0], vw.partBox[:it.h0]
			continue
		}
		it.p0 = p0
		it.box, it.clipped = ub, cb
		it.inView = true
		v.inside = ub[0] >= 0 && ub[1] >= 0 && ub[2] <= W && ub[3] <= H
		c := wire.Vec3{st.Pos[0] - vw.o[0], st.Pos[1] - vw.o[1], v.obj.HeightM/2 - vw.o[2]}
		it.depth = c[0]*vw.f[0] + c[1]*vw.f[1] + c[2]*vw.f[2] // DepthKey
		vw.items = append(vw.items, it)
	}
	slices.SortFunc(vw.items, func(a, b viewItem) int {
		if a.depth != b.depth {
			if a.depth < b.depth {
				return -1
			}
			return 1
		}
		return a.v.id - b.v.id
	})
	for j := range vw.rows {
		vw.rows[j] = vw.rows[j][:0]
	}
	for k := range vw.items {
		it := &vw.items[k]
		st := &states[it.idx]
		vw.depth = it.depth
		vw.plate(it, st) // before its own cells are painted: only nearer objects cover it
		total, free := vw.rasterParts(it)
		vis := 1.0
		if total > 0 {
			vis = float64(free) / float64(total)
		} else {
			// Smaller than a cell: sample the cell under its centre.
			cx, cy := (it.clipped[0]+it.clipped[2])/2, (it.clipped[1]+it.clipped[3])/2
			gi, gj := int(cx/CellPx), int(cy/CellPx)
			if gi >= 0 && gj >= 0 && gi < vw.gw && gj < vw.gh {
				if vw.covered(gi, gj) || vw.behindScenery(gi, gj) {
					vis = 0
				}
				vw.addSpan(gj, gi, gi)
			}
		}
		it.visible = math.Round(vis*1000) / 1000
		st.InView = true
		st.Box = roundBox(it.clipped)
		st.Visible = it.visible
	}
}

// clipParts returns shape.ImageBox of the part hulls hullEnd[h0:h1] (from p0 in hullPts);
// in is false when no part shows inside the image.
func (vw *viewer) clipParts(p0, h0, h1 int) (cb wire.Box, in bool) {
	W, H := float64(vw.w), float64(vw.h)
	cb = wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	start := p0
	for k, end := range vw.hullEnd[h0:h1] {
		hull := vw.hullPts[start:end]
		start = int(end)
		pb := vw.partBox[h0+k]
		if pb[0] < 0 || pb[1] < 0 || pb[2] > W || pb[3] > H {
			var good bool
			if pb, good = clippedBox(hull, W, H); !good {
				continue
			}
		} else if pb.Area() <= 0 {
			continue
		}
		in = true
		cb = wire.Box{min(cb[0], pb[0]), min(cb[1], pb[1]), max(cb[2], pb[2]), max(cb[3], pb[3])}
	}
	return cb, in
}

// outside reports whether the vehicle's parts surely miss the image: all corners of their local
// bounding box are in front of the camera and project beside the image (the projection of a
// convex set in front of the camera lies in the hull of its corners' projections).
func (vw *viewer) outside(v *vehicle, s wire.ObjectState) bool {
	m := vw.placement(s)
	c := vw.cam
	lo, hi := v.partsLo, v.partsHi
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for k := range 8 {
		q := lo
		if k&1 != 0 {
			q[0] = hi[0]
		}
		if k&2 != 0 {
			q[1] = hi[1]
		}
		if k&4 != 0 {
			q[2] = hi[2]
		}
		x := m[0][0] + q[0]*m[0][1] + q[1]*m[0][2] + q[2]*m[0][3]
		y := m[1][0] + q[0]*m[1][1] + q[1]*m[1][2] + q[2]*m[1][3]
		z := m[2][0] + q[0]*m[2][1] + q[1]*m[2][2] + q[2]*m[2][3]
		if z < wire.NearZ {
			return false // let the parts decide
		}
		px, py := c.Cx+c.FocalPx*x/z, c.Cy+c.FocalPx*y/z
		b = wire.Box{min(b[0], px), min(b[1], py), max(b[2], px), max(b[3], py)}
	}
	// A margin of a pixel: the corners are placed with the same arithmetic as the parts, but
	// the test must not depend on rounding.
	return b[2] <= -1 || b[0] >= float64(vw.w)+1 || b[3] <= -1 || b[1] >= float64(vw.h)+1
}

// shapeParts returns the vehicle's synth/shape parts, rebuilt when what they depend on changes.
func (v *vehicle) shapeParts() []shape.Part {
	key := partsKey{h: v.obj.HeightM, riders: len(v.obj.Riders)}
	for k, r := range v.obj.Riders {
		if r.Helmet {
			key.helmets |= 1 << k
		}
	}
	if v.parts == nil || key != v.partsKey {
		v.parts, v.partsKey = shape.Parts(&v.obj), key
		v.partsLo = wire.Vec3{math.Inf(1), math.Inf(1), math.Inf(1)}
		v.partsHi = wire.Vec3{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
		for _, p := range v.parts {
			lo, hi := p.Bounds()
			for k := range 3 {
				v.partsLo[k], v.partsHi[k] = min(v.partsLo[k], lo[k]), max(v.partsHi[k], hi[k])
			}
		}
	}
	return v.parts
}

// lookCache keeps a vehicle's projected parts of the last frame it was looked at.
type lookCache struct {
	valid   bool
	pos     wire.Point
	heading float64
	key     partsKey
	ub      wire.Box
	ok      bool // in front of the camera and not culled
	pts     []wire.Point
	ends    []int32 // relative to pts
	boxes   []wire.Box
	// The cells of the union of the part hulls (rasterParts), once computed for these hulls.
	cellsValid bool
	cells      []span
	// Its box clipped to the image (clipParts), once computed for these hulls.
	clipValid bool
	clipped   wire.Box
	in        bool
	cellRows  []int32
}

// partsKey is what an object's parts depend on besides its fixed size and class.
type partsKey struct {
	h       float64
	riders  int
	helmets uint64
}

// projectParts appends the image hull of each part at state s to vw.hullPts (ends in
// vw.hullEnd) and returns the unclipped box of them all; ok is false when a point is behind the
// camera. The placement is shape.ToWorld's arithmetic, the projection wire.Pinhole.Project's.
func (vw *viewer) projectParts(parts []shape.Part, s wire.ObjectState) (wire.Box, bool) {
	m := vw.placement(s)
	c := vw.cam
	W, H := float64(vw.w), float64(vw.h)
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	var buf [32]wire.Point
	for _, p := range parts {
		pts := buf[:0]
		pb := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for _, q := range p.Pts {
			x := m[0][0] + q[0]*m[0][1] + q[1]*m[0][2] + q[2]*m[0][3]
			y := m[1][0] + q[0]*m[1][1] + q[1]*m[1][2] + q[2]*m[1][3]
			z := m[2][0] + q[0]*m[2][1] + q[1]*m[2][2] + q[2]*m[2][3]
			if z < wire.NearZ {
				return b, false
			}
			pp := wire.Point{c.Cx + c.FocalPx*x/z, c.Cy + c.FocalPx*y/z}
			pts = append(pts, pp)
			pb = wire.Box{min(pb[0], pp[0]), min(pb[1], pp[1]), max(pb[2], pp[0]), max(pb[3], pp[1])}
		}
		b = wire.Box{min(b[0], pb[0]), min(b[1], pb[1]), max(b[2], pb[2]), max(b[3], pb[3])}
		vw.partBox = append(vw.partBox, pb)
		// The hull is needed to clip the part at the frame edge and to raster it; a part
		// inside the image whose box holds no cell centre has no cells.
		cut := pb[0] < 0 || pb[1] < 0 || pb[2] > W || pb[3] > H
		if cut || (math.Ceil(pb[0]/CellPx-0.5) <= math.Floor(pb[2]/CellPx-0.5) && math.Ceil(pb[1]/CellPx-0.5) <= math.Floor(pb[3]/CellPx-0.5)) {
			n0 := len(vw.hullPts)
			vw.hullPts = slices.Grow(vw.hullPts, len(pts)+1)[:n0+len(pts)+1]
			n := convexHull(pts, vw.hullPts[n0:])
			vw.hullPts = vw.hullPts[:n0+n]
		}
		vw.hullEnd = append(vw.hullEnd, int32(len(vw.hullPts)))
	}
	return b, true
}

// placement is the affine map from an object's local frame at state s (shape.ToWorld) to camera
// coordinates (right, down, forward): row k gives offset and the factors of local x, y and z.
// Composing the two maps once per object makes a point cost 9 products instead of placing it
// and then projecting it (same result to rounding).
func (vw *viewer) placement(s wire.ObjectState) (m [3][4]float64) {
	h := s.Heading * math.Pi / 180
	fx, fy := math.Sin(h), math.Cos(h)
	lx, ly := -math.Cos(h), math.Sin(h)
	px, py, pz := s.Pos[0]-vw.o[0], s.Pos[1]-vw.o[1], -vw.o[2]
	for k, a := range [3]wire.Vec3{vw.r, vw.d, vw.f} {
		m[k] = [4]float64{px*a[0] + py*a[1] + pz*a[2], fx*a[0] + fy*a[1], lx*a[0] + ly*a[1], a[2]}
	}
	return m
}

// rasterParts covers the cells of the union of the item's part hulls and returns how many
// cells the union has (those outside the image included) and how many of them are inside the
// image and were still free. Each cell counts once per object.
func (vw *viewer) rasterParts(it *viewItem) (total, free int) {
	// The union is built in rows of its own first (outside the image too, within a margin of a
	// frame on each side), then laid into the s-buffer.
	jlo := max(-vw.gh, int(math.Ceil(it.box[1]/CellPx-0.5)))
	jhi := min(2*vw.gh, int(math.Floor(it.box[3]/CellPx-0.5)))
	if jhi < jlo {
		return 0, 0
	}
	c := &it.v.look
	if !c.cellsValid {
		n := jhi - jlo + 1
		for len(vw.urows) < n {
			vw.urows = append(vw.urows, nil)
		}
		urows := vw.urows[:n]
		for j := range urows {
			urows[j] = urows[j][:0]
		}
		start := it.p0
		for _, end := range vw.hullEnd[it.h0:it.h1] {
			hull := vw.hullPts[start:end]
			start = int(end)
			vw.eachCellIn(hull, jlo, jhi, -vw.gw, 2*vw.gw, func(j, i0, i1 int) {
				urows[j-jlo] = unionAdd(urows[j-jlo], int32(i0), int32(i1))
			})
		}
		c.cells, c.cellRows = c.cells[:0], c.cellRows[:0]
		for r, row := range urows {
			for _, sp := range row {
				c.cells = append(c.cells, sp)
				c.cellRows = append(c.cellRows, int32(jlo+r))
			}
		}
		c.cellsValid = true
	}
	for k, sp := range c.cells {
		j := int(c.cellRows[k])
		total += int(sp[1] - sp[0] + 1)
		if j < 0 || j >= vw.gh {
			continue
		}
		if i0, i1 := max(0, int(sp[0])), min(vw.gw-1, int(sp[1])); i0 <= i1 {
			free += vw.addSpan(j, i0, i1)
		}
	}
	return total, free
}

// unionAdd adds cells a..b to a row of sorted, disjoint spans, merging what overlaps or touches.
func unionAdd(row []span, a, b int32) []span {
	k := 0
	for k < len(row) && row[k][1] < a-1 {
		k++
	}
	m := k
	for m < len(row) && row[m][0] <= b+1 {
		a, b = min(a, row[m][0]), max(b, row[m][1])
		m++
	}
	if m == k {
		return slices.Insert(row, k, span{a, b})
	}
	row[k] = span{a, b}
	return slices.Delete(row, k+1, m)
}

// clippedBox is shape.ClippedBox (same arithmetic, same result) without allocating.
func clippedBox(hull []wire.Point, w, h float64) (wire.Box, bool) {
	var b1, b2 [40]wire.Point
	poly, out := hull, b1[:0]
	for e := range 4 {
		axis, v := e/2, 0.0
		if e == 1 {
			v = w
		} else if e == 3 {
			v = h
		}
		keep := func(a float64) bool {
			if e%2 == 0 {
				return a >= v
			}
			return a <= v
		}
		out = out[:0]
		for i := range poly {
			a, b := poly[i], poly[(i+1)%len(poly)]
			ain, bin := keep(a[axis]), keep(b[axis])
			if ain {
				out = append(out, a)
			}
			if ain != bin {
				t := (v - a[axis]) / (b[axis] - a[axis])
				out = append(out, wire.Point{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t})
			}
		}
		if len(out) == 0 {
			return wire.Box{}, false
		}
		poly = out
		if e%2 == 0 {
			out = b2[:0]
		} else {
			out = b1[:0]
		}
	}
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range poly {
		b[0], b[1] = min(b[0], p[0]), min(b[1], p[1])
		b[2], b[3] = max(b[2], p[0]), max(b[3], p[1])
	}
	return b, b.Area() > 0
}

// span is a run of covered cells [first, last] in a raster row.
type span [2]int32

// covered reports whether cell (i, j) is covered already.
func (vw *viewer) covered(i, j int) bool {
	for _, s := range vw.rows[j] {
		if int32(i) < s[0] {
			return false
		}
		if int32(i) <= s[1] {
			return true
		}
	}
	return false
}

// addSpan covers cells i0..i1 of row j and returns how many of them were free. Rows hold a few
// intervals, so this costs per row, not per cell (an s-buffer).
func (vw *viewer) addSpan(j, i0, i1 int) int {
	a, b := int32(i0), int32(i1)
	row := vw.rows[j]
	covered := int32(0)
	out := vw.tmp[:0]
	placed := false
	for _, s := range row {
		if lo, hi := max(s[0], int32(i0)), min(s[1], int32(i1)); lo <= hi {
			covered += hi - lo + 1
		}
		switch {
		case s[1] < a-1:
			out = append(out, s)
		case s[0] > b+1:
			if !placed {
				out = append(out, span{a, b})
				placed = true
			}
			out = append(out, s)
		default: // overlapping or touching: merge
			a, b = min(a, s[0]), max(b, s[1])
		}
	}
	if !placed {
		out = append(out, span{a, b})
	}
	free := int(int32(i1-i0+1) - covered)
	if lo, hi := max(int32(i0), vw.scLo[j]), min(int32(i1), vw.scHi[j]); lo <= hi && free > 0 {
		// Scenery reaches into the span: of the cells no object covers, drop those behind
		// scenery nearer than the object (row is still the list before this span).
		free -= vw.hiddenFree(j, row, lo, hi)
	}
	vw.tmp = out
	vw.rows[j] = append(row[:0], out...)
	return free
}

// hiddenFree counts the cells of row j in lo..hi that no object covers (row) but scenery nearer
// than the current object does.
func (vw *viewer) hiddenFree(j int, row []span, lo, hi int32) int {
	n := 0
	base := j * vw.gw
	d := float32(vw.depth)
	k := 0
	for c := lo; c <= hi; c++ {
		for k < len(row) && row[k][1] < c {
			k++
		}
		if k < len(row) && row[k][0] <= c {
			c = row[k][1] // covered by an object: skip the run
			continue
		}
		if vw.scDepth[base+int(c)] < d {
			n++
		}
	}
	return n
}

// behindScenery reports whether cell (i, j) shows scenery nearer than the current object.
func (vw *viewer) behindScenery(i, j int) bool {
	return vw.scDepth[j*vw.gw+i] < float32(vw.depth)
}

// addScenery rasters the scenery occluders (shape.Scenery: the renderer's geometry) once: each
// piece's hull gets the depth of its group's anchor where that is the nearest.
func (vw *viewer) addScenery(pieces []shape.Occluder) {
	for _, pc := range pieces {
		var pts []wire.Point
		ok := true
		for _, q := range pc.Pts {
			p, good := vw.project(q)
			if !good {
				ok = false
				break
			}
			pts = append(pts, p)
		}
		if !ok || len(pts) < 3 {
			continue
		}
		hull := make([]wire.Point, len(pts)+1)
		hull = hull[:convexHull(pts, hull)]
		a := wire.Vec3{pc.Anchor[0] - vw.o[0], pc.Anchor[1] - vw.o[1], pc.Anchor[2] - vw.o[2]}
		depth := float32(a[0]*vw.f[0] + a[1]*vw.f[1] + a[2]*vw.f[2])
		vw.eachCell(hull, func(j, i0, i1 int) {
			row := vw.scDepth[j*vw.gw : (j+1)*vw.gw]
			for i := i0; i <= i1; i++ {
				row[i] = min(row[i], depth)
			}
			vw.scLo[j], vw.scHi[j] = min(vw.scLo[j], int32(i0)), max(vw.scHi[j], int32(i1))
		})
	}
}

// eachCell calls f with the cell runs (row, first, last) whose centres lie inside the convex
// hull, walking its two chains from the top vertex down (one step per row, no edge search).
func (vw *viewer) eachCell(hull []wire.Point, f func(j, i0, i1 int)) {
	vw.eachCellIn(hull, 0, vw.gh-1, 0, vw.gw-1, f)
}

// eachCellIn is eachCell limited to rows jmin..jmax and columns imin..imax (which may lie
// outside the image).
func (vw *viewer) eachCellIn(hull []wire.Point, jmin, jmax, imin, imax int, f func(j, i0, i1 int)) {
	n := len(hull)
	if n < 3 {
		return
	}
	top, bot := 0, 0
	for i, p := range hull {
		if p[1] < hull[top][1] {
			top = i
		}
		if p[1] > hull[bot][1] {
			bot = i
		}
	}
	j0 := max(jmin, int(math.Ceil(hull[top][1]/CellPx-0.5)))
	j1 := min(jmax, int(math.Floor(hull[bot][1]/CellPx-0.5)))
	a, b := top, top // a walks forward, b backward, both down to bot
	next := func(i int) int { return (i + 1) % n }
	prev := func(i int) int { return (i - 1 + n) % n }
	at := func(p, q wire.Point, y float64) float64 {
		if q[1] == p[1] {
			return p[0]
		}
		return p[0] + (y-p[1])*(q[0]-p[0])/(q[1]-p[1])
	}
	for j := j0; j <= j1; j++ {
		y := (float64(j) + 0.5) * CellPx
		for a != bot && hull[next(a)][1] < y {
			a = next(a)
		}
		for b != bot && hull[prev(b)][1] < y {
			b = prev(b)
		}
		xa := at(hull[a], hull[next(a)], y)
		xb := at(hull[b], hull[prev(b)], y)
		xl, xr := min(xa, xb), max(xa, xb)
		i0 := max(imin, int(math.Ceil(xl/CellPx-0.5)))
		i1 := min(imax, int(math.Floor(xr/CellPx-0.5)))
		if i0 <= i1 {
			f(j, i0, i1)
		}
	}
}

// plate sets the plate box and readability of the plate facing the camera.
func (vw *viewer) plate(it *viewItem, st *wire.ObjectState) {
	o := &it.v.obj
	if !o.HasPlate() {
		return
	}
	toCam := wire.Point{vw.camPos[0] - st.Pos[0], vw.camPos[1] - st.Pos[1]}
	fwd := it.v.fwd
	front := fwd[0]*toCam[0]+fwd[1]*toCam[1] > 0
	if front && !o.HasFrontPlate() {
		return
	}
	cs := o.PlateCorners(*st, front)
	b := wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	var pts [4]wire.Point
	for i, c := range cs {
		p, ok := vw.project(c)
		if !ok {
			return
		}
		pts[i] = p
		b[0], b[1], b[2], b[3] = min(b[0], p[0]), min(b[1], p[1]), max(b[2], p[0]), max(b[3], p[1])
	}
	W, H := float64(vw.w), float64(vw.h)
	if b[2] <= 0 || b[0] >= W || b[3] <= 0 || b[1] >= H {
		return
	}
	pb := roundBox(b)
	st.PlateBox = &pb
	if b[0] < 0 || b[1] < 0 || b[2] > W || b[3] > H {
		return
	}
	if ch, sw := PlateCharPx(pts, o.Plate.Rows); ch < MinCharPx || sw < MinStrokePx {
		return
	}
	// Facing: the plate normal against the direction to the camera.
	n := fwd
	if !front {
		n = wire.Point{-fwd[0], -fwd[1]}
	}
	c := wire.Vec3{(cs[0][0] + cs[2][0]) / 2, (cs[0][1] + cs[2][1]) / 2, (cs[0][2] + cs[2][2]) / 2}
	dx, dy, dz := vw.camPos[0]-c[0], vw.camPos[1]-c[1], vw.camPos[2]-c[2]
	if (n[0]*dx+n[1]*dy)/math.Sqrt(dx*dx+dy*dy+dz*dz) < MinFacing {
		return
	}
	// Unoccluded: no nearer object covers the cells under its centre and inset corners.
	for _, p := range [5]wire.Point{{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2}, {b[0] + 1, b[1] + 1}, {b[2] - 1, b[1] + 1}, {b[0] + 1, b[3] - 1}, {b[2] - 1, b[3] - 1}} {
		gi, gj := int(p[0]/CellPx), int(p[1]/CellPx)
		if gi < 0 || gj < 0 || gi >= vw.gw || gj >= vw.gh {
			return
		}
		if vw.covered(gi, gj) || vw.behindScenery(gi, gj) {
			return
		}
	}
	st.PlateRead = true
}

// Character sizes of the plate layouts as the plates are printed (synth/render's plate: glyphs
// of wire.Glyphs, 5 columns by 7 rows). One-row plate (520 x 110 mm, 10 characters such as
// "29A-123.45"): text from 20% to 80% of the height, 88% of the width in 10 cells, glyph 80% of
// a cell. Two-row plate (190 x 140 mm, "29-A1" over "123.45"): each row 34% of the height,
// cells of 88% of the width / 6 (lower row; the upper row's are wider), glyph 80% of a cell.
// A stroke is one glyph column, the thinnest stroke of the font.
const (
	oneRowCharMM   = 0.6 * 110
	oneRowStrokeMM = 520 * 0.88 / 10 * 0.8 / 5
	twoRowCharMM   = 0.34 * 140
	twoRowStrokeMM = 190 * 0.88 / 6 * 0.8 / 5
)

// PlateCharPx returns the character height and stroke width in pixels of a plate with rows
// text rows whose projected corners are pts (top-left, top-right, bottom-right, bottom-left):
// the plate's shorter projected side edge and shorter projected top or bottom edge, scaled by
// the layout's character height and stroke width (the far end of a slanted plate is what
// limits reading).
func PlateCharPx(pts [4]wire.Point, rows int) (charPx, strokePx float64) {
	edge := func(a, b wire.Point) float64 { return math.Hypot(b[0]-a[0], b[1]-a[1]) }
	side := min(edge(pts[0], pts[3]), edge(pts[1], pts[2]))
	across := min(edge(pts[0], pts[1]), edge(pts[3], pts[2]))
	if rows == 2 {
		return side * twoRowCharMM / (wire.PlateTwoRowH * 1000), across * twoRowStrokeMM / (wire.PlateTwoRowW * 1000)
	}
	return side * oneRowCharMM / (wire.PlateOneRowH * 1000), across * oneRowStrokeMM / (wire.PlateOneRowW * 1000)
}

func roundBox(b wire.Box) wire.Box {
	for i := range b {
		b[i] = math.Round(b[i]*100) / 100
		if b[i] == 0 {
			b[i] = 0 // not -0 (clipping at the frame edge can give it)
		}
	}
	return b
}

// convexHull writes the hull of pts (counter-clockwise in image coordinates) into out and
// returns its length (Andrew's monotone chain).
func convexHull(pts []wire.Point, out []wire.Point) int {
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

func polyArea(pg []wire.Point) float64 {
	a := 0.0
	for i := range pg {
		p, q := pg[i], pg[(i+1)%len(pg)]
		a += p[0]*q[1] - q[0]*p[1]
	}
	return math.Abs(a) / 2
}

func clipRect(pg []wire.Point, x0, y0, x1, y1 float64) []wire.Point {
	out := append([]wire.Point(nil), pg...)
	edges := []struct {
		in  func(p wire.Point) bool
		cut func(p, q wire.Point) wire.Point
	}{
		{func(p wire.Point) bool { return p[0] >= x0 }, func(p, q wire.Point) wire.Point { return lerpX(p, q, x0) }},
		{func(p wire.Point) bool { return p[0] <= x1 }, func(p, q wire.Point) wire.Point { return lerpX(p, q, x1) }},
		{func(p wire.Point) bool { return p[1] >= y0 }, func(p, q wire.Point) wire.Point { return lerpY(p, q, y0) }},
		{func(p wire.Point) bool { return p[1] <= y1 }, func(p, q wire.Point) wire.Point { return lerpY(p, q, y1) }},
	}
	for _, e := range edges {
		in := out
		out = nil
		for i := range in {
			p, q := in[i], in[(i+1)%len(in)]
			pi, qi := e.in(p), e.in(q)
			if pi {
				out = append(out, p)
			}
			if pi != qi {
				out = append(out, e.cut(p, q))
			}
		}
		if len(out) == 0 {
			return nil
		}
	}
	return out
}

func lerpX(p, q wire.Point, x float64) wire.Point {
	t := (x - p[0]) / (q[0] - p[0])
	return wire.Point{x, p[1] + t*(q[1]-p[1])}
}

func lerpY(p, q wire.Point, y float64) wire.Point {
	t := (y - p[1]) / (q[1] - p[1])
	return wire.Point{p[0] + t*(q[0]-p[0]), y}
}
