package detect

import (
	"math"

	"github.com/trafficsim/trafficsim/wire"
)

// Zoomed cameras (ANPR: 2560x1440, focal 6000 px, 5 m up) see vehicles a third of the frame
// wide. Their foreground breaks up and joins in ways an overview camera's does not: a grey car
// on grey asphalt shows as its windows, lamps and plate, pieces up to 0.3 m apart; and a
// vehicle queued behind another is hidden by it up to its roof, so the two make one blob of the
// whole frame height. The detector joins blobs a plain panel apart when their union can be one
// vehicle standing at its bottom row (the calibrated size of the largest vehicle of its width
// there) and one of them is a flat piece (a window, lamps, a plate, a bumper), so a car is one
// blob again while motorbikes, riders and whole cars side by side stay apart. (Cutting blobs
// taller than a vehicle standing at their bottom row does not help with queues: the camera
// sees 12-24 m of road, and the roof of a car whose rear is more than 16 m away is above the
// image's top edge already.)

// zoomMotoFrac: a camera is zoomed when a motorbike and rider (1.7 m) standing at the image's
// bottom row fill at least this share of the image height (ANPR camera: 52%; the shipped
// overview cameras, 7 m up with a 1600 px lens: 26%).
const zoomMotoFrac = 0.4

// zoomGapM is the widest gap of background between pieces of one vehicle that are joined: a
// car's plain rear panel between its window and its lamps, and between its lamps and its plate
// (0.2-0.3 m on rendered ANPR frames).
const zoomGapM = 0.45

// zoomGapPx returns the joining gap in small-image pixels for a zoomed camera, 0 for the
// others: zoomGapM at the scale of the image's middle row (a post's pixels per metre).
func zoomGapPx(cal wire.Calibration, scale int) int {
	p := cal.Pinhole
	if p.FocalPx == 0 {
		return 0
	}
	ppm := func(y float64) float64 {
		g, ok := wire.Apply(cal.ImageToRoad, wire.Point{float64(cal.Width) / 2, y})
		if !ok {
			return 0
		}
		a, _, ok1 := p.Project(wire.Vec3{g[0], g[1], 0})
		b, _, ok2 := p.Project(wire.Vec3{g[0], g[1], 1})
		if !ok1 || !ok2 {
			return 0
		}
		return a[1] - b[1]
	}
	if ppm(float64(cal.Height-1))*1.7 < zoomMotoFrac*float64(cal.Height) {
		return 0
	}
	return max(1, int(math.Round(ppm(float64(cal.Height)/2)*zoomGapM/float64(scale))))
}

// zoomBlobs finds the blobs of a zoomed camera: the mask's components down to a quarter of
// minArea (a car's lamps and plate), joined into vehicles by groupBlobs; what stays under
// minArea is dropped.
func (d *Detector) zoomBlobs(minArea int) []blob {
	m := d.fg
	if d.zoomGap == 0 {
		return m.blobs(minArea)
	}
	var out []blob
	for _, b := range d.groupBlobs(m.blobs(max(1, minArea/4)), d.zoomGap) {
		if b.area >= minArea {
			out = append(out, b)
		}
	}
	return out
}

// classSize is the largest vehicle of each class (length, width, height in metres: the sizes the
// world draws, synth/world/vehicle.go).
var classSize = map[wire.Class][3]float64{
	wire.Motorbike: {2.0, 0.78, 1.75},
	wire.Car:       {4.9, 1.9, 1.75},
	wire.Bus:       {12, 2.55, 3.4},
}

