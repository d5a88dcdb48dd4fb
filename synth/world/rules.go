package world

import (
	"math"

	"github.com/trafficsim/trafficsim/wire"
)

// Rule parameters (ARCHITECTURE.md section 4).
const (
	// StationaryKmh is the speed below which a vehicle counts as stationary.
	StationaryKmh = 0.36
	// WrongWaySeconds, WrongLaneSeconds and SidewalkSeconds are the durations stamped at their mark.
	WrongWaySeconds  = 2.0
	WrongLaneSeconds = 2.0
	SidewalkSeconds  = 1.0
	// GoOnM is how far past a stop line the front must get for a crossing on red to count as
	// going on (red_light) rather than stopping beyond the line (stop_line).
	GoOnM = 6.0
	// AlignCos is the least cosine between heading and lane direction for "along" (and the
	// negative of it for "against").
	AlignCos = 0.5
	// LaneCos is the least cosine between heading and lane direction for travelling along a
	// lane (or, negated, against it) in wrong_way and wrong_lane: a turn across a lane is
	// neither.
	LaneCos = 0.9
)

// track is the rule state of one vehicle.
type track struct {
	seen       bool
	prevFront  wire.Point
	prevT      float64
	wwStart    int
	wlStart    int
	swStart    int
	stillStart int
	stillZone  int
	stamped    [9]bool
	redFrame   int // crossing frame of a pending red_light, -1 none
	redLine    int
	redBox     wire.Box
	redT       float64
	szEntry    []float64 // per speed zone: entry time, NaN none
	wasStill   bool
}

func newTrack(nz int) *track {
	t := &track{wwStart: -1, wlStart: -1, swStart: -1, stillStart: -1, stillZone: -1, redFrame: -1}
	t.szEntry = make([]float64, nz)
	for i := range t.szEntry {
		t.szEntry[i] = math.NaN()
	}
	return t
}

// index of each type in track.stamped
func typeIndex(t wire.ViolationType) int {
	for i, v := range wire.ViolationTypes {
		if v == t {
			return i
		}
	}
	return -1
}

// judge holds the rules and the stamps made so far.
type judge struct {
	st     *site
	fps    float64
	tracks map[int]*track
	out    []wire.Violation
	cam    string
	night  bool
	wx     string
	fully  map[int]bool // motorbikes seen fully visible and large enough to judge at least once
}

