package detect

import (
	"math"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/wire"
)

func sqrt(x float64) float64 { return math.Sqrt(x) }

// Plate geometry (Circular 24/2023): sizes in metres and the height of the plate centre.
const (
	carPlateW, carPlateH, carPlateZ    = 0.52, 0.11, 0.45
	motoPlateW, motoPlateH, motoPlateZ = 0.19, 0.14, 0.75
	// Narrower plates are not read: below about 1.2 px per glyph column the 5 x 7 glyphs
	// cannot be told apart (see TestReadPlate), and each attempt costs about 1 ms.
	minCarPlatePx  = 60
	minMotoPlatePx = 28
	minPlateScore  = 0.55
)

// quad is a plate's image corners: top-left, top-right, bottom-right, bottom-left.
type quad [4]wire.Point

// at maps plate coordinates (u across, v down, both 0..1) into the image, bilinearly.
func (q quad) at(u, v float64) (float64, float64) {
	tx := q[0][0] + (q[1][0]-q[0][0])*u
	ty := q[0][1] + (q[1][1]-q[0][1])*u
	bx := q[3][0] + (q[2][0]-q[3][0])*u
	by := q[3][1] + (q[2][1]-q[3][1])*u
	return tx + (bx-tx)*v, ty + (by-ty)*v
}

func (q quad) width() float64 { return math.Hypot(q[1][0]-q[0][0], q[1][1]-q[0][1]) }

func (q quad) shift(dx, dy, s float64) quad {
	cx := (q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4
	cy := (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4
	var o quad
	for i, p := range q {
		o[i] = wire.Point{cx + (p[0]-cx)*s + dx, cy + (p[1]-cy)*s + dy}
	}
	return o
}

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

// readQuad reads the plate text inside q with the given layout. Each glyph cell is sampled on
// the 5 x 7 grid of the font and matched by correlation against the glyphs allowed at its
// position; each glyph may sit up to a third of a cell off the layout (perspective, a placement
// that is slightly off), ink dark on light or light on dark, whichever fits better. score is the
// mean correlation of the chosen glyphs.
func readQuad(f *decode.Frame, q quad, layout []string) (text string, score float64) {
	best := -2.0
	var s [35]float64
	for _, inv := range []bool{false, true} {
		var out []byte
		total, n := 0.0, 0
		for ri, row := range layout {
			v0, v1 := 0.2, 0.8
			cw := 0.88 / float64(len(row))
			u0 := 0.06
			if len(layout) == 2 {
				v0, v1 = 0.13+0.4*float64(ri), 0.47+0.4*float64(ri)
				cw = math.Min(cw, 0.16)
				u0 = 0.5 - cw*float64(len(row))/2
			}
			if ri > 0 {
				out = append(out, ' ')
			}
			for ci := 0; ci < len(row); ci++ {
				var cand string
				switch row[ci] {
				case 'D':
					cand = digits
				case 'L':
					cand = letters
				default:
					out = append(out, row[ci])
					continue
				}
				gw := cw * 0.8
				bc, bs := byte('?'), -2.0
				for _, du := range [...]float64{0, -0.15, 0.15, -0.3, 0.3} {
					for _, dv := range [...]float64{0, -0.06, 0.06} {
						cu := u0 + cw*float64(ci) + cw*0.1 + du*cw
						cv0, cv1 := v0+dv*(v1-v0), v1+dv*(v1-v0)
						for r := range 7 {
							for c := range 5 {
								x, y := q.at(cu+gw*(float64(c)+0.5)/5, cv0+(cv1-cv0)*(float64(r)+0.5)/7)
								v := bilinear(f, x, y)
								if !inv {
									v = -v // ink is dark: make it positive
								}
								s[r*5+c] = v
							}
						}
						sn := normalize(s)
						for i := 0; i < len(cand); i++ {
							t := templates[cand[i]]
							k := 0.0
							for j := range 35 {
								k += sn[j] * t[j]
							}
							if k > bs {
								bc, bs = cand[i], k
							}
						}
					}
				}
				out = append(out, bc)
				total += bs
				n++
			}
		}
		if n > 0 && total/float64(n) > best {
			best, text = total/float64(n), string(out)
		}
	}
	return text, best
}

// locate finds the plate near the predicted quad q: on a grid over the plate's neighbourhood
// (in q's own coordinates, about a sample per pixel) the text block is where the horizontal
// gradient is densest; the window of the text block's size with the most gradient gives the
// plate's placement, to about a pixel.
func locate(f *decode.Frame, q quad, layout []string) quad {
	w := q.width()
	h := math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])
	const ua, ub, va, vb = -0.6, 1.6, -1.4, 2.4
	nu := int(w*(ub-ua)) + 2
	nv := int(h*(vb-va)) + 2
	if nu*nv > 400000 {
		return q
	}
	grid := make([]float64, nu*nv)
	for j := 0; j < nv; j++ {
		v := va + (vb-va)*float64(j)/float64(nv-1)
		for i := 0; i < nu; i++ {
			x, y := q.at(ua+(ub-ua)*float64(i)/float64(nu-1), v)
			grid[j*nu+i] = bilinear(f, x, y)
		}
	}
	integ := make([]float64, (nu+1)*(nv+1))
	for j := 0; j < nv; j++ {
		row := 0.0
		for i := 0; i < nu; i++ {
			g := 0.0
			if i+1 < nu {
				g += math.Abs(grid[j*nu+i+1] - grid[j*nu+i])
			}
			if j+1 < nv {
				g += math.Abs(grid[(j+1)*nu+i] - grid[j*nu+i])
			}
			row += g
			integ[(j+1)*(nu+1)+i+1] = integ[j*(nu+1)+i+1] + row
		}
	}
	// the whole plate, border included: its edges end the window on every side
	tu0, tu1, tv0, tv1 := 0.0, 1.0, 0.0, 1.0
	tw := int((tu1 - tu0) / (ub - ua) * float64(nu-1))
	th := int((tv1 - tv0) / (vb - va) * float64(nv-1))
	best, bi, bj := -1.0, 0, 0
	for j := 0; j+th <= nv; j++ {
		for i := 0; i+tw <= nu; i++ {
			s := integ[(j+th)*(nu+1)+i+tw] - integ[j*(nu+1)+i+tw] - integ[(j+th)*(nu+1)+i] + integ[j*(nu+1)+i]
			if s > best {
				best, bi, bj = s, i, j
			}
		}
	}
	du := ua + (ub-ua)*float64(bi)/float64(nu-1) - tu0
	dv := va + (vb-va)*float64(bj)/float64(nv-1) - tv0
	var o quad
	for k, c := range [4][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}} {
		x, y := q.at(c[0]+du, c[1]+dv)
		o[k] = wire.Point{x, y}
	}
	return o
}

