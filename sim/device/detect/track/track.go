// Package track is the reference detector's tracker: it follows the blobs of one camera across
// frames (greedy box overlap with a constant-velocity prediction on the image and a gate on the
// road plane), keeps each track's recent samples, its speed in road metres per second and a
// vote of its size class. It knows boxes, road points and capture times, never the rules: the
// detector embeds a Track in its own track type, which holds the rules' state, and tells the
// tracker through two hooks which tracks are parked and how long an unmatched track lives.
package track

import (
	"slices"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// Obs is one blob measured in full-resolution pixels and on the road plane.
type Obs struct {
	Box    wire.Box
	Ground wire.Point // road-plane point under the bottom centre
	WidthM float64    // road-plane width of the bottom edge
	HighM  float64    // estimated height in metres
	Area   int
}

// Sample is one observation of a track.
type Sample struct {
	T      time.Time
	Box    wire.Box
	Ground wire.Point
	WidthM float64 // road-plane width of the box's bottom edge
	HighM  float64 // box height in metres of a post at the ground point (0: unknown)
}

// Track is an object followed across frames.
type Track struct {
	ID       string // stable: birth capture time and order, so restarts and resends agree
	Born     time.Time
	Hist     []Sample   // recent samples, oldest first (bounded)
	FirstG   wire.Point // ground point at birth
	AtStart  bool       // born in the first analysed frame: there when the device began to look
	BornEdge bool       // its first box touched the image's edge: it came into the picture
	FirstBox wire.Box   // box at birth
	Missed   int        // frames without a matching blob
	Seen     int        // frames matched
	Votes    map[wire.Class]int
	MaxSpeed float64 // m/s, smoothed
	Vel      wire.Point
	FullT    time.Time // first sample whose box is clear of the image's edges and wire.JudgeMinPx tall
}

// Base gives the tracker the Track inside a caller's track type.
func (tr *Track) Base() *Track { return tr }

// Tracked is a caller's track type: a pointer to a struct embedding Track.
type Tracked interface{ Base() *Track }

// HistLen is how many samples a track keeps.
const HistLen = 50

// MaxJumpM is how far from its predicted road point a settled track may find its next blob (a
// blob's bottom edge moves a metre per pixel row 100 m away, and merges shift it further).
const MaxJumpM = 6.0

// MinSeen is the frames a track is matched before it is settled: its road point then gates
// the blobs it may take.
const MinSeen = 4

// Last is the newest sample.
func (tr *Track) Last() Sample { return tr.Hist[len(tr.Hist)-1] }

// Velocity over about the last window: road metres per second.
func (tr *Track) Velocity(window time.Duration) wire.Point {
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
func (tr *Track) Class() wire.Class {
	best, n := wire.Car, -1
	for _, c := range wire.Classes {
		if tr.Votes[c] > n {
			best, n = c, tr.Votes[c]
		}
	}
	return best
}

// ShareNotIn is the share of the votes that went to classes not in cs (all classes when cs is
// empty): a truck in a car lane counts whether its frames read truck or bus.
func (tr *Track) ShareNotIn(cs []wire.Class) float64 {
	n, c := 0, 0
	for k, v := range tr.Votes {
		n += v
		if len(cs) > 0 && !slices.Contains(cs, k) {
			c += v
		}
	}
	if n == 0 {
		return 0
	}
	return float64(c) / float64(n)
}

// FirstFull is when a track was first seen fully visible and large enough to judge its riders,
// if that was before at (the time a per-rider check first measured it): no_helmet and
// too_many_passengers are stamped at that frame.
func (tr *Track) FirstFull(at time.Time) time.Time {
	if !tr.FullT.IsZero() && tr.FullT.Before(at) {
		return tr.FullT
	}
	return at
}

// Classify guesses a class from the road-plane width of the box's bottom edge and the height
// estimated at that point. Measured on rendered frames (bottom width includes the contact
// shadow and, seen at an angle, the side): motorbikes and bicycles 0.7-0.9 m, cars 1.9-2.5 m,
// buses 2.9-3.5 m; heights are overestimated (the far roof edge), cars 2.0-3.4, buses 3.3-4.7.
func Classify(o Obs) wire.Class {
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

// IDOf is the id of the n-th track born in the frame captured at t.
func IDOf(t time.Time, n int) string {
	return t.UTC().Format("20060102T150405.000") + "." + itoa(n)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// OverlapsOther reports whether the last box of a track among others than tr overlaps b: a
// blob holding two vehicles, or a vehicle passing in front of a stopped one.
func OverlapsOther[T Tracked](tr T, b wire.Box, among []T) bool {
	for _, o := range among {
		if o.Base() != tr.Base() && o.Base().Last().Box.Intersect(b).Area() > 0 {
			return true
		}
	}
	return false
}
