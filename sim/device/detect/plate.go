package detect

import (
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/device/detect/plateread"
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
	minPlateScore = plateread.MinScore
)

// plateQuad predicts where the plate of a vehicle standing with its nearest face at road point
// g, travelling along dir, appears in the image (the calibration's pinhole model).
func (d *Detector) plateQuad(g, dir wire.Point, moto bool) (plateread.Quad, bool) {
	w, h, z := carPlateW, carPlateH, carPlateZ
	if moto {
		w, h, z = motoPlateW, motoPlateH, motoPlateZ
	}
	p := d.cal.Pinhole
	if p.FocalPx == 0 {
		return plateread.Quad{}, false
	}
	// viewer's left-to-right axis across the face: perpendicular to dir, pointing to image right
	r := wire.Point{dir[1], -dir[0]}
	a, _, ok1 := p.Project(wire.Vec3{g[0] - r[0]*w/2, g[1] - r[1]*w/2, z})
	b, _, ok2 := p.Project(wire.Vec3{g[0] + r[0]*w/2, g[1] + r[1]*w/2, z})
	if !ok1 || !ok2 {
		return plateread.Quad{}, false
	}
	if a[0] > b[0] {
		r = wire.Point{-r[0], -r[1]}
	}
	var q plateread.Quad
	corners := [4][3]float64{{-w / 2, 0, z + h/2}, {w / 2, 0, z + h/2}, {w / 2, 0, z - h/2}, {-w / 2, 0, z - h/2}}
	for i, c := range corners {
		pt, _, ok := p.Project(wire.Vec3{g[0] + r[0]*c[0], g[1] + r[1]*c[0], c[2]})
		if !ok {
			return plateread.Quad{}, false
		}
		q[i] = pt
	}
	return q, true
}

// tryPlate reads the plate of a track on this frame when it is worth it: the track has no
// reading above 0.9 yet, its box is clear of the image's bottom edge, its plate faces the
// camera, its characters look at least minCharPx high with minStrokePx strokes, and the plate
// has grown by 15% since the last attempt at least 5 frames ago (or 25 frames passed). The best-scoring reading of the track is kept.
func (d *Detector) tryPlate(f *decode.Frame, tr *track) {
	if tr.Missed > 0 || tr.Seen < minSeen || tr.plateScore > 0.9 {
		return
	}
	if b := tr.Last().Box; b[3] >= float64(d.cal.Height-2*d.s) {
		// cut by the image's bottom edge (entering, or a zoomed camera's near vehicle): its
		// ground point and so the plate's predicted place and size are not known yet, and an
		// attempt there would hold the next one back until the plate looks 15% wider
		return
	}
	cls := tr.Class()
	if cls == wire.Bicycle {
		return
	}
	g := tr.Last().Ground
	cam := d.cal.Pinhole.Position
	dir, speed := unit(tr.Vel)
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
	layout := plateread.Layout(moto)
	w := q.Width()
	if ch, sw := plateread.CharPx(q, layout); ch < minCharPx || sw < minStrokePx || d.frame-tr.plateTried < 5 || (w < tr.plateW*1.15 && d.frame-tr.plateTried < 25) {
		return
	}
	tr.plateTried, tr.plateW = d.frame, w
	text, score := plateread.Read(f, q, tr.Last().Box, layout)
	if score > tr.plateScore {
		tr.plate, tr.plateScore = text, score
	}
}