// readPlateNear locates the plate around the predicted quad, then reads it at the best of a
// few placements around that.
func readPlateNear(f *decode.Frame, q quad, layout []string) (string, float64) {
	q = locate(f, q, layout)
	w := q.width()
	h := math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])
	bestT, bestS := "", -2.0
	for _, s := range []float64{0.92, 1, 1.08} {
		for iy := -1; iy <= 1; iy++ {
			for ix := -1; ix <= 1; ix++ {
				t, sc := readQuad(f, q.shift(float64(ix)*w*0.02, float64(iy)*h*0.06, s), layout)
				if sc > bestS {
					bestT, bestS = t, sc
				}
			}
		}
	}
	return bestT, bestS
}

// tryPlate reads the plate of a track on this frame when it is worth it: the plate faces the
// camera, is wide enough, and has grown by 15% since the last attempt at least 5 frames ago (or
// 25 frames passed);
// the best-scoring reading is kept.
func (d *Detector) tryPlate(f *decode.Frame, tr *track) {
	if tr.missed > 0 || tr.seen < minSeen || tr.plateScore > 0.9 {
		return
	}
	cls := tr.class()
	if cls == wire.Bicycle {
		return
	}
	g := tr.last().ground
	dir, speed := unit(tr.vel)
	if speed < movingMS {
		if l := d.laneOf(g); l >= 0 {
			dir = d.cal.Lanes[l].Direction
		} else {
			return
		}
	}
	cam := d.cal.Pinhole.Position
	toward := dot2(dir, wire.Point{cam[0] - g[0], cam[1] - g[1]}) >= 0
	moto := cls == wire.Motorbike
	if moto && toward {
		return // motorbikes carry no front plate
	}
	q, ok := d.plateQuad(g, dir, moto)
	if !ok {
		return
	}
	w := q.width()
	floor := float64(minCarPlatePx)
	if moto {
		floor = minMotoPlatePx
	}
	if w < floor || d.frame-tr.plateTried < 5 || (w < tr.plateW*1.15 && d.frame-tr.plateTried < 25) {
		return
	}
	tr.plateTried, tr.plateW = d.frame, w
	layout := carLayout
	if moto {
		layout = motoLayout
	}
	text, score := readPlateNear(f, q, layout)
	if score > tr.plateScore {
		tr.plate, tr.plateScore = text, score
	}
}
