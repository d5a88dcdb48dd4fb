package detect

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// The synthetic site: a 640x360 camera 8 m up at the road origin looking north (+y), two
// lanes: "south" x in [-3.5, 0] travelling towards the camera, "north" x in [0, 3.5] travelling
// away; a sidewalk x in [4, 6]; a stop line across "north" at y = 40 controlled by signal "s1";
// a speed zone y 20 -> 50 on "north"; a no-parking zone on "south" for y 30..45.
var cam = wire.Pinhole{FocalPx: 500, Cx: 320, Cy: 180, HeightM: 8, TiltDeg: 12, Width: 640, Height: 360}

func rect(x0, y0, x1, y1 float64) wire.Polygon {
	return wire.Polygon{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func toImage(pg wire.Polygon) wire.Polygon { return toImageOf(cam, pg) }

func toImageOf(c wire.Pinhole, pg wire.Polygon) wire.Polygon {
	h := c.RoadToImage()
	out := make(wire.Polygon, len(pg))
	for i, p := range pg {
		out[i], _ = wire.Apply(h, p)
	}
	return out
}

func line(id string, a, b wire.Point) wire.LineRegion { return lineOf(cam, id, a, b) }

func lineOf(c wire.Pinhole, id string, a, b wire.Point) wire.LineRegion {
	h := c.RoadToImage()
	ia, _ := wire.Apply(h, a)
	ib, _ := wire.Apply(h, b)
	return wire.LineRegion{ID: id, Road: [2]wire.Point{a, b}, Image: [2]wire.Point{ia, ib}}
}

func site(t *testing.T, southAllowed ...wire.Class) wire.Calibration {
	t.Helper()
	return siteOf(t, cam, southAllowed...)
}

// siteOf is site seen through camera cam (the same road, lanes and regions).
func siteOf(t *testing.T, cam wire.Pinhole, southAllowed ...wire.Class) wire.Calibration {
	t.Helper()
	toImage := func(pg wire.Polygon) wire.Polygon { return toImageOf(cam, pg) }
	line := func(id string, a, b wire.Point) wire.LineRegion { return lineOf(cam, id, a, b) }
	inv, err := cam.ImageToRoad()
	if err != nil {
		t.Fatal(err)
	}
	if len(southAllowed) == 0 {
		southAllowed = wire.Classes
	}
	stop := line("stop1", wire.Point{0, 40}, wire.Point{3.5, 40})
	stop.Signal, stop.Lanes = "s1", []string{"north"}
	north, south := rect(0, 5, 3.5, 120), rect(-3.5, 5, 0, 120)
	walk := rect(4, 5, 6, 120)
	np := rect(-3.5, 30, 0, 45)
	return wire.Calibration{
		ID: "cam1", Width: cam.Width, Height: cam.Height, FPS: 25, Pinhole: cam,
		RoadToImage: cam.RoadToImage(), ImageToRoad: inv,
		Lanes: []wire.LaneRegion{
			{ID: "north", Road: north, Image: toImage(north), Direction: wire.Point{0, 1}, Allowed: wire.Classes, Signal: "s1", StopLine: "stop1"},
			{ID: "south", Road: south, Image: toImage(south), Direction: wire.Point{0, -1}, Allowed: southAllowed},
		},
		StopLines: []wire.LineRegion{stop},
		Signals: []wire.SignalRegion{{ID: "s1", Red: wire.Box{600, 10, 610, 20}, Amber: wire.Box{600, 22, 610, 32},
			Green: wire.Box{600, 34, 610, 44}, Lanes: []string{"north"}}},
		NoParking:   []wire.ZoneRegion{{ID: "np1", Road: np, Image: toImage(np), ThresholdS: 5}},
		Sidewalks:   []wire.ZoneRegion{{ID: "walk1", Road: walk, Image: toImage(walk)}},
		SpeedZones:  []wire.SpeedZoneRegion{{ID: "z1", Lanes: []string{"north"}, Entry: line("in", wire.Point{0, 20}, wire.Point{3.5, 20}), Exit: line("out", wire.Point{0, 50}, wire.Point{3.5, 50}), LengthM: 30}},
		SpeedLimits: map[wire.Class]float64{wire.Car: 50, wire.Motorbike: 40, wire.Truck: 50, wire.Bus: 50},
	}
}

// actor is a box-shaped vehicle; pose gives its cuboid at time s (seconds from the start) and
// whether it is on the road.
type actor func(s float64) (wire.Cuboid, bool)

func car(x, y0, speed, heading float64) actor {
	return func(s float64) (wire.Cuboid, bool) {
		dy := speed * s
		if heading == 180 {
			dy = -dy
		}
		return wire.Cuboid{Center: wire.Point{x, y0 + dy}, HeadingDeg: heading, Length: 4.5, Width: 1.8, Height: 1.5}, true
	}
}

// render draws the background (a fixed texture), the actors as filled boxes nearest last, and
// the signal head's lit lamp.
func render(f *decode.Frame, cal wire.Calibration, s float64, actors []actor, sig func(float64) lamp) {
	w, h := cal.Width, cal.Height
	if f.Y == nil {
		f.Width, f.Height = w, h
		f.Y = make([]byte, w*h)
		f.Cb = make([]byte, (w/2)*(h/2))
		f.Cr = make([]byte, (w/2)*(h/2))
		for i := range f.Cb {
			f.Cb[i], f.Cr[i] = 128, 128
		}
	}
	copy(f.Y, backdrop(w, h))
	type dbox struct {
		b wire.Box
		d float64
	}
	var boxes []dbox
	for _, a := range actors {
		cb, ok := a(s)
		if !ok {
			continue
		}
		b, ok := cam.ProjectCuboid(cb)
		if !ok {
			continue
		}
		boxes = append(boxes, dbox{b, -cb.Center[1]})
	}
	for i := 1; i < len(boxes); i++ { // far first
		for j := i; j > 0 && boxes[j].d < boxes[j-1].d; j-- {
			boxes[j], boxes[j-1] = boxes[j-1], boxes[j]
		}
	}
	for _, db := range boxes {
		fill(f, db.b, 200)
	}
	if sig != nil {
		for _, b := range []wire.Box{cal.Signals[0].Red, cal.Signals[0].Amber, cal.Signals[0].Green} {
			fill(f, b, 30)
		}
		switch sig(s) {
		case red:
			fill(f, cal.Signals[0].Red, 230)
		case amber:
			fill(f, cal.Signals[0].Amber, 230)
		case green:
			fill(f, cal.Signals[0].Green, 230)
		}
	}
}

var (
	backdropMu sync.Mutex
	backdrops  = map[[2]int][]byte{}
)

// backdrop is the fixed road texture of a w x h frame (made once, read only).
func backdrop(w, h int) []byte {
	backdropMu.Lock()
	defer backdropMu.Unlock()
	if b, ok := backdrops[[2]int{w, h}]; ok {
		return b
	}
	b := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b[y*w+x] = uint8(80 + (x*7+y*13)%16)
		}
	}
	backdrops[[2]int{w, h}] = b
	return b
}

