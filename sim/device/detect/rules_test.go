package detect

import (
	"math"
	"testing"
	"time"

	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"github.com/trafficsim/trafficsim/wire"
)

// stopThenGo is a car in the north lane that brakes from 8 m/s to stand with its front at
// stopFront (y) at s = 5, stands there until goAt, then drives on at 1.5 m/s^2.
func stopThenGo(stopFront, goAt float64) actor {
	return func(s float64) (wire.Cuboid, bool) {
		f := stopFront
		switch {
		case s < 5:
			f = stopFront - 8*(5-s)*(5-s)/10 // decelerating 1.6 m/s^2
		case s > goAt:
			f = stopFront + 1.5*(s-goAt)*(s-goAt)/2
		}
		return wire.Cuboid{Center: wire.Point{1.75, f - 2.25}, HeadingDeg: 0, Length: 4.5, Width: 1.8, Height: 1.5}, true
	}
}

func redUntil(s0 float64) func(float64) lamp {
	return func(s float64) lamp {
		if s < s0 {
			return red
		}
		return green
	}
}

// The world's rule (ARCHITECTURE.md section 4, synth/world GoOnM): a vehicle that crosses the
// line on red and stops beyond it, less than 6 m past, has made a stop_line violation and no
// red_light one, even when it drives on once the light turns green.
func TestCrossedOnRedAndStoppedIsStopLineOnly(t *testing.T) {
	t.Parallel()
	cal := site(t)
	for _, c := range []struct {
		name  string
		front float64 // where the front stops (the line is at y = 40)
	}{
		{"1.5 m past", 41.5},
		{"4.5 m past", 44.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, _ := run(t, cal, 12, []actor{stopThenGo(c.front, 8)}, redUntil(8))
			only(t, evs, wire.StopLineViolation, 5, 1.0)
		})
	}
}

// Going on after the crossing is a red_light, stamped at the crossing.
func TestCrossedOnRedAndWentOnIsRedLight(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// front 10 + 2.25 + 8 s crosses y = 40 at 3.47 s; 6 m further at 4.22 s
	evs, _ := run(t, cal, 6, []actor{car(1.75, 10, 8, 0)}, redUntil(3.6))
	only(t, evs, wire.RedLight, 27.75/8, 0.3)
}

// A vehicle that stops past the line at red is judged by the light it stopped at: the light
// may turn green within the second the device takes to be sure it stands (its speed over the
// last second), and it may move off soon after.
func TestStoppedAtRedThenGreenIsStopLine(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// stands from s = 5 with the front 1.5 m past the line (seen standing, from 40 m away, at
	// 5.7 s); green at 6 s, drives on at 6.8 s
	evs, _ := run(t, cal, 10, []actor{stopThenGo(41.5, 6.8)}, redUntil(6))
	only(t, evs, wire.StopLineViolation, 5, 1.0)
}

// The world times a wrong-way hold from when the vehicle entered the lane's region, which may
// begin before the camera's view: a track that comes into the picture already driving against
// the lane is back-dated by the road from its first point back to the lane's end, at its speed.
func TestWrongWayEnteringThePictureIsBackDated(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// the southbound lane begins at y = 5, the view at y = 12.9: northbound at 8 m/s, the
	// centre enters the lane at s = 0.625 (2 s mark 2.625), the front the view at s = 1.33
	evs, _ := run(t, cal, 6, []actor{car(-1.75, 0, 8, 0)}, nil)
	only(t, evs, wire.WrongWay, 2.625, 0.5)
}

// A car standing just before the line at red whose blob jumps past the line (a passer-by
// merged with it, then the track is lost) did not cross: no red_light.
func TestStandingTrackWhoseBlobJumpsDoesNotCross(t *testing.T) {
	t.Parallel()
	cal := site(t)
	d, tr := carAtRed(t, cal)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 40 * time.Millisecond) }
	add := func(i int, rearY float64) {
		c := wire.Cuboid{Center: wire.Point{1.75, rearY + 2.25}, Length: 4.5, Width: 1.8, Height: 1.5}
		b, _ := cam.ProjectCuboid(c)
		tr.Hist = append(tr.Hist, sample{T: at(i), Box: b, Ground: wire.Point{1.75, rearY}, WidthM: 1.8})
		tr.Seen++
		tr.Vel = tr.Velocity(600 * time.Millisecond)
	}
	// drove up (rear 20 -> 35 m) and stands with the front 0.5 m before the line for 2 s
	for i := range 75 {
		add(i, 20+15*math.Min(1, float64(i)/25))
		tr.MaxSpeed = max(tr.MaxSpeed, math.Hypot(tr.Vel[0], tr.Vel[1]))
		d.rules(tr, at(i))
	}
	if tr.stillSince.IsZero() {
		t.Fatal("the car is not seen standing")
	}
	add(75, 37.5) // the merged blob: front 2 m past the line
	tr.pending = append(tr.pending, d.rules(tr, at(75))...)
	d.finish(tr) // lost
	for _, e := range tr.pending {
		t.Errorf("unexpected %s", e.Type)
	}
}

