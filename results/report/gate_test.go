package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trafficsim/trafficsim/results"
)

// simRun plays one run of a device against the same truths: truth i is detected when
// sqrt(0.6)*hard[i] + sqrt(0.4)*noise < z (so the device finds a share Phi(z) of them, and two
// runs agree on the hard truths as real runs do), plus a binomial number of false alarms.
func simRun(r *rand.Rand, hard []float64, recall float64, fpRate float64) (*results.Score, []results.Match) {
	z := math.Sqrt2 * math.Erfinv(2*recall-1)
	var ms []results.Match
	var m results.Metrics
	for i, h := range hard {
		o := results.FN
		if math.Sqrt(0.6)*h+math.Sqrt(0.4)*r.NormFloat64() < z {
			o = results.TP
			m.TP++
		} else {
			m.FN++
		}
		ms = append(ms, results.Match{Outcome: o, Camera: "cam-1", TruthID: fmt.Sprint("t", i), Type: "red_light", Light: results.Day})
	}
	for range len(hard) {
		if r.Float64() < fpRate {
			m.FP++
		}
	}
	m.Recall = float64(m.TP) / float64(m.TP+m.FN)
	m.Precision = float64(m.TP) / float64(max(m.TP+m.FP, 1))
	m.F1 = float64(2*m.TP) / float64(2*m.TP+m.FP+m.FN)
	return &results.Score{Overall: m}, ms
}

// TestGateCatchesARealDropAndNotNoise simulates many pairs of runs from a known model: the
// same device twice (noise only) and a device that detects 5 points fewer. A gate that fails
// on any significant drop of recall or F1 must alarm on about alpha of the first and on
// nearly all of the second.
func TestGateCatchesARealDropAndNotNoise(t *testing.T) {
	const sims, truths, alpha = 300, 800, 0.05
	r := rand.New(rand.NewPCG(17, 17))
	l := Limits{MaxDrop: map[string]float64{"recall": 0, "f1": 0}, Alpha: alpha}
	rate := func(drop float64, paired bool) (recall, f1 float64, mdd float64) {
		var nr, nf int
		for i := range sims {
			hard := make([]float64, truths)
			for j := range hard {
				hard[j] = r.NormFloat64()
			}
			bs, bm := simRun(r, hard, 0.85, 0.05)
			rs, rm := simRun(r, hard, 0.85-drop, 0.05)
			if !paired {
				bm, rm = nil, nil
			}
			l.Seed = uint64(i)
			rows := ComparePaired(bs, rs, bm, rm, l)
			for _, row := range rows {
				switch {
				case row.Metric == "recall" && row.Broken:
					nr++
				case row.Metric == "f1" && row.Broken:
					nf++
				}
				if row.Metric == "recall" {
					mdd += row.MinDrop / sims
				}
			}
		}
		return float64(nr) / sims, float64(nf) / sims, mdd
	}
	for _, paired := range []bool{true, false} {
		fr, ff, _ := rate(0, paired)
		pr, pf, mdd := rate(0.05, paired)
		t.Logf("paired %v: false alarms recall %.3f F1 %.3f; power recall %.3f F1 %.3f; detectable recall drop %.3f", paired, fr, ff, pr, pf, mdd)
		// 300 runs: the false-alarm share has a standard error of 0.013 around 0.05.
		if fr > alpha+0.04 || ff > alpha+0.04 {
			t.Errorf("paired %v: noise alone fails the gate in %.1f%% (recall) and %.1f%% (F1) of runs, want about %.0f%%", paired, 100*fr, 100*ff, 100*alpha)
		}
		if fr == 0 && ff == 0 {
			t.Errorf("paired %v: no false alarm at all in %d runs: the tests are far more conservative than alpha", paired, sims)
		}
		if pr < 0.8 || pf < 0.8 {
			t.Errorf("paired %v: a real 5-point drop is caught in %.1f%% (recall) and %.1f%% (F1) of runs, want at least 80%%", paired, 100*pr, 100*pf)
		}
		if paired && mdd > 0.05 {
			t.Errorf("paired: detectable drop %.3f, want below the 0.05 it catches", mdd)
		}
	}
}