func fill(f *decode.Frame, b wire.Box, v uint8) {
	for y := max(0, int(b[1])); y < min(f.Height, int(math.Ceil(b[3]))); y++ {
		for x := max(0, int(b[0])); x < min(f.Width, int(math.Ceil(b[2]))); x++ {
			f.Y[y*f.Width+x] = v
		}
	}
}

var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// run plays seconds of the scene (2 s of empty road first for the background) and returns the
// events with their times relative to the first vehicle frame.
func run(t *testing.T, cal wire.Calibration, seconds float64, actors []actor, sig func(float64) lamp) ([]wire.Event, *Detector) {
	t.Helper()
	return runHook(t, cal, seconds, actors, sig, nil)
}

// runHook is run with a hook that paints over each frame after the actors (s < 0: warm-up).
func runHook(t *testing.T, cal wire.Calibration, seconds float64, actors []actor, sig func(float64) lamp, hook func(f *decode.Frame, s float64)) ([]wire.Event, *Detector) {
	t.Helper()
	// a short warm-up: an empty road. The painted road is flat grey (a spread of 16 grey
	// levels, no markings, no sky): a rendered view of so little contrast would be fog, where
	// stop_line is not judged (TestStopLineNeedsAClearViewAndAMargin); here it is a clear day.
	d, err := New(cal, Options{Source: "dev1", WarmUp: time.Second, MinContrast: -1})
	if err != nil {
		t.Fatal(err)
	}
	var f decode.Frame
	var evs []wire.Event
	warm := 35
	n := warm + int(seconds*cal.FPS)
	for i := 0; i < n; i++ {
		s := float64(i-warm) / cal.FPS
		var as []actor
		if i >= warm {
			as = actors
		}
		render(&f, cal, s, as, sig)
		if hook != nil {
			hook(&f, s)
		}
		evs = append(evs, d.Process(&f, t0.Add(time.Duration(float64(i-warm)/cal.FPS*float64(time.Second))))...)
	}
	return append(evs, d.Flush()...), d
}

