package stats

import (
	"math"
	"math/rand/v2"
)

// Level is the confidence level of every interval: 95 %.
const Level = 0.95

// Z95 is the two-sided 95 % normal quantile.
const Z95 = 1.959963984540054

// Interval is a confidence interval [Lo, Hi].
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Width is Hi - Lo.
func (i Interval) Width() float64 { return i.Hi - i.Lo }

// Wilson is the 95 % Wilson score interval of k successes in n trials; [0, 1] when n is 0.
func Wilson(k, n int) Interval {
	if n <= 0 {
		return Interval{0, 1}
	}
	p, nf := float64(k)/float64(n), float64(n)
	z2 := Z95 * Z95
	c := (p + z2/(2*nf)) / (1 + z2/nf)
	h := Z95 / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Interval{round(max(c-h, 0)), round(min(c+h, 1))}
}

func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// WilsonNeeded is the smallest n at which the Wilson interval of a proportion p (kept at p as n
// grows) lies wholly above limit (p > limit) or below it (p < limit); 0 when p == limit (no n
// decides) or no n up to 10^9 does.
func WilsonNeeded(p, limit float64) int {
	if p == limit || math.IsNaN(p) {
		return 0
	}
	decides := func(n int) bool {
		iv := wilsonP(p, float64(n))
		if p > limit {
			return iv.Lo > limit
		}
		return iv.Hi < limit
	}
	hi := 1
	for !decides(hi) {
		if hi > 1e9 {
			return 0
		}
		hi *= 2
	}
	lo := hi / 2 // !decides(lo) unless lo == 0
	for lo+1 < hi {
		m := (lo + hi) / 2
		if decides(m) {
			hi = m
		} else {
			lo = m
		}
	}
	return hi
}

// wilsonP is the Wilson interval at proportion p and a real n, unrounded.
func wilsonP(p, n float64) Interval {
	z2 := Z95 * Z95
	c := (p + z2/(2*n)) / (1 + z2/n)
	h := Z95 / (1 + z2/n) * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return Interval{c - h, c + h}
}

// WilsonWidthNeeded is the smallest n at which the Wilson interval at proportion p is narrower
// than width.
func WilsonWidthNeeded(p, width float64) int {
	if width <= 0 {
		return 0
	}
	n := 1
	for wilsonP(p, float64(n)).Width() >= width {
		if n > 1e9 {
			return 0
		}
		n *= 2
	}
	lo := n / 2
	for lo+1 < n {
		m := (lo + n) / 2
		if wilsonP(p, float64(m)).Width() < width {
			n = m
		} else {
			lo = m
		}
	}
	return n
}

// ScaledNeeded is the sample size at which an interval that has half-width half at n0 units
// (shrinking as 1/sqrt(n)) has a half-width below gap, the distance from the estimate to the
// limit; 0 when gap is 0 or the half-width is 0 already.
func ScaledNeeded(n0 int, half, gap float64) int {
	gap = math.Abs(gap)
	if gap == 0 || n0 <= 0 || half <= 0 {
		return 0
	}
	return int(math.Ceil(float64(n0) * (half / gap) * (half / gap) * 1.0001))
}

// Rand returns the generator of one bootstrap: seed and a stream derived from key (a slice
// name), so the interval of a slice does not depend on which slices come before it.
func Rand(seed uint64, key string) *rand.Rand {
	h := uint64(1469598103934665603)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}

// Replicates is the number of bootstrap replicates.
const Replicates = 2000

