package world

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
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

// TestConfiguredRatesAreMet runs long clips and compares, per violation type, the stamps the
// rules made with the configured rate times the base the rate is a share of (see
// scenarios.Violations). Tolerance: 3 binomial standard deviations plus 25% of the rate (clip
// ends cut some parking and speeding short, amber decisions add stray red-light crossings).
// Speeding is held to at least half of its rate and at most the rate plus the tolerance: a
// speeder boxed in by slower traffic cannot reach a mean speed above the limit.
func TestConfiguredRatesAreMet(t *testing.T) {
	for _, name := range []string{"intersection-day", "arterial", "expressway"} {
		t.Run(name, func(t *testing.T) {
			sc := load(t, name)
			clip := 30 * time.Minute
			if raceDetector {
				clip = 10 * time.Minute
			}
			r, err := run(sc, Options{Duration: clip})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range checks(name, r, sc.Traffic.Violations.Rate) {
				if c.configured == 0 {
					if c.stamped != 0 {
						t.Errorf("%s: %d stamps with the type disabled", c.typ, c.stamped)
					}
					continue
				}
				if c.base < 30 {
					t.Fatalf("%s: base of %d is too small to judge", c.typ, c.base)
				}
				got := float64(c.stamped) / float64(c.base)
				sigma := math.Sqrt(c.configured * (1 - c.configured) / float64(c.base))
				tol := 3*sigma + 0.25*c.configured
				lo, hi := c.configured-tol, c.configured+tol
				if c.typ == wire.Speeding {
					lo = min(lo, 0.5*c.configured)
				}
				msg := fmt.Sprintf("%-20s configured %.3f realised %.3f (%d of %d), accepted %.3f-%.3f", c.typ, c.configured, got, c.stamped, c.base, lo, hi)
				if got < lo || got > hi {
					t.Error(msg)
				} else {
					t.Log(msg)
				}
			}
		})
	}
}