// A wrong-way hold does not run through frames where the track's blob is wider than any
// vehicle (a merge: its motion is no one vehicle's): it starts again after them.
func TestWrongWayHoldRestartsAfterAMerge(t *testing.T) {
	t.Parallel()
	cal := site(t)
	ww := car(-1.75, 12, 8, 0) // northbound in the southbound lane
	// a 3 m wide load right beside it in the northbound lane from 0.8 to 2.3 s: one blob
	// 4.75 m wide
	beside := func(s float64) (wire.Cuboid, bool) {
		c, _ := car(0.6, 12, 8, 0)(s)
		c.Width = 3
		return c, s >= 0.8 && s < 2.3
	}
	evs, _ := run(t, cal, 6, []actor{ww, beside}, nil)
	only(t, evs, wire.WrongWay, 2.3+2, 0.5)
}

// A vehicle that parks in a no-parking zone at the bottom of the view, its rear still out of
// the picture, shows no road motion (its box's bottom is the image's edge): it came in, its
// top edge moved, and it is kept and judged all the same.
func TestParkedCutByTheBottomEdge(t *testing.T) {
	t.Parallel()
	cal := site(t)
	np := rect(0, 11, 3.5, 16) // the view begins at y = 12.9
	cal.NoParking = []wire.ZoneRegion{{ID: "np-near", Road: np, Image: toImage(np), ThresholdS: 3}}
	// northbound at 3 m/s, stands from s = 2 with its centre at y = 14 (rear at 11.75)
	parker := func(s float64) (wire.Cuboid, bool) {
		return wire.Cuboid{Center: wire.Point{1.75, 14 - 3*math.Max(0, 2-s)}, Length: 4.5, Width: 1.8, Height: 1.5}, true
	}
	evs, _ := run(t, cal, 9, []actor{parker}, nil)
	only(t, evs, wire.IllegalParking, 2+3, 1.0)
}

// stop_line is not judged on a box cut by the bottom edge: its front is a guess from the top
// edge (a metre off), and the blob may hold the vehicle coming in behind it.
func TestNoStopLineWhileCutByTheBottomEdge(t *testing.T) {
	t.Parallel()
	cal := site(t)
	d, tr := carAtRed(t, cal)
	tr.MaxSpeed = 5
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 40 * time.Millisecond) }
	// a car standing with its rear out of the picture: the box's bottom is the image's edge
	c := wire.Cuboid{Center: wire.Point{1.75, 14}, Length: 4.5, Width: 1.8, Height: 1.5}
	b, _ := cam.ProjectCuboid(c)
	b[3] = float64(cal.Height)
	g, _ := wire.Apply(cal.ImageToRoad, wire.Point{(b[0] + b[2]) / 2, b[3]})
	s := sample{T: at(0), Box: b, Ground: g, WidthM: 1.8}
	// the line 1.5 m behind the front the device estimates from the top edge
	f := d.front(tr, s, wire.Point{0, 1})
	stop := line("stop1", wire.Point{0, f[1] - 1.5}, wire.Point{3.5, f[1] - 1.5})
	stop.Signal, stop.Lanes = "s1", []string{"north"}
	d.cal.StopLines = []wire.LineRegion{stop}
	for i := range 75 {
		s.T = at(i)
		tr.Hist = append(tr.Hist, s)
		tr.Seen++
		for _, e := range d.rules(tr, at(i)) {
			t.Errorf("unexpected %s at frame %d", e.Type, i)
		}
	}
}