// gamma draws Gamma(a, 1) (Marsaglia and Tsang).
func gamma(r *rand.Rand, a float64) float64 {
	if a < 1 {
		return gamma(r, a+1) * math.Pow(r.Float64(), 1/a)
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// Beta draws Beta(a, b).
func Beta(r *rand.Rand, a, b float64) float64 {
	x := gamma(r, a)
	return x / (x + gamma(r, b))
}

// Binomial draws Binomial(n, p) exactly: it halves n with the order statistics of uniforms
// (Devroye), so a draw costs O(log n) instead of O(n).
func Binomial(r *rand.Rand, n int, p float64) int {
	k := 0
	for n > 32 {
		if p <= 0 {
			return k
		}
		if p >= 1 {
			return k + n
		}
		i := (n + 1) / 2
		b := Beta(r, float64(i), float64(n+1-i)) // the i-th smallest of n uniforms
		if p < b {
			n, p = i-1, p/b
		} else {
			k, n, p = k+i, n-i, (p-b)/(1-b)
		}
	}
	for ; n > 0; n-- {
		if r.Float64() < p {
			k++
		}
	}
	return k
}

// quantile is the q-quantile (0..1) of sorted values, by nearest rank.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// percentileInterval is the 2.5 % and 97.5 % points of the replicates (sorted in place).
func percentileInterval(reps []float64) Interval {
	sortFloats(reps)
	return Interval{round(quantile(reps, 0.025)), round(quantile(reps, 0.975))}
}

// F1 is the seeded bootstrap interval of F1 = 2TP/(2TP+FP+FN): the run's truths and false
// alarms are resampled with replacement (TP, FP, FN multinomial over their n units). When no
// TP or no error was seen the bootstrap cannot move (every replicate is 0, or 1), so the
// interval is then F1 at the Wilson bounds of precision and recall (F1 grows with both).
func F1(r *rand.Rand, tp, fp, fn int) Interval {
	n := tp + fp + fn
	if n == 0 {
		return Interval{0, 1}
	}
	if tp == 0 || fp+fn == 0 {
		p, q := Wilson(tp, tp+fp), Wilson(tp, tp+fn)
		if tp+fp == 0 {
			p = Interval{0, 1}
		}
		h := func(a, b float64) float64 {
			if a+b == 0 {
				return 0
			}
			return round(2 * a * b / (a + b))
		}
		return Interval{h(p.Lo, q.Lo), h(p.Hi, q.Hi)}
	}
	reps := make([]float64, Replicates)
	ptp, pfp := float64(tp)/float64(n), float64(fp)/float64(n)
	for i := range reps {
		a := Binomial(r, n, ptp)
		b := 0
		if rest := n - a; rest > 0 && ptp < 1 {
			b = Binomial(r, rest, min(pfp/(1-ptp), 1))
		}
		c := n - a - b
		if 2*a+b+c > 0 {
			reps[i] = float64(2*a) / float64(2*a+b+c)
		}
	}
	return percentileInterval(reps)
}

// Dist is an empirical distribution as ascending values and their counts (an HDR
// histogram's recorded values).
type Dist struct {
	Values []float64
	Counts []int64
}

// Total is the number of samples.
func (d Dist) Total() int64 {
	var n int64
	for _, c := range d.Counts {
		n += c
	}
	return n
}

// Quantile is a seeded bootstrap interval of the q-quantile (0..1). The k-th smallest of n
// draws from the sample is the sample's inverse CDF at the k-th smallest of n uniforms, a
// Beta(k, n+1-k) variate, so a replicate costs one Beta draw instead of n draws.
func Quantile(r *rand.Rand, d Dist, q float64) Interval {
	n := d.Total()
	if n == 0 {
		return Interval{}
	}
	cum := make([]float64, len(d.Counts))
	var c int64
	for i, x := range d.Counts {
		c += x
		cum[i] = float64(c) / float64(n)
	}
	k := max(math.Ceil(q*float64(n)), 1)
	reps := make([]float64, Replicates)
	for i := range reps {
		u := Beta(r, k, float64(n)+1-k)
		j := searchFloat(cum, u)
		reps[i] = d.Values[min(j, len(d.Values)-1)]
	}
	return percentileInterval(reps)
}

// searchFloat is the first index i with a[i] >= x.
func searchFloat(a []float64, x float64) int {
	lo, hi := 0, len(a)
	for lo < hi {
		m := (lo + hi) / 2
		if a[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
