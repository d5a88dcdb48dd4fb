package track

import (
	"math"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// Config is what the tracker knows of the camera, and the caller's hooks.
type Config[T Tracked] struct {
	Width, Height int     // image size
	Margin        float64 // a box this close to an image edge (pixels) touches it
	FPS           float64
	// New wraps a new Track into the caller's track type (with its rules' state).
	New func(Track) T
	// Parked reports whether a track stands parked: when a vehicle passing by merges with it,
	// the parked one keeps its box and the blob is left to the passer-by's track.
	Parked func(T, time.Time) bool
	// Hold is how long in seconds a track lives without a matching blob.
	Hold func(T, time.Time) float64
}

// Tracker follows one camera's blobs. Not safe for concurrent use.
type Tracker[T Tracked] struct {
	// Tracks are the live tracks after the last Associate, oldest first; Dead the tracks it
	// ended.
	Tracks, Dead []T
	cfg          Config[T]
}

// New returns a tracker without tracks.
func New[T Tracked](cfg Config[T]) *Tracker[T] { return &Tracker[T]{cfg: cfg} }

// Clear reports whether a box is clear of the image's edges.
func (k *Tracker[T]) Clear(b wire.Box) bool {
	m := k.cfg.Margin
	return b[0] >= m && b[1] >= m && b[2] <= float64(k.cfg.Width)-m && b[3] <= float64(k.cfg.Height)-m
}

// Associate matches the blobs of the frame captured at t to tracks by overlap with each
// track's predicted box, greedily best first; unmatched blobs start tracks (returned, in
// blob order), tracks unmatched for longer than their Hold end (Dead). firstLook marks the
// first analysed frame.
func (k *Tracker[T]) Associate(os []Obs, t time.Time, firstLook bool) (born []T) {
	k.Dead = k.Dead[:0]
	type pair struct {
		ti, oi int
		score  float64
	}
	var pairs []pair
	for ti, tt := range k.Tracks {
		tr := tt.Base()
		p := tr.Last().Box
		if len(tr.Hist) >= 2 {
			a, b := tr.Hist[len(tr.Hist)-2], tr.Hist[len(tr.Hist)-1]
			m := float64(1 + tr.Missed)
			for j := range 4 {
				p[j] += (b.Box[j] - a.Box[j]) * m
			}
		}
		pc := [2]float64{(p[0] + p[2]) / 2, (p[1] + p[3]) / 2}
		diag := math.Hypot(p[2]-p[0], p[3]-p[1])
		// on the road: where the track should be now, and how far a blob may be from it
		dt := t.Sub(tr.Last().T).Seconds()
		g := tr.Last().Ground
		pg := wire.Point{g[0] + tr.Vel[0]*dt, g[1] + tr.Vel[1]*dt}
		gate := MaxJumpM + 0.5*math.Hypot(tr.Vel[0], tr.Vel[1])*dt
		for oi, o := range os {
			iou := p.IoU(o.Box)
			oc := [2]float64{(o.Box[0] + o.Box[2]) / 2, (o.Box[1] + o.Box[3]) / 2}
			dist := math.Hypot(pc[0]-oc[0], pc[1]-oc[1])
			if iou < 0.1 && dist > 0.5*diag {
				continue
			}
			if tr.Seen >= MinSeen && math.Hypot(o.Ground[0]-pg[0], o.Ground[1]-pg[1]) > gate {
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
	tUsed := make([]bool, len(k.Tracks))
	oUsed := make([]bool, len(os))
	for _, p := range pairs {
		if tUsed[p.ti] || oUsed[p.oi] {
			continue
		}
		tt, o := k.Tracks[p.ti], os[p.oi]
		tr := tt.Base()
		if lb := tr.Last().Box; k.cfg.Parked(tt, t) && o.Box.Area() > 1.3*lb.Area() && o.Box.Intersect(lb).Area() > 0.8*lb.Area() && OverlapsOther(tt, o.Box, k.Tracks) {
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
		tr.Hist = append(tr.Hist, Sample{T: t, Box: o.Box, Ground: o.Ground, WidthM: o.WidthM, HighM: o.HighM})
		if len(tr.Hist) > HistLen {
			tr.Hist = append(tr.Hist[:0], tr.Hist[len(tr.Hist)-HistLen:]...)
		}
		tr.Missed = 0
		tr.Seen++
		tr.Votes[Classify(o)]++
		tr.Vel = tr.Velocity(600 * time.Millisecond)
		if tr.FullT.IsZero() && k.Clear(o.Box) && o.Box[3]-o.Box[1] >= wire.JudgeMinPx {
			tr.FullT = t
		}
		if tr.Seen > 5 {
			tr.MaxSpeed = max(tr.MaxSpeed, math.Hypot(tr.Vel[0], tr.Vel[1]))
		}
	}
	kept := k.Tracks[:0]
	for i, tt := range k.Tracks {
		if !tUsed[i] {
			tr := tt.Base()
			tr.Missed++
			if float64(tr.Missed)/k.cfg.FPS > k.cfg.Hold(tt, t) {
				k.Dead = append(k.Dead, tt)
				continue
			}
		}
		kept = append(kept, tt)
	}
	k.Tracks = kept
	n := 0
	for oi, o := range os {
		if oUsed[oi] {
			continue
		}
		n++
		tt := k.cfg.New(Track{
			ID:       IDOf(t, n),
			Born:     t,
			Hist:     []Sample{{T: t, Box: o.Box, Ground: o.Ground, WidthM: o.WidthM, HighM: o.HighM}},
			FirstG:   o.Ground,
			AtStart:  firstLook,
			BornEdge: !k.Clear(o.Box),
			FirstBox: o.Box,
			Votes:    map[wire.Class]int{Classify(o): 1},
			Seen:     1,
		})
		k.Tracks = append(k.Tracks, tt)
		born = append(born, tt)
	}
	return born
}