func at(e wire.Event) float64 { return e.Time.Sub(t0).Seconds() }

func only(t *testing.T, evs []wire.Event, typ wire.ViolationType, want float64, tol float64) wire.Event {
	t.Helper()
	var got []wire.Event
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			t.Errorf("invalid event: %v", err)
		}
		if e.Type == typ {
			got = append(got, e)
		} else {
			t.Errorf("unexpected %s at %.2f s", e.Type, at(e))
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d %s events, want 1", len(got), typ)
	}
	if math.Abs(at(got[0])-want) > tol {
		t.Errorf("%s at %.2f s, want %.2f +- %.2f", typ, at(got[0]), want, tol)
	}
	return got[0]
}

func none(t *testing.T, evs []wire.Event) {
	t.Helper()
	for _, e := range evs {
		t.Errorf("unexpected %s at %.2f s (box %v)", e.Type, at(e), e.Box)
	}
}

func always(l lamp) func(float64) lamp { return func(float64) lamp { return l } }

func TestRedLight(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// front at y = 10 + 2.25 + 8 s: crosses y = 40 at s = 27.75/8 = 3.47
	evs, _ := run(t, cal, 7, []actor{car(1.75, 10, 8, 0)}, always(red))
	e := only(t, evs, wire.RedLight, 27.75/8, 0.3)
	if e.VehicleClass != wire.Car || e.Evidence == nil || len(e.Evidence.JPEG) == 0 || e.Box == nil {
		t.Errorf("event %+v: want car with box and evidence", e)
	}
}

func TestGreenLightIsNoViolation(t *testing.T) {
	t.Parallel()
	evs, _ := run(t, site(t), 7, []actor{car(1.75, 10, 8, 0)}, always(green))
	none(t, evs)
}

func TestSignalReading(t *testing.T) {
	t.Parallel()
	cal := site(t)
	seq := func(s float64) lamp { return []lamp{green, amber, red}[int(s)%3] }
	d, _ := New(cal, Options{})
	var f decode.Frame
	for i, want := range []lamp{green, amber, red, green} {
		render(&f, cal, float64(i), nil, seq)
		d.Process(&f, t0)
		if got := d.SignalStates()["s1"]; got != want.String() {
			t.Errorf("second %d: signal %s, want %s", i, got, want)
		}
	}
}

func TestStopLine(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// drives at 8 m/s, brakes to stand with the front 1.5 m past the line (y = 41.5) at s = 5
	stopper := func(s float64) (wire.Cuboid, bool) {
		y := 41.5 - 2.25 - 8*math.Max(0, 5-s)*math.Max(0, 5-s)/10 // decelerating 1.6 m/s^2
		if s < 0 {
			return wire.Cuboid{}, false
		}
		return wire.Cuboid{Center: wire.Point{1.75, y}, HeadingDeg: 0, Length: 4.5, Width: 1.8, Height: 1.5}, true
	}
	evs, _ := run(t, cal, 9, []actor{stopper}, always(red))
	only(t, evs, wire.StopLineViolation, 5, 1.0)
}

func TestSpeeding(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// 20 m/s = 72 km/h over a 50 km/h limit; exit line y = 50 reached by the rear (y - 2.25)
	evs, _ := run(t, cal, 5, []actor{car(1.75, 12, 20, 0)}, nil)
	if e := only(t, evs, wire.Speeding, (50-12+2.25)/20, 0.3); math.Abs(e.SpeedKmh-72) > 72*0.05 {
		t.Errorf("the event's speed %.1f km/h, want the zone's mean 72 within 5 %%", e.SpeedKmh)
	}
	evs, _ = run(t, cal, 8, []actor{car(1.75, 12, 11, 0)}, nil) // 39.6 km/h
	none(t, evs)
	// expressway speed: 33 m/s = 119 km/h, 1.3 m per frame
	evs, _ = run(t, cal, 3, []actor{car(1.75, 12, 33, 0)}, nil)
	e := only(t, evs, wire.Speeding, (50-12+2.25)/33, 0.2)
	if e.Confidence < 0.9 {
		t.Errorf("confidence %.2f at 2.4x the limit", e.Confidence)
	}
}

