package world

import (
	"math"
	"testing"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/wire"
)

// ruleScenario is a junction with every region a rule needs: lanes with a motorbike-only curb
// lane, a sidewalk, a no-parking zone before the stop line and a speed zone.
const ruleScenario = `name: rules
fps: 25
scene:
  template: intersection
  lanes:
    - {id: t1, direction: toward, allowed: [motorbike, car]}
    - {id: a1, direction: away, allowed: [motorbike, car]}
    - {id: a2, direction: away, allowed: [motorbike]}
  sidewalk_m: 4
  stop_line_m: 18
  cross: {lanes_each_way: 1}
  signal: {green: 20s, cross_green: 20s}
  no_parking: [{id: np, from_m: 12, to_m: 16, threshold: 60s}]
  speed_zone: {from_m: 11, to_m: 17}
  speed_limits_kmh: {motorbike: 40, car: 50}
camera: {position_m: [3, 0], height_m: 7, tilt_deg: 22, focal_px: 1600}
traffic:
  flow_per_hour: 100
  mix: {motorbike: 0.5, car: 0.5}
`

// frameState is one frame of a scripted vehicle.
type frameState struct {
	pos   wire.Point
	hdg   float64 // degrees
	kmh   float64
	vis   float64
	light wire.Light // the light of every head
	boxH  float64    // height of the box in pixels; 0: 100 px (large enough to judge riders)
}

