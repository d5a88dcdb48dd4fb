package smartcam

import (
	"math"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func truth(n int) []wire.Violation {
	out := make([]wire.Violation, n)
	for i := range out {
		out[i] = wire.Violation{ID: "v" + string(rune('a'+i%26)) + time.Duration(i).String(), Type: wire.RedLight,
			Camera: "cam-01", Wall: t0.Add(time.Duration(i) * time.Second), Plate: "29A-123.45", Class: wire.Car}
	}
	return out
}

func TestModelRatesAreMet(t *testing.T) {
	m := Model{MissRate: 0.2, PlateErrorRate: 0.05, LatencyMedian: time.Second, LatencyP95: 4 * time.Second}
	c := NewCamera("cam-01", 7, m)
	const n = 20000
	var reported, platesWrong int
	var lat []float64
	for _, v := range truth(n) {
		for _, e := range c.Observe(v) {
			reported++
			if wire.NormalizePlate(e.Event.Plate) != wire.NormalizePlate(v.Plate) {
				platesWrong++
			}
			lat = append(lat, e.SendAt.Sub(v.Wall).Seconds())
			if d := e.Event.Time.Sub(v.Wall); d > time.Second || d < -time.Second {
				t.Fatalf("stamped time off by %v, far beyond the 100 ms sd", d)
			}
		}
	}
	// binomial tolerances: 4 standard deviations
	if got, sd := float64(reported)/n, math.Sqrt(0.2*0.8/n); math.Abs(got-0.8) > 4*sd {
		t.Errorf("report share %.4f, want 0.8 +- %.4f", got, 4*sd)
	}
	// in "29A-123.45" the reader confuses 2, 1, 2, 3 and 5: P(any wrong) = 1-(0.95)^5
	want := 1 - math.Pow(0.95, 5)
	if got := float64(platesWrong) / float64(reported); math.Abs(got-want) > 0.02 {
		t.Errorf("wrong plates %.4f, want %.4f +- 0.02", got, want)
	}
	sort.Float64s(lat)
	if med := lat[len(lat)/2]; math.Abs(med-1) > 0.05 {
		t.Errorf("median latency %.3fs, want 1s", med)
	}
	if p95 := lat[len(lat)*95/100]; math.Abs(p95-4) > 0.3 {
		t.Errorf("p95 latency %.3fs, want 4s", p95)
	}
}

func TestFalseAlarmsArePoisson(t *testing.T) {
	c := NewCamera("cam-02", 1, Model{FalsePerHour: 30})
	got := len(c.FalseAlarms(t0, t0.Add(100*time.Hour)))
	if math.Abs(float64(got)-3000) > 4*math.Sqrt(3000) {
		t.Errorf("%d false alarms in 100 h at 30/h, want about 3000", got)
	}
	for _, e := range c.FalseAlarms(t0, t0.Add(time.Hour)) {
		if err := e.Event.Validate(); err != nil {
			t.Fatalf("false alarm is not a valid event: %v", err)
		}
	}
}

func TestSameSeedSameEvents(t *testing.T) {
	a, b := NewCamera("cam-03", 9, Model{}), NewCamera("cam-03", 9, Model{})
	other := NewCamera("cam-04", 9, Model{})
	same, differ := true, false
	for _, v := range truth(200) {
		ea, eb, eo := a.Observe(v), b.Observe(v), other.Observe(v)
		if len(ea) != len(eb) || (len(ea) == 1 && !reflect.DeepEqual(ea[0], eb[0])) {
			same = false
		}
		if len(ea) != len(eo) || (len(ea) == 1 && ea[0].SendAt != eo[0].SendAt) {
			differ = true
		}
	}
	if !same || !differ {
		t.Errorf("same seed and camera must repeat (got %v); another camera must differ (got %v)", same, differ)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		m    Model
		want string
	}{
		{Model{MissRate: 1.5}, "smartcam: miss_rate 1.5 must be within 0..1"},
		{Model{FalsePerHour: -1}, "smartcam: false_per_hour -1 must not be negative"},
		{Model{PlateErrorRate: 2}, "smartcam: plate_error_rate 2 must be within 0..1"},
		{Model{LatencyMedian: 2 * time.Second, LatencyP95: time.Second}, "smartcam: latency p95 1s must be >= median 2s >= 0"},
	} {
		if err := c.m.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("Validate(%+v) = %v, want %q", c.m, err, c.want)
		}
	}
	if err := (Model{}).Validate(); err != nil {
		t.Errorf("the zero model (defaults) must be valid: %v", err)
	}
}

// A speeding truth's event carries a speed reading with the model's error: unbiased, its
// spread the share SpeedErrorSD of the speed; other truths carry none, and the reading does
// not change the other draws of the camera (misses, plates, times and latency stay the same).
func TestSpeedReadings(t *testing.T) {
	m := Model{MissRate: 0.1, SpeedErrorSD: 0.02}
	c, plain := NewCamera("cam-05", 3, m), NewCamera("cam-05", 3, Model{MissRate: 0.1, SpeedErrorSD: -1})
	var errs []float64
	for i, v := range truth(4000) {
		if i%2 == 0 {
			v.Type, v.SpeedKmh, v.Box = wire.Speeding, 120, wire.Box{10, 10, 50, 40}
		}
		got, base := c.Observe(v), plain.Observe(v)
		if len(got) != len(base) {
			t.Fatalf("truth %d: the speed reading changed whether it was reported", i)
		}
		if len(got) == 0 {
			continue
		}
		e := got[0].Event
		if b := base[0].Event; b.SpeedKmh != 0 || b.Time != e.Time || b.Plate != e.Plate || base[0].SendAt != got[0].SendAt {
			t.Fatalf("truth %d: the speed reading changed another draw:\n%+v\n%+v", i, e, b)
		}
		switch {
		case v.SpeedKmh == 0 && e.SpeedKmh != 0:
			t.Fatalf("a red light carries speed %v", e.SpeedKmh)
		case v.SpeedKmh > 0:
			if err := e.Validate(); err != nil {
				t.Fatal(err)
			}
			errs = append(errs, e.SpeedKmh-120)
		}
	}
	var sum, sq float64
	for _, x := range errs {
		sum += x
	}
	mean := sum / float64(len(errs))
	for _, x := range errs {
		sq += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(sq / float64(len(errs)-1))
	if math.Abs(mean) > 4*2.4/math.Sqrt(float64(len(errs))) || math.Abs(sd-2.4) > 0.2 {
		t.Errorf("speed error mean %.3f sd %.3f km/h, want 0 and 2.4 (2 %% of 120)", mean, sd)
	}
}
