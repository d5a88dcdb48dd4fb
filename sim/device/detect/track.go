package detect

import (
	"maps"
	"math"
	"time"

	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"github.com/trafficsim/trafficsim/wire"
)

// sample and obs are the tracker's (package tk: sim/device/detect/track).
type (
	sample = tk.Sample
	obs    = tk.Obs
)

// track is an object followed across frames (tk.Track) with the rules' state.
type track struct {
	tk.Track

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

	helm helmetState // the no_helmet check (helmet.go)

	pax paxState // the too_many_passengers check (passengers.go)

	pending    []wire.Event // stamped, waiting for the best plate reading
	plate      string
	plateScore float64
	plateTried int     // frame number of the last attempt
	plateW     float64 // predicted plate width at the last attempt
}

// associate runs the tracker on a frame's blobs: a track born on a blob where a lost track was
// stamped wrong_lane is that vehicle found again. Then ghosts are absorbed.
func (d *Detector) associate(os []obs, t time.Time, firstLook bool) {
	for _, tr := range d.tracker.Associate(os, t, firstLook) {
		if d.lostStamped(tr, tr.FirstBox, wire.WrongLane) {
			// found again after its blob merged or broke: stamped already
			tr.emitted[wire.WrongLane] = true
		}
	}
	d.ghosts(t)
}

// newTrack gives a track born in the tracker the rules' state.
func newTrack(b tk.Track) *track {
	return &track{Track: b, emitted: map[wire.ViolationType]bool{}, zoneIn: map[int]time.Time{}}
}

// hold is how long a track lives unmatched: a parked vehicle hidden or merged for a while by
// one passing by 3 s, a moving vehicle behind a tree or a bus 1 s (not at night: glare), else
// 0.4 s.
func (d *Detector) hold(tr *track, t time.Time) float64 {
	switch {
	case tr.parked(t):
		return 3
	case tr.Seen >= 10 && tr.MaxSpeed > movingMS && d.sceneLight >= minSceneLight:
		return 1
	}
	return 0.4
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
func (d *Detector) clear(b wire.Box) bool { return d.tracker.Clear(b) }

// ghosts absorbs into the background the tracks that have not moved a metre from where they
// were born in 3 s:
// what a vehicle left behind when it drove off, or a lighting change. Vehicles that drove in
// and stopped (parked, queued at a light) keep their track.
func (d *Detector) ghosts(t time.Time) {
	kept := d.tracker.Tracks[:0]
	for _, tr := range d.tracker.Tracks {
		if t.Sub(tr.Born) > 3*time.Second && len(tr.pending) == 0 && tr.MaxSpeed < 2.5 && !d.cameIn(tr) &&
			math.Hypot(tr.Last().Ground[0]-tr.FirstG[0], tr.Last().Ground[1]-tr.FirstG[1]) < 1.0 {
			b := tr.Last().Box
			s := float64(d.s)
			d.fg.Absorb(d.small, int(b[0]/s)-1, int(b[1]/s)-1, int(b[2]/s)+2, int(b[3]/s)+2)
			continue
		}
		kept = append(kept, tr)
	}
	d.tracker.Tracks = kept
	// a stopped track whose outline shows in the background but not in the frame is the hole a
	// vehicle left behind (it drove off while the model held it): absorb it
	if d.frame%10 != 0 {
		return
	}
	all := append([]*track(nil), d.tracker.Tracks...)
	kept = d.tracker.Tracks[:0]
	for _, tr := range d.tracker.Tracks {
		if tr.Missed == 0 && len(tr.pending) == 0 && !tr.stillSince.IsZero() && t.Sub(tr.stillSince) > time.Second && !tk.OverlapsOther(tr, tr.Last().Box, all) {
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
	d.tracker.Tracks = kept
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
	out := make([]TrackInfo, 0, len(d.tracker.Tracks))
	for _, tr := range d.tracker.Tracks {
		s := tr.Last()
		out = append(out, TrackInfo{ID: tr.ID, Box: s.Box, Ground: s.Ground, SpeedKMH: math.Hypot(tr.Vel[0], tr.Vel[1]) * 3.6, Class: tr.Class(), Votes: maps.Clone(tr.Votes), Seen: tr.Seen})
	}
	return out
}

// lostStamped reports whether a track other than tr, lost this frame or for a while (its blob
// merged with another, or broke up), was stamped typ on about box b: at least half of the
// smaller of b and its last box overlap. The new or other track holding that blob is the same
// vehicle, found again.
func (d *Detector) lostStamped(tr *track, b wire.Box, typ wire.ViolationType) bool {
	for _, ts := range [][]*track{d.tracker.Tracks, d.tracker.Dead} {
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
