package smartcam

import (
	"math"
	"testing"
	"time"
)

// The default model finds 95% of violations (the time error, 100 ms SD, never leaves a 2 s
// window) and raises 2 false alarms per camera-hour.
func TestExpectOfTheDefaultModel(t *testing.T) {
	e := Model{}.Expect(1000, 10*time.Hour, 2*time.Second, 3)
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6 }
	if !near(e.TP, 950) || !near(e.FN, 50) || !near(e.FP, 20) {
		t.Fatalf("TP %v FN %v FP %v, want 950 50 20", e.TP, e.FN, e.FP)
	}
	if want := 1900.0 / (1900 + 50 + 20); !near(e.F1, want) {
		t.Fatalf("F1 %v, want %v", e.F1, want)
	}
	// FN sd sqrt(1000*0.95*0.05) = 6.892, FP sd sqrt(20) = 4.472
	lo := 2 * (950 - 3*6.892) / (2*(950-3*6.892) + 50 + 3*6.892 + 20 + 3*4.472)
	hi := 2 * (950 + 3*6.892) / (2*(950+3*6.892) + 50 - 3*6.892 + 20 - 3*4.472)
	if math.Abs(e.F1Low-lo) > 1e-4 || math.Abs(e.F1High-hi) > 1e-4 || !(e.F1Low < e.F1 && e.F1 < e.F1High) {
		t.Fatalf("interval [%v, %v], want [%v, %v]", e.F1Low, e.F1High, lo, hi)
	}
}

// A time error wide against the window turns found violations into a miss plus a false alarm.
func TestExpectCountsTimeErrorsOutsideTheWindow(t *testing.T) {
	e := Model{MissRate: 0.5, FalsePerHour: 1e-9, TimeErrorSD: time.Second}.Expect(100, 0, time.Second, 0)
	in := math.Erf(1 / math.Sqrt2) // 0.6827
	if math.Abs(e.TP-50*in) > 1e-6 || math.Abs(e.FP-50*(1-in)) > 1e-6 {
		t.Fatalf("TP %v FP %v, want %v %v", e.TP, e.FP, 50*in, 50*(1-in))
	}
}
