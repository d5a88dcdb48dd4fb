package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestWilsonMatchesPublishedValues(t *testing.T) {
	// Newcombe (1998), table I: 81/263 -> 0.2553-0.3662; 15/148 -> 0.0624-0.1605; 0/20 -> 0-0.1611.
	cases := []struct {
		k, n   int
		lo, hi float64
	}{{81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0, 0.1611}, {29, 29, 0.8830, 1}}
	for _, c := range cases {
		iv := Wilson(c.k, c.n)
		if math.Abs(iv.Lo-c.lo) > 5e-5 || math.Abs(iv.Hi-c.hi) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = %v, want [%v, %v]", c.k, c.n, iv, c.lo, c.hi)
		}
	}
	if iv := Wilson(0, 0); iv != (Interval{0, 1}) {
		t.Errorf("Wilson(0, 0) = %v, want [0, 1]", iv)
	}
}

func TestWilsonNeededIsTheFirstDecidingN(t *testing.T) {
	for _, c := range []struct{ p, limit float64 }{{0.97, 0.93}, {0.85, 0.80}, {0.70, 0.80}, {0.5, 0.9}} {
		n := WilsonNeeded(c.p, c.limit)
		if n == 0 {
			t.Fatalf("WilsonNeeded(%v, %v) = 0", c.p, c.limit)
		}
		at, before := wilsonP(c.p, float64(n)), wilsonP(c.p, float64(n-1))
		if c.p > c.limit && !(at.Lo > c.limit && before.Lo <= c.limit) || c.p < c.limit && !(at.Hi < c.limit && before.Hi >= c.limit) {
			t.Errorf("WilsonNeeded(%v, %v) = %d: interval %v there, %v one before", c.p, c.limit, n, at, before)
		}
	}
	if n := WilsonNeeded(0.9, 0.9); n != 0 {
		t.Errorf("an estimate on the limit: %d, want 0 (no n decides)", n)
	}
}

func TestBinomialHasTheRightMeanAndVariance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		n int
		p float64
	}{{10, 0.3}, {1000, 0.85}, {100000, 0.02}} {
		var s, s2 float64
		const k = 20000
		for range k {
			x := float64(Binomial(r, c.n, c.p))
			s, s2 = s+x, s2+x*x
		}
		m, v := s/k, s2/k-(s/k)*(s/k)
		wm, wv := float64(c.n)*c.p, float64(c.n)*c.p*(1-c.p)
		if math.Abs(m-wm) > 4*math.Sqrt(wv/k) || math.Abs(v-wv)/wv > 0.05 {
			t.Errorf("Binomial(%d, %v): mean %.3f var %.3f, want %.3f and %.3f", c.n, c.p, m, v, wm, wv)
		}
	}
}

func TestBootstrapIsDeterministicForASeed(t *testing.T) {
	a, b := F1(Rand(7, "overall"), 20, 48, 26), F1(Rand(7, "overall"), 20, 48, 26)
	if a != b {
		t.Fatalf("same seed, different intervals: %v %v", a, b)
	}
	if c := F1(Rand(8, "overall"), 20, 48, 26); c == a {
		t.Errorf("another seed gave the very same interval %v", c)
	}
	f1 := 40.0 / (40 + 48 + 26)
	if !(a.Lo < f1 && f1 < a.Hi) || a.Width() < 0.05 || a.Width() > 0.3 {
		t.Errorf("F1 %.3f: interval %v", f1, a)
	}
}

// The 95 % intervals cover the true value about 95 % of the time: simulate from known models.
func TestIntervalsCoverTheTrueValue(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const runs = 400
	var wilson, f1, p95 int
	for i := range runs {
		// Proportion: 120 plates read with probability 0.9.
		k := Binomial(r, 120, 0.9)
		if iv := Wilson(k, 120); iv.Lo <= 0.9 && 0.9 <= iv.Hi {
			wilson++
		}
		// F1: units are TP, FP, FN with probabilities 0.5, 0.2, 0.3: F1 = 2*0.5/(2*0.5+0.5).
		c := multinomial(r, 200, []int{5, 2, 3})
		if iv := F1(Rand(uint64(i), "x"), c[0], c[1], c[2]); iv.Lo <= 2*0.5/(2*0.5+0.5) && 2*0.5/(2*0.5+0.5) <= iv.Hi {
			f1++
		}
		// Latency p95 of 300 exponential(1 s) latencies: true p95 = ln 20 s.
		vals := make([]float64, 300)
		for j := range vals {
			vals[j] = r.ExpFloat64()
		}
		d := Dist{}
		sortFloats(vals)
		for _, v := range vals {
			d.Values, d.Counts = append(d.Values, v), append(d.Counts, 1)
		}
		if iv := Quantile(Rand(uint64(i), "lat"), d, 0.95); iv.Lo <= math.Log(20) && math.Log(20) <= iv.Hi {
			p95++
		}
	}
	for name, n := range map[string]int{"wilson": wilson, "f1": f1, "p95": p95} {
		if c := float64(n) / runs; c < 0.91 || c > 0.99 {
			t.Errorf("%s interval covers the true value in %.1f%% of %d runs, want about 95%%", name, 100*c, runs)
		}
	}
}

func TestMcNemarExactValues(t *testing.T) {
	// 10 lost, 2 won: P(X >= 10 | Bin(12, 1/2)) = (66+12+1)/4096.
	p, _ := McNemar(10, 2, 100)
	if math.Abs(p-79.0/4096) > 1e-12 {
		t.Errorf("p = %v, want %v", p, 79.0/4096)
	}
	if p, _ := McNemar(0, 0, 100); p != 1 {
		t.Errorf("no discordant pairs: p = %v, want 1", p)
	}
}

func TestF1WithoutTPsOrErrorsUsesTheWilsonBounds(t *testing.T) {
	// 0 detected of 4, 2 false alarms: the bootstrap would say [0, 0]; precision <= 0.658 and
	// recall <= 0.490 bound F1 by 0.562.
	if iv := F1(Rand(1, "x"), 0, 2, 4); iv.Lo != 0 || math.Abs(iv.Hi-0.5617) > 1e-3 {
		t.Errorf("F1(0, 2, 4) = %v, want [0, 0.562]", iv)
	}
	if iv := F1(Rand(1, "x"), 9, 0, 0); iv.Hi != 1 || iv.Lo < 0.6 || iv.Lo > 0.8 {
		t.Errorf("F1(9, 0, 0) = %v, want [0.70, 1]", iv)
	}
}
