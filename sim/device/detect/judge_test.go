package detect

import (
	"math"
	"testing"
	"time"

	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"github.com/trafficsim/trafficsim/wire"
)

// standPastLine feeds a car at red that drives up (rear 20 -> rearY) and stands for 3 s, in a
// view of the given light and contrast, and returns the events of its rules.
func standPastLine(t *testing.T, rearY float64, light float64, spread int) []wire.Event {
	t.Helper()
	d, tr := carAtRed(t, site(t))
	d.sceneLight, d.sceneSpread = light, spread
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 40 * time.Millisecond) }
	var evs []wire.Event
	for i := range 100 {
		y := 20 + (rearY-20)*math.Min(1, float64(i)/25)
		c := wire.Cuboid{Center: wire.Point{1.75, y + 2.25}, Length: 4.5, Width: 1.8, Height: 1.5}
		b, _ := cam.ProjectCuboid(c)
		tr.Hist = append(tr.Hist, sample{T: at(i), Box: b, Ground: wire.Point{1.75, y}, WidthM: 1.8})
		tr.Seen++
		tr.Vel = tr.Velocity(600 * time.Millisecond)
		tr.MaxSpeed = max(tr.MaxSpeed, math.Hypot(tr.Vel[0], tr.Vel[1]))
		evs = append(evs, d.rules(tr, at(i))...)
	}
	return evs
}

// A stop_line violation is judged where the view shows where vehicles stand: by clear day a
// car standing with its front 1.5 m past the line is one; in a view without contrast (fog,
// dusk, night) the device says nothing, and a front a few decimetres past the line (within
// what a box's bottom edge is off by) is no violation in any view.
func TestStopLineNeedsAClearViewAndAMargin(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		front  float64 // where the front stands (the line is at y = 40)
		light  float64
		spread int
		want   int
	}{
		{"clear day, 1.5 m past", 41.5, 110, 120, 1},
		{"fog, 1.5 m past", 41.5, 127, 60, 0},
		{"dusk, 1.5 m past", 41.5, 60, 47, 0},
		{"clear day, 0.2 m past", 40.2, 110, 120, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs := standPastLine(t, c.front-4.5, c.light, c.spread)
			n := 0
			for _, e := range evs {
				if e.Type != wire.StopLineViolation {
					t.Errorf("unexpected %s", e.Type)
				}
				n++
			}
			if n != c.want {
				t.Errorf("%d stop_line events, want %d", n, c.want)
			}
		})
	}
}

// In the dark only stop lines whose traffic drives away from the camera are judged (the
// camera sees the vehicles' backs); where it comes towards the camera the blobs are headlights
// and their glare on the road. What is not judged is counted, per type, as NotJudged.
func TestDarkSceneJudgesLinesGoingAwayAndCountsTheRest(t *testing.T) {
	t.Parallel()
	away := site(t)
	towards := site(t)
	towards.Lanes = append([]wire.LaneRegion(nil), towards.Lanes...)
	towards.Lanes[0].Direction = wire.Point{0, -1}
	for _, c := range []struct {
		name  string
		cal   wire.Calibration
		light float64
		want  bool
	}{
		{"away by day", away, 110, true},
		{"away at night", away, 30, true},
		{"towards by day", towards, 110, true},
		{"towards at night", towards, 30, false},
	} {
		d, err := New(c.cal, Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.sceneLight, d.sceneSpread = c.light, 120
		if got := d.lineJudged(0); got != c.want {
			t.Errorf("%s: judged %v, want %v", c.name, got, c.want)
		}
		d.judged()
		nj := d.NotJudged()
		if got := nj[wire.RedLight] > 0; got == c.want {
			t.Errorf("%s: red_light not judged %v s", c.name, nj[wire.RedLight])
		}
		dark := c.light < minSceneLight
		for _, typ := range []wire.ViolationType{wire.WrongWay, wire.Sidewalk, wire.NoHelmet, wire.TooManyPassengers} {
			if got := nj[typ] > 0; got != dark {
				t.Errorf("%s: %s not judged %v s, want some: %v", c.name, typ, nj[typ], dark)
			}
		}
	}
}

// The contrast of a view is the spread between its 10th and 90th percentile of grey.
func TestPercentile(t *testing.T) {
	t.Parallel()
	var h [256]int
	for v := range 100 {
		h[v+50]++ // 50..149, one pixel each
	}
	for _, c := range []struct {
		q    float64
		want int
	}{{0, 50}, {0.1, 60}, {0.5, 100}, {0.9, 140}, {1, 255}} {
		if got := percentile(&h, 100, c.q); got != c.want {
			t.Errorf("percentile %.1f = %d, want %d", c.q, got, c.want)
		}
	}
}

// NotJudged is a share of what was analysed: AnalysedS counts every frame judged after the
// warm-up, whether or not a type was declined in it.
func TestAnalysedSecondsCountEveryJudgedFrame(t *testing.T) {
	t.Parallel()
	d, err := New(site(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.AnalysedS() != 0 {
		t.Errorf("before any frame: analysed %v s", d.AnalysedS())
	}
	for i := range 50 {
		d.sceneLight, d.sceneSpread = 110, 120
		if i >= 25 {
			d.sceneLight, d.sceneSpread = 30, 23 // night falls
		}
		d.judged()
	}
	if got, want := d.AnalysedS(), 50/d.fps; got != want {
		t.Errorf("analysed %v s, want %v", got, want)
	}
	if got, want := d.NotJudged()[wire.NoHelmet], 25/d.fps; got != want {
		t.Errorf("no_helmet not judged %v s, want %v (the dark half)", got, want)
	}
}

// crossAtRed feeds a vehicle driving through the north line at red at 8 m/s (rear 25 -> 50 m)
// whose box is high m high (a post at its ground point), in a view of the given light, with a
// nearer road user's box over its bottom when hidden; it returns its red_light events.
func crossAtRed(t *testing.T, high, light float64, hidden bool) []wire.Event {
	t.Helper()
	d, tr := carAtRed(t, site(t))
	d.sceneLight, d.sceneSpread = light, 60
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 40 * time.Millisecond) }
	var near *track
	var evs []wire.Event
	for i := range 80 {
		y := 25 + 8*float64(i)/25
		g := wire.Point{1.75, y}
		base, _, _ := cam.Project(wire.Vec3{1.75, y, 0})
		top, _, _ := cam.Project(wire.Vec3{1.75, y, high})
		w := 0.4 * (base[1] - top[1])
		s := sample{T: at(i), Box: wire.Box{base[0] - w, top[1], base[0] + w, base[1]}, Ground: g, WidthM: 1.8, HighM: high}
		tr.Hist = append(tr.Hist, s)
		tr.Seen++
		tr.Vel = tr.Velocity(600 * time.Millisecond)
		tr.MaxSpeed = max(tr.MaxSpeed, math.Hypot(tr.Vel[0], tr.Vel[1]))
		if hidden {
			b := s.Box
			b[1], b[3] = b[3]-10, b[3]+40 // a nearer rider's box over its bottom edge
			if near == nil {
				near = &track{Track: tk.Track{Votes: map[wire.Class]int{wire.Motorbike: 1}}}
				d.tracker.Tracks = append(d.tracker.Tracks, near)
			}
			near.Hist = []sample{{T: at(i), Box: b}}
		}
		evs = append(evs, d.rules(tr, at(i))...)
	}
	return evs
}

// In a light view (day, fog) a crossing on red counts only for a box that can be a whole road
// user (1.0 m or more) whose bottom no nearer road user hides: a 0.8 m box is the piece of a
// queued motorbike whose bottom edge jumped over the line. At dusk and at night (mean grey
// under 80) riders show as their lit upper half, and the low box still counts.
func TestRedLightCrossingNeedsAWholeRoadUserInALightView(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		high   float64
		light  float64
		hidden bool
		want   int
	}{
		{"day, whole", 1.5, 110, false, 1},
		{"day, a piece", 0.8, 110, false, 0},
		{"fog, a piece", 0.8, 127, false, 0},
		{"day, whole with its bottom hidden", 1.5, 110, true, 0},
		{"dusk, a lit upper half", 0.8, 60, false, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := 0
			for _, e := range crossAtRed(t, c.high, c.light, c.hidden) {
				if e.Type == wire.RedLight {
					n++
				}
			}
			if n != c.want {
				t.Errorf("%d red_light events, want %d", n, c.want)
			}
		})
	}
}
