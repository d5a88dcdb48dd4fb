package detect

import (
	"math"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// Helmet check constants. A bare head shows dark grey hair on its crown and is about 0.21 m
// wide; a helmet's shell is coloured or light, or, when black, about 0.29 m wide (its crown
// 0.23 m or more). Measured on rendered clips (intersection-day, e2e-junction): the median
// crown width of bare heads 0.15-0.22 m, of black helmets 0.23-0.31 m.
const (
	hairY         = 50   // luma at or below which a pixel can be hair
	hairChroma    = 14   // and whose chroma stays this close to grey
	headFG        = 18   // grey difference from the background that makes a head pixel
	crownM        = 0.08 // crown rows: the top of a head
	bareHair      = 0.6  // share of hair pixels in the crown that means hair (or a black shell)
	minCrownM     = 0.13 // a crown narrower than this is not a head (a mirror, a visor)
	maxCrownM     = 0.225
	minCrownPx    = 4  // crowns of fewer pixels are not judged
	minHeadPPM    = 30 // heads smaller than this (pixels per metre) are not judged
	helmetVotes   = 8  // head measurements per track before deciding
	minSceneLight = 60 // darker scenes (night) are not judged: hair and shells look alike
	// no_helmet needs more light: at dusk (mean grey about 60) dark hair, dark shells and their
	// shadows look alike (dev seeds at dusk: 0 right of 4 stamped)
	minHelmetLight = 80
	minMotoMS      = 4.5  // slower two-wheelers may be bicycles (10-16 km/h), whose riders the rule does not cover
	minPathS       = 1.0  // a track born inside the picture is followed this long
	minPathM       = 4.0  // and this far on the road
	minPathPx      = 30   // and in the image before its path is extrapolated back
	maxRiderM      = 2.6  // boxes taller than this (metres) are cars, trucks and buses
	wholeSideM     = 2.3  // a blob across a side edge this wide (metres) holds a whole motorbike
	smoothPath     = 0.5  // the velocity of the last 0.6 s differs from the mean by less than this share
	maxBackS       = 12.0 // the first fully visible moment is not extrapolated further back
	edgePx         = 4    // a box this close to the image border is not fully visible (dilation: 1 small pixel)
)

// Duplicates: two no_helmet decisions whose vehicles came into view this close in time and place
// (share of the image width), or which were decided on overlapping boxes, are one vehicle whose
// track was lost and found again.
const (
	dupAt     = 1500 * time.Millisecond
	dupPx     = 0.1
	dupIoU    = 0.3              // or decided on boxes that overlap this much
	dupWindow = 10 * time.Second // how long decisions are remembered
)

// helmetState is a track's no_helmet check: where and when it was born, when it was first fully
// in view, and its head measurements.
type helmetState struct {
	started     bool
	bornEdge    bool       // born touching the image border: entering the picture
	bornLow     bool       // born smaller than wire.JudgeMinPx: grows into judging size in view
	bornTop     wire.Point // image point of the top centre of the box at birth
	firstT      time.Time  // first frame fully visible and wire.JudgeMinPx tall
	firstBox    wire.Box
	n, bare     int // head measurements, of which bare
	thin, thick int // tyre measurements: a bicycle's, a motorbike's
	done        bool
}

// checkHelmet measures the head at the top of a track's box once per frame while it is fully in
// view, and after helmetVotes measurements, once the track moves like a motorbike, stamps
// no_helmet when half or more say bare. The time is the first frame the vehicle was fully
// visible and wire.JudgeMinPx tall: seen, when the track entered across the image border or
// grew to that size in view; or, when it was born inside the picture already that large (from
// behind something, or found again after a merge), extrapolated back along its path to the
// moment it was that small or its head crossed the border.
func (d *Detector) checkHelmet(f *decode.Frame, tr *track, t time.Time) []wire.Event {
	h := &tr.helm
	if h.done {
		return nil
	}
	b := tr.Last().Box
	inside := b[0] >= edgePx && b[1] >= edgePx && b[2] <= float64(f.Width-edgePx) && b[3] <= float64(f.Height-edgePx)
	if !h.started {
		h.started = true
		h.bornEdge = !inside
		h.bornLow = b[3]-b[1] < wire.JudgeMinPx
		h.bornTop = wire.Point{(b[0] + b[2]) / 2, b[1]}
	}
	if !inside && b[1] >= edgePx && b[3] <= float64(f.Height-edgePx) {
		// across a side edge: motorbikes on the cross street come in bunches whose blobs merge;
		// one as wide as more than a motorbike's length holds a whole motorbike
		if ppm := d.headPPM(tr.Last().Ground); ppm > 0 && (b[2]-b[0])/ppm >= wholeSideM {
			inside = true
		}
	}
	if tr.Missed > 0 || !inside {
		return nil
	}
	if h.firstT.IsZero() && b[3]-b[1] >= wire.JudgeMinPx {
		h.firstT, h.firstBox = t, b
	}
	if tr.Seen < minSeen || d.sceneLight < minHelmetLight {
		return nil
	}
	if w, ok := d.tyreWidth(f, tr); ok {
		if w < thinTyreM {
			h.thin++
		} else {
			h.thick++
		}
	}
	g := tr.Last().Ground
	if hm := d.heightM(g, b); hm <= 0 || hm > maxRiderM {
		return nil
	}
	ppm := d.headPPM(g)
	if ppm < minHeadPPM {
		return nil
	}
	hl := d.look(f, b, ppm)
	if hl.crown < minCrownPx {
		return nil
	}
	h.n++
	if hl.bare() {
		h.bare++
	}
	if tr.bicycle() {
		h.done = true // a bicycle: its riders are not bound to wear a helmet
		return nil
	}
	if h.n < helmetVotes || d.pathSpeed(tr, t) < minMotoMS && tr.MaxSpeed < minMotoMS && !tyres(h.thick, h.thin) {
		return nil // keep measuring until it shows it is a motorbike: by its speed or its tyre (or the track ends)
	}
	if !h.bornEdge && (t.Sub(tr.Born).Seconds() < minPathS || dist(tr.Last().Ground, tr.FirstG) < minPathM ||
		dist(wire.Point{(b[0] + b[2]) / 2, b[1]}, h.bornTop) < minPathPx) {
		return nil // keep measuring until it shows where it came from (or the track ends)
	}
	if h.firstT.IsZero() && (h.bornEdge || h.bornLow) {
		return nil // keep measuring until it is large enough to judge, when the rule stamps it
	}
	h.done = true
	if h.bare*2 < h.n { // half the looks or more say bare (a passing blob can hide a head)
		return nil
	}
	at, where, ok := d.firstVisible(tr, t)
	if !ok || d.seenHelmet(at, where, t, b) {
		return nil // found again after a merge or an occlusion: judged (or missed) before
	}
	tr.emitted[wire.NoHelmet] = true
	return []wire.Event{d.event(tr, wire.NoHelmet, at, h.firstBox, wire.Motorbike, conf(float64(h.bare)/float64(h.n)-0.5, 0.5))}
}

// bare reports whether one look at a head says it has no helmet: hair on a head-wide crown.
func (hl headLook) bare() bool {
	return float64(hl.hair) >= bareHair*float64(hl.crown) && hl.widthM >= minCrownM && hl.widthM <= maxCrownM
}

// helmetMark is a no_helmet decision: when and where (image point) its vehicle came into view,
// and when and where (box) it was decided.
type helmetMark struct {
	at     time.Time
	where  wire.Point
	judged time.Time
	box    wire.Box
}

// seenHelmet reports whether a no_helmet decided at time now on box b, of a vehicle that came
// into view at (at, where), is one already sent: by another track of the same vehicle (its blob
// merged with another and was found again), which came into view at about the same time and
// place, or was decided on about the same box (a vehicle standing in a queue, whose blob keeps
// merging with passing ones). It remembers this decision.
func (d *Detector) seenHelmet(at time.Time, where wire.Point, now time.Time, b wire.Box) bool {
	return d.seen(&d.helmets, at, where, now, b, dupAt, true)
}

// seen reports whether a decision at time now on box b, of a vehicle that came into view at
// (at, where), repeats one of marks: whose vehicle came into view within within and a tenth of
// the image width of it, or (sameBox) which was decided on a box overlapping b by dupIoU. It
// forgets marks older than dupWindow and remembers this decision.
func (d *Detector) seen(marks *[]helmetMark, at time.Time, where wire.Point, now time.Time, b wire.Box, within time.Duration, sameBox bool) bool {
	keep := (*marks)[:0]
	dup := false
	for _, m := range *marks {
		if now.Sub(m.judged) > dupWindow {
			continue // forget
		}
		keep = append(keep, m)
		if dt := at.Sub(m.at); dt > -within && dt < within && dist(m.where, where) < dupPx*float64(d.cal.Width) {
			dup = true
		}
		if sameBox && m.box.IoU(b) > dupIoU {
			dup = true
		}
	}
	*marks = append(keep, helmetMark{at, where, now, b})
	return dup
}

// firstVisible estimates when and where in the image a track's vehicle was first fully
// visible and wire.JudgeMinPx tall. A track that entered across the image border, or was born
// smaller, has that frame. A track born inside the picture already that large came from behind
// something, or was found again after its blob merged with another: its head is followed back
// along the track's mean velocity until its box would be smaller or it leaves the picture; ok
// is false when it stood still.
func (d *Detector) firstVisible(tr *track, t time.Time) (at time.Time, where wire.Point, ok bool) {
	h := &tr.helm
	if h.bornEdge || h.bornLow {
		return h.firstT, wire.Point{(h.firstBox[0] + h.firstBox[2]) / 2, h.firstBox[1]}, true
	}
	dt := t.Sub(tr.Born).Seconds()
	hp, ok := d.topPlane[wire.Motorbike]
	if dt <= 0 || !ok || d.cal.Pinhole.FocalPx == 0 {
		return time.Time{}, wire.Point{}, false
	}
	g := tr.Last().Ground
	v := wire.Point{(g[0] - tr.FirstG[0]) / dt, (g[1] - tr.FirstG[1]) / dt}
	if sp := math.Hypot(v[0], v[1]); sp < 1 || dist(v, tr.Vel) > smoothPath*sp {
		// standing, or a path that jumps (a standing vehicle's blob merging with passing ones)
		return time.Time{}, wire.Point{}, false
	}
	top, ok := wire.Apply(hp, h.bornTop)
	if !ok {
		return time.Time{}, wire.Point{}, false
	}
	// step back along the path, 0.1 s at a time, until the box would be smaller than
	// wire.JudgeMinPx (it scales with the image scale at the road point) or the head leaves the
	// picture
	w, ht := float64(d.cal.Width), float64(d.cal.Height)
	last := h.bornTop
	ppm0 := d.headPPM(tr.FirstG) // the box at birth (firstBox) was about there
	boxH := h.firstBox[3] - h.firstBox[1]
	for back := 0.0; back < maxBackS; back += 0.1 {
		gb := wire.Point{tr.FirstG[0] - v[0]*back, tr.FirstG[1] - v[1]*back}
		if ppm0 > 0 && boxH*d.headPPM(gb)/ppm0 < wire.JudgeMinPx {
			return tr.Born.Add(-time.Duration(back * float64(time.Second))), last, true
		}
		p := wire.Vec3{top[0] - v[0]*back, top[1] - v[1]*back, topHeightM[wire.Motorbike]}
		q, _, ok := d.cal.Pinhole.Project(p)
		if !ok || q[1] >= ht {
			// near the camera it was big and in view: a track of it was lost (a merge)
			return time.Time{}, wire.Point{}, false
		}
		if q[0] < 0 || q[0] >= w || q[1] < 0 {
			return tr.Born.Add(-time.Duration(back * float64(time.Second))), last, true
		}
		last = q
	}
	return time.Time{}, wire.Point{}, false
}

// headLook is what one frame shows of the head at the top of a box: the pixels that differ
// from the background in its top rows (the crown), how many of them are hair (dark grey), and
// the widest run of them across, in metres.
type headLook struct {
	crown, hair int
	widthM      float64
}

// isHair reports whether a pixel (Y, Cb-128, Cr-128) can be hair: dark and grey.
func isHair(y uint8, cb, cr int) bool {
	return y <= hairY && cb < hairChroma && cb > -hairChroma && cr < hairChroma && cr > -hairChroma
}

// look measures the head at the top of box b; ppm is pixels per metre at head height.
func (d *Detector) look(f *decode.Frame, b wire.Box, ppm float64) headLook {
	var h headLook
	s := d.s
	// foreground: unlike the background of its small pixel and of the 8 around it (the
	// background is kept at the analysis scale, so a full-resolution pixel on a sharp edge of
	// the road's paint can be unlike its own small pixel)
	fgAt := func(x, y int) bool {
		sx, sy := min(x/s, d.w-1), min(y/s, d.h-1)
		v := int32(f.Y[y*f.Width+x]) << 8
		for ny := max(0, sy-1); ny <= min(d.h-1, sy+1); ny++ {
			for nx := max(0, sx-1); nx <= min(d.w-1, sx+1); nx++ {
				if dv := v - d.fg.BG[ny*d.w+nx]; dv <= headFG<<8 && dv >= -headFG<<8 {
					return false
				}
			}
		}
		return true
	}
	x0, x1 := max(0, int(b[0])), min(f.Width, int(b[2]))
	y0 := max(0, int(b[1]))
	yc := min(f.Height, y0+max(2, int(crownM*ppm+0.5)))
	cw := f.CW()
	for y := y0; y < yc; y++ {
		run := 0
		for x := x0; x < x1; x++ {
			// a head is rows thick: a foreground pixel over background is a thin line (a mast
			// arm, a wire) that the coarse background blurred away, not a crown
			if !fgAt(x, y) || y+1 < f.Height && !fgAt(x, y+1) {
				run = 0
				continue
			}
			run++
			h.widthM = max(h.widthM, float64(run)/ppm)
			h.crown++
			ci := (y/2)*cw + x/2
			if isHair(f.Y[y*f.Width+x], int(f.Cb[ci])-128, int(f.Cr[ci])-128) {
				h.hair++
			}
		}
	}
	return h
}

// headPPM is the image scale, pixels per metre across, of a head 1.5 m above road point g.
func (d *Detector) headPPM(g wire.Point) float64 {
	p := d.cal.Pinhole
	if p.FocalPx == 0 {
		return 0
	}
	a, _, ok1 := p.Project(wire.Vec3{g[0] - 0.5, g[1], 1.5})
	b, _, ok2 := p.Project(wire.Vec3{g[0] + 0.5, g[1], 1.5})
	if !ok1 || !ok2 {
		return 0
	}
	return math.Hypot(b[0]-a[0], b[1]-a[1])
}

// pathSpeed is a track's mean speed on the road since it was born, metres per second.
func (d *Detector) pathSpeed(tr *track, t time.Time) float64 {
	dt := t.Sub(tr.Born).Seconds()
	if dt <= 0 {
		return 0
	}
	return dist(tr.Last().Ground, tr.FirstG) / dt
}

func dist(a, b wire.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }
