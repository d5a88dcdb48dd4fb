package world

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/wire"
)

// rateCheck is one configured rate against what the truth shows.
type rateCheck struct {
	typ        wire.ViolationType
	stamped    int
	base       int
	configured float64
}

func realised(r *result, main bool) map[wire.ViolationType]int {
	out := map[wire.ViolationType]int{}
	for _, v := range r.truth.Violations {
		if !main || r.stats.mainIDs[v.Object] {
			out[v.Type]++
		}
	}
	return out
}

func checks(sc string, r *result, rates func(string) float64) []rateCheck {
	st := r.stats
	got := realised(r, true)
	all := realised(r, false)
	fullyBikes := 0
	for range r.fully {
		fullyBikes++
	}
	motor := st.mainVehicles - st.spawned[wire.Bicycle]
	return []rateCheck{
		{wire.RedLight, got[wire.RedLight], st.redFirst, rates("red_light")},
		{wire.StopLineViolation, got[wire.StopLineViolation], st.redFirst, rates("stop_line")},
		{wire.Speeding, got[wire.Speeding], motor, rates("speeding")},
		{wire.WrongWay, got[wire.WrongWay], st.arrivals, rates("wrong_way")},
		{wire.WrongLane, got[wire.WrongLane], st.wrongLaneEligible, rates("wrong_lane")},
		{wire.NoHelmet, all[wire.NoHelmet], fullyBikes, rates("no_helmet")},
		{wire.TooManyPassengers, all[wire.TooManyPassengers], fullyBikes, rates("too_many_passengers")},
		{wire.IllegalParking, got[wire.IllegalParking], st.curbLane, rates("illegal_parking")},
		{wire.Sidewalk, got[wire.Sidewalk], st.curbBikes, rates("sidewalk")},
	}
}

func TestPrintRates(t *testing.T) {
	for _, name := range []string{"intersection-day", "arterial", "expressway"} {
		sc := load(t, name)
		r, err := run(sc, Options{Duration: 30 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range checks(name, r, sc.Traffic.Violations.Rate) {
			if c.configured == 0 {
				continue
			}
			fmt.Printf("%-18s %-20s configured %.3f realised %.3f (%d/%d) sigma %.3f\n", name, c.typ, c.configured, float64(c.stamped)/float64(c.base), c.stamped, c.base, math.Sqrt(c.configured*(1-c.configured)/float64(c.base)))
		}
		st := r.stats
		st.mainIDs = nil
		fmt.Printf("%+v\n", st)
	}
}
