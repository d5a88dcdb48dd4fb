package detect

import (
	"math"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// Plate geometry (Circular 24/2023): sizes in metres and the height of the plate centre.
const (
	carPlateW, carPlateH, carPlateZ    = 0.52, 0.11, 0.45
	motoPlateW, motoPlateH, motoPlateZ = 0.19, 0.14, 0.75
	// Plates are read when their characters look at least minCharPx high with strokes of at
	// least minStrokePx (the truth calls a plate readable from 15 px and 2 px, the minimum a
	// commercial ANPR engine states; the prediction from the calibration is a little off).
	minCharPx     = 13
	minStrokePx   = 1.7
	minPlateScore = 0.7
	// sureScore ends the search for a plate: right readings of rendered plates score 0.8-0.97
	sureScore = 0.85
	// minFit is the least correlation of the plate layout's ink profiles with the image (down
	// the plate and across its rows) for a placement to be read
	minFit = 0.5
)

// quad is a plate's image corners: top-left, top-right, bottom-right, bottom-left.
type quad [4]wire.Point

// level returns the rectangle with q's centre, mean width and mean height, edges along the
// image axes; q itself when it is within a tenth of a pixel of that.
func (q quad) level() quad {
	cx := (q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4
	cy := (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4
	w := (math.Hypot(q[1][0]-q[0][0], q[1][1]-q[0][1]) + math.Hypot(q[2][0]-q[3][0], q[2][1]-q[3][1])) / 4
	h := (math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1]) + math.Hypot(q[2][0]-q[1][0], q[2][1]-q[1][1])) / 4
	l := quad{{cx - w, cy - h}, {cx + w, cy - h}, {cx + w, cy + h}, {cx - w, cy + h}}
	for i := range q {
		if math.Abs(q[i][0]-l[i][0]) > 0.1 || math.Abs(q[i][1]-l[i][1]) > 0.1 {
			return l
		}
	}
	return q
}

// homography is the projective map of the unit square (plate coordinates u, v) onto an image
// quad: a plate is planar, so its projection is exactly such a map of its 4 corners.
type homography [8]float64

// squareTo returns the homography taking (0,0), (1,0), (1,1), (0,1) to q's corners (Heckbert,
// "Fundamentals of Texture Mapping and Image Warping", 1989, section 2.2.3).
func squareTo(q quad) homography {
	x0, y0, x1, y1 := q[0][0], q[0][1], q[1][0], q[1][1]
	x2, y2, x3, y3 := q[2][0], q[2][1], q[3][0], q[3][1]
	sx, sy := x0-x1+x2-x3, y0-y1+y2-y3
	if math.Abs(sx) < 1e-9 && math.Abs(sy) < 1e-9 {
		return homography{x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0, 0}
	}
	dx1, dx2, dy1, dy2 := x1-x2, x3-x2, y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	if den == 0 {
		return homography{x1 - x0, x3 - x0, x0, y1 - y0, y3 - y0, y0, 0, 0}
	}
	g := (sx*dy2 - dx2*sy) / den
	h := (dx1*sy - sx*dy1) / den
	return homography{x1 - x0 + g*x1, x3 - x0 + h*x3, x0, y1 - y0 + g*y1, y3 - y0 + h*y3, y0, g, h}
}

// at maps plate coordinates into the image.
func (m homography) at(u, v float64) (float64, float64) {
	w := m[6]*u + m[7]*v + 1
	return (m[0]*u + m[1]*v + m[2]) / w, (m[3]*u + m[4]*v + m[5]) / w
}

func (q quad) width() float64 { return math.Hypot(q[1][0]-q[0][0], q[1][1]-q[0][1]) }

// bilinear samples the Y plane at (x, y).
func bilinear(f *decode.Frame, x, y float64) float64 {
	if x < 0 || y < 0 || x >= float64(f.Width-1) || y >= float64(f.Height-1) {
		return 0
	}
	x0, y0 := int(x), int(y)
	fx, fy := x-float64(x0), y-float64(y0)
	i := y0*f.Width + x0
	a, b := float64(f.Y[i]), float64(f.Y[i+1])
	c, d := float64(f.Y[i+f.Width]), float64(f.Y[i+f.Width+1])
	return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
}

// plateQuad predicts where the plate of a vehicle standing with its nearest face at road point
// g, travelling along dir, appears in the image (the calibration's pinhole model).
func (d *Detector) plateQuad(g, dir wire.Point, moto bool) (quad, bool) {
	w, h, z := carPlateW, carPlateH, carPlateZ
	if moto {
		w, h, z = motoPlateW, motoPlateH, motoPlateZ
	}
	p := d.cal.Pinhole
	if p.FocalPx == 0 {
		return quad{}, false
	}
	// viewer's left-to-right axis across the face: perpendicular to dir, pointing to image right
	r := wire.Point{dir[1], -dir[0]}
	a, _, ok1 := p.Project(wire.Vec3{g[0] - r[0]*w/2, g[1] - r[1]*w/2, z})
	b, _, ok2 := p.Project(wire.Vec3{g[0] + r[0]*w/2, g[1] + r[1]*w/2, z})
	if !ok1 || !ok2 {
		return quad{}, false
	}
	if a[0] > b[0] {
		r = wire.Point{-r[0], -r[1]}
	}
	var q quad
	corners := [4][3]float64{{-w / 2, 0, z + h/2}, {w / 2, 0, z + h/2}, {w / 2, 0, z - h/2}, {-w / 2, 0, z - h/2}}
	for i, c := range corners {
		pt, _, ok := p.Project(wire.Vec3{g[0] + r[0]*c[0], g[1] + r[1]*c[0], c[2]})
		if !ok {
			return quad{}, false
		}
		q[i] = pt
	}
	return q, true
}

// readPlateNear finds the plate of the predicted size and shape q inside region (the
// vehicle's box: where it stands may be off, the calibration's size is not), reads the best few
// places (plateCandidates), each fitted to the plate's own edges (fitPlate) from the predicted
// shape and from a level rectangle of its size (the predicted yaw may be off: cameras have no
// roll, plates show nearly level), and keeps the reading of the best score; the first reading
// of at least sureScore ends the search.
func readPlateNear(f *decode.Frame, q quad, region wire.Box, layout []string) (string, float64) {
	for _, v := range [...]float64{q[0][0], q[0][1], q[1][0], q[1][1], q[2][0], q[2][1], q[3][0], q[3][1], region[0], region[1], region[2], region[3]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", -2
		}
	}
	if w, h := q.width(), math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1]); w > float64(f.Width) || h > float64(f.Height) {
		return "", -2 // a plate larger than the frame: the prediction is wrong
	}
	var r reader
	bestT, bestS := "", -2.0
	for _, c := range plateCandidates(f, q, region, 3) {
		shapes := []quad{c}
		if l := c.level(); l != c {
			shapes = append(shapes, l)
		}
		for _, sh := range shapes {
			for _, p := range fitPlate(f, sh, layout) {
				if t, s := r.read(f, p, layout, 1); s > bestS {
					bestT, bestS = t, s
				}
				if bestS >= sureScore {
					return bestT, bestS
				}
			}
		}
	}
	return bestT, bestS
}

