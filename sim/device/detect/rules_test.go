package detect

import (
	"math"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/wire"
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
	d, err := New(cal, Options{Source: "dev1"})
	if err != nil {
		t.Fatal(err)
	}
	d.signals[0].state = red
	tr := &track{id: "t1", votes: map[wire.Class]int{wire.Car: 30}, emitted: map[wire.ViolationType]bool{}, zoneIn: map[int]time.Time{}}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 40 * time.Millisecond) }
	add := func(i int, rearY float64) {
		c := wire.Cuboid{Center: wire.Point{1.75, rearY + 2.25}, Length: 4.5, Width: 1.8, Height: 1.5}
		b, _ := cam.ProjectCuboid(c)
		tr.hist = append(tr.hist, sample{t: at(i), box: b, ground: wire.Point{1.75, rearY}, widthM: 1.8})
		tr.seen++
		tr.vel = tr.velocity(600 * time.Millisecond)
	}
	// drove up (rear 20 -> 35 m) and stands with the front 0.5 m before the line for 2 s
	for i := range 75 {
		add(i, 20+15*math.Min(1, float64(i)/25))
		tr.maxSpeed = max(tr.maxSpeed, math.Hypot(tr.vel[0], tr.vel[1]))
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