// script drives one vehicle through frames and returns the stamped violations.
func script(t *testing.T, cls wire.Class, riders []wire.Rider, frames []frameState) []wire.Violation {
	t.Helper()
	sc, err := scenarios.Parse("rules.yaml", []byte(ruleScenario))
	if err != nil {
		t.Fatal(err)
	}
	st, err := buildSite(sc, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := classDims[cls]
	v := &vehicle{id: 7, cls: cls, L: d.l[0], W: d.w[0], inside: true}
	v.obj = wire.Object{ID: 7, Class: cls, LengthM: v.L, WidthM: v.W, HeightM: d.h[0], Riders: riders, Plate: wire.Plate{Text: "29A-123.45", Rows: 1}}
	j := &judge{st: st, fps: 25, tracks: map[int]*track{}, cam: "cam-01"}
	lights := make([]wire.Light, len(st.heads))
	for f, fs := range frames {
		h := fs.hdg * math.Pi / 180
		v.fwd = wire.Point{math.Sin(h), math.Cos(h)}
		bh := fs.boxH
		if bh == 0 {
			bh = 100
		}
		s := wire.ObjectState{ID: 7, Pos: fs.pos, Heading: fs.hdg, SpeedKmh: fs.kmh, InView: true, Visible: fs.vis, Box: wire.Box{1, 1, 40, 1 + bh}}
		for i := range lights {
			lights[i] = fs.light
		}
		j.apply(v, &s, f, lights)
	}
	return j.out
}

// drive moves straight from p0 along heading at kmh, n frames; stop (if > 0) is where the centre
// halts (the vehicle then stands there).
func drive(p0 wire.Point, hdg, kmh float64, n int, light func(f int) wire.Light, stopAt float64) []frameState {
	out := make([]frameState, n)
	h := hdg * math.Pi / 180
	dir := wire.Point{math.Sin(h), math.Cos(h)}
	s, v := 0.0, kmh/3.6
	for f := range out {
		sp := v
		if stopAt > 0 && s >= stopAt {
			s, sp = stopAt, 0
		}
		out[f] = frameState{pos: wire.Point{p0[0] + dir[0]*s, p0[1] + dir[1]*s}, hdg: hdg, kmh: sp * 3.6, vis: 1, light: light(f)}
		s += sp / 25
	}
	return out
}

func always(l wire.Light) func(int) wire.Light { return func(int) wire.Light { return l } }

func TestRulesStampFrames(t *testing.T) {
	helmet := []wire.Rider{{Helmet: true}}
	// Lanes: t1 x in [-5.25,-1.75], a1 [-1.75,1.75], a2 [1.75,5.25]; stop line y = 18;
	// sidewalk right x in [5.25, 9.25]; no-parking x in [3.95, 5.25], y 12..16; speed zone y 11..17;
	// the monitored stretch (lane and sidewalk regions) starts 10.4 m ahead.
	carL := classDims[wire.Car].l[0] // front = centre + L/2
	type want struct {
		typ   wire.ViolationType
		frame int
	}
	cases := []struct {
		name   string
		cls    wire.Class
		riders []wire.Rider
		frames []frameState
		want   []want
	}{
		{
			// 10 m/s, front starts at y = 8: it reaches the line (y 18) after 1 s = frame 25.
			name: "red_light: crossing frame", cls: wire.Car,
			frames: drive(wire.Point{0, 8 - carL/2}, 0, 36, 60, always(wire.Red), 0),
			want:   []want{{wire.RedLight, 25}},
		},
		{
			name: "red_light: none on green", cls: wire.Car,
			frames: drive(wire.Point{0, 8 - carL/2}, 0, 36, 60, always(wire.Green), 0),
		},
		{
			name: "red_light: none when the light turns red after the crossing", cls: wire.Car,
			frames: drive(wire.Point{0, 8 - carL/2}, 0, 36, 60, func(f int) wire.Light {
				if f < 26 {
					return wire.Amber
				}
				return wire.Red
			}, 0),
		},
		{
			// Front stops 1.5 m past the line: the centre halts at s = 11.5, reached during
			// frame 29 (s = 11.6 > 11.5): the stop frame is 29.
			name: "stop_line: stop frame, and no red_light", cls: wire.Car,
			frames: drive(wire.Point{0, 8 - carL/2}, 0, 36, 80, always(wire.Red), 11.5),
			want:   []want{{wire.StopLineViolation, 29}},
		},
		{
			name: "stop_line: none when stopping before the line", cls: wire.Car,
			frames: drive(wire.Point{0, 8 - carL/2}, 0, 36, 80, always(wire.Red), 9),
		},
		{
			// 72 km/h (0.8 m a frame) over the 6 m zone (limit 50): the front, from y = 7.5,
			// crosses y = 17 at frame 11.9 -> 12.
			name: "speeding: zone exit frame", cls: wire.Car,
			frames: drive(wire.Point{0, 7.5 - carL/2}, 0, 72, 40, always(wire.Green), 0),
			want:   []want{{wire.Speeding, 12}},
		},
		{
			name: "speeding: none at the limit", cls: wire.Car,
			frames: drive(wire.Point{0, 7.5 - carL/2}, 0, 49, 60, always(wire.Green), 0),
		},
		{
			// Heading south in the away lane a1 from y = 17 at 2 m/s: in the lane region at once.
			name: "wrong_way: 2 s mark", cls: wire.Motorbike, riders: helmet,
			frames: drive(wire.Point{0, 17}, 180, 7.2, 80, always(wire.Green), 0),
			want:   []want{{wire.WrongWay, 50}},
		},
		{
			name: "wrong_way: none for 1.9 s", cls: wire.Motorbike, riders: helmet,
			frames: drive(wire.Point{0, 17}, 180, 7.2, 48, always(wire.Green), 0),
		},
		{
			// A car in the motorbike-only lane a2, inside the monitored stretch from frame 0.
			name: "wrong_lane: 2 s mark", cls: wire.Car,
			frames: drive(wire.Point{3.5, 11}, 0, 7.2, 60, always(wire.Green), 0),
			want:   []want{{wire.WrongLane, 50}},
		},
		{
			name: "no_helmet: first fully visible frame (large enough)", cls: wire.Motorbike, riders: []wire.Rider{{Helmet: true}, {Helmet: false}},
			frames: func() []frameState {
				fs := drive(wire.Point{0, 10}, 0, 20, 30, always(wire.Green), 0)
				for i := 0; i < 12; i++ {
					fs[i].vis = 0.98
				}
				return fs
			}(),
			want: []want{{wire.NoHelmet, 12}},
		},
		{
			// Fully visible from frame 0 but far: its riders are judged from the frame its box is
			// wire.JudgeMinPx tall.
			name: "no_helmet: first frame fully visible and JudgeMinPx tall", cls: wire.Motorbike, riders: []wire.Rider{{Helmet: false}},
			frames: func() []frameState {
				fs := drive(wire.Point{0, 10}, 0, 20, 30, always(wire.Green), 0)
				for i := range fs {
					fs[i].boxH = float64(wire.JudgeMinPx - 15 + i)
				}
				return fs
			}(),
			want: []want{{wire.NoHelmet, 15}},
		},
		{
			name: "too_many_passengers: first fully visible frame", cls: wire.Motorbike, riders: []wire.Rider{{Helmet: true}, {Helmet: true}, {Helmet: true}},
			frames: func() []frameState {
				fs := drive(wire.Point{0, 10}, 0, 20, 30, always(wire.Green), 0)
				for i := 0; i < 5; i++ {
					fs[i].vis = 0.5
				}
				return fs
			}(),
			want: []want{{wire.TooManyPassengers, 5}},
		},
		{
			name: "too_many_passengers: none while smaller than JudgeMinPx", cls: wire.Motorbike, riders: []wire.Rider{{Helmet: true}, {Helmet: true}, {Helmet: true}},
			frames: func() []frameState {
				fs := drive(wire.Point{0, 10}, 0, 20, 30, always(wire.Green), 0)
				for i := range fs {
					fs[i].boxH = wire.JudgeMinPx - 1
				}
				return fs
			}(),
		},
		{
			// Moving for 5 frames, then standing at the curb inside the zone from frame 5:
			// stationary for more than 60 s at frame 5 + 1500 + 1.
			name: "illegal_parking: threshold frame", cls: wire.Car,
			frames: drive(wire.Point{4.5, 13.5}, 0, 1.8, 5+1502, always(wire.Green), 0.09),
			want:   []want{{wire.IllegalParking, 1506}},
		},
		{
			name: "illegal_parking: none at exactly 60 s", cls: wire.Car,
			frames: drive(wire.Point{4.5, 13.5}, 0, 1.8, 5+1500, always(wire.Green), 0.09),
		},
		{
			name: "sidewalk: 1 s mark", cls: wire.Motorbike, riders: helmet,
			frames: drive(wire.Point{7, 11}, 0, 14.4, 40, always(wire.Green), 0),
			want:   []want{{wire.Sidewalk, 25}},
		},
		{
			name: "sidewalk: cars are not judged", cls: wire.Car,
			frames: drive(wire.Point{7, 11}, 0, 14.4, 40, always(wire.Green), 0),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := script(t, c.cls, c.riders, c.frames)
			var gw []want
			for _, v := range got {
				gw = append(gw, want{v.Type, v.Frame})
			}
			if len(gw) != len(c.want) {
				t.Fatalf("stamps %v, want %v", gw, c.want)
			}
			for i := range gw {
				if gw[i] != c.want[i] {
					t.Errorf("stamp %d: %v, want %v", i, gw[i], c.want[i])
				}
			}
		})
	}
}

func TestSpeedingCarriesTheMeanSpeed(t *testing.T) {
	got := script(t, wire.Car, nil, drive(wire.Point{0, 7.5 - classDims[wire.Car].l[0]/2}, 0, 72, 40, always(wire.Green), 0))
	if len(got) != 1 || math.Abs(got[0].SpeedKmh-72) > 0.1 {
		t.Fatalf("got %+v, want one speeding at 72 km/h", got)
	}
}
