package world

import (
	"math"

	"github.com/trafficsim/trafficsim/synth/plate"
	"github.com/trafficsim/trafficsim/wire"
)

// Spawning: arrivals drawn per source, launched when there is room, with their drivers,
// riders, behaviours and violations decided once at the start.

// plateRegion returns the local province codes of a scenario's plates.
func plateRegion(name string) []string {
	if name == "hcmc" {
		return plate.HCMC
	}
	return plate.Hanoi
}

func (m *traffic) newObject(c wire.Class) *vehicle {
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
func (m *traffic) placeParked() {
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

func (m *traffic) pickClass() wire.Class {
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
func (m *traffic) driverFor(c wire.Class) driver {
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
func (m *traffic) spawn() {
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
func (m *traffic) clear(pt wire.Point, fwd wire.Point, need float64, w float64) bool {
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
func (m *traffic) draw(src *source) *arrival {
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

func (m *traffic) spawnOne(src *source) bool {
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

func (m *traffic) launchVehicle(c wire.Class, p *path, lat float64) *vehicle {
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
func (m *traffic) assignRiders(v *vehicle) {
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
func (m *traffic) assignBehaviour(v *vehicle, turn int) {
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
func (m *traffic) spawnWrongWay(src *source) {
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