func (j *judge) stamp(tr *track, v *vehicle, typ wire.ViolationType, frame int, box wire.Box, speed float64) {
	k := typeIndex(typ)
	if tr.stamped[k] || box.Area() == 0 {
		return // stamped already, or out of view: this camera cannot see it
	}
	tr.stamped[k] = true
	vi := wire.Violation{Type: typ, Camera: j.cam, Frame: frame, T: round3(float64(frame) / j.fps), Object: v.id,
		Plate: v.obj.Plate.Text, Class: v.cls, Box: box, Night: j.night, Weather: j.wx}
	if speed > 0 {
		vi.SpeedKmh = math.Round(speed*10) / 10
	}
	j.out = append(j.out, vi)
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// laneOf returns the monitored lane region containing p best aligned with the heading and the
// cosine between them (0 when in no lane).
func (s *site) laneOf(p wire.Point, fwd wire.Point) (*laneRegion, float64) {
	var best *laneRegion
	bc := 0.0
	for i := range s.regions {
		r := &s.regions[i]
		if !r.contains(p) {
			continue
		}
		c := fwd[0]*r.dir[0] + fwd[1]*r.dir[1]
		if best == nil || math.Abs(c) > math.Abs(bc) {
			best, bc = r, c
		}
	}
	return best, bc
}

// apply runs every rule for one vehicle at one frame. lights are the lights of the heads.
func (j *judge) apply(v *vehicle, s *wire.ObjectState, frame int, lights []wire.Light) {
	tr := j.tracks[v.id]
	if tr == nil {
		tr = newTrack(len(j.st.speed))
		j.tracks[v.id] = tr
	}
	t := float64(frame) / j.fps
	front := wire.Point{s.Pos[0] + v.fwd[0]*v.L/2, s.Pos[1] + v.fwd[1]*v.L/2}
	still := s.SpeedKmh < StationaryKmh
	region, c := j.st.laneOf(s.Pos, v.fwd)

	// wrong_way: against the lane direction for WrongWaySeconds.
	run := func(start *int, on bool, secs float64, typ wire.ViolationType) {
		if !on {
			*start = -1
			return
		}
		if *start < 0 {
			*start = frame
		}
		if float64(frame-*start) >= secs*j.fps-1e-9 {
			j.stamp(tr, v, typ, frame, s.Box, 0)
		}
	}
	run(&tr.wwStart, region != nil && c < -LaneCos && !still, WrongWaySeconds, wire.WrongWay)
	run(&tr.wlStart, region != nil && c > LaneCos && !region.allows(v.cls) && !still, WrongLaneSeconds, wire.WrongLane)
	onSidewalk := false
	if v.cls == wire.Motorbike {
		for i := range j.st.sidewalks {
			if j.st.sidewalks[i].contains(s.Pos) {
				onSidewalk = true
				break
			}
		}
	}
	run(&tr.swStart, onSidewalk, SidewalkSeconds, wire.Sidewalk)

	// illegal_parking: stationary in a no-parking zone for more than its threshold.
	zoneIdx := -1
	if still {
		for i := range j.st.noParking {
			if j.st.noParking[i].contains(s.Pos) {
				zoneIdx = i
				break
			}
		}
	}
	if zoneIdx < 0 {
		tr.stillStart, tr.stillZone = -1, -1
	} else {
		if tr.stillStart < 0 || tr.stillZone != zoneIdx {
			tr.stillStart, tr.stillZone = frame, zoneIdx
		}
		if float64(frame-tr.stillStart) > j.st.noParking[zoneIdx].thresholdS*j.fps {
			j.stamp(tr, v, wire.IllegalParking, frame, s.Box, 0)
		}
	}

	// no_helmet and too_many_passengers: the first frame fully visible and large enough to judge.
	if v.cls == wire.Motorbike && s.InView && v.inside && s.Visible >= FullyVisible && s.Box[3]-s.Box[1] >= wire.JudgeMinPx {
		if j.fully != nil {
			j.fully[v.id] = true
		}
		helmetless := false
		for _, r := range v.obj.Riders {
			helmetless = helmetless || !r.Helmet
		}
		if helmetless {
			j.stamp(tr, v, wire.NoHelmet, frame, s.Box, 0)
		}
		if len(v.obj.Riders) >= 3 {
			j.stamp(tr, v, wire.TooManyPassengers, frame, s.Box, 0)
		}
	}

	// red_light and stop_line.
	for i := range j.st.stops {
		sl := &j.st.stops[i]
		aligned := v.fwd[0]*sl.n[0]+v.fwd[1]*sl.n[1] >= AlignCos
		if tr.redFrame >= 0 && tr.redLine == i && (!aligned ||
			(front[0]-sl.a[0])*sl.n[0]+(front[1]-sl.a[1])*sl.n[1] >= GoOnM) {
			// It went on (straight ahead or turning away): a red_light at the crossing frame.
			j.stamp(tr, v, wire.RedLight, tr.redFrame, tr.redBox, 0)
			tr.redFrame = -1
		}
		if !aligned {
			continue
		}
		ab := wire.Point{sl.b[0] - sl.a[0], sl.b[1] - sl.a[1]}
		lab := math.Hypot(ab[0], ab[1])
		along := ((front[0]-sl.a[0])*ab[0] + (front[1]-sl.a[1])*ab[1]) / lab
		if along < 0 || along > lab {
			continue
		}
		d := (front[0]-sl.a[0])*sl.n[0] + (front[1]-sl.a[1])*sl.n[1]
		red := lights[sl.sig] == wire.Red
		if tr.seen {
			pd := (tr.prevFront[0]-sl.a[0])*sl.n[0] + (tr.prevFront[1]-sl.a[1])*sl.n[1]
			if pd < 0 && d >= 0 && red && tr.redFrame < 0 && !tr.stamped[typeIndex(wire.RedLight)] {
				tr.redFrame, tr.redLine, tr.redBox, tr.redT = frame, i, s.Box, t
			}
		}
		if still && d > 0 && d < GoOnM && red && tr.prevT >= 0 && tr.seen && !wasStill(tr) {
			j.stamp(tr, v, wire.StopLineViolation, frame, s.Box, 0)
			tr.redFrame = -1 // it stopped: not a red_light
		}
	}

	// speeding: mean speed between the front crossing the entry and the exit line.
	for i := range j.st.speed {
		z := &j.st.speed[i]
		if s.Pos[0] < z.x0 || s.Pos[0] > z.x1 || !tr.seen || v.fwd[1]*float64(z.dir) < AlignCos {
			continue
		}
		dir := float64(z.dir)
		cross := func(line float64) (float64, bool) {
			pd, nd := (tr.prevFront[1]-line)*dir, (front[1]-line)*dir
			if pd < 0 && nd >= 0 {
				return tr.prevT + (t-tr.prevT)*(-pd)/(nd-pd), true
			}
			return 0, false
		}
		if tc, ok := cross(z.entry); ok {
			tr.szEntry[i] = tc
		}
		if tc, ok := cross(z.exit); ok && !math.IsNaN(tr.szEntry[i]) {
			mean := z.length / (tc - tr.szEntry[i]) * 3.6
			if mean > j.st.scene.SpeedLimits[v.cls] {
				j.stamp(tr, v, wire.Speeding, frame, s.Box, mean)
			}
			tr.szEntry[i] = math.NaN()
		}
	}
	tr.wasStill = still
	tr.seen, tr.prevFront, tr.prevT = true, front, t
}

func wasStill(tr *track) bool { return tr.wasStill }