// A speed zone may reach beyond the monitored lanes, and a fast car may cross its entry line in
// the first frames it is seen: both are timed.
func TestSpeedingInAZoneBeyondTheLanes(t *testing.T) {
	t.Parallel()
	cal := site(t)
	for i := range cal.Lanes { // the lanes end at 45 m, the zone's exit is at 50 m
		cal.Lanes[i].Road = rect(cal.Lanes[i].Road[0][0], 5, cal.Lanes[i].Road[1][0], 45)
		cal.Lanes[i].Image = toImage(cal.Lanes[i].Road)
	}
	cal.Sidewalks, cal.NoParking = nil, nil
	evs, _ := run(t, cal, 5, []actor{car(1.75, 12, 20, 0)}, nil)
	only(t, evs, wire.Speeding, (50-12+2.25)/20, 0.3)
	// appears 2 m before the entry line at 33 m/s (119 km/h)
	cal.SpeedZones[0].Entry = line("in", wire.Point{0, 25}, wire.Point{3.5, 25})
	cal.SpeedZones[0].LengthM = 25
	evs, _ = run(t, cal, 5, []actor{func(s float64) (wire.Cuboid, bool) {
		if s < 3.2 { // drives into the picture
			return wire.Cuboid{}, false
		}
		return wire.Cuboid{Center: wire.Point{1.75, 25 + 2.25 - 2 + 33*(s-3.2)}, Length: 4.5, Width: 1.8, Height: 1.5}, true
	}}, nil)
	only(t, evs, wire.Speeding, 3.2+(2+25)/33.0, 0.2)
}

func TestWrongWay(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// northbound in the southbound lane from s = 0: the 2 s mark is at about 2 s
	evs, _ := run(t, cal, 5, []actor{car(-1.75, 12, 8, 0)}, nil)
	only(t, evs, wire.WrongWay, 2, 0.6)
	evs, _ = run(t, cal, 5, []actor{car(-1.75, 60, 8, 180)}, nil)
	none(t, evs)
}

// A wrong-way car that vanishes into the traffic it drives against 1.4 s into its 2 s hold (it
// enters from the bottom edge: the hold seen starts at 0.5 s) is stamped at the 2 s mark all
// the same; one lost 0.5 s into it is not. It was in the lane before the view (the world's mark
// is at 1.1 s): the hold is back-dated by at most 1 s (heldSince), to 1.5 s.
func TestWrongWayLostNearTheEndOfTheHold(t *testing.T) {
	t.Parallel()
	cal := site(t)
	for _, c := range []struct {
		lost float64
		want int
	}{{1.9, 1}, {1.0, 0}} {
		ww := car(-1.75, 12, 8, 0)
		gone := func(s float64) (wire.Cuboid, bool) {
			if s >= c.lost {
				return wire.Cuboid{}, false
			}
			return ww(s)
		}
		evs, _ := run(t, cal, 5, []actor{gone}, nil)
		if c.want == 0 {
			none(t, evs)
			continue
		}
		only(t, evs, wire.WrongWay, 1.5, 0.3)
	}
}

func TestWrongLane(t *testing.T) {
	t.Parallel()
	cal := site(t, wire.Motorbike)
	evs, _ := run(t, cal, 5, []actor{car(-1.75, 60, 8, 180)}, nil)
	only(t, evs, wire.WrongLane, 2.4, 0.8)
}

func TestSidewalk(t *testing.T) {
	t.Parallel()
	cal := site(t)
	moto := func(s float64) (wire.Cuboid, bool) {
		return wire.Cuboid{Center: wire.Point{5, 16 + 6*s}, Length: 1.9, Width: 0.7, Height: 1.6}, true
	}
	evs, _ := run(t, cal, 4, []actor{moto}, nil)
	e := only(t, evs, wire.Sidewalk, 1.2, 0.6)
	if e.VehicleClass != wire.Motorbike {
		t.Errorf("class %s, want motorbike", e.VehicleClass)
	}
}