// A vehicle stamped wrong_lane whose track is lost (its blob merged with the one behind it, so
// the blob's road point jumped nearer than any vehicle can move) is found again by a new track:
// that track starts stamped, and is not reported a second time (demo clips: one car or truck
// reported two or three times a few seconds apart). A new track elsewhere, or on the blob of a
// lost track that was not stamped, is judged on its own.
func TestWrongLaneFoundAgainIsNotStampedTwice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		stamped bool
		blob    wire.Box
		want    bool
	}{
		{"stamped, its box inside the merged blob", true, wire.Box{750, 90, 820, 210}, true},
		{"not stamped", false, wire.Box{750, 90, 820, 210}, false},
		{"stamped, the blob elsewhere", true, wire.Box{400, 90, 470, 210}, false},
		{"stamped, the blob overlaps a corner", true, wire.Box{790, 120, 900, 260}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := New(site(t, wire.Motorbike), Options{Source: "dev1"})
			if err != nil {
				t.Fatal(err)
			}
			lost := &track{
				Track:   tk.Track{Hist: []sample{{T: t0, Box: wire.Box{753, 96, 819, 141}, Ground: wire.Point{-1.75, 48}}}, Seen: 60, Missed: 1, Vel: wire.Point{0, 8}, Votes: map[wire.Class]int{wire.Car: 60}},
				emitted: map[wire.ViolationType]bool{wire.WrongLane: c.stamped},
			}
			d.tracker.Tracks = []*track{lost}
			// the merged blob stands on the road point of the vehicle behind, 10 m nearer
			d.associate([]obs{{Box: c.blob, Ground: wire.Point{-1.75, 38}, WidthM: 2}}, t0.Add(40*time.Millisecond), false)
			if len(d.tracker.Tracks) != 2 || d.tracker.Tracks[1] == lost {
				t.Fatalf("%d tracks, want the lost one and a new one", len(d.tracker.Tracks))
			}
			if got := d.tracker.Tracks[1].emitted[wire.WrongLane]; got != c.want {
				t.Errorf("new track stamped wrong_lane: %v, want %v", got, c.want)
			}
			// a track that took the lost one's blob later is judged the same way when its
			// own hold ends
			other := &track{Track: tk.Track{Hist: []sample{{T: t0, Box: c.blob}}}}
			if got := d.lostStamped(other, c.blob, wire.WrongLane); got != c.want {
				t.Errorf("lostStamped: %v, want %v", got, c.want)
			}
		})
	}
}

// The world's wrong_lane hold runs only while the vehicle moves (synth/world/rules.go: not
// still): a car in a motorbike-only lane that stands for 2 s after 1 s in it (a queue) is
// stamped 2 s after it drives on, not during the stand. A blob standing still while its hold
// runs is also what a merge of standing motorbikes, or glare at night, looks like.
func TestWrongLaneHoldRestartsAfterAStand(t *testing.T) {
	t.Parallel()
	cal := site(t, wire.Motorbike)
	stand := func(s float64) (wire.Cuboid, bool) {
		y := 60 - 8*min(s, 1)
		if s > 3 {
			y -= 8 * (s - 3)
		}
		return wire.Cuboid{Center: wire.Point{-1.75, y}, HeadingDeg: 180, Length: 4.5, Width: 1.8, Height: 1.5}, true
	}
	evs, _ := run(t, cal, 7, []actor{stand}, nil)
	only(t, evs, wire.WrongLane, 5, 0.5)
}

// A bicycle reads as a motorbike by its size; its tyre tells it apart. Slow and thin-tyred in a
// lane for motor vehicles it is in the wrong lane; a fast one (no bicycle rides at 20 km/h) or
// one in a lane that allows bicycles is not.
func TestLaneClassOfABicycle(t *testing.T) {
	motor := []wire.Class{wire.Motorbike, wire.Car, wire.Truck, wire.Bus}
	two := []wire.Class{wire.Motorbike, wire.Bicycle}
	bike := func(thin, thick int, speed float64) *track {
		return &track{Track: tk.Track{Votes: map[wire.Class]int{wire.Motorbike: 20}, MaxSpeed: speed}, helm: helmetState{thin: thin, thick: thick}}
	}
	for _, c := range []struct {
		name    string
		tr      *track
		allowed []wire.Class
		cls     wire.Class
		notIn   float64
	}{
		{"thin tyre, slow, motor lane", bike(6, 1, 4), motor, wire.Bicycle, 1},
		{"thin tyre, fast", bike(6, 1, 7), motor, wire.Motorbike, 0},
		{"few tyre looks", bike(4, 0, 4), motor, wire.Motorbike, 0},
		{"thick tyre", bike(2, 6, 4), motor, wire.Motorbike, 0},
		{"thin tyre, two-wheeler lane", bike(6, 0, 4), two, wire.Motorbike, 0},
	} {
		cls, notIn := c.tr.laneClass(c.allowed)
		if cls != c.cls || notIn != c.notIn {
			t.Errorf("%s: %s, %.2f not allowed; want %s, %.2f", c.name, cls, notIn, c.cls, c.notIn)
		}
	}
}

// carAtRed is a detector on cal whose signal shows red and a car's empty track to feed it
// samples by hand.
func carAtRed(t *testing.T, cal wire.Calibration) (*Detector, *track) {
	t.Helper()
	d, err := New(cal, Options{Source: "dev1"})
	if err != nil {
		t.Fatal(err)
	}
	d.signals[0].state = red
	return d, &track{Track: tk.Track{ID: "t1", Votes: map[wire.Class]int{wire.Car: 30}}, emitted: map[wire.ViolationType]bool{}, zoneIn: map[int]time.Time{}}
}