// groupBlobs joins blobs (small-image pixels, with the labelling's margin of one pixel) that lie
// within gap pixels of each other when one of them is flat and their union can be one vehicle
// standing at its bottom row: no wider than a bus, no taller than the largest vehicle of its
// width there.
func (d *Detector) groupBlobs(bs []blob, gap int) []blob {
	flat := make([]bool, len(bs))
	for i, b := range bs {
		flat[i] = d.flat(b)
	}
	// a blob that grew is compared with every other again; pairs of unchanged blobs are not
	for i := 0; i < len(bs); {
		grew := false
		for j := range bs {
			if j == i || !flat[i] && !flat[j] {
				continue
			}
			a, b := bs[i], bs[j]
			if max(b.x0-a.x1, a.x0-b.x1, b.y0-a.y1, a.y0-b.y1) > gap {
				continue
			}
			u := blob{x0: min(a.x0, b.x0), y0: min(a.y0, b.y0), x1: max(a.x1, b.x1), y1: max(a.y1, b.y1), area: a.area + b.area}
			if _, ok := d.oneVehicle(u); !ok {
				continue
			}
			bs[i], flat[i] = u, d.flat(u)
			bs, flat = append(bs[:j], bs[j+1:]...), append(flat[:j], flat[j+1:]...)
			if j < i {
				i--
			}
			grew = true
			break
		}
		if !grew {
			i++
		}
	}
	return bs
}

// oneVehicle reports whether a box (small pixels) can be one vehicle standing at its bottom row,
// and its class by width.
func (d *Detector) oneVehicle(b blob) (wire.Class, bool) {
	s := float64(d.s)
	yb := float64(b.y1-1) * s
	l, ok1 := wire.Apply(d.cal.ImageToRoad, wire.Point{float64(b.x0+1) * s, yb})
	r, ok2 := wire.Apply(d.cal.ImageToRoad, wire.Point{float64(b.x1-1) * s, yb})
	g, ok3 := wire.Apply(d.cal.ImageToRoad, wire.Point{float64(b.x0+b.x1) / 2 * s, yb})
	if !ok1 || !ok2 || !ok3 {
		return "", false
	}
	wm := math.Hypot(r[0]-l[0], r[1]-l[1])
	cls := wire.Bus
	switch {
	case wm < 1.3:
		cls = wire.Motorbike
	case wm < 2.7:
		cls = wire.Car
	case wm > 3.3:
		return "", false
	}
	top, ok := d.expectedTop(g, cls)
	if !ok {
		return "", false
	}
	return cls, float64(b.y0+1)*s >= top-0.15*(yb-top)
}

// flatM is the tallest piece, in metres of a post at its bottom row, that joins another: a
// car's window, lamps, plate or bumper; a motorbike with its rider, or a car seen whole, is
// taller.
const flatM = 0.7

// flat reports whether a blob is a flat piece of a vehicle (shorter than flatM).
func (d *Detector) flat(b blob) bool {
	s := float64(d.s)
	box := wire.Box{float64(b.x0+1) * s, float64(b.y0+1) * s, float64(b.x1-1) * s, float64(b.y1-1) * s}
	g, ok := wire.Apply(d.cal.ImageToRoad, wire.Point{(box[0] + box[2]) / 2, box[3]})
	if !ok {
		return false
	}
	h := d.heightM(g, box)
	return h > 0 && h < flatM
}

// expectedTop is the image row of the top of the largest vehicle of class c whose nearest face
// stands at road point g, lying along its lane (or, off the lanes, along the line of sight).
func (d *Detector) expectedTop(g wire.Point, c wire.Class) (float64, bool) {
	sz := classSize[c]
	cam := d.cal.Pinhole.Position
	away, _ := unit(wire.Point{g[0] - cam[0], g[1] - cam[1]})
	dir := away
	if l := d.laneOf(g); l >= 0 {
		if ld, n := unit(d.cal.Lanes[l].Direction); n > 0 {
			dir = ld
			if dot2(ld, away) < 0 {
				dir = wire.Point{-ld[0], -ld[1]}
			}
		}
	}
	ctr := wire.Point{g[0] + dir[0]*sz[0]/2, g[1] + dir[1]*sz[0]/2}
	head := math.Atan2(dir[0], dir[1]) * 180 / math.Pi
	bx, ok := d.cal.Pinhole.ProjectCuboid(wire.Cuboid{Center: ctr, HeadingDeg: head, Length: sz[0], Width: sz[1], Height: sz[2]})
	if !ok {
		return 0, false
	}
	return bx[1], true
}
