package world

import (
	"math"
	"testing"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/wire"
)

// newTestSim builds the rules scenario's world with no random arrivals.
func newTestSim(t *testing.T, mutate func(*scenarios.Scenario)) *sim {
	t.Helper()
	sc, err := scenarios.Parse("rules.yaml", []byte(ruleScenario))
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(sc)
	}
	st, err := buildSite(sc, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := newSim(st, 1, 0)
	for _, src := range st.sources {
		src.next = math.Inf(1)
	}
	for i := range m.wwNext {
		m.wwNext[i] = math.Inf(1)
	}
	return m
}

// place puts a vehicle of class c on path p with its centre at arc length s.
func (m *sim) place(c wire.Class, p *path, s, v float64) *vehicle {
	veh := m.launchVehicle(c, p, 0)
	veh.s, veh.v = s, v
	veh.drv.v0 = 40 / 3.6
	veh.update()
	return veh
}

// lightAt finds the first time after t0 at which the main group turns to light l.
func lightAt(c cycle, l wire.Light, t0 float64) float64 {
	prev, _ := c.light(0, t0)
	for t := t0 + 0.04; t < t0+c.length()+1; t += 0.04 {
		got, _ := c.light(0, t)
		if got == l && prev != l {
			return t
		}
		prev = got
	}
	return math.NaN()
}

func TestQueueFormsAtRedAndClearsOnGreen(t *testing.T) {
	m := newTestSim(t, nil)
	st := m.st
	lane := st.lanes[1] // a1, away
	p := st.straight[lane]
	m.t = lightAt(st.cycle, wire.Red, 0)
	// Red lasts 27 s here. Eight cars arrive at 36 km/h, 15 m apart, 40-145 m before the
	// stop line.
	var cars []*vehicle
	for k := 0; k < 8; k++ {
		cars = append(cars, m.place(wire.Car, p, p.stopS-40-15*float64(k), 10))
	}
	// Run until just before green.
	green := lightAt(st.cycle, wire.Green, m.t)
	for m.t < green-0.1 {
		m.step()
	}
	for i, c := range cars {
		front := c.s + c.L/2
		if c.v > 0.1 {
			t.Errorf("car %d still moving at %.2f m/s at the end of red", i, c.v)
		}
		if front > p.stopS {
			t.Errorf("car %d stands %.2f m past the stop line", i, front-p.stopS)
		}
		if i > 0 {
			gap := (cars[i-1].s - cars[i-1].L/2) - front
			if gap < 0.5 || gap > 4 {
				t.Errorf("queue gap between car %d and %d is %.2f m", i-1, i, gap)
			}
		}
	}
	// The queue discharges on green.
	for end := green + 25; m.t < end; {
		m.step()
	}
	for i, c := range cars {
		if !c.done && c.s+c.L/2 < p.stopS {
			t.Errorf("car %d has not crossed the stop line 25 s into green", i)
		}
	}
}

func TestLeftTurnWaitsForAGap(t *testing.T) {
	m := newTestSim(t, nil)
	st := m.st
	away, toward := st.lanes[1], st.lanes[0]
	m.t = lightAt(st.cycle, wire.Green, 0)
	turner := m.place(wire.Car, st.turns[away][1], st.straight[away].stopS-5, 6)
	// Oncoming traffic: a car 30 m before the junction at 36 km/h keeps coming.
	on := m.place(wire.Car, st.straight[toward], st.straight[toward].stopS-30, 10)
	on.drv.v0 = 10
	waited := false
	for k := 0; k < 25*8; k++ {
		m.step()
		junction := turner.pos[1] > st.yc0 && turner.pos[1] < st.yc1
		onIn := on.pos[1]-on.L/2 < st.yc1 && on.pos[1]+on.L/2 > st.yc0
		if junction && turner.v < 0.5 && !turner.committed {
			waited = true
		}
		if onIn && turner.committed && turner.pos[0] < away.x0 {
			t.Fatalf("the left turn crossed the oncoming lane while the oncoming car was in the junction")
		}
	}
	if !waited {
		t.Error("the left turn never waited for the oncoming car")
	}
	if !turner.committed {
		t.Error("the left turn never went after the oncoming car had passed")
	}
}

func TestTrafficMakesRoomForAWrongWayRider(t *testing.T) {
	m := newTestSim(t, nil)
	st := m.st
	a1 := st.lanes[1]
	car := m.place(wire.Car, st.straight[a1], 40, 8)
	ww := m.place(wire.Motorbike, st.wrongWay[a1], 100, 6)
	ww.wrongWay = true
	met := false
	for k := 0; k < 25*15; k++ {
		m.step()
		if math.Abs(car.pos[1]-ww.pos[1]) < (car.L+ww.L)/2 {
			met = true
			if gap := math.Abs(car.pos[0]-ww.pos[0]) - (car.W+ww.W)/2; gap < 0 {
				t.Fatalf("the car and the wrong-way rider overlap by %.2f m at t=%.2f", -gap, m.t)
			}
		}
	}
	if !met {
		t.Fatal("they never met")
	}
	if math.Abs(car.latT-car.baseLat) > 1e-9 {
		t.Errorf("the car did not return to its line (lat target %.2f)", car.latT)
	}
}
