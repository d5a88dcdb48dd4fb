package stats

import (
	"math"
	"math/rand/v2"
)

// Power is the power at which the gate states its minimum detectable drop.
const Power = 0.8

// NormQuantile is the p-quantile of the standard normal distribution.
func NormQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// normUpper is P(Z >= z).
func normUpper(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// binomUpper is P(X >= k) for X ~ Binomial(n, 1/2), exact.
func binomUpper(k, n int) float64 {
	if k <= 0 {
		return 1
	}
	if k > n {
		return 0
	}
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	s := 0.0
	for i := k; i <= n; i++ {
		s += math.Exp(lg(n) - lg(i) - lg(n-i) - float64(n)*math.Ln2)
	}
	return min(s, 1)
}

// McNemar is the one-sided exact McNemar test on matched pairs: lost counts the pairs the
// baseline got right and the run got wrong, won the reverse. It returns the p-value of "the
// run is worse" and the standard error of the paired difference of proportions over n pairs.
func McNemar(lost, won, n int) (p, se float64) {
	p = binomUpper(lost, lost+won)
	if n > 0 {
		nf := float64(n)
		d := float64(lost-won) / nf
		se = math.Sqrt(max(float64(lost+won)/nf-d*d, 0) / nf)
	}
	return p, se
}

// TwoProportion is the one-sided test of "the run's proportion k2/n2 is below the
// baseline's k1/n1" (pooled z test); it returns the p-value and the unpooled standard error
// of the difference.
func TwoProportion(k1, n1, k2, n2 int) (p, se float64) {
	if n1 == 0 || n2 == 0 {
		return 1, 0
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	pp := float64(k1+k2) / float64(n1+n2)
	sp := math.Sqrt(pp * (1 - pp) * (1/float64(n1) + 1/float64(n2)))
	se = math.Sqrt(p1*(1-p1)/float64(n1) + p2*(1-p2)/float64(n2))
	if sp == 0 {
		return 1, se
	}
	return normUpper((p1 - p2) / sp), se
}

// MinDetectableDrop is the smallest true drop a one-sided test at alpha detects with
// probability Power, for a difference with standard error se.
func MinDetectableDrop(se, alpha float64) float64 {
	return (NormQuantile(1-alpha) + NormQuantile(Power)) * se
}

// BootstrapP turns bootstrap replicates of (baseline - run) into the one-sided p-value of
// "the run is worse" (the share of replicates at or below 0, shifted to the null) and the
// replicates' standard error. drop is the observed baseline - run.
func BootstrapP(reps []float64, drop float64) (p, se float64) {
	if len(reps) == 0 {
		return 1, 0
	}
	var s, s2 float64
	for _, x := range reps {
		s += x
		s2 += x * x
	}
	n := float64(len(reps))
	m := s / n
	se = math.Sqrt(max(s2/n-m*m, 0))
	if se == 0 {
		if drop > 0 {
			return 0, 0
		}
		return 1, 0
	}
	// Shifted to the null (no change): the share of replicates at least as far above 0.
	k := 0
	for _, x := range reps {
		if x-drop >= drop {
			k++
		}
	}
	return (float64(k) + 1) / (n + 1), se
}

// F1Counts are the counts of one run for F1.
type F1Counts struct{ TP, FP, FN int }

func (c F1Counts) f1() float64 {
	if d := 2*c.TP + c.FP + c.FN; d > 0 {
		return float64(2*c.TP) / float64(d)
	}
	return 0
}

// F1Drop bootstraps the drop of F1 from a baseline to a run and returns the observed drop,
// the one-sided p-value of "the run is worse" and the drop's standard error. Pairs, when not
// nil, are the truths both runs share as a 2x2 table (detected by both, by the baseline only,
// by the run only, by neither), resampled jointly so what the two runs have in common cancels;
// each run's other truths and its false alarms are resampled on their own.
func F1Drop(r *rand.Rand, base, run F1Counts, pairs *[4]int) (drop, p, se float64) {
	drop = base.f1() - run.f1()
	var pr [4]int
	if pairs != nil {
		pr = *pairs
	}
	ns := pr[0] + pr[1] + pr[2] + pr[3]
	// Each run's own truths, outside the pairs.
	bTP, bFN := base.TP-pr[0]-pr[1], base.FN-pr[2]-pr[3]
	rTP, rFN := run.TP-pr[0]-pr[2], run.FN-pr[1]-pr[3]
	if bTP < 0 || bFN < 0 || rTP < 0 || rFN < 0 {
		return drop, 1, 0 // pairs that do not fit the counts: no test rather than a wrong one
	}
	reps := make([]float64, Replicates)
	for i := range reps {
		c := multinomial(r, ns, pr[:])
		b := resample(r, F1Counts{bTP, base.FP, bFN})
		u := resample(r, F1Counts{rTP, run.FP, rFN})
		b.TP, b.FN = b.TP+c[0]+c[1], b.FN+c[2]+c[3]
		u.TP, u.FN = u.TP+c[0]+c[2], u.FN+c[1]+c[3]
		reps[i] = b.f1() - u.f1()
	}
	p, se = BootstrapP(reps, drop)
	return drop, p, se
}

// resample draws TP, FP, FN multinomially over their total.
func resample(r *rand.Rand, c F1Counts) F1Counts {
	x := multinomial(r, c.TP+c.FP+c.FN, []int{c.TP, c.FP, c.FN})
	return F1Counts{x[0], x[1], x[2]}
}

// multinomial draws n items over cells weighted by w (sequential binomials).
func multinomial(r *rand.Rand, n int, w []int) []int {
	out := make([]int, len(w))
	rest := 0
	for _, x := range w {
		rest += x
	}
	for i, x := range w {
		if n <= 0 || rest <= 0 {
			break
		}
		if i == len(w)-1 {
			out[i] = n
			break
		}
		k := Binomial(r, n, float64(x)/float64(rest))
		out[i], n, rest = k, n-k, rest-x
	}
	return out
}
