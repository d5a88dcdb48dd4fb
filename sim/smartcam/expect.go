package smartcam

import (
	"math"
	"time"
)

// Expectation is what a fleet of smart cameras of one Model promises a scorer: the expected
// counts, F1, and an interval of F1 that holds unless the draw is Z standard deviations off.
type Expectation struct {
	Truths     int     // true violations played to the fleet
	TP, FN, FP float64 // expected counts
	F1         float64
	Z          float64 // width of the interval in standard deviations
	F1Low      float64 // F1 with FN and FP Z standard deviations high
	F1High     float64 // F1 with FN and FP Z standard deviations low
}

// Expect is the score the model promises for truths true violations and cameraTime of
// camera time (false alarms), matched within window: a violation is found when it is not
// missed and its time error stays within the window (else it is a miss and a false alarm);
// false alarms are a Poisson process. FN is binomial, FP Poisson; the interval puts both z
// standard deviations off, the same way, so it is wider than a joint z-sigma region.
func (m Model) Expect(truths int, cameraTime, window time.Duration, z float64) Expectation {
	m = m.withDefaults()
	n := float64(truths)
	inWindow := 1.0
	if m.TimeErrorSD > 0 {
		inWindow = math.Erf(window.Seconds() / (m.TimeErrorSD.Seconds() * math.Sqrt2))
	}
	p := (1 - m.MissRate) * inWindow // a truth becomes a TP
	lambda := m.FalsePerHour*cameraTime.Hours() + n*(1-m.MissRate)*(1-inWindow)
	e := Expectation{Truths: truths, TP: n * p, FN: n * (1 - p), FP: lambda, Z: z}
	f1 := func(fn, fp float64) float64 {
		fn = min(max(fn, 0), n)
		fp = max(fp, 0)
		tp := n - fn
		if 2*tp+fn+fp == 0 {
			return 0
		}
		return 2 * tp / (2*tp + fn + fp)
	}
	sdFN, sdFP := math.Sqrt(n*p*(1-p)), math.Sqrt(lambda)
	e.F1 = f1(e.FN, e.FP)
	e.F1Low = f1(e.FN+z*sdFN, e.FP+z*sdFP)
	e.F1High = f1(e.FN-z*sdFN, e.FP-z*sdFP)
	return e
}
