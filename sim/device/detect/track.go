package detect

import (
	"maps"
	"math"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// sample is one observation of a track.
type sample struct {
	T      time.Time
	Box    wire.Box
	Ground wire.Point
	WidthM float64 // road-plane width of the box's bottom edge
	HighM  float64 // box height in metres of a post at the ground point (0: unknown)
}

// track is an object followed across frames.
type track struct {
	ID       string // stable: birth capture time and order, so restarts and resends agree
	Born     time.Time
	Hist     []sample   // recent samples, oldest first (bounded)
	FirstG   wire.Point // ground point at birth
	AtStart  bool       // born in the first analysed frame: there when the device began to look
	BornEdge bool       // its first box touched the image's edge: it came into the picture
	FirstBox wire.Box   // box at birth
	Missed   int        // frames without a matching blob
	Seen     int        // frames matched
	Votes    map[wire.Class]int
	MaxSpeed float64 // m/s, smoothed
	Vel      wire.Point

	emitted map[wire.ViolationType]bool
	// rule state
	wrongSince, laneSince, walkSince, stillSince time.Time
	parkSince                                    time.Time  // stopped in a no-parking zone
	parkBox                                      wire.Box   // where it stopped there
	crossT                                       time.Time  // stop line crossing on red, pending
	wrongLane                                    int        // lane of the wrong-way hold
	wrongFrom                                    wire.Point // where the wrong-way hold began
	stillRed                                     uint64     // stop lines (bit per index) at red when stillSince was set
	crossLine                                    int
	crossBox                                     wire.Box
	crossDist                                    float64           // front's distance past the crossed line, last frame
	zoneIn                                       map[int]time.Time // speed zone entry times

	FullT time.Time // first sample whose box is clear of the image's edges and wire.JudgeMinPx tall

	helm helmetState // the no_helmet check (helmet.go)

	pax paxState // the too_many_passengers check (passengers.go)

	pending    []wire.Event // stamped, waiting for the best plate reading
	plate      string
	plateScore float64
	plateTried int     // frame number of the last attempt
	plateW     float64 // predicted plate width at the last attempt
}

const histLen = 50

// maxJumpM is how far from its predicted road point a settled track may find its next blob (a
// blob's bottom edge moves a metre per pixel row 100 m away, and merges shift it further).
const maxJumpM = 6.0

func (tr *track) Last() sample { return tr.Hist[len(tr.Hist)-1] }

// Velocity over about the last window: road metres per second.
func (tr *track) Velocity(window time.Duration) wire.Point {
	n := len(tr.Hist)
	if n < 2 {
		return wire.Point{}
	}
	b := tr.Hist[n-1]
	i := n - 2
	for i > 0 && b.T.Sub(tr.Hist[i].T) < window {
		i--
	}
	a := tr.Hist[i]
	dt := b.T.Sub(a.T).Seconds()
	if dt <= 0 {
		return wire.Point{}
	}
	return wire.Point{(b.Ground[0] - a.Ground[0]) / dt, (b.Ground[1] - a.Ground[1]) / dt}
}

// Class is the majority vote of the per-frame size classes.
func (tr *track) Class() wire.Class {
	best, n := wire.Car, -1
	for _, c := range wire.Classes {
		if tr.Votes[c] > n {
			best, n = c, tr.Votes[c]
		}
	}
	return best
}

// ShareNotIn is the share of the votes that went to classes not in cs: a truck in a car lane
// counts whether its frames read truck or bus.
func (tr *track) ShareNotIn(cs []wire.Class) float64 {
	n, c := 0, 0
	for k, v := range tr.Votes {
		n += v
		if !allows(cs, k) {
			c += v
		}
	}
	if n == 0 {
		return 0
	}
	return float64(c) / float64(n)
}

// classify guesses a class from the road-plane width of the box's bottom edge and the height
// estimated at that point. Measured on rendered frames (bottom width includes the contact
// shadow and, seen at an angle, the side): motorbikes and bicycles 0.7-0.9 m, cars 1.9-2.5 m,
// buses 2.9-3.5 m; heights are overestimated (the far roof edge), cars 2.0-3.4, buses 3.3-4.7.
func classify(o obs) wire.Class {
	switch {
	case o.WidthM > 0 && o.WidthM < 1.3:
		return wire.Motorbike
	case o.WidthM >= 2.7:
		if o.HighM > 4.0 {
			return wire.Bus
		}
		return wire.Truck
	default:
		return wire.Car
	}
}

// associate matches blobs to tracks by overlap with each track's predicted box, greedily best
// first; unmatched blobs start tracks, tracks unmatched for 0.4 s end.
func (d *Detector) associate(os []obs, t time.Time, firstLook bool) {
	type pair struct {
		ti, oi int
		score  float64
	}
	var pairs []pair
	for ti, tr := range d.tracks {
		p := tr.Last().Box
		if len(tr.Hist) >= 2 {
			a, b := tr.Hist[len(tr.Hist)-2], tr.Hist[len(tr.Hist)-1]
			k := float64(1 + tr.Missed)
			for j := range 4 {
				p[j] += (b.Box[j] - a.Box[j]) * k
			}
		}
		pc := [2]float64{(p[0] + p[2]) / 2, (p[1] + p[3]) / 2}
		diag := math.Hypot(p[2]-p[0], p[3]-p[1])
		// on the road: where the track should be now, and how far a blob may be from it
		dt := t.Sub(tr.Last().T).Seconds()
		g := tr.Last().Ground
		pg := wire.Point{g[0] + tr.Vel[0]*dt, g[1] + tr.Vel[1]*dt}
		gate := maxJumpM + 0.5*math.Hypot(tr.Vel[0], tr.Vel[1])*dt
		for oi, o := range os {
			iou := p.IoU(o.Box)
			oc := [2]float64{(o.Box[0] + o.Box[2]) / 2, (o.Box[1] + o.Box[3]) / 2}
			dist := math.Hypot(pc[0]-oc[0], pc[1]-oc[1])
			if iou < 0.1 && dist > 0.5*diag {
				continue
			}
			if tr.Seen >= minSeen && math.Hypot(o.Ground[0]-pg[0], o.Ground[1]-pg[1]) > gate {
				continue // a blob of another vehicle: far boxes overlap, their road points do not
			}
			pairs = append(pairs, pair{ti, oi, iou - dist/(diag+1)*0.5})
		}
	}
	// best first
	for i := 1; i < len(pairs); i++ {
		for j := i; j > 0 && pairs[j].score > pairs[j-1].score; j-- {
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
	tUsed := make([]bool, len(d.tracks))
	oUsed := make([]bool, len(os))
	for _, p := range pairs {
		if tUsed[p.ti] || oUsed[p.oi] {
			continue
		}
		tr, o := d.tracks[p.ti], os[p.oi]
		if lb := tr.Last().Box; tr.parked(t) && o.Box.Area() > 1.3*lb.Area() && o.Box.Intersect(lb).Area() > 0.8*lb.Area() && overlapsOther(tr, o.Box, d.tracks) {
			// a vehicle passing a parked one merged with it: the parked one stays where it is,
			// and the blob stays free for the passing vehicle's track
			tUsed[p.ti] = true
			l := tr.Last()
			l.T = t
			tr.Hist = append(tr.Hist, l)
			tr.Missed = 0
			continue
		}
		tUsed[p.ti], oUsed[p.oi] = true, true
		tr.Hist = append(tr.Hist, sample{T: t, Box: o.Box, Ground: o.Ground, WidthM: o.WidthM, HighM: o.HighM})
		if len(tr.Hist) > histLen {
			tr.Hist = append(tr.Hist[:0], tr.Hist[len(tr.Hist)-histLen:]...)
		}
		tr.Missed = 0
		tr.Seen++
		tr.Votes[classify(o)]++
		tr.Vel = tr.Velocity(600 * time.Millisecond)
		if tr.FullT.IsZero() && d.clear(o.Box) && o.Box[3]-o.Box[1] >= wire.JudgeMinPx {
			tr.FullT = t
		}
		if tr.Seen > 5 {
			tr.MaxSpeed = max(tr.MaxSpeed, math.Hypot(tr.Vel[0], tr.Vel[1]))
		}
	}
	kept := d.tracks[:0]
	for i, tr := range d.tracks {
		if !tUsed[i] {
			tr.Missed++
			limit := 0.4
			switch {
			case tr.parked(t):
				limit = 3 // a parked vehicle hidden or merged for a while by one passing by
			case tr.Seen >= 10 && tr.MaxSpeed > movingMS && d.sceneLight >= minSceneLight:
				limit = 1 // a moving vehicle behind a tree or a bus for a second (not at night: glare)
			}
			if float64(tr.Missed)/d.fps > limit {
				d.dead = append(d.dead, tr)
				continue
			}
		}
		kept = append(kept, tr)
	}
	d.tracks = kept
	n := 0
	for oi, o := range os {
		if oUsed[oi] {
			continue
		}
		n++
		d.nextSeq++
		tr := &track{
			ID:       idOf(t, n),
			Born:     t,
			Hist:     []sample{{T: t, Box: o.Box, Ground: o.Ground, WidthM: o.WidthM, HighM: o.HighM}},
			FirstG:   o.Ground,
			AtStart:  firstLook,
			BornEdge: !d.clear(o.Box),
			FirstBox: o.Box,
			Votes:    map[wire.Class]int{classify(o): 1},
			emitted:  map[wire.ViolationType]bool{},
			zoneIn:   map[int]time.Time{},
			Seen:     1,
		}
		if d.lostStamped(tr, o.Box, wire.WrongLane) {
			// found again after its blob merged or broke: stamped already
			tr.emitted[wire.WrongLane] = true
		}
		d.tracks = append(d.tracks, tr)
	}
	d.ghosts(t)
}

// cutBottom reports whether a box reaches the image's bottom edge: its bottom is not where the
// vehicle stands, and the road point under it does not move while the vehicle comes in.
func (d *Detector) cutBottom(b wire.Box) bool {
	return b[3] >= float64(d.cal.Height-2*d.s)
}

// cameIn reports whether a track came into the picture through the bottom edge and moved in:
// born cut by the bottom edge, its top edge has since moved by a fifth of its height. Its road
// point, pinned to the bottom edge, does not show that motion.
func (d *Detector) cameIn(tr *track) bool {
	b := tr.Last().Box
	return d.cutBottom(tr.FirstBox) && math.Abs(b[1]-tr.FirstBox[1]) > 0.2*(b[3]-b[1])
}

// topMoving reports whether the top edge of a track's box moved more than a few pixels over
// about the last second: a vehicle cut by the bottom edge that is still coming in.
func (d *Detector) topMoving(tr *track) bool {
	n := len(tr.Hist)
	b := tr.Hist[n-1]
	i := n - 1
	for i > 0 && b.T.Sub(tr.Hist[i].T) < time.Second {
		i--
	}
	return math.Abs(b.Box[1]-tr.Hist[i].Box[1]) > float64(2*d.s)
}

// clear reports whether a box is clear of the image's edges.
func (d *Detector) clear(b wire.Box) bool {
	m := float64(2 * d.s)
	return b[0] >= m && b[1] >= m && b[2] <= float64(d.cal.Width)-m && b[3] <= float64(d.cal.Height)-m
}

// FirstFull is when a track was first seen fully visible and large enough to judge its riders,
// if that was before at (the time a per-rider check first measured it): no_helmet and
// too_many_passengers are stamped at that frame.
func (tr *track) FirstFull(at time.Time) time.Time {
	if !tr.FullT.IsZero() && tr.FullT.Before(at) {
		return tr.FullT
	}
	return at
}

func idOf(t time.Time, n int) string {
	return t.UTC().Format("20060102T150405.000") + "." + itoa(n)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// ghosts absorbs into the background the tracks that have not moved a metre from where they
// were born in 3 s:
// what a vehicle left behind when it drove off, or a lighting change. Vehicles that drove in
// and stopped (parked, queued at a light) keep their track.
func (d *Detector) ghosts(t time.Time) {
	kept := d.tracks[:0]
	for _, tr := range d.tracks {
		if t.Sub(tr.Born) > 3*time.Second && len(tr.pending) == 0 && tr.MaxSpeed < 2.5 && !d.cameIn(tr) &&
			math.Hypot(tr.Last().Ground[0]-tr.FirstG[0], tr.Last().Ground[1]-tr.FirstG[1]) < 1.0 {
			b := tr.Last().Box
			s := float64(d.s)
			d.fg.Absorb(d.small, int(b[0]/s)-1, int(b[1]/s)-1, int(b[2]/s)+2, int(b[3]/s)+2)
			continue
		}
		kept = append(kept, tr)
	}
	d.tracks = kept
	// a stopped track whose outline shows in the background but not in the frame is the hole a
	// vehicle left behind (it drove off while the model held it): absorb it
	if d.frame%10 != 0 {
		return
	}
	all := append([]*track(nil), d.tracks...)
	kept = d.tracks[:0]
	for _, tr := range d.tracks {
		if tr.Missed == 0 && len(tr.pending) == 0 && !tr.stillSince.IsZero() && t.Sub(tr.stillSince) > time.Second && !overlapsOther(tr, tr.Last().Box, all) {
			b := tr.Last().Box
			s := float64(d.s)
			x0, y0, x1, y1 := int(b[0]/s), int(b[1]/s), int(b[2]/s), int(b[3]/s)
			if cur, bg := d.fg.Outline(d.small, x0, y0, x1, y1); bg > 0 && cur < 0.5*bg {
				d.fg.Absorb(d.small, x0-1, y0-1, x1+2, y1+2)
				continue
			}
		}
		kept = append(kept, tr)
	}
	d.tracks = kept
}

// TrackInfo is what a viewer or a test sees of a track.
type TrackInfo struct {
	ID       string
	Box      wire.Box
	Ground   wire.Point // road-plane metres
	SpeedKMH float64
	Class    wire.Class
	Votes    map[wire.Class]int // frames read as each class
	Seen     int
}

// Tracks returns the live tracks after the last Process.
func (d *Detector) Tracks() []TrackInfo {
	out := make([]TrackInfo, 0, len(d.tracks))
	for _, tr := range d.tracks {
		s := tr.Last()
		out = append(out, TrackInfo{ID: tr.ID, Box: s.Box, Ground: s.Ground, SpeedKMH: math.Hypot(tr.Vel[0], tr.Vel[1]) * 3.6, Class: tr.Class(), Votes: maps.Clone(tr.Votes), Seen: tr.Seen})
	}
	return out
}

// overlapsOther reports whether the last box of a track among others than tr overlaps b: a
// blob holding two vehicles, or a vehicle passing in front of a stopped one.
func overlapsOther(tr *track, b wire.Box, among []*track) bool {
	for _, o := range among {
		if o != tr && o.Last().Box.Intersect(b).Area() > 0 {
			return true
		}
	}
	return false
}

// lostStamped reports whether a track other than tr, lost this frame or for a while (its blob
// merged with another, or broke up), was stamped typ on about box b: at least half of the
// smaller of b and its last box overlap. The new or other track holding that blob is the same
// vehicle, found again.
func (d *Detector) lostStamped(tr *track, b wire.Box, typ wire.ViolationType) bool {
	for _, ts := range [][]*track{d.tracks, d.dead} {
		for _, o := range ts {
			if o == tr || o.Missed == 0 || !o.emitted[typ] {
				continue
			}
			lb := o.Last().Box
			if b.Intersect(lb).Area() > sameShare*min(b.Area(), lb.Area()) {
				return true
			}
		}
	}
	return false
}

// sameShare is the share of the smaller of two boxes they must overlap to be one vehicle's.
const sameShare = 0.5
