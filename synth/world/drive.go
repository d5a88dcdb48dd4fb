package world

import (
	"math"
	"slices"

	"github.com/trafficsim/trafficsim/wire"
)

// Driving: one tick of every vehicle (car following, signals, gaps, lane changes, filtering).

// step advances the world by one tick.
func (m *traffic) step() {
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
func (m *traffic) decide(v *vehicle) float64 {
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
func (m *traffic) oncoming(dir int) bool {
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
func (m *traffic) signalAcc(v *vehicle, leader *vehicle, gap float64) (float64, bool) {
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
func (m *traffic) leader(v *vehicle) (*vehicle, float64) {
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
func (m *traffic) changeLane(v *vehicle, overtake bool) {
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
func (m *traffic) gapFree(v *vehicle, x float64) bool {
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
func (m *traffic) filter(v *vehicle) {
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
func (m *traffic) dodge(v *vehicle) {
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
