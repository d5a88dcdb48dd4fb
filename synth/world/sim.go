package world

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/trafficsim/trafficsim/synth/plate"
	"github.com/trafficsim/trafficsim/wire"
)

// Random streams: one PCG stream per subsystem, all from the seed.
const (
	streamArrivals = 1
	streamVehicles = 2
	streamBehave   = 3
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

// sim is the running world.
type sim struct {
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

// newSim makes the world of a site; t0 is the time of its first step (negative: a warm-up).
func newSim(st *site, seed uint64, t0 float64) *sim {
	sc := st.sc
	m := &sim{
		st: st, fps: sc.FPS, dt: 1 / sc.FPS,
		arr:    rand.New(rand.NewPCG(seed, streamArrivals)),
		veh:    rand.New(rand.NewPCG(seed, streamVehicles)),
		beh:    rand.New(rand.NewPCG(seed, streamBehave)),
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

// plateRegion returns the local province codes of a scenario's plates.
func plateRegion(name string) []string {
	if name == "hcmc" {
		return plate.HCMC
	}
	return plate.Hanoi
}

func (m *sim) exp(rate float64) float64 {
	if rate <= 0 {
		return math.Inf(1)
	}
	return -math.Log(1-m.arr.Float64()) / rate
}

func (m *sim) newObject(c wire.Class) *vehicle {
	r := m.veh
	d := classDims[c]
	v := &vehicle{id: m.nextID, cls: c, lcY: math.NaN()}
	m.nextID++
	v.L = round2(uniform(r, d.l[0], d.l[1]))
	v.W = round2(uniform(r, d.w[0], d.w[1]))
	cols := classColors[c]
	v.obj = wire.Object{ID: v.id, Class: c, LengthM: v.L, WidthM: v.W, HeightM: round2(uniform(r, d.h[0], d.h[1])), Color: cols[r.IntN(len(cols))]}
	v.obj.Plate = m.plates.Make(c)
	switch c {
	case wire.Motorbike:
		n := 1
		if r.Float64() < m.st.sc.Traffic.Behaviour.Passengers {
			n = 2
		}
		v.obj.Riders = make([]wire.Rider, n)
		for i := range v.obj.Riders {
			v.obj.Riders[i].Helmet = true
		}
	case wire.Bicycle:
		v.obj.Riders = []wire.Rider{{Helmet: r.Float64() < 0.1}}
	}
	return v
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// placeParked puts the legally parked vehicles of the scenario at the curb.
func (m *sim) placeParked() {
	for _, ps := range m.st.sc.Scene.Parked {
		v := m.newObject(wire.Class(ps.Class))
		v.static = true
		x := m.st.xRoadR - v.W/2 - 0.25
		h := 0.0
		if ps.Side == "left" {
			x, h = m.st.xRoadL+v.W/2+0.25, 180
		}
		v.pos = wire.Point{x, ps.AtM}
		v.hdg = h
		v.sinH, v.cosH = math.Sin(h*math.Pi/180), math.Cos(h*math.Pi/180)
		v.fwd = wire.Point{v.sinH, v.cosH}
		v.park = parkStopped
		v.parkUntil = math.Inf(1)
		m.active = append(m.active, v)
	}
}

func (m *sim) pickClass() wire.Class {
	u := m.veh.Float64()
	for i, c := range m.mixCum {
		if u < c {
			return m.mixCls[i]
		}
	}
	return m.mixCls[len(m.mixCls)-1]
}

// driverFor draws the driver of a class: desired speed from the scenario, IDM parameters from
// the behaviour block (motorbikes keep half the gap and a shorter headway).
func (m *sim) driverFor(c wire.Class) driver {
	b := m.st.sc.Traffic.Behaviour
	limit := m.st.scene.SpeedLimits[c]
	rng := b.DesiredSpeedKmh.Get(string(c))
	var v0 float64
	if len(rng) == 2 {
		v0 = uniform(m.veh, rng[0], rng[1])
	} else {
		v0 = limit * uniform(m.veh, 0.7, 0.92)
	}
	if limit > 0 {
		v0 = min(v0, 0.93*limit)
	}
	d := driver{v0: v0 / 3.6, T: b.HeadwayS, s0: b.MinGapM, a: b.AccelMS2, b: b.DecelMS2}
	switch c {
	case wire.Motorbike, wire.Bicycle:
		d.s0 /= 2
		d.T *= 0.6
		d.a *= 1.2
	case wire.Truck, wire.Bus:
		d.a *= 0.6
		d.T *= 1.2
	}
	return d
}

// spawn tries to bring waiting arrivals of each source onto the road.
func (m *sim) spawn() {
	for i, src := range m.st.sources {
		for m.t >= src.next {
			if !src.cross {
				m.stats.arrivals++
			}
			src.queue++
			src.next += m.exp(src.rate)
		}
		if src.queue > 0 && m.spawnOne(src) {
			src.queue--
		}
		for m.t >= m.wwNext[i] {
			m.wwNext[i] += m.exp(src.rate * m.st.sc.Traffic.Violations.WrongWay)
			m.spawnWrongWay(src)
		}
	}
}

// clear reports whether no vehicle is within the space a new vehicle needs at p.
func (m *sim) clear(pt wire.Point, fwd wire.Point, need float64, w float64) bool {
	for _, o := range m.active {
		dx, dy := o.pos[0]-pt[0], o.pos[1]-pt[1]
		d := dx*fwd[0] + dy*fwd[1]
		l := dx*fwd[1] - dy*fwd[0]
		if math.Abs(l) < (w+o.W)/2+0.2 && d > -need && d < need+o.L/2 {
			return false
		}
	}
	return true
}

// arrival is a vehicle waiting to enter: drawn once, launched when there is room.
type arrival struct {
	c         wire.Class
	p         *path
	lat       float64
	turn      int
	wrongLane bool
	main      bool
}

// draw decides class, lane, turn and lane discipline of a new arrival.
func (m *sim) draw(src *source) *arrival {
	st := m.st
	sc := st.sc
	if src.cross {
		c := wire.Class("")
		for c == "" || c == wire.Bicycle && m.veh.Float64() < 0.5 {
			c = m.pickClass()
		}
		k := 0
		if c != wire.Motorbike && c != wire.Bicycle && st.nCross > 1 {
			k = m.veh.IntN(st.nCross)
		} else {
			k = st.nCross - 1 - m.veh.IntN(min(2, st.nCross))
		}
		dirIdx := 0
		if src.dir < 0 {
			dirIdx = 1
		}
		return &arrival{c: c, p: st.crossP[dirIdx][k]}
	}
	c := m.pickClass()
	var lanes []*mainLane
	for _, l := range st.lanes {
		if l.dir == src.dir && l.allows(c) {
			lanes = append(lanes, l)
		}
	}
	if len(lanes) == 0 {
		return nil // cannot happen after validation
	}
	l := lanes[m.veh.IntN(len(lanes))]
	turn := 0
	// Wrong lane: of the vehicles whose class a lane of their direction forbids, a share drives
	// in such a lane all along.
	var forbidden []*mainLane
	for _, o := range st.lanes {
		if o.dir == src.dir && !o.allows(c) {
			forbidden = append(forbidden, o)
		}
	}
	wrongLane := false
	if len(forbidden) > 0 {
		m.stats.wrongLaneEligible++
		if m.beh.Float64() < sc.Traffic.Violations.WrongLane {
			m.stats.wrongLane++
			wrongLane = true
			l = forbidden[m.beh.IntN(len(forbidden))]
		}
	}
	if st.junction && !wrongLane {
		u := m.beh.Float64()
		// Right turns from the curb-most allowed lane, left turns from the innermost; toward
		// lanes are listed left to right as the camera sees them, so their curb comes first.
		curb, inner := lanes[len(lanes)-1], lanes[0]
		if src.dir < 0 {
			curb, inner = inner, curb
		}
		if u < sc.Traffic.Turns.Right {
			turn, l = 1, curb
		} else if u < sc.Traffic.Turns.Right+sc.Traffic.Turns.Left {
			turn, l = -1, inner
		}
	}
	p := st.straight[l]
	switch turn {
	case 1:
		p = st.turns[l][0]
	case -1:
		p = st.turns[l][1]
	}
	lat := 0.0
	if c == wire.Motorbike || c == wire.Bicycle {
		lat = uniform(m.veh, -1, 1) * (st.laneW/2 - 0.55)
	}
	return &arrival{c: c, p: p, lat: lat, turn: turn, wrongLane: wrongLane, main: true}
}

func (m *sim) spawnOne(src *source) bool {
	if src.pending == nil {
		src.pending = m.draw(src)
		if src.pending == nil {
			return true
		}
	}
	a := src.pending
	pt, t := a.p.at(0)
	if !m.clear(wire.Point{pt[0] + a.lat*t[1], pt[1] - a.lat*t[0]}, t, 6, 1) {
		return false
	}
	src.pending = nil
	v := m.launchVehicle(a.c, a.p, a.lat)
	if a.main {
		v.wrongLane = a.wrongLane
		m.assignBehaviour(v, a.turn)
	}
	return true
}

func (m *sim) launchVehicle(c wire.Class, p *path, lat float64) *vehicle {
	v := m.newObject(c)
	v.p = p
	v.drv = m.driverFor(c)
	v.v0Normal = v.drv.v0
	v.v = v.drv.v0 * 0.9
	v.lat, v.latT, v.baseLat = lat, lat, lat
	m.assignRiders(v)
	v.update()
	m.active = append(m.active, v)
	m.stats.spawned[c]++
	return v
}

// assignRiders draws helmets and passengers of a motorbike (on any road).
func (m *sim) assignRiders(v *vehicle) {
	if v.cls == wire.Motorbike {
		r := m.beh
		vr := m.st.sc.Traffic.Violations
		m.stats.motorbikes++
		u := r.Float64()
		switch {
		case u < vr.NoHelmet:
			m.stats.noHelmet++
			// The driver, the passenger, or both ride without a helmet.
			if len(v.obj.Riders) == 1 || r.Float64() < 0.6 {
				v.obj.Riders[0].Helmet = false
			}
			if len(v.obj.Riders) > 1 && (v.obj.Riders[0].Helmet || r.Float64() < 0.5) {
				v.obj.Riders[1].Helmet = false
			}
		case u < vr.NoHelmet+vr.TooManyPassengers:
			m.stats.tooMany++
			n := 3
			if r.Float64() < 0.2 {
				n = 4
			}
			v.obj.Riders = make([]wire.Rider, n)
			for i := range v.obj.Riders {
				v.obj.Riders[i].Helmet = true
			}
			v.obj.HeightM = round2(v.obj.HeightM + 0.05)
		}
	}
}

// assignBehaviour draws the behaviours (and violations) of a main-road vehicle.
func (m *sim) assignBehaviour(v *vehicle, turn int) {
	st := m.st
	vr := st.sc.Traffic.Violations
	r := m.beh
	l := v.p.lane
	m.stats.mainVehicles++
	m.stats.mainIDs[v.id] = true
	if turn != 0 {
		return
	}
	dirY := func(y float64) float64 { return y * float64(l.dir) }
	// Speeding, for motor vehicles.
	if limit := st.scene.SpeedLimits[v.cls]; v.cls != wire.Bicycle && st.speed != nil && r.Float64() < vr.Speeding {
		m.stats.speeders++
		m.stats.speederIDs[v.id] = true
		v.speeder = true
		v.drv.v0 = limit * uniform(r, 1.2, 1.5) / 3.6
		v.drv.T *= 0.5 // tailgates
		v.drv.a *= 1.3
		v.v0Normal = v.drv.v0
		v.v = v.drv.v0
		return // a speeder does nothing else
	}
	if v.wrongLane {
		return
	}
	// One lane change somewhere in view into an allowed neighbour lane.
	if r.Float64() < st.sc.Traffic.Behaviour.LaneChange {
		v.lcY = dirY(st.yNear) + uniform(r, -5, 15)
	}
	if nps := m.curbNP[l]; len(nps) > 0 {
		m.stats.curbLane++
		np := st.sc.Scene.NoParking[nps[r.IntN(len(nps))]]
		u := r.Float64()
		ill := u < vr.IllegalParking
		if ill || u < vr.IllegalParking+st.sc.Traffic.Behaviour.ShortStops {
			if v.cls != wire.Bicycle && v.cls != wire.Bus {
				v.park = parkApproach
				v.parkIll = ill
				v.parkY = uniform(r, np.FromM+v.L, np.ToM-v.L/2)
				th := np.Threshold.Seconds()
				if ill {
					m.stats.parkers++
					v.parkDur = th + uniform(r, 20, 120)
				} else {
					v.parkDur = uniform(r, 5, th/2)
				}
				// At the curb: lateral offsets are to the right of travel, where the curb is.
				v.parkLat = (st.laneW/2 - v.W/2 - 0.25) + st.sc.Scene.ShoulderM
				v.lcY = math.NaN() // stays in the curb lane
				return
			}
		}
	}
	if m.curbSW[l] && v.cls == wire.Motorbike {
		m.stats.curbBikes++
		if r.Float64() < vr.Sidewalk {
			m.stats.sidewalkRider++
			v.sidewalk = true
			// The monitored stretch in the rider's own direction: entry and exit.
			entry, exit := min(dirY(st.yNear), dirY(st.yFar)), max(dirY(st.yNear), dirY(st.yFar))
			if st.junction {
				if l.dir > 0 {
					exit = min(exit, dirY(st.stopAway)-6)
				} else {
					exit = min(exit, dirY(st.stopTow)-6)
				}
			}
			// Up on the sidewalk before the monitored stretch starts, down again inside it.
			v.swY0 = entry - uniform(r, 22, 30)
			v.swY1 = max(entry+2, min(entry+uniform(r, 12, 30), exit-5))
			v.swLat = st.laneW/2 + st.sc.Scene.ShoulderM + st.swM/2
		}
	}
}

// spawnWrongWay launches a vehicle against the curb lane of a direction from its far end.
func (m *sim) spawnWrongWay(src *source) {
	st := m.st
	var l *mainLane
	for _, o := range st.lanes {
		if o.dir == src.dir {
			l = o // the last one is the curb lane for away; for toward take the first
			if src.dir < 0 {
				break
			}
		}
	}
	if l == nil {
		return
	}
	c := wire.Motorbike
	if !l.allows(c) || st.sc.Traffic.Mix.Motorbike == 0 {
		c = wire.Car
		if !l.allows(c) {
			c = l.allowed[0]
		}
	}
	p := st.wrongWay[l]
	pt, t := p.at(0)
	if !m.clear(pt, t, 8, 1) {
		return
	}
	v := m.launchVehicle(c, p, 0)
	v.wrongWay = true
	m.stats.mainIDs[v.id] = true
	v.drv.v0 = min(v.drv.v0, 40/3.6)
	v.v0Normal = v.drv.v0
	m.stats.wrongWay++
}

// step advances the world by one tick.
func (m *sim) step() {
	st := m.st
	if st.junction {
		for g := 0; g < 2; g++ {
			m.lights[g], m.remain[g] = st.cycle.light(g, m.t)
		}
	}
	m.spawn()
	n := len(m.active)
	accs := make([]float64, n)
	for i, v := range m.active {
		if v.static {
			continue
		}
		accs[i] = m.decide(v)
	}
	for i, v := range m.active {
		if v.static {
			continue
		}
		a := max(accs[i], -9)
		v.acc = a
		nv := v.v + a*m.dt
		if nv < 0 {
			// Stop within the tick (ballistic update).
			if a < 0 {
				v.s += v.v * v.v / (-2 * a)
			}
			nv = 0
		} else {
			v.s += (v.v + nv) / 2 * m.dt
		}
		v.v = nv
		if v.v > 0.5 {
			v.moved = true
		}
		dl := v.latT - v.lat
		rate := latSpeedCar
		if v.cls == wire.Motorbike || v.cls == wire.Bicycle {
			rate = latSpeedBike
		}
		if v.v < 0.3 {
			// Nearly standing: edge sideways slowly (a rider walks the bike), never lock up.
			creep := 0.15
			if v.cls == wire.Motorbike || v.cls == wire.Bicycle {
				creep = 0.3
			}
			rate = max(min(rate, v.v*2), creep)
		}
		step := math.Copysign(min(math.Abs(dl), rate*m.dt), dl)
		v.lat += step
		v.latRate = step / m.dt
		v.update()
		if v.s > v.p.length()-v.L/2 {
			v.done = true
		}
		if v.lcCool > 0 {
			v.lcCool -= m.dt
		}
	}
	m.active = slices.DeleteFunc(m.active, func(v *vehicle) bool { return v.done })
	m.t += m.dt
}

// decide returns the acceleration of v this tick and updates its manoeuvres.
func (m *sim) decide(v *vehicle) float64 {
	st := m.st
	y := v.dirY()
	// Parking: approach, stop, wait, leave.
	switch v.park {
	case parkApproach:
		if v.p.lane != nil && y > v.parkY*float64(v.p.lane.dir)-30 {
			v.latT = v.parkLat
		}
	case parkStopped:
		if m.t < v.parkUntil {
			return -9 // standing at the curb
		}
		v.park = parkLeaving
		v.latT = v.baseLat
	}
	if v.sidewalk {
		switch {
		case v.swState == 0 && y >= v.swY0:
			v.swState = 1
			v.latT = v.swLat
			v.drv.v0 = min(v.v0Normal, 18/3.6)
		case v.swState == 1 && y >= v.swY1:
			v.swState = 2
			v.latT = v.baseLat
			v.drv.v0 = v.v0Normal
		}
	}
	if !math.IsNaN(v.lcY) && !v.lcDone && y >= v.lcY {
		v.lcDone = true
		m.changeLane(v, false)
	}
	if !v.wrongWay && v.p.lane != nil {
		m.dodge(v)
	}
	leader, gap := m.leader(v)
	a := math.Inf(1)
	if leader != nil {
		// Pass a vehicle standing at the curb.
		if (leader.static || leader.park == parkStopped) && gap < 20 && v.park != parkApproach && !v.wrongWay {
			rgt := wire.Point{v.fwd[1], -v.fwd[0]}
			ll := (leader.pos[0]-v.pos[0])*rgt[0] + (leader.pos[1]-v.pos[1])*rgt[1] + v.lat
			need := ll - (leader.W/2 + v.W/2 + 0.4)
			if need < v.latT && need > -st.laneW {
				v.latT = need
				v.passing = leader
			}
		}
		lv := leader.v * (v.fwd[0]*leader.fwd[0] + v.fwd[1]*leader.fwd[1])
		a = idm(v.v, gap, v.v-lv, v.drv)
		// Overtake a slow leader: two-wheelers filter sideways within the lane, others
		// change into a free allowed lane.
		if gap < 30 && lv < 0.85*v.drv.v0 && v.lcCool <= 0 {
			if v.cls == wire.Motorbike || v.cls == wire.Bicycle {
				m.filter(v)
			} else {
				m.changeLane(v, true)
			}
		}
	} else {
		a = idm(v.v, math.Inf(1), 0, v.drv)
	}
	if v.passing != nil {
		o := v.passing
		d := (o.pos[0]-v.pos[0])*v.fwd[0] + (o.pos[1]-v.pos[1])*v.fwd[1]
		if d < -(v.L+o.L)/2-1 || o.done || (!o.static && o.park != parkStopped) {
			v.passing = nil
			if v.park != parkApproach && !v.sidewalk && !v.wrongLane {
				v.latT = v.baseLat
			}
		}
	}
	// The curb stop of a parking vehicle.
	if v.park == parkApproach {
		ps := v.parkY*float64(v.p.lane.dir) - y // distance of the centre to the spot
		if ps < 0.3 && v.v < 0.1 {
			v.park = parkStopped
			v.parkUntil = m.t + v.parkDur
			return -9
		}
		g := ps + v.drv.s0
		a = min(a, idm(v.v, g, v.v, v.drv))
	}
	if v.park == parkStopped {
		return -9
	}
	// The signal.
	if v.p.sig >= 0 && !v.wrongWay {
		if sa, ok := m.signalAcc(v, leader, gap); ok {
			a = min(a, sa)
		}
	}
	// A left turn waits inside the junction for a gap in the oncoming traffic.
	if v.p.turn < 0 && v.p.lane != nil && !v.committed {
		wait := v.p.stopS + (st.yc0 - st.stopAway) + 2.5 // a few metres into the junction
		if v.p.lane.dir < 0 {
			wait = v.p.stopS + (st.stopTow - st.yc1) + 2.5
		}
		sf := v.s + v.L/2
		switch {
		case sf > wait+0.5:
			v.committed = true
		case wait-sf < 15 && m.oncoming(v.p.lane.dir):
			a = min(a, idm(v.v, wait-sf+v.drv.s0, v.v, v.drv))
		case wait-sf < 1 && v.v < 0.5:
			v.committed = true // the gap is there: go
		}
	}
	return a
}

// GapS is the least time gap (seconds) to oncoming traffic a left-turning driver accepts.
const GapS = 4.0

// oncoming reports whether a vehicle against main-road direction dir will reach the junction
// within GapS (or is in it).
func (m *sim) oncoming(dir int) bool {
	st := m.st
	for _, o := range m.active {
		if o.p == nil || o.p.lane == nil || o.p.lane.dir == dir || o.wrongWay || o.static {
			continue
		}
		// Distance of o's front to the junction along its own travel, negative once inside.
		var d float64
		if o.p.lane.dir > 0 {
			d = st.yc0 - (o.pos[1] + o.L/2)
			if o.pos[1]-o.L/2 > st.yc1 {
				continue // through and gone
			}
		} else {
			d = (o.pos[1] - o.L/2) - st.yc1
			if o.pos[1]+o.L/2 < st.yc0 {
				continue
			}
		}
		if o.p.turn != 0 && d < 0 {
			continue // turning away inside the junction
		}
		if d < 0 && o.v > 0.5 || d >= 0 && d < o.v*GapS {
			return true
		}
	}
	return false
}

// signalAcc is the deceleration the signal asks of v (ok false when it asks nothing).
func (m *sim) signalAcc(v *vehicle, leader *vehicle, gap float64) (float64, bool) {
	light, remain := m.lights[v.p.sig], m.remain[v.p.sig]
	sf := v.s + v.L/2
	d := v.p.stopS - sf
	if light == wire.Green {
		v.amber = 0
		return 0, false
	}
	controlled := d > -0.3 || (v.stopBeyond && d > -(v.overshoot+v.drv.s0+0.5))
	if !controlled {
		return 0, false
	}
	if light == wire.Amber && v.amber == 0 {
		if v.v > 0.5 && d < v.v*v.v/(2*v.drv.b) && d/v.v < remain-0.3 {
			v.amber = 1
		} else {
			v.amber = 2
		}
	}
	if light == wire.Red && v.amber != 1 && !v.redDecided {
		first := leader == nil || gap > d
		if first && d < v.v*v.v/(2*v.drv.b)+8 && remain > d/max(v.v, 1)+1 {
			v.redDecided = true
			main := v.p.lane != nil
			if main {
				m.stats.redFirst++
			}
			vr := m.st.sc.Traffic.Violations
			u := m.beh.Float64()
			switch {
			case u < vr.RedLight:
				v.runRed = true
				if main {
					m.stats.redRun++
				}
			case u < vr.RedLight+vr.StopLine:
				v.stopBeyond = true
				v.overshoot = uniform(m.beh, 0.8, 2.5)
				if main {
					m.stats.stopBeyond++
				}
			}
		}
	}
	if v.amber == 1 || v.runRed {
		return 0, false
	}
	g := d
	if v.stopBeyond && light == wire.Red {
		g = d + v.overshoot + v.drv.s0
	}
	return idm(v.v, g, v.v, v.drv), true
}

// leader returns the nearest vehicle ahead of v that overlaps its path laterally.
func (m *sim) leader(v *vehicle) (*vehicle, float64) {
	var best *vehicle
	bg := math.Inf(1)
	for _, o := range m.active {
		if o == v {
			continue
		}
		if v.fwd[0]*o.fwd[0]+v.fwd[1]*o.fwd[1] < 0.5 && !o.static && o.park != parkStopped {
			continue
		}
		dx, dy := o.pos[0]-v.pos[0], o.pos[1]-v.pos[1]
		d := dx*v.fwd[0] + dy*v.fwd[1]
		if d <= 0 || d > 80 {
			continue
		}
		l := dx*v.fwd[1] - dy*v.fwd[0]
		// Extent of o across v's heading.
		c := math.Abs(v.fwd[0]*o.fwd[1] - v.fwd[1]*o.fwd[0])
		half := (o.W*math.Sqrt(max(0, 1-c*c)) + o.L*c) / 2
		margin := 0.15
		if v.speeder && (v.cls == wire.Motorbike || v.cls == wire.Bicycle) {
			margin = -0.25 // squeezes past, elbows almost touching
		}
		if math.Abs(l) >= v.W/2+half+margin {
			continue
		}
		// Depth of o along v's heading.
		dd := (o.L*math.Sqrt(max(0, 1-c*c)) + o.W*c) / 2
		g := d - v.L/2 - dd
		// Merging streams can overlap: never follow a vehicle we already overlap, nor one
		// that has us ahead of it (no two vehicles lead each other).
		if g < -0.3 || (v.pos[0]-o.pos[0])*o.fwd[0]+(v.pos[1]-o.pos[1])*o.fwd[1] > 0 {
			continue
		}
		if g < bg {
			best, bg = o, g
		}
	}
	return best, bg
}

// changeLane moves a straight-going main-road vehicle into a free neighbour lane that allows its
// class; with overtake set it only does so when the gap there is acceptable.
func (m *sim) changeLane(v *vehicle, overtake bool) {
	st := m.st
	l := v.p.lane
	if l == nil || v.p.turn != 0 || v.wrongWay || v.wrongLane || v.park != parkNone || v.sidewalk || v.passing != nil {
		return
	}
	v.lcCool = 4
	if v.speeder {
		v.lcCool = 1.5
	}
	cur := l.xc() + v.lat*float64(l.dir)
	var options []float64
	for _, o := range st.lanes {
		if o.dir == l.dir && o.allows(v.cls) && math.Abs(math.Abs(o.xc()-cur)-st.laneW) < 0.5 {
			options = append(options, o.xc())
		}
	}
	if st.junction && v.p.stopS-v.s < 25 {
		return
	}
	for _, x := range options {
		lat := (x - l.xc()) * float64(l.dir)
		if overtake && !m.gapFree(v, x) {
			continue
		}
		v.latT, v.baseLat = lat, lat
		return
	}
}

// gapFree reports whether the lane centred at x has room for v: nobody 12 m behind to 25 m ahead.
func (m *sim) gapFree(v *vehicle, x float64) bool {
	for _, o := range m.active {
		if o == v || math.Abs(o.pos[0]-x) > (o.W+v.W)/2+0.6 {
			continue
		}
		d := (o.pos[0]-v.pos[0])*v.fwd[0] + (o.pos[1]-v.pos[1])*v.fwd[1]
		behind, ahead := -12.0, 25.0
		if v.speeder {
			behind, ahead = -5, 12 // accepts short gaps
		}
		if d > behind && d < ahead {
			return false
		}
	}
	return true
}

// filter moves a two-wheeler sideways within its lane to a free slot past a slow leader.
func (m *sim) filter(v *vehicle) {
	st := m.st
	if v.p.lane == nil || v.p.turn != 0 || v.wrongWay || v.park != parkNone || v.passing != nil || v.sidewalk {
		return
	}
	v.lcCool = 1.5
	if v.speeder {
		v.lcCool = 0.5
	}
	// Two-wheelers are not bound to a lane: any neighbouring lane of the direction that
	// allows them is fair game (lat is to the right of travel, from the path's lane centre).
	l := v.p.lane
	lo, hi := -(st.laneW/2 - 0.45), st.laneW/2-0.45
	for _, o := range st.lanes {
		if o.dir != l.dir || !o.allows(v.cls) || math.Abs(o.xc()-l.xc()) > 1.01*st.laneW {
			continue
		}
		d := (o.xc() - l.xc()) * float64(l.dir)
		lo, hi = min(lo, d-(st.laneW/2-0.45)), max(hi, d+(st.laneW/2-0.45))
	}
	rgt := wire.Point{v.fwd[1], -v.fwd[0]}
	for k := 1; k <= 8; k++ {
		for _, sgn := range []float64{-1, 1} {
			lat := v.baseLat + sgn*float64(k)*0.45
			if lat < lo || lat > hi {
				continue
			}
			dl := lat - v.lat
			free := true
			for _, o := range m.active {
				if o == v {
					continue
				}
				dx, dy := o.pos[0]-v.pos[0], o.pos[1]-v.pos[1]
				d := dx*v.fwd[0] + dy*v.fwd[1]
				l := dx*rgt[0] + dy*rgt[1] - dl
				if d > -3 && d < 25 && math.Abs(l) < (o.W+v.W)/2+0.25 {
					free = false
					break
				}
			}
			if free {
				v.latT, v.baseLat = lat, lat
				return
			}
		}
	}
}

// dodge moves v sideways, within its lane, out of the way of a vehicle coming against the
// traffic (a wrong-way rider keeps to the curb; the others make room). It returns to its own
// line once the wrong-way vehicle has passed.
func (m *sim) dodge(v *vehicle) {
	st := m.st
	rgt := wire.Point{v.fwd[1], -v.fwd[0]}
	for _, o := range m.active {
		if !o.wrongWay || o == v {
			continue
		}
		dx, dy := o.pos[0]-v.pos[0], o.pos[1]-v.pos[1]
		d := dx*v.fwd[0] + dy*v.fwd[1]
		if d < -(v.L+o.L)/2 || d > 30 {
			continue
		}
		l := dx*rgt[0] + dy*rgt[1] // o's offset to the right of v
		clearance := (v.W+o.W)/2 + 0.3
		if math.Abs(l) >= clearance {
			continue
		}
		// Move away from o, as far as the lane allows.
		edge := st.laneW/2 - v.W/2 - 0.1
		target := v.lat + l - clearance
		if l < 0 {
			target = v.lat + l + clearance
		}
		target = max(-edge, min(edge, target))
		v.latT = target
		v.dodging = o
		return
	}
	if o := v.dodging; o != nil {
		d := (o.pos[0]-v.pos[0])*v.fwd[0] + (o.pos[1]-v.pos[1])*v.fwd[1]
		if o.done || d < -(v.L+o.L)/2 {
			v.dodging = nil
			if v.park != parkApproach && v.swState != 1 && v.passing == nil {
				v.latT = v.baseLat
			}
		}
	}
}