// plateCandidates returns up to k placements of q inside the lower 65% of region (and around q
// itself, grown by half a plate) where a
// plate-sized window holds the most strong horizontal steps (text strokes and the plate's
// border), strongest first, at least a plate apart. Rows are sampled every tenth of the plate's
// height, columns every pixel.
func plateCandidates(f *decode.Frame, q quad, region wire.Box, k int) []quad {
	var b wire.Box = wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range q {
		b = wire.Box{min(b[0], p[0]), min(b[1], p[1]), max(b[2], p[0]), max(b[3], p[1])}
	}
	w, h := b[2]-b[0], b[3]-b[1]
	if w < 4 || h < 4 {
		return nil
	}
	// plates sit in the lower part of a vehicle (cars 0.45 m up, motorbikes 0.75 m)
	top := region[3] - 0.65*(region[3]-region[1])
	x0 := max(1, int(min(region[0], b[0])-w/2))
	x1 := min(f.Width-2, int(max(region[2], b[2])+w/2))
	y0 := max(0, int(min(top, b[1])-h/2))
	y1 := min(f.Height-1, int(max(region[3], b[3])+h/2))
	sy := max(1, int(h/10))
	nx, ny := x1-x0+1, (y1-y0)/sy+1
	ww, wh := int(w), max(1, int(h)/sy)
	if nx <= ww || ny <= wh {
		return []quad{q}
	}
	// integral of strong steps (> 24 grey levels between neighbours)
	integ := make([]int32, (nx+1)*(ny+1))
	for j := range ny {
		row := f.Y[(y0+j*sy)*f.Width:]
		acc := int32(0)
		for i := range nx {
			x := x0 + i
			d := int(row[x+1]) - int(row[x-1])
			if d > 24 || d < -24 {
				acc++
			}
			integ[(j+1)*(nx+1)+i+1] = integ[j*(nx+1)+i+1] + acc
		}
	}
	type cand struct {
		i, j int
		s    int32
	}
	var best []cand
	for n := 0; n < k; n++ {
		c := cand{s: 0}
		for j := 0; j+wh <= ny; j++ {
			for i := 0; i+ww <= nx; i++ {
				s := integ[(j+wh)*(nx+1)+i+ww] - integ[j*(nx+1)+i+ww] - integ[(j+wh)*(nx+1)+i] + integ[j*(nx+1)+i]
				if s <= c.s {
					continue
				}
				near := false
				for _, o := range best {
					near = near || (absInt(o.i-i) < ww && absInt(o.j-j) < wh)
				}
				if !near {
					c = cand{i, j, s}
				}
			}
		}
		if c.s == 0 {
			break
		}
		best = append(best, c)
	}
	out := make([]quad, 0, len(best))
	for _, c := range best {
		dx := float64(x0+c.i) - b[0]
		dy := float64(y0+c.j*sy) - b[1]
		var o quad
		for m, p := range q {
			o[m] = wire.Point{p[0] + dx, p[1] + dy}
		}
		out = append(out, o)
	}
	return out
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// tryPlate reads the plate of a track on this frame when it is worth it: the track has no
// reading above 0.9 yet, its box is clear of the image's bottom edge, its plate faces the
// camera, its characters look at least minCharPx high with minStrokePx strokes, and the plate
// has grown by 15% since the last attempt at least 5 frames ago (or 25 frames passed). The best-scoring reading of the track is kept.
func (d *Detector) tryPlate(f *decode.Frame, tr *track) {
	if tr.missed > 0 || tr.seen < minSeen || tr.plateScore > 0.9 {
		return
	}
	if b := tr.last().box; b[3] >= float64(d.cal.Height-2*d.s) {
		// cut by the image's bottom edge (entering, or a zoomed camera's near vehicle): its
		// ground point and so the plate's predicted place and size are not known yet, and an
		// attempt there would hold the next one back until the plate looks 15% wider
		return
	}
	cls := tr.class()
	if cls == wire.Bicycle {
		return
	}
	g := tr.last().ground
	cam := d.cal.Pinhole.Position
	dir, speed := unit(tr.vel)
	if speed < movingMS {
		if l := d.laneOf(g); l >= 0 {
			dir = d.cal.Lanes[l].Direction
		} else {
			dir, _ = unit(wire.Point{g[0] - cam[0], g[1] - cam[1]}) // off the lanes: its back to the camera
		}
	}
	toward := dot2(dir, wire.Point{cam[0] - g[0], cam[1] - g[1]}) >= 0
	moto := cls == wire.Motorbike
	if moto && toward {
		return // motorbikes carry no front plate
	}
	q, ok := d.plateQuad(g, dir, moto)
	if !ok {
		return
	}
	layout := layoutFor(moto)
	w := q.width()
	if ch, sw := charPx(q, layout); ch < minCharPx || sw < minStrokePx || d.frame-tr.plateTried < 5 || (w < tr.plateW*1.15 && d.frame-tr.plateTried < 25) {
		return
	}
	tr.plateTried, tr.plateW = d.frame, w
	text, score := readPlateNear(f, q, tr.last().box, layout)
	if score > tr.plateScore {
		tr.plate, tr.plateScore = text, score
	}
}

// charPx returns the character height and stroke width (one glyph column) in pixels of a plate
// of layout at quad q: its shorter side edge and shorter top or bottom edge scaled by the
// layout's text band and narrowest glyph column.
func charPx(q quad, layout []string) (float64, float64) {
	e := func(a, b wire.Point) float64 { return math.Hypot(b[0]-a[0], b[1]-a[1]) }
	bs := bands(layout)
	col := 1.0
	for _, b := range bs {
		col = min(col, b.cw*0.8/5)
	}
	return min(e(q[0], q[3]), e(q[1], q[2])) * (bs[0].v1 - bs[0].v0), min(e(q[0], q[1]), e(q[3], q[2])) * col
}

// Glyph windows: each glyph is sampled on a grid of sps samples per glyph column and row over
// the glyph and a margin of one column each side and 2/3 of a row above and below (the two-row
// plate's border lies just beyond that), with slack samples of play each way.
const (
	sps     = 3
	marginX = 3 // samples
	marginY = 2
	winW    = 5*sps + 2*marginX
	winH    = 7*sps + 2*marginY
	winN    = winW * winH
	// footprint is the width of the blur the templates are rendered with, in image pixels: a
	// pixel's own area and the bilinear sampling of it.
	footprint = 1.4
)

// reader holds the buffers of a plate's readings (no allocation per glyph) and the templates
// rendered so far, by glyph and footprint (in steps of 1/32 of a glyph column and row).
type reader struct {
	obs  []float64 // a glyph's window with slack
	tmpl map[tmplKey]*[winN]float64
	sub  [winN]float64
}

type tmplKey struct {
	ch     byte
	bx, by int32
}

// template renders glyph ch on the window grid blurred by a box of bx columns by by rows (the
// image pixel's footprint in glyph units), zero mean and unit norm.
func template(ch byte, bx, by float64, out *[winN]float64) {
	bm := bitmaps[ch]
	overlap := func(c, w float64, cell int) float64 { // share of [c-w/2, c+w/2] inside [cell, cell+1]
		lo, hi := max(c-w/2, float64(cell)), min(c+w/2, float64(cell+1))
		return max(0, hi-lo) / w
	}
	var oy [winH][7]float64
	for j := range winH {
		y := (float64(j-marginY) + 0.5) / sps
		for r := range 7 {
			oy[j][r] = overlap(y, by, r)
		}
	}
	var ox [winW][5]float64
	for i := range winW {
		x := (float64(i-marginX) + 0.5) / sps
		for c := range 5 {
			ox[i][c] = overlap(x, bx, c)
		}
	}
	for j := range winH {
		var col [5]float64
		for c := range 5 {
			for r := range 7 {
				col[c] += bm[r][c] * oy[j][r]
			}
		}
		for i := range winW {
			v := 0.0
			for c := range 5 {
				v += col[c] * ox[i][c]
			}
			out[j*winW+i] = v
		}
	}
	normWin(out)
}

// normWin makes v zero mean and unit norm (all zero if it is flat).
func normWin(v *[winN]float64) {
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= winN
	n := 0.0
	for i := range v {
		v[i] -= m
		n += v[i] * v[i]
	}
	if n > 1e-9 {
		n = 1 / math.Sqrt(n)
	}
	for i := range v {
		v[i] *= n
	}
}

// read reads the plate text of layout inside q: each glyph's window is sampled through the
// plate's homography and matched by correlation against the glyphs its position allows
// (digits, series letters), rendered at the glyph's measured scale; each glyph may sit up to
// slack samples (a third of a glyph column or row each) off its place. Ink may be dark on a
// light plate or light on a dark (blue) one: the polarity with the better mean is kept. score
// is the mean correlation of the chosen glyphs.
func (r *reader) read(f *decode.Frame, q quad, layout []string, slack int) (string, float64) {
	m := squareTo(q)
	bs := bands(layout)
	if r.tmpl == nil {
		r.tmpl = map[tmplKey]*[winN]float64{}
	}
	ow, oh := winW+2*slack, winH+2*slack
	if cap(r.obs) < ow*oh {
		r.obs = make([]float64, ow*oh)
	}
	obs := r.obs[:ow*oh]
	var text [2][]byte
	var total [2]float64
	n := 0
	for ri, row := range layout {
		b := bs[ri]
		colU, rowU := b.cw*0.8/5, (b.v1-b.v0)/7
		// the image pixel's footprint in glyph units, at the row's middle
		mu, mv := b.u0+b.cw*float64(len(row))/2, (b.v0+b.v1)/2
		x0, y0 := m.at(mu, mv)
		x1, y1 := m.at(mu+colU, mv)
		x2, y2 := m.at(mu, mv+rowU)
		pxCol, pxRow := math.Hypot(x1-x0, y1-y0), math.Hypot(x2-x0, y2-y0)
		if pxCol < 0.3 || pxRow < 0.3 {
			return "", -2
		}
		bx, by := int32(math.Round(32*footprint/pxCol)), int32(math.Round(32*footprint/pxRow))
		if ri > 0 {
			text[0], text[1] = append(text[0], ' '), append(text[1], ' ')
		}
		for ci := 0; ci < len(row); ci++ {
			cand := candidates(row[ci])
			if cand == "" {
				text[0], text[1] = append(text[0], row[ci]), append(text[1], row[ci])
				continue
			}
			cu := b.u0 + b.cw*float64(ci) + b.cw*0.1
			for j := range oh {
				v := b.v0 + ((float64(j-slack-marginY)+0.5)/sps)*rowU
				for i := range ow {
					x, y := m.at(cu+((float64(i-slack-marginX)+0.5)/sps)*colU, v)
					obs[j*ow+i] = bilinear(f, x, y)
				}
			}
			var bc [2]byte
			bsc := [2]float64{-2, -2}
			for sy := 0; sy <= 2*slack; sy++ {
				for sx := 0; sx <= 2*slack; sx++ {
					for j := range winH {
						copy(r.sub[j*winW:(j+1)*winW], obs[(j+sy)*ow+sx:])
					}
					normWin(&r.sub)
					for k := 0; k < len(cand); k++ {
						key := tmplKey{cand[k], bx, by}
						t := r.tmpl[key]
						if t == nil {
							t = new([winN]float64)
							template(cand[k], float64(bx)/32, float64(by)/32, t)
							r.tmpl[key] = t
						}
						d := 0.0
						for i, x := range r.sub {
							d += x * t[i]
						}
						if -d > bsc[0] { // dark ink
							bc[0], bsc[0] = cand[k], -d
						}
						if d > bsc[1] { // light ink
							bc[1], bsc[1] = cand[k], d
						}
					}
				}
			}
			for p := range 2 {
				text[p] = append(text[p], bc[p])
				total[p] += bsc[p]
			}
			n++
		}
	}
	if n == 0 {
		return "", -2
	}
	p := 0
	if total[1] > total[0] {
		p = 1
	}
	return string(text[p]), total[p] / float64(n)
}

// meanBits is the mean bitmap of the glyphs a layout position allows (punctuation: its own).
func meanBits(kind byte) (m [7][5]float64) {
	cand := candidates(kind)
	if cand == "" {
		return glyphBits(kind)
	}
	for i := 0; i < len(cand); i++ {
		b := bitmaps[cand[i]]
		for r := range 7 {
			for c := range 5 {
				m[r][c] += b[r][c] / float64(len(cand))
			}
		}
	}
	return m
}

// inkAt is the expected ink at plate point (u, v) of a layout whatever its text: the border
// (2-3.5% in from the sides, 4-10% from top and bottom), and in each glyph the mean of the
// glyphs its position allows.
func inkAt(layout []string, bs []rowBand, means [][][7][5]float64, u, v float64) float64 {
	if u < 0 || u > 1 || v < 0 || v > 1 {
		return 0
	}
	inX, inY := u >= 0.02 && u <= 0.98, v >= 0.04 && v <= 0.96
	if inX && inY && (u < 0.035 || u > 0.965 || v < 0.1 || v > 0.9) {
		return 1
	}
	for ri, b := range bs {
		if v < b.v0 || v >= b.v1 {
			continue
		}
		ci := int((u - b.u0) / b.cw)
		if ci < 0 || ci >= len(layout[ri]) {
			return 0
		}
		x := (u - b.u0 - b.cw*float64(ci) - b.cw*0.1) / (b.cw * 0.8) * 5
		if x < 0 || x >= 5 {
			return 0
		}
		return means[ri][ci][int((v-b.v0)/(b.v1-b.v0)*7)][int(x)]
	}
	return 0
}

// plateModel is a layout's expected ink profiles: down the plate (mean across its middle 70%)
// and across each text row (mean over the row's band), on profN steps from 0 to 1.
type plateModel struct {
	down   []float64
	across [][]float64
}

const profN = 400

var models = func() map[string]*plateModel {
	out := map[string]*plateModel{}
	for _, layout := range [][]string{carLayout, motoLayout} {
		bs := bands(layout)
		means := make([][][7][5]float64, len(layout))
		for ri, row := range layout {
			for ci := 0; ci < len(row); ci++ {
				means[ri] = append(means[ri], meanBits(row[ci]))
			}
		}
		m := &plateModel{down: make([]float64, profN+1)}
		for i := range profN + 1 {
			v := float64(i) / profN
			for k := range 71 {
				m.down[i] += inkAt(layout, bs, means, 0.15+0.7*float64(k)/70, v) / 71
			}
		}
		for _, b := range bs {
			a := make([]float64, profN+1)
			for i := range profN + 1 {
				u := float64(i) / profN
				for k := range 21 {
					a[i] += inkAt(layout, bs, means, u, b.v0+(b.v1-b.v0)*(float64(k)+0.5)/21) / 21
				}
			}
			m.across = append(m.across, a)
		}
		out[layout[0]] = m
	}
	return out
}()

// corr1D is the mean Pearson correlation of observed profiles obs[k] (sampled at coordinates
// x0 + i*dx of the rough placement) with model profiles model[k] (over plate coordinates 0..1,
// on profN steps) placed at offset o and scale s (plate coordinate t sits at o + s*t), with ink
// dark (sign -1) or light (+1). Only observed samples on the plate count.
func corr1D(obs, model [][]float64, x0, dx, o, s, sign float64) float64 {
	total := 0.0
	for k, ob := range obs {
		i0 := max(0, int(math.Ceil((o-x0)/dx)))
		i1 := min(len(ob)-1, int((o+s-x0)/dx))
		var n, sx, sy, sxx, syy, sxy float64
		md := model[k]
		for i := i0; i <= i1; i++ {
			t := (x0 + float64(i)*dx - o) / s
			x := md[min(profN, max(0, int(t*profN+0.5)))]
			y := ob[i] * sign
			n++
			sx, sy, sxx, syy, sxy = sx+x, sy+y, sxx+x*x, syy+y*y, sxy+x*y
		}
		if n < 8 {
			return -2
		}
		vx, vy := sxx-sx*sx/n, syy-sy*sy/n
		if vx <= 0 || vy <= 0 {
			return -2
		}
		total += (sxy - sx*sy/n) / math.Sqrt(vx*vy)
	}
	return total / float64(len(obs))
}

// fit1D finds the offset and scale of the best corr1D: scales 0.88-1.12 and offsets up to
// maxOff, first in steps of 2% and 1 pixel (px is a pixel in plate units), then in steps of
// 0.5% and a quarter pixel around the best.
func fit1D(obs, model [][]float64, x0, dx, sign, maxOff, px float64) (bo, bs, best float64) {
	best, bs = -2, 1
	for s := 0.88; s <= 1.12+1e-9; s += 0.02 {
		for o := -maxOff; o <= maxOff; o += px {
			if c := corr1D(obs, model, x0, dx, o, s, sign); c > best {
				best, bo, bs = c, o, s
			}
		}
	}
	co, cs := bo, bs
	for s := cs - 0.02; s <= cs+0.02+1e-9; s += 0.005 {
		for o := co - px; o <= co+px+1e-9; o += px / 4 {
			if c := corr1D(obs, model, x0, dx, o, s, sign); c > best {
				best, bo, bs = c, o, s
			}
		}
	}
	return bo, bs, best
}

// fitPlate refines a rough plate quad (a few pixels and up to 12% in size off) to the plate's
// own edges: the plate is sampled through the rough quad's homography, and the layout's
// expected ink profile (border, text bands, glyph cells) is fitted down the plate, then across
// each text row. Both ink polarities are tried down the plate; the better fit is kept. When
// the fitted plate's left and right halves place its top and bottom differently (the
// prediction's yaw is off), the tilted placement is returned as well, second. Nothing is
// returned when the profiles fit worse than minFit: no plate there.
func fitPlate(f *decode.Frame, q quad, layout []string) []quad {
	m := squareTo(q)
	w := q.width()
	h := math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])
	if w < 4 || h < 4 {
		return nil
	}
	const ua, ub, va, vb = -0.25, 1.25, -0.4, 1.4
	nu, nv := int(w*(ub-ua))+1, int(h*(vb-va))+1
	du, dv := (ub-ua)/float64(nu-1), (vb-va)/float64(nv-1)
	g := make([]float64, nu*nv)
	for j := range nv {
		for i := range nu {
			x, y := m.at(ua+float64(i)*du, va+float64(j)*dv)
			g[j*nu+i] = bilinear(f, x, y)
		}
	}
	md := models[layout[0]]
	// down the plate: rows averaged over the middle 70% of the rough width
	down := make([]float64, nv)
	i0, i1 := int((0.15-ua)/du), int((0.85-ua)/du)
	for j := range nv {
		for i := i0; i <= i1; i++ {
			down[j] += g[j*nu+i]
		}
	}
	// ink polarity: the better fit down the plate
	sign, vo, vs, vc := -1.0, 0.0, 1.0, -2.0
	for _, sg := range [...]float64{-1, 1} {
		if o, s, c := fit1D([][]float64{down}, [][]float64{md.down}, va, dv, sg, 0.35, 1/h); c > vc {
			sign, vo, vs, vc = sg, o, s, c
		}
	}
	if vc < minFit {
		return nil
	}
	// across each text row (columns averaged over the row's band) through q1, the plate's
	// placement down with v0 and s0 its offset and scale on the left side, v1 and s1 on the right
	across := func(v0, s0, v1, s1 float64) (quad, float64) {
		var q1 quad
		for k, cn := range [4][2]float64{{0, v0}, {1, v1}, {1, v1 + s1}, {0, v0 + s0}} {
			x, y := m.at(cn[0], cn[1])
			q1[k] = wire.Point{x, y}
		}
		m1 := squareTo(q1)
		var rows [][]float64
		for _, b := range bands(layout) {
			a := make([]float64, nu)
			n := max(2, int((b.v1-b.v0)*h))
			for j := range n {
				v := b.v0 + (b.v1-b.v0)*(float64(j)+0.5)/float64(n)
				for i := range nu {
					x, y := m1.at(ua+float64(i)*du, v)
					a[i] += bilinear(f, x, y)
				}
			}
			rows = append(rows, a)
		}
		ho, hs, hc := fit1D(rows, md.across, ua, du, sign, 0.2, 1/w)
		var out quad
		for k, cn := range [4][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}} {
			x, y := m1.at(ho+hs*cn[0], cn[1])
			out[k] = wire.Point{x, y}
		}
		return out, hc
	}
	level, hc := across(vo, vs, vo, vs)
	if hc < minFit {
		return nil
	}
	// the plate's top and bottom on its left and right halves (the prediction's yaw may be
	// off), extrapolated to the sides when the halves agree: a second placement
	mh := squareTo(level)
	half := func(a, b float64) (float64, float64, float64) {
		d := make([]float64, nv)
		for j := range nv {
			for u := a; u <= b; u += 1 / w {
				x, y := mh.at(u, va+float64(j)*dv)
				d[j] += bilinear(f, x, y)
			}
		}
		return fit1D([][]float64{d}, [][]float64{md.down}, va, dv, sign, 0.35, 1/h)
	}
	oL, sL, cL := half(0.06, 0.46)
	oR, sR, cR := half(0.54, 0.94)
	if cL < 0.5 || cR < 0.5 || math.Abs(oL-oR) > 0.3 || math.Abs(sL-sR) > 0.1 || math.Abs(oL-oR) < 0.02 {
		return []quad{level}
	}
	k := 0.26 / 0.48 // from the halves' centres (0.26, 0.74) out to the sides
	var tilted quad
	for i, cn := range [4][2]float64{{0, oL - (oR-oL)*k}, {1, oR + (oR-oL)*k}, {1, oR + (oR-oL)*k + sR + (sR-sL)*k}, {0, oL - (oR-oL)*k + sL - (sR-sL)*k}} {
		x, y := mh.at(cn[0], cn[1])
		tilted[i] = wire.Point{x, y}
	}
	return []quad{level, tilted}
}
