package detect

import (
	"math"
	"slices"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// Tyre check: seen from behind or in front, below its riders' shins (0.32 m up) a two-wheeler
// shows only its tyre: a motorbike's is 0.11 m wide, a bicycle's 0.05 m (synth/shape, as real
// ones: 90-110 mm scooter tyres, 25-50 mm bicycle tyres). Bicycles ride at 10-16 km/h, as fast
// as a motorbike reaching a queue, so speed alone cannot tell them apart; the tyre can, near
// enough to the camera.
const (
	tyreLoM     = 0.06 // the band of rows measured, metres above the road
	tyreHiM     = 0.26
	tyreY       = 48    // luma at or below which a pixel can be tyre (tyres are near black)
	thinTyreM   = 0.095 // a tyre narrower than this is a bicycle's
	minTyrePPM  = 60    // ground scale (pixels per metre) below which the tyre is not measured
	tyreCos     = 0.8   // heading within ~37 degrees of the line of sight
	tyreAloneM  = 1.0   // a blob wider than this at its base holds more than one two-wheeler
	tyreVotes   = 5     // tyre measurements before they tell (3: a motorbike read thin on 3 frames of the demo clips)
	minTyreRows = 3
	// maxBicycleMS: a track ever faster than this (20 km/h) is no bicycle (they ride 10-16 km/h)
	// whatever its tyre reads: a light motorbike read thin on most frames of the demo clips.
	maxBicycleMS = 5.5
)

// tyreWidth measures, on a track's newest frame, the tyre of a two-wheeler alone in its blob,
// seen from behind or in front: the median over the band's rows of the longest run of near-black
// pixels in the middle of the box, in metres; ok is false when it cannot be measured.
func (d *Detector) tyreWidth(f *decode.Frame, tr *track) (float64, bool) {
	s := tr.Last()
	b := s.Box
	p := d.cal.Pinhole
	if p.FocalPx == 0 || s.WidthM <= 0 || s.WidthM > tyreAloneM || !d.clear(b) {
		return 0, false
	}
	cam := p.Position
	los, _ := unit(wire.Point{s.Ground[0] - cam[0], s.Ground[1] - cam[1]})
	dir, speed := unit(tr.Vel)
	if speed < 0.5 || math.Abs(dot2(dir, los)) < tyreCos {
		return 0, false
	}
	g := s.Ground
	a, _, ok1 := p.Project(wire.Vec3{g[0] - 0.5, g[1], 0.1})
	c, _, ok2 := p.Project(wire.Vec3{g[0] + 0.5, g[1], 0.1})
	lo, _, ok3 := p.Project(wire.Vec3{g[0], g[1], tyreLoM})
	hi, _, ok4 := p.Project(wire.Vec3{g[0], g[1], tyreHiM})
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, false
	}
	ppm := math.Hypot(c[0]-a[0], c[1]-a[1])
	if ppm < minTyrePPM {
		return 0, false
	}
	// the band sits on the box's bottom, where the tyre meets the road
	vppm := (lo[1] - hi[1]) / (tyreHiM - tyreLoM)
	y0, y1 := int(b[3]-tyreHiM*vppm), int(b[3]-tyreLoM*vppm)
	cx, half := (b[0]+b[2])/2, (b[2]-b[0])/4
	x0, x1 := max(0, int(cx-half)), min(f.Width, int(cx+half)+1)
	var runs []int
	for y := max(0, y0); y < min(f.Height, y1); y++ {
		best, run := 0, 0
		for x := x0; x < x1; x++ {
			if f.Y[y*f.Width+x] > tyreY {
				run = 0
				continue
			}
			run++
			best = max(best, run)
		}
		if best > 0 {
			runs = append(runs, best)
		}
	}
	if len(runs) < minTyreRows {
		return 0, false
	}
	slices.Sort(runs)
	return float64(runs[len(runs)/2]) / ppm, true
}

// tyres reports whether tyre measurements say one thing: yes of them tyreVotes or more and at
// least twice as many as no (measured on rendered clips: bicycles' median 0.063-0.082 m, 9 of 11
// tracks; motorbikes' 0.098 m or more, 151 of 154).
func tyres(yes, no int) bool { return yes >= tyreVotes && yes >= 2*no }

// bicycle reports whether a track's tyre says it is a bicycle (its size reads motorbike).
func (tr *track) bicycle() bool { return tyres(tr.helm.thin, tr.helm.thick) }
