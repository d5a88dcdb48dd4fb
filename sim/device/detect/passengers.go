package detect

import (
	"math"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// Rider geometry (synth/shape, and people on motorbikes): riders sit riderGapM apart along the
// bike, each head headHM tall and each one further back riderDropM lower; a head is narrower
// than headMaxM, shoulders and arms are wider.
const (
	riderGapM  = 0.30
	headHM     = 0.27
	riderDropM = 0.035
	headTopM   = 1.65 // top of the driver's head above the road
	neckM      = 0.03 // from the chin to the shoulders
	stripM     = 0.05 // half width of the central strip sampled down the head stack
	sideM      = 0.16 // distance of the side strips (on the shoulders) from the centre
	capM       = 0.2  // diameter of the top of a head or helmet
	sameColor  = 12   // |dY|/3+|dCb|+|dCr| under which two strips have the same colour (shading changes Y)
)

// riderStack measures, in full-resolution pixels, how far down from the top of a motorbike's
// silhouette the heads go: seen from behind and above, each passenger's head shows below the
// head of the one in front (and the shoulders of the one in front show beside it), so the stack
// of heads is one head tall for one rider and grows by a step per passenger. It ends at the first
// rows where the central strip has the colour of both side strips: the back of the last rider,
// whose shirt spans the shoulders (not within the first head: a helmet can have the colour of
// the road beside it). top is the first row of the silhouette, cx its centre, ppm the scale
// (pixels per metre) at the heads; maxRows bounds the search. Seen obliquely, each head back
// stands aside of the one before, and each rider's back under its head: below the first lead
// rows (one rider's head and neck) the strips move slope columns per row down.
func riderStack(f *decode.Frame, top, cx int, ppm float64, maxRows int, slope float64, lead int) (rows int, ok bool) {
	half := max(1, int(stripM*ppm+0.5))
	side := int(sideM*ppm + 0.5)
	sw := max(1, half/2)
	reach := int(math.Abs(slope)*float64(max(0, maxRows-lead)) + 0.5)
	if cx-side-sw-reach < 0 || cx+side+sw+reach >= f.Width || top < 0 {
		return 0, false
	}
	mean := func(y, x0, x1 int) (int, int, int) {
		var sy, sb, sr, n int
		cw := f.CW()
		for x := x0; x < x1; x++ {
			sy += int(f.Y[y*f.Width+x])
			sb += int(f.Cb[(y/2)*cw+x/2])
			sr += int(f.Cr[(y/2)*cw+x/2])
			n++
		}
		return sy / n, sb / n, sr / n
	}
	same := 0
	from := top + int((headHM-stripM)*ppm)
	for y := from; y < min(f.Height, top+maxRows); y++ {
		c := cx + int(math.Round(slope*float64(max(0, y-top-lead))))
		cy, cb, cr := mean(y, c-half, c+half+1)
		ly, lb, lr := mean(y, c-side-sw, c-side+sw+1)
		ry, rb, rr := mean(y, c+side-sw, c+side+sw+1)
		if abs(cy-ly)/3+abs(cb-lb)+abs(cr-lr) < sameColor && abs(cy-ry)/3+abs(cb-rb)+abs(cr-rr) < sameColor {
			same++
			if same == 3 {
				return y - 2 - top, true
			}
			continue
		}
		same = 0
	}
	return 0, false
}

// riderStep is where the head of the next rider back shows in the image, relative to the one
// before, on a motorbike at road point g heading dir (a unit vector): dy rows lower (the step
// of the stack), and slope columns aside per row down (0 straight away from the camera, more
// the more obliquely it is seen).
func (d *Detector) riderStep(g, dir wire.Point) (dy, slope float64, ok bool) {
	p := d.cal.Pinhole
	a, _, ok1 := p.Project(wire.Vec3{g[0], g[1], headTopM})
	b, _, ok2 := p.Project(wire.Vec3{g[0] - dir[0]*riderGapM, g[1] - dir[1]*riderGapM, headTopM - riderDropM})
	if !ok1 || !ok2 || b[1]-a[1] < 0.5 {
		return 0, 0, false
	}
	return b[1] - a[1], (b[0] - a[0]) / (b[1] - a[1]), true
}

// stackPPM is the image scale (full-resolution pixels per metre, vertically) at the heads of a
// motorbike standing at road point g (helmet.go's headPPM is the scale across).
func (d *Detector) stackPPM(g wire.Point) float64 {
	p := d.cal.Pinhole
	a, _, ok1 := p.Project(wire.Vec3{g[0], g[1], headTopM - 0.5})
	b, _, ok2 := p.Project(wire.Vec3{g[0], g[1], headTopM})
	if !ok1 || !ok2 || a[1]-b[1] <= 0 {
		return 0
	}
	return (a[1] - b[1]) / 0.5
}

// headTop finds the top of the silhouette of a box (full-resolution pixels): the first row of
// the foreground mask inside it, the centre of the mask over the next head's height (ppm: pixels
// per metre at the heads), then the first full-resolution row there that differs from the
// background model.
func (d *Detector) headTop(f *decode.Frame, b wire.Box, ppm float64) (top, cx int, ok bool) {
	s := d.s
	x0, x1 := max(0, int(b[0])/s), min(d.w, int(b[2])/s+1)
	y0, y1 := max(0, int(b[1])/s-1), min(d.h, int(b[3])/s)
	m := d.fg.Mask
	ty := -1
	for y := y0; y < y1 && ty < 0; y++ {
		for x := x0; x < x1; x++ {
			if m[y*d.w+x] != 0 {
				ty = y
				break
			}
		}
	}
	if ty < 0 {
		return 0, 0, false
	}
	sx, n := 0, 0
	for y := ty; y < min(y1, ty+max(1, int(0.15*ppm)/s)); y++ {
		for x := x0; x < x1; x++ {
			if m[y*d.w+x] != 0 {
				sx += x
				n++
			}
		}
	}
	cx = (sx*s + s/2*n) / n
	thr := d.threshold() / 2
	for y := max(0, (ty-1)*s); y < min(f.Height, (ty+2)*s); y++ {
		bg := int(d.fg.BG[(y/s)*d.w+cx/s] >> 8)
		v := 0
		for x := cx - 1; x <= cx+1; x++ {
			v += int(f.Y[y*f.Width+min(max(x, 0), f.Width-1)])
		}
		if abs(v/3-bg) > thr {
			return y, cx, true
		}
	}
	return ty * s, cx, true
}

// Passenger check constants.
const (
	paxVotes    = 3                      // rider-stack measurements per track before deciding
	paxMaxS     = 1.5                    // a track measured this long without enough votes is left undecided
	slowVotes   = 6                      // measurements of a track slower than minMotoMS (4 in 5 must show 3 or more)
	paxMaxRatio = 4.5                    // a longer stack (a 4-rider one is 3 steps) did not end on a rider's back: not measured
	paxRatio    = 1.6                    // stack this many steps longer than one head: 3 or more riders
	paxAwayCos  = 0.85                   // going away from the camera: heading within ~30 degrees of the line of sight
	minPaxPPM   = 55                     // smaller heads are not judged (further than ~28 m at focal 1600 px: a step is under 6 px)
	nearPaxPPM  = 70                     // smaller heads (further than ~22 m) are judged strictly: all measurements must show 3 or more
	paxDupAt    = 800 * time.Millisecond // two decisions whose vehicles came into view this close in time (and place: dupPx) are one vehicle: a track found again is followed back to when its head crossed the border, up to a motorbike's length (0.3-0.6 s) before it was all in view; motorbikes on the cross street come in bunches 1.2 s apart
	steadyBox   = 0.1                    // a box whose height or width changed more than this share since the last frame is a blob merging or splitting: not measured
)

// paxState is a track's too_many_passengers check: its measurements, when and on which box
// the first was taken, and whether it is decided.
type paxState struct {
	n, many int // measurements, of which showed 3 or more riders
	side    int // of which from the side (a row of heads)
	far     int // of which with heads smaller than nearPaxPPM
	t       time.Time
	box     wire.Box
	done    bool
}

// checkPassengers counts the riders of a motorbike by day: going away from the camera (straight
// or obliquely, as when turning in from the cross street), alone in its blob with its riders in
// view, by the stack of heads (paxVotes measurements, most must show 3 or more; all of them when
// the heads are small, further than ~22 m); crossing the view, by the row of heads along it
// (sideVotes measurements, 4 in 5 must). Frames where the blob grew or shrank at once (merging
// with a neighbour, or splitting from it) are not measured. It needs no speed: a stack or a row
// of three heads is no bicycle's (they carry one rider), so a motorbike creeping in a queue is
// judged too, on slowVotes measurements. It stamps too_many_passengers at the first frame the
// vehicle was fully visible and wire.JudgeMinPx tall (firstVisible: seen, or followed back along
// its path when its track was born inside the picture, after a merge or from behind something;
// a track whose path goes back to the image's bottom edge was seen before and is not judged
// again), and sends it once per vehicle. Seen from the front the passengers hide behind the
// driver: those motorbikes are not judged.
func (d *Detector) checkPassengers(f *decode.Frame, tr *track, t time.Time) []wire.Event {
	p := &tr.pax
	if p.done || tr.Missed > 0 || tr.Seen < minSeen || d.sceneLight < minSceneLight {
		return nil
	}
	if !p.t.IsZero() && t.Sub(p.t).Seconds() > paxMaxS {
		p.done = true
		return nil
	}
	if !steadyBlob(tr) {
		return nil
	}
	var s sample
	many, ok, far := false, false, false
	if tr.Class() == wire.Motorbike {
		if s, ok = d.paxCandidate(f, tr); ok {
			var ratio float64
			dir, _ := unit(tr.Vel)
			ratio, ok = d.riderRatio(f, s, dir)
			ok = ok && ratio <= paxMaxRatio
			many, far = ratio >= paxRatio, d.stackPPM(s.Ground) < nearPaxPPM
		}
	}
	side := false
	if !ok {
		if s, ok = d.sideCandidate(tr); ok {
			var row float64
			row, ok = d.headRow(f, s)
			ok = ok && row <= sideMaxRowM
			many, side = row >= sideManyM, true
		}
	}
	if !ok {
		return nil
	}
	if p.n == 0 {
		p.t, p.box = t, s.Box
	}
	p.n++
	if many {
		p.many++
	}
	if side {
		p.side++
	}
	if far {
		p.far++
	}
	need, strict := paxVotes, false
	if p.side > 0 {
		need, strict = sideVotes, true // side views are noisier: neighbours in a row merge with the heads
	} else if tr.MaxSpeed < minMotoMS {
		need, strict = slowVotes, true // creeping: the blob keeps taking in the shadow and the road it stops on
	} else if p.far > 0 {
		strict = true // far: one frame in five can read a rider more (all three must say 3 or more)
	}
	if p.n < need {
		return nil
	}
	p.done = true
	if p.many*2 <= p.n || strict && p.many*5 < p.n*4 { // most (side, slow or far: 4 in 5) say 3 or more
		return nil
	}
	at, where, ok := d.firstVisible(tr, t)
	if !ok {
		return nil // found again after a merge near the camera, or standing: judged before, or not judged
	}
	if at.IsZero() {
		at, where = tr.FirstFull(p.t), wire.Point{(p.box[0] + p.box[2]) / 2, p.box[1]}
	}
	if d.seenPax(at, where, t, s.Box) {
		return nil // found again after a merge or an occlusion: judged before
	}
	tr.emitted[wire.TooManyPassengers] = true
	return []wire.Event{d.event(tr, wire.TooManyPassengers, at, p.box, wire.Motorbike, conf(float64(p.many)/float64(p.n)-0.5, 0.5))}
}

// steadyBlob reports whether a track's box kept its size since the previous frame (steadyBox): its
// blob did not just merge with a neighbour's or split from it.
func steadyBlob(tr *track) bool {
	n := len(tr.Hist)
	if n < 2 {
		return false
	}
	a, b := tr.Hist[n-2].Box, tr.Hist[n-1].Box
	ha, hb, wa, wb := a[3]-a[1], b[3]-b[1], a[2]-a[0], b[2]-b[0]
	return math.Abs(hb-ha) <= steadyBox*ha && math.Abs(wb-wa) <= steadyBox*wa
}

// seenPax reports whether a too_many_passengers decided at time now on box b, of a vehicle
// that came into view at (at, where), is one already sent by another track of the same vehicle
// (its blob merged with another and was found again), which came into view at about the same
// time and place, and remembers this decision. Unlike seenHelmet, decisions on the same box are
// not duplicates: motorbikes are measured moving, and one following another is measured where
// the one before was.
func (d *Detector) seenPax(at time.Time, where wire.Point, now time.Time, b wire.Box) bool {
	return d.seen(&d.paxMarks, at, where, now, b, paxDupAt, false)
}

// riderRatio measures the rider stack of a motorbike going away from the camera (sample s,
// heading dir) and returns how many passenger steps it is longer than one rider's head: about 0
// for one rider, 1 for two, 2 for three.
func (d *Detector) riderRatio(f *decode.Frame, s sample, dir wire.Point) (float64, bool) {
	ppm := d.stackPPM(s.Ground)
	if ppm <= 0 {
		return 0, false
	}
	top, cx, ok := d.headTop(f, s.Box, ppm)
	if !ok {
		return 0, false
	}
	// where the heads are: the ray of the silhouette's top meets the plane of the head tops
	// (the box's bottom may still be cut by the image's edge)
	h, ok := d.topPlane[wire.Motorbike]
	if !ok {
		return 0, false
	}
	g, ok := wire.Apply(h, wire.Point{float64(cx), float64(top)})
	if !ok {
		return 0, false
	}
	if ppm = d.stackPPM(g); ppm < minPaxPPM {
		return 0, false
	}
	cam := d.cal.Pinhole.Position
	look := math.Max(0, d.cal.Pinhole.HeightM-headTopM) / math.Max(math.Hypot(g[0]-cam[0], g[1]-cam[1]), 1)
	one := headHM + neckM + capM*look // the top of the head shows too, looking down
	dy, slope, ok := d.riderStep(g, dir)
	if !ok {
		return 0, false
	}
	rows, ok := riderStack(f, top, cx, ppm, int(1.2*ppm), slope, int(one*ppm))
	if !ok {
		return 0, false
	}
	return (float64(rows) - one*ppm) / dy, true
}

// maxAloneM: a blob wider than this at its base holds more than one motorbike, seen straight
// from behind; seen obliquely its base shows some of its side too, obliqueM per unit of the
// sine of the angle between its heading and the line of sight.
const (
	maxAloneM = 1.0
	obliqueM  = 0.8
)

// paxCandidate returns the newest sample of a track whose rider stack can be measured: one
// motorbike alone in its blob, upright, going away from the camera, its riders in view.
func (d *Detector) paxCandidate(f *decode.Frame, tr *track) (sample, bool) {
	s := tr.Last()
	b := s.Box
	if b[0] < 2 || b[1] < 2 || b[2] > float64(f.Width-2) {
		return s, false // the riders are not all in view (the bottom edge may cut the wheel)
	}
	cam := d.cal.Pinhole.Position
	los, _ := unit(wire.Point{s.Ground[0] - cam[0], s.Ground[1] - cam[1]})
	dir, speed := unit(tr.Vel)
	cos := dot2(dir, los)
	if speed < movingMS || cos < paxAwayCos {
		return s, false
	}
	alone := maxAloneM + obliqueM*math.Sqrt(max(0, 1-cos*cos))
	if s.WidthM <= 0 || s.WidthM > alone || b[3]-b[1] < 1.4*(b[2]-b[0]) {
		return s, false // not one motorbike alone in its blob, upright
	}
	return s, true
}

// Side view constants: a motorbike crossing the view shows its riders' heads in a row along it,
// riderGapM apart; the row is one head wide (0.21-0.29 m) for one rider, 0.6 m for two, 0.9 m
// for three.
const (
	sideManyM   = 0.66 // a row of heads this long: 3 or more riders (rendered: 2 riders 0.56-0.60 m, 3 riders 0.69-0.89 m)
	sideMaxRowM = 1.4  // a longer row is no row of heads (4 riders: 1.2 m) but a roof, a car's whose bottom is hidden: not measured
	sideVotes   = 8    // measurements of a track seen from the side before deciding
	sideBandM   = 0.18 // depth of the top band holding the heads (each one back is 0.035 m lower)
	sideMinM    = 1.4  // a motorbike seen from the side is 1.8-2.2 m long at its base,
	sideMaxM    = 2.6  // a car 4 m or more
	sideCos     = 0.5  // heading within 60 degrees of square to the line of sight
	minSidePPM  = 40   // heads smaller than this (pixels per metre) are not judged
	headChroma  = 30   // |Cb-128|+|Cr-128| of a coloured pixel (the road and its zebra are grey)
	headWideM   = 0.35 // a head found beside the row is at most this wide
	headGapM    = 0.1  // and this far from it
)

// sideCandidate returns the newest sample of a track that is a motorbike seen from the side:
// clear of the image's edges, crossing the line of sight, as long at its base as a motorbike.
func (d *Detector) sideCandidate(tr *track) (sample, bool) {
	s := tr.Last()
	if !d.clear(s.Box) || s.WidthM < sideMinM || s.WidthM > sideMaxM {
		return s, false
	}
	cam := d.cal.Pinhole.Position
	los, _ := unit(wire.Point{s.Ground[0] - cam[0], s.Ground[1] - cam[1]})
	dir, speed := unit(tr.Vel)
	return s, speed >= movingMS && math.Abs(dot2(dir, los)) < sideCos
}

// headRow measures the length in metres of the top band of a silhouette seen from the side: the
// row of riders' heads. It is measured on the foreground mask (maskRow), then, since a coloured
// head as light as the road (a red or green helmet) is not in the mask, in the frame beside the
// row: one head's width of coloured pixels (the road and its zebra are grey) with the road
// beyond it (not a painted line running along the band) is a head too.
func (d *Detector) headRow(f *decode.Frame, s sample) (float64, bool) {
	top, lo, hi, band, ppm, ok := d.maskRow(s)
	if !ok {
		return 0, false
	}
	sc := d.s
	fy0, fy1 := top*sc, min(f.Height, (top+band)*sc)
	bx0, bx1 := max(0, int(s.Box[0])), min(f.Width, int(s.Box[2]))
	cw := f.CW()
	coloured := func(x int) bool {
		for y := fy0; y < fy1; y++ {
			ci := (y/2)*cw + x/2
			if abs(int(f.Cb[ci])-128)+abs(int(f.Cr[ci])-128) >= headChroma {
				return true
			}
		}
		return false
	}
	gap, wide := int(headGapM*ppm+0.5), int(headWideM*ppm+0.5)
	grow := func(from, step, limit int) int {
		// the first run of coloured columns a head wide, starting within the gap, with the
		// road beyond it (chroma is sampled every other column: edges bleed a column)
		start, run := -1, 0
		for n, x := 0, from; x != limit && n <= gap+wide; n, x = n+1, x+step {
			if coloured(x) {
				if run == 0 {
					start = n
				}
				run++
				if run > wide {
					return 0 // longer than a head: a line, or another vehicle
				}
				continue
			}
			if run >= wide/3 {
				return start + run
			}
			if n >= gap {
				return 0
			}
			run = 0
		}
		return 0 // no road beyond: the box's edge
	}
	left := grow(lo*sc-1, -1, bx0-1)
	right := grow((hi+1)*sc, 1, bx1)
	return float64((hi-lo+1)*sc+left+right) / ppm, true
}

// maskRow finds the top band of a silhouette on the foreground mask (analysis scale): its first
// row, the band's depth in rows and its first and last columns, and the image scale at the heads.
func (d *Detector) maskRow(s sample) (top, lo, hi, band int, ppm float64, ok bool) {
	ppm = d.stackPPM(s.Ground)
	if ppm < minSidePPM {
		return 0, 0, 0, 0, 0, false
	}
	sc := d.s
	x0, x1 := max(0, int(s.Box[0])/sc), min(d.w, int(s.Box[2])/sc+1)
	y0, y1 := max(0, int(s.Box[1])/sc-1), min(d.h, int(s.Box[3])/sc)
	band = max(2, int(sideBandM*ppm/float64(sc)+0.5))
	m := d.fg.Mask
	top, lo, hi = -1, x1, -1
	for y := y0; y < y1; y++ {
		if top >= 0 && y >= top+band {
			break
		}
		for x := x0; x < x1; x++ {
			if m[y*d.w+x] == 0 {
				continue
			}
			if top < 0 {
				top = y
			}
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	return top, lo, hi, band, ppm, hi >= lo
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
