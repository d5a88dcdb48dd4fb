package speed

import (
	"fmt"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/stats"
	"github.com/trafficsim/trafficsim/wire"
)

func TestTolerance(t *testing.T) {
	tol := Tolerance{}.WithDefaults()
	for _, c := range []struct{ kmh, want float64 }{{10, 3}, {100, 3}, {150, 4.5}, {180, 5.4}} {
		if got := tol.Allowed(c.kmh); got != c.want {
			t.Errorf("allowed at %g km/h: %g, want %g", c.kmh, got, c.want)
		}
	}
	if s := tol.String(); s != "±3 km/h to 100 km/h, ±3 % above" {
		t.Errorf("%q", s)
	}
}

// run makes n speeding truths at kmh on one camera, detected with reading(i) (0: no speed in
// the event; negative: missed), and scores them.
func run(kmh []float64, reading func(i int) float64) Result {
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	var truths []wire.Violation
	var events []results.Received
	var matches []results.Match
	for i, v := range kmh {
		id := fmt.Sprint("v", i)
		truths = append(truths, wire.Violation{ID: id, Type: wire.Speeding, Camera: "c", SpeedKmh: v, Wall: t0})
		r := reading(i)
		if r < 0 {
			matches = append(matches, results.Match{Outcome: results.FN, Camera: "c", Type: wire.Speeding, TruthID: id})
			continue
		}
		events = append(events, results.Received{Event: wire.Event{EventID: "e" + id, CameraID: "c", Type: wire.Speeding, SpeedKmh: r}})
		matches = append(matches, results.Match{Outcome: results.TP, Camera: "c", Type: wire.Speeding, TruthID: id, EventID: "e" + id})
	}
	// a red light TP and a false speeding alarm are not speed readings
	matches = append(matches, results.Match{Outcome: results.TP, Camera: "c", Type: wire.RedLight, TruthID: "r", EventID: "er"},
		results.Match{Outcome: results.FP, Camera: "c", Type: wire.Speeding, EventID: "fp"})
	return Score(truths, events, matches, 10, 180, 4, Tolerance{}, 0.95)
}

func repeat(kmh float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = kmh
	}
	return out
}

// The share of readings within tolerance is judged per bin on its Wilson interval, like every
// conformity check: a bin passes only when its lower bound clears the limit.
func TestScoreVerdicts(t *testing.T) {
	cases := []struct {
		name    string
		kmh     []float64
		reading func(i int) float64
		bin     int // the bin the speeds fall in
		within  int
		status  string
	}{
		// 200 readings all within ±3 km/h at 60 km/h: the interval [0.981, 1] clears 0.95
		{"exact at 60", repeat(60, 200), func(int) float64 { return 62.9 }, 1, 200, conform.Pass},
		// 3.1 km/h off at 60 is outside: every reading wrong
		{"off by 3.1", repeat(60, 50), func(int) float64 { return 63.1 }, 1, 0, conform.Fail},
		// above 100 km/h ±3 %: 4.4 km/h at 150 is within, 20 readings do not decide 0.95
		{"3 % at 150", repeat(150, 20), func(int) float64 { return 154.4 }, 3, 20, conform.Insufficient},
		// events without a speed are readings, none right
		{"no speed sent", repeat(130, 40), func(int) float64 { return 0 }, 2, 0, conform.Fail},
		// missed truths are no readings
		{"all missed", repeat(30, 10), func(int) float64 { return -1 }, 0, 0, conform.NoData},
	}
	for _, c := range cases {
		r := run(c.kmh, c.reading)
		b := r.Bins[c.bin]
		if b.Within != c.within || b.Status != c.status || b.Truths != len(c.kmh) {
			t.Errorf("%s: bin %s truths %d within %d/%d %s, want %d within, %s", c.name, b.Name(), b.Truths, b.Within, b.Readings, b.Status, c.within, c.status)
		}
		if b.Readings > 0 && b.CI != stats.Wilson(b.Within, b.Readings) {
			t.Errorf("%s: interval %v", c.name, b.CI)
		}
		if r.All.Readings != b.Readings || r.All.Within != b.Within {
			t.Errorf("%s: all %+v, bin %+v", c.name, r.All, b)
		}
	}
	// the insufficient sample says how many more readings decide it
	if b := run(repeat(150, 20), func(int) float64 { return 154.4 }).Bins[3]; b.More != stats.WilsonNeeded(1, 0.95)-20 {
		t.Errorf("more readings: %d", b.More)
	}
	// mean and largest error, over the readings that carry a speed
	r := run([]float64{50, 50, 50, 50}, func(i int) float64 { return []float64{51, 49, 53, 0}[i] })
	if b := r.Bins[0]; b.MeanError != 1 || b.MaxError != 3 || b.Unread != 1 || b.Readings != 4 {
		t.Errorf("errors: %+v", b)
	}
	// speeds outside the range are counted apart
	if r := run([]float64{5, 200, 60}, func(int) float64 { return 60 }); r.Outside != 2 || r.All.Truths != 1 {
		t.Errorf("outside: %+v", r)
	}
}

func TestStatusOverBins(t *testing.T) {
	bins := func(s ...string) Result {
		var r Result
		for _, x := range s {
			r.Bins = append(r.Bins, Bin{Status: x})
		}
		return r
	}
	P, F, I, N := conform.Pass, conform.Fail, conform.Insufficient, conform.NoData
	for _, c := range []struct {
		r    Result
		want string
	}{
		{bins(P, P, P, P), P}, {bins(P, F, N, I), F}, {bins(P, P, N, P), I}, {bins(N, N, N, N), N}, {bins(I, P, P, P), I},
	} {
		if got := c.r.Status(); got != c.want {
			t.Errorf("%v: %s, want %s", c.r.Bins, got, c.want)
		}
	}
}