// parker is a car driving south at 8 m/s from y = 70 that stops in the no-parking zone at y = 38
// (s = 4).
func parker(s float64) (wire.Cuboid, bool) {
	y := 38 + 8*math.Max(0, 4-s)
	return wire.Cuboid{Center: wire.Point{-1.75, y}, HeadingDeg: 180, Length: 4.5, Width: 1.8, Height: 1.5}, true
}

func TestIllegalParking(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// parker stops at s = 4: 5 s threshold -> s = 9
	evs, _ := run(t, cal, 12, []actor{parker}, nil)
	only(t, evs, wire.IllegalParking, 9, 0.8)
}

// A parked car stays parked while a motorbike passes close by and merges with its blob: one
// illegal_parking at the threshold, nothing else.
func TestParkedCarWithPassersBy(t *testing.T) {
	t.Parallel()
	cal := site(t)
	passer := func(start float64) actor {
		return func(s float64) (wire.Cuboid, bool) {
			if s < start {
				return wire.Cuboid{}, false
			}
			return wire.Cuboid{Center: wire.Point{-0.4, 60 - 7*(s-start)}, HeadingDeg: 180, Length: 1.9, Width: 0.7, Height: 1.6}, true
		}
	}
	evs, _ := run(t, cal, 12, []actor{parker, passer(5), passer(7.5)}, nil)
	only(t, evs, wire.IllegalParking, 9, 0.8)
}

func TestEventIDsAreStable(t *testing.T) {
	t.Parallel()
	cal := site(t)
	a, _ := run(t, cal, 7, []actor{car(1.75, 10, 8, 0)}, always(red))
	b, _ := run(t, cal, 7, []actor{car(1.75, 10, 8, 0)}, always(red))
	if len(a) == 0 || len(a) != len(b) || a[0].EventID != b[0].EventID {
		t.Fatalf("ids differ between two runs of the same frames: %v / %v", a, b)
	}
}

