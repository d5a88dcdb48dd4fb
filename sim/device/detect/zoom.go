package detect

import (
	"math"

	"github.com/trafficsim/trafficsim/sim/wire"
)

// Zoomed cameras (ANPR: 2560x1440, focal 6000 px, 5 m up) see vehicles a third of the frame
// wide. Their foreground breaks up and joins in ways an overview camera's does not: a grey car
// on grey asphalt shows as its windows, lamps and plate, pieces up to 0.3 m apart; and a
// vehicle queued behind another is hidden by it up to its roof, so the two make one blob of the
// whole frame height. The detector closes the mask over a gap of a vehicle's plain panel, so a
// vehicle is one blob again. (Cutting blobs taller than a vehicle standing at their bottom row
// does not help there: the camera sees 12-24 m of road, and the roof of a car whose rear is
// more than 16 m away is above the image's top edge already.)

// zoomMotoFrac: a camera is zoomed when a motorbike and rider (1.7 m) standing at the image's
// bottom row fill at least this share of the image height (ANPR camera: 52%; the shipped
// overview cameras, 7 m up with a 1600 px lens: 26%).
const zoomMotoFrac = 0.4

// zoomGapM is the widest gap of background between pieces of one vehicle that the zoomed mask
// closes: a car's plain rear panel between its window and its lamps, and between its lamps and
// its plate (0.2-0.3 m on rendered ANPR frames).
const zoomGapM = 0.45

// zoomRadius returns the closing radius in small-image pixels for a zoomed camera, 0 for the
// others: half of zoomGapM at the scale of the image's middle row (a post's pixels per metre).
func zoomRadius(cal wire.Calibration, scale int) int {
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
	return max(1, int(math.Round(ppm(float64(cal.Height)/2)*zoomGapM/2/float64(scale))))
}

// zoomBlobs finds the blobs of a zoomed camera: the components of the mask closed over gaps of
// zoomGapM, each one's box and area taken from the unclosed mask.
func (d *Detector) zoomBlobs(minArea int) []blob {
	m := d.fg
	if d.zoomR == 0 {
		return m.blobs(minArea)
	}
	if len(d.closed) != len(m.mask) {
		d.closed = make([]uint8, len(m.mask))
		d.tmpMask = make([]uint8, len(m.mask))
	}
	dilate(m.mask, d.tmpMask, d.closed, m.w, m.h, d.zoomR-1) // blobs adds one more pixel
	orig := m.mask
	m.mask = d.closed
	bs := m.blobs(minArea)
	m.mask = orig
	var out []blob
	for _, b := range bs {
		b = m.tight(b)
		if b.area < minArea {
			continue
		}
		// the caller removes the dilation margin of one pixel
		b.x0, b.y0, b.x1, b.y1 = max(0, b.x0-1), max(0, b.y0-1), min(m.w, b.x1+1), min(m.h, b.y1+1)
		out = append(out, b)
	}
	return out
}

// dilate sets dst to src grown by r pixels each way (a square), through tmp.
func dilate(src, tmp, dst []uint8, w, h, r int) {
	if r <= 0 {
		copy(dst, src)
		return
	}
	for y := range h {
		row, out := src[y*w:(y+1)*w], tmp[y*w:(y+1)*w]
		last := -1 << 30 // last set column
		for x := range w {
			if row[x] != 0 {
				last = x
			}
			out[x] = 0
			if x-last <= r {
				out[x] = 1
			}
		}
		last = 1 << 30
		for x := w - 1; x >= 0; x-- {
			if row[x] != 0 {
				last = x
			}
			if last-x <= r {
				out[x] = 1
			}
		}
	}
	for x := range w {
		last := -1 << 30
		for y := range h {
			if tmp[y*w+x] != 0 {
				last = y
			}
			dst[y*w+x] = 0
			if y-last <= r {
				dst[y*w+x] = 1
			}
		}
		last = 1 << 30
		for y := h - 1; y >= 0; y-- {
			if tmp[y*w+x] != 0 {
				last = y
			}
			if last-y <= r {
				dst[y*w+x] = 1
			}
		}
	}
}

// tight shrinks a blob to the mask pixels inside its box and counts them (0 area: none).
func (m *fg) tight(b blob) blob {
	t := blob{x0: b.x1, y0: b.y1, x1: b.x0, y1: b.y0}
	for y := b.y0; y < b.y1; y++ {
		row := m.mask[y*m.w:]
		for x := b.x0; x < b.x1; x++ {
			if row[x] != 0 {
				t.area++
				t.x0, t.x1 = min(t.x0, x), max(t.x1, x+1)
				t.y0, t.y1 = min(t.y0, y), max(t.y1, y+1)
			}
		}
	}
	if t.area == 0 {
		return blob{}
	}
	return t
}
