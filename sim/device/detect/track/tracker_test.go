package track

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// mine is a caller's track type: a Track with the caller's own state.
type mine struct {
	Track
	parked bool
}

func newTracker() *Tracker[*mine] {
	return New(Config[*mine]{Width: 1280, Height: 720, Margin: 6, FPS: 25,
		New:    func(b Track) *mine { return &mine{Track: b} },
		Parked: func(m *mine, _ time.Time) bool { return m.parked },
		Hold:   func(m *mine, _ time.Time) float64 { return 0.4 }})
}

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func at(i int) time.Time { return t0.Add(time.Duration(i) * 40 * time.Millisecond) }

// a motorbike (0.8 m wide) driving 10 m/s away: its box moves up 4 px and its road point 0.4 m
// per frame.
func bike(i int) Obs {
	y := 400 - 4*float64(i)
	return Obs{Box: wire.Box{600, y - 120, 660, y}, Ground: wire.Point{0, 10 + 0.4*float64(i)}, WidthM: 0.8}
}

// One vehicle is one track across frames: same id, its speed in road metres per second, its
// class by vote; a blob far from where the track goes on the road starts another track.
func TestOneVehicleOneTrack(t *testing.T) {
	k := newTracker()
	for i := range 20 {
		born := k.Associate([]Obs{bike(i)}, at(i), i == 0)
		if (i == 0) != (len(born) == 1) {
			t.Fatalf("frame %d: %d tracks born", i, len(born))
		}
	}
	if len(k.Tracks) != 1 {
		t.Fatalf("%d tracks, want 1", len(k.Tracks))
	}
	tr := k.Tracks[0]
	if tr.ID != "20260302T080000.000.1" || !tr.AtStart || tr.Seen != 20 || tr.Class() != wire.Motorbike {
		t.Errorf("track %s at start %v seen %d class %s", tr.ID, tr.AtStart, tr.Seen, tr.Class())
	}
	if v := tr.Vel; v[0] != 0 || v[1] < 9.9 || v[1] > 10.1 {
		t.Errorf("velocity %v, want (0, 10) m/s", v)
	}
	// the same box 20 m further down the road: another vehicle, not this one
	o := bike(20)
	o.Ground[1] += 20
	if born := k.Associate([]Obs{o}, at(20), false); len(born) != 1 || born[0] == tr {
		t.Errorf("a blob 20 m off the track's road point: %d born, want a new track", len(born))
	}
}

// A track unmatched for longer than its hold ends (Dead, for the caller to finish); one
// matched again within it goes on.
func TestHoldEndsLostTracks(t *testing.T) {
	k := newTracker()
	for i := range 10 {
		k.Associate([]Obs{bike(i)}, at(i), i == 0)
	}
	tr := k.Tracks[0]
	for i := 10; i < 20; i++ { // 0.4 s = 10 frames
		k.Associate(nil, at(i), false)
		if len(k.Dead) != 0 {
			t.Fatalf("ended after %d missed frames, want after 11", i-9)
		}
	}
	k.Associate(nil, at(20), false)
	if len(k.Dead) != 1 || k.Dead[0] != tr || len(k.Tracks) != 0 {
		t.Errorf("after 11 missed frames: %d dead, %d live, want the track dead", len(k.Dead), len(k.Tracks))
	}
	k.Associate(nil, at(21), false)
	if len(k.Dead) != 0 {
		t.Error("Dead holds the tracks ended by the last Associate only")
	}
}

// A parked vehicle keeps its box when one passing by merges with it; the merged blob goes to a
// new track (the passer-by's).
func TestParkedKeepsItsBoxThroughAMerge(t *testing.T) {
	k := newTracker()
	car := Obs{Box: wire.Box{300, 300, 420, 400}, Ground: wire.Point{-3, 15}, WidthM: 2}
	other := Obs{Box: wire.Box{700, 300, 820, 400}, Ground: wire.Point{3, 15}, WidthM: 2}
	for i := range 5 {
		k.Associate([]Obs{car, other}, at(i), i == 0)
	}
	parked := k.Tracks[0]
	parked.parked = true
	other.Box = wire.Box{430, 300, 550, 400} // a vehicle drives up beside the parked car
	k.Associate([]Obs{car, other}, at(5), false)
	merged := Obs{Box: wire.Box{300, 290, 520, 400}, Ground: wire.Point{-2, 15}, WidthM: 3.3}
	born := k.Associate([]Obs{merged}, at(6), false)
	if parked.Last().Box != car.Box || parked.Missed != 0 {
		t.Errorf("parked track: box %v missed %d, want its own box kept", parked.Last().Box, parked.Missed)
	}
	for _, b := range append(born, k.Tracks...) {
		if b != parked && b.Last().Box == merged.Box {
			return // the merged blob went to another track
		}
	}
	t.Error("the merged blob went to no track but the parked one")
}

// Class votes and the share of votes outside a lane's classes.
func TestClassVote(t *testing.T) {
	tr := Track{Votes: map[wire.Class]int{wire.Truck: 3, wire.Bus: 2, wire.Car: 5}}
	if tr.Class() != wire.Car {
		t.Errorf("class %s, want car (5 of 10 votes)", tr.Class())
	}
	if s := tr.ShareNotIn([]wire.Class{wire.Car}); s != 0.5 {
		t.Errorf("share outside a car lane %v, want 0.5 (truck and bus)", s)
	}
	if s := tr.ShareNotIn(nil); s != 0 {
		t.Errorf("share outside a lane for all classes %v, want 0", s)
	}
	for _, c := range []struct {
		o    Obs
		want wire.Class
	}{
		{Obs{WidthM: 0.8}, wire.Motorbike},
		{Obs{WidthM: 2.0}, wire.Car},
		{Obs{WidthM: 3.0, HighM: 3.5}, wire.Truck},
		{Obs{WidthM: 3.0, HighM: 4.5}, wire.Bus},
		{Obs{}, wire.Car}, // no width measured
	} {
		if got := Classify(c.o); got != c.want {
			t.Errorf("classify %+v = %s, want %s", c.o, got, c.want)
		}
	}
}