// A stop line whose signal head the camera does not see is not an error: its rules just do not
// run, and the detector says which lines those are.
func TestStopLineWithoutVisibleSignal(t *testing.T) {
	t.Parallel()
	cal := site(t)
	cal.StopLines = append(cal.StopLines, wire.LineRegion{ID: "far", Signal: "sig-far"})
	d, err := New(cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.UnreadSignals(); len(got) != 1 || got[0] != "far" {
		t.Errorf("unread %v", got)
	}
}

// The approach coming towards the camera has its stop line in view but not the face of its
// signal head: it goes with the seen head of the same road (a two-phase plan), so a car
// crossing it on red is a red light; with NoPhaseInference the line is not judged.
func TestOppositeApproachTakesTheSeenPhase(t *testing.T) {
	t.Parallel()
	cal := site(t)
	stop := line("stop2", wire.Point{-3.5, 60}, wire.Point{0, 60})
	stop.Signal, stop.Lanes = "s2", []string{"south"}
	cal.StopLines = append(cal.StopLines, stop)
	// front at y = 80 - 2.25 - 8 s: crosses y = 60 at s = 17.75/8 = 2.22
	south := car(-1.75, 80, 8, 180)
	evs, d := run(t, cal, 5, []actor{south}, always(red))
	if got := d.UnreadSignals(); len(got) != 0 {
		t.Errorf("unread %v; want none", got)
	}
	only(t, evs, wire.RedLight, 17.75/8, 0.3)
	none(t, func() []wire.Event { evs, _ := run(t, cal, 5, []actor{south}, always(green)); return evs }())

	d, err := New(cal, Options{NoPhaseInference: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.UnreadSignals(); len(got) != 1 || got[0] != "stop2" {
		t.Errorf("unread %v; want [stop2]", got)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	good := site(t)
	cases := []struct {
		name string
		mod  func(*wire.Calibration)
		want string
	}{
		{"no size", func(c *wire.Calibration) { c.Width = 0 }, "detect: calibration has no image size"},
		{"no fps", func(c *wire.Calibration) { c.FPS = 0 }, "detect: calibration has no fps"},
		{"no homography", func(c *wire.Calibration) { c.ImageToRoad = [9]float64{} }, "detect: calibration has no image_to_road homography"},
	}
	for _, c := range cases {
		cal := good
		c.mod(&cal)
		if _, err := New(cal, Options{}); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// A northbound car passes a southbound one in the next lane just as it crosses the stop line on
// red: their pixels touch; the red-light crossing is still seen, once, for the right car.
func TestRedLightThroughAMerge(t *testing.T) {
	t.Parallel()
	cal := site(t)
	// north: front 18.25 + 9 s crosses y = 40 at s = 2.42; south: meets it at about s = 2.8
	evs, _ := run(t, cal, 6, []actor{car(-1.75, 55, 5, 180), car(1.75, 16, 9, 0)}, always(red))
	only(t, evs, wire.RedLight, 21.75/9, 0.4)
}

// A queue forms at red behind the stop line and leaves on green: no violation at all. (The
// cars of a queue overlap in the image and become one blob; a head of the queue that stops past
// the line is not told apart yet: see docs/bench/device.md.)
func TestQueueAtRedThenGreenIsNoViolation(t *testing.T) {
	t.Parallel()
	cal := site(t)
	goAt := 7.0
	queued := func(i int) actor {
		stopFront := 39.5 - 6.5*float64(i) // fronts of the queue, 6.5 m apart
		y0 := 14 - 12*float64(i)           // start of the car's centre, spaced along the road
		v0, dec, acc := 8.0, 2.0, 2.0
		return func(s float64) (wire.Cuboid, bool) {
			stopC := stopFront - 2.25
			dStop := stopC - y0 - v0*v0/(2*dec) // cruise distance before braking
			tBrake := dStop / v0
			tStop := tBrake + v0/dec
			var y float64
			switch {
			case s < tBrake:
				y = y0 + v0*s
			case s < tStop:
				u := s - tBrake
				y = y0 + dStop + v0*u - dec*u*u/2
			case s < goAt+0.8*float64(i):
				y = stopC
			default:
				u := s - goAt - 0.8*float64(i)
				y = stopC + acc*u*u/2
			}
			return wire.Cuboid{Center: wire.Point{1.75, y}, Length: 4.5, Width: 1.8, Height: 1.5}, y > 10
		}
	}
	sig := func(s float64) lamp {
		if s < goAt {
			return red
		}
		return green
	}
	evs, _ := run(t, cal, 12, []actor{queued(0), queued(1), queued(2)}, sig)
	none(t, evs)
}

// The camera's clock overlay changes every second in the top corner, far from the road: it
// never becomes a track.
func TestOverlayOffTheRoadIsIgnored(t *testing.T) {
	t.Parallel()
	cal := site(t)
	clock := func(f *decode.Frame, s float64) {
		v := uint8(40 + 150*(int(s+10)%2))
		fill(f, wire.Box{10, 5, 200, 25}, v)
	}
	d, _ := New(cal, Options{})
	var f decode.Frame
	for i := 0; i < 110+100; i++ {
		s := float64(i-110) / 25
		render(&f, cal, s, nil, nil)
		clock(&f, s)
		if evs := d.Process(&f, t0.Add(time.Duration(s*float64(time.Second)))); len(evs) > 0 {
			t.Fatalf("events %v", evs)
		}
		if tr := d.Tracks(); len(tr) > 0 {
			t.Fatalf("second %.2f: tracks %+v", s, tr)
		}
	}
}

// A car that comes into view from the bottom edge and crosses a stop line close to the camera on
// red, while its rear is still out of the picture, is found from the top of its box.
func TestRedLightEnteringFromTheBottom(t *testing.T) {
	t.Parallel()
	cal := site(t)
	near := line("stop-near", wire.Point{0, 17}, wire.Point{3.5, 17})
	near.Signal, near.Lanes = "s1", []string{"north"}
	cal.StopLines = []wire.LineRegion{near}
	// front 10.25 + 6 s crosses y = 17 at s = 1.125; the view ends at y = 12.9
	evs, _ := run(t, cal, 4, []actor{car(1.75, 8, 6, 0)}, always(red))
	only(t, evs, wire.RedLight, 6.75/6, 0.3)
}
