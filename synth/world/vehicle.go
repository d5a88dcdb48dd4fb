package world

import (
	"math"
	"math/rand/v2"

	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// dims are the size ranges of a class (metres); height includes riders.
type dims struct{ l, w, h [2]float64 }

// Sizes per class: a Honda Wave/Vision is about 1.9 x 0.7 m, a city car 4.2-4.9 x 1.8 m, a rigid
// truck 6.5-9 m, a city bus 10.5-12 m (2.5 m wide).
var classDims = map[wire.Class]dims{
	wire.Motorbike: {l: [2]float64{1.85, 2.0}, w: [2]float64{0.68, 0.78}, h: [2]float64{1.55, 1.7}},
	wire.Car:       {l: [2]float64{4.2, 4.9}, w: [2]float64{1.72, 1.9}, h: [2]float64{1.45, 1.75}},
	wire.Truck:     {l: [2]float64{6.5, 9.0}, w: [2]float64{2.3, 2.5}, h: [2]float64{2.8, 3.4}},
	wire.Bus:       {l: [2]float64{10.5, 12}, w: [2]float64{2.5, 2.55}, h: [2]float64{3.1, 3.3}},
	wire.Bicycle:   {l: [2]float64{1.7, 1.8}, w: [2]float64{0.55, 0.62}, h: [2]float64{1.6, 1.75}},
}

var classColors = map[wire.Class][]string{
	wire.Motorbike: {"#c1121f", "#1d3557", "#111111", "#f1f1f1", "#6c757d", "#e76f51", "#2a9d8f", "#3a0ca3"},
	wire.Car:       {"#f8f9fa", "#212529", "#adb5bd", "#6c757d", "#c1121f", "#1d3557", "#a68a64", "#ffd166"},
	wire.Truck:     {"#1d3557", "#2a9d8f", "#f8f9fa", "#e9c46a", "#6c757d"},
	wire.Bus:       {"#2a9d8f", "#e63946", "#f4a261", "#457b9d"},
	wire.Bicycle:   {"#111111", "#457b9d", "#e63946", "#6a994e"},
}

// The driver-model defaults per class relative to the scenario's behaviour.
type driver struct {
	v0, T, s0, a, b float64
}

// Lateral speeds (m/s) of a deliberate manoeuvre.
const (
	latSpeedCar  = 0.8
	latSpeedBike = 1.1
)

// parkState of a vehicle that stops at the curb.
const (
	parkNone = iota
	parkApproach
	parkStopped
	parkLeaving
)

// vehicle is a road user in the simulation.
type vehicle struct {
	id  int
	obj wire.Object

	parts    []shape.Part // obj's synth/shape parts (see shapeParts)
	partsKey partsKey
	partsLo  wire.Vec3 // the parts' local bounding box
	partsHi  wire.Vec3
	look     lookCache // its projected parts at the last frame
	cls      wire.Class
	L        float64
	W        float64

	p          *path
	s, v       float64
	lat, latT  float64 // lateral offset (right of travel) and its target
	baseLat    float64 // the target when nothing special happens
	latRate    float64 // current lateral speed (for yaw)
	drv        driver
	v0Normal   float64
	acc        float64
	static     bool // legally parked, never moves
	wrongWay   bool
	speeder    bool
	runRed     bool
	stopBeyond bool
	overshoot  float64
	redDecided bool
	amber      int8 // 0 undecided, 1 go, 2 stop (reset at green)
	wrongLane  bool
	lcY        float64 // y at which it changes lane once (NaN: never)
	lcDone     bool
	lcCool     float64
	sidewalk   bool
	swY0, swY1 float64
	swState    int // 0 before, 1 on the sidewalk, 2 back on the road
	swLat      float64
	park       int
	parkIll    bool
	parkY      float64
	parkDur    float64
	parkUntil  float64
	parkLat    float64
	passing    *vehicle
	dodging    *vehicle // a wrong-way vehicle it makes room for
	committed  bool     // a left turn that has found its gap
	done       bool

	inside bool // the unclipped box lies inside the image (set by the viewer)

	// derived each step
	pos   wire.Point
	fwd   wire.Point
	hdg   float64
	cosH  float64
	sinH  float64
	moved bool // has moved since spawn (for stationary runs)
}

func (v *vehicle) update() {
	if v.static {
		return
	}
	pt, t := v.p.at(v.s)
	r := wire.Point{t[1], -t[0]}
	v.pos = wire.Point{pt[0] + v.lat*r[0], pt[1] + v.lat*r[1]}
	yaw := 0.0
	if v.v > 0.5 {
		yaw = math.Atan2(v.latRate, v.v)
	}
	h := math.Atan2(t[0], t[1]) + yaw
	v.sinH, v.cosH = math.Sin(h), math.Cos(h)
	v.fwd = wire.Point{v.sinH, v.cosH}
	v.hdg = math.Round(h*180/math.Pi*1e4) / 1e4
	if v.hdg < 0 {
		v.hdg += 360
	}
}

// dirY returns the vehicle's coordinate along the main road in its direction of travel.
func (v *vehicle) dirY() float64 {
	if v.p.lane != nil && v.p.lane.dir < 0 && !v.wrongWay {
		return -v.pos[1]
	}
	if v.wrongWay && v.p.lane.dir > 0 {
		return -v.pos[1]
	}
	return v.pos[1]
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// idm is the Intelligent Driver Model acceleration for speed v towards v0 behind a leader at gap
// (bumper to bumper) closing at dv; gap = +Inf means a free road.
func idm(v, gap, dv float64, d driver) float64 {
	x := v / d.v0
	free := 1 - x*x*x*x
	if math.IsInf(gap, 1) {
		return d.a * free
	}
	ss := d.s0 + max(0, v*d.T+v*dv/(2*math.Sqrt(d.a*d.b)))
	g := max(gap, 0.05)
	return d.a * (free - (ss/g)*(ss/g))
}
