package world

import (
	"math"
	"math/rand/v2"

	"github.com/trafficsim/trafficsim/synth/plate"
	"github.com/trafficsim/trafficsim/wire"
)

// stats counts behaviour decisions; the statistical test compares them with the stamps.
type stats struct {
	spawned           map[wire.Class]int
	redFirst          int // vehicles that reached the stop line first on red and decided
	redRun            int
	stopBeyond        int
	motorbikes        int
	noHelmet          int
	tooMany           int
	speeders          int
	mainVehicles      int
	wrongWay          int
	wrongLane         int
	wrongLaneEligible int
	curbLane          int // vehicles entering a lane next to a no-parking zone
	parkers           int
	curbBikes         int // motorbikes entering a lane next to a sidewalk
	sidewalkRider     int
	mainIDs           map[int]bool // vehicles of the main road
	arrivals          int          // main-road arrivals (the base of wrong_way)
	speederIDs        map[int]bool
}

// traffic is the running world: its road users, signals and random streams.
type traffic struct {
	st      *site
	dt      float64
	fps     float64
	t       float64
	arr     *rand.Rand
	veh     *rand.Rand
	beh     *rand.Rand
	plates  *plate.Maker
	active  []*vehicle
	nextID  int
	stats   stats
	lights  [2]wire.Light
	remain  [2]float64
	mixCum  []float64
	mixCls  []wire.Class
	curbNP  map[*mainLane][]int // no-parking zone indexes next to a lane
	curbSW  map[*mainLane]bool
	srcWait []float64 // next arrival per source
	wwNext  []float64 // next wrong-way arrival per main source
}

// newTraffic makes the world of a site; t0 is the time of its first step (negative: a warm-up).
func newTraffic(st *site, seed uint64, t0 float64) *traffic {
	sc := st.sc
	m := &traffic{
		st: st, fps: sc.FPS, dt: 1 / sc.FPS,
		arr:    rand.New(rand.NewPCG(seed, wire.StreamArrivals)),
		veh:    rand.New(rand.NewPCG(seed, wire.StreamVehicles)),
		beh:    rand.New(rand.NewPCG(seed, wire.StreamBehaviour)),
		plates: plate.New(seed, plateRegion(sc.Traffic.Plates)),
		nextID: 1,
		t:      t0,
		curbNP: map[*mainLane][]int{},
		curbSW: map[*mainLane]bool{},
	}
	m.stats.spawned = map[wire.Class]int{}
	m.stats.mainIDs = map[int]bool{}
	m.stats.speederIDs = map[int]bool{}
	acc := 0.0
	for _, c := range wire.Classes {
		if f := sc.Traffic.Mix.Get(string(c)); f > 0 {
			acc += f
			m.mixCum = append(m.mixCum, acc)
			m.mixCls = append(m.mixCls, c)
		}
	}
	// The curb lanes: rightmost away lane, leftmost toward lane.
	if n := len(st.lanes); n > 0 {
		right, left := st.lanes[n-1], st.lanes[0]
		for i, np := range sc.Scene.NoParking {
			if np.Side == "right" && right.dir > 0 {
				m.curbNP[right] = append(m.curbNP[right], i)
			}
			if np.Side == "left" && left.dir < 0 {
				m.curbNP[left] = append(m.curbNP[left], i)
			}
		}
		if sc.Scene.SidewalkM > 0 {
			if right.dir > 0 {
				m.curbSW[right] = true
			}
			if left.dir < 0 {
				m.curbSW[left] = true
			}
		}
	}
	for _, src := range st.sources {
		src.next = t0 + m.exp(src.rate)
		ww := math.Inf(1)
		if !src.cross && sc.Traffic.Violations.WrongWay > 0 {
			ww = t0 + m.exp(src.rate*sc.Traffic.Violations.WrongWay)
		}
		m.wwNext = append(m.wwNext, ww)
	}
	m.placeParked()
	return m
}

func (m *traffic) exp(rate float64) float64 {
	if rate <= 0 {
		return math.Inf(1)
	}
	return -math.Log(1-m.arr.Float64()) / rate
}
