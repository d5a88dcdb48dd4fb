package results

import (
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/results/stats"
)

// Score is the JSON summary of a run or of the final part of a live run (summary.json,
// GET /v1/score). Maps marshal with sorted keys, so the output is deterministic.
type Score struct {
	WindowMs float64 `json:"window_ms"`
	GraceMs  float64 `json:"grace_ms,omitempty"`
	// Truths and Events count what was scored (final); Pending what a live scorer still holds.
	Truths        int `json:"truths"`
	Events        int `json:"events"`
	PendingTruths int `json:"pending_truths,omitempty"`
	PendingEvents int `json:"pending_events,omitempty"`
	// Invalid counts inputs that could not be scored (an event failing wire validation, a
	// truth without wall time or type); Late counts live events that came after their truths
	// were final (scored as FP).
	Invalid int `json:"invalid"`
	Late    int `json:"late"`
	// WarmUpTruths and AfterEndTruths count the truths Config.Cuts left out (not scored).
	WarmUpTruths   int `json:"warmup_truths,omitempty"`
	AfterEndTruths int `json:"after_end_truths,omitempty"`

	// Seed is the bootstrap seed of the intervals (Config.Seed); 0 when there are none.
	Seed uint64 `json:"bootstrap_seed,omitempty"`

	Overall     Metrics            `json:"overall"`
	ByType      map[string]Metrics `json:"by_type"`
	ByCamera    map[string]Metrics `json:"by_camera"`
	ByCondition map[string]Metrics `json:"by_condition"`
	// Delivery is the frames the farm delivered to the device, per camera (wire.Delivery).
	Delivery map[string]Delivery `json:"delivery,omitempty"`
	// NotJudged is, per camera, what the device declined to judge (from the device's own
	// counters, where it reports them; see NotJudged).
	NotJudged map[string]NotJudged `json:"not_judged,omitempty"`
}

// Metrics are the counts and rates of one slice of a run.
type Metrics struct {
	TP         int     `json:"tp"`
	FP         int     `json:"fp"`
	FN         int     `json:"fn"`
	Precision  float64 `json:"precision"` // TP/(TP+FP); 0 when there are no events
	Recall     float64 `json:"recall"`    // TP/(TP+FN); 0 when there are no truths
	F1         float64 `json:"f1"`        // harmonic mean of the two; 0 when both are 0
	Duplicates int     `json:"duplicates"`
	// Plates counts TPs whose truth has a plate, PlatesOK those read right;
	// PlateAccuracy = PlatesOK / Plates (0 when Plates is 0).
	Plates        int     `json:"plates"`
	PlatesOK      int     `json:"plates_ok"`
	PlateAccuracy float64 `json:"plate_accuracy"`
	// Time error |event - truth| of TPs, and latency received - truth wall, in milliseconds.
	TimeErrorMeanMs float64 `json:"time_error_mean_ms"`
	TimeErrorP95Ms  float64 `json:"time_error_p95_ms"`
	LatencyMeanMs   float64 `json:"latency_mean_ms"`
	LatencyP50Ms    float64 `json:"latency_p50_ms"`
	LatencyP95Ms    float64 `json:"latency_p95_ms"`
	LatencyP99Ms    float64 `json:"latency_p99_ms"`
	LatencyMaxMs    float64 `json:"latency_max_ms"`
	// CI holds the 95 % intervals of the rates and latency percentiles (stats.Level).
	CI *Intervals `json:"ci,omitempty"`
}

// Intervals are the 95 % confidence intervals of one slice's figures: Wilson for the
// proportions, a seeded bootstrap (Config.Seed) for F1 and the latency percentiles. A rate
// without a denominator has [0, 1]; percentiles without TPs are left out.
type Intervals struct {
	Precision     stats.Interval  `json:"precision"`
	Recall        stats.Interval  `json:"recall"`
	F1            stats.Interval  `json:"f1"`
	PlateAccuracy stats.Interval  `json:"plate_accuracy"`
	LatencyP50Ms  *stats.Interval `json:"latency_p50_ms,omitempty"`
	LatencyP95Ms  *stats.Interval `json:"latency_p95_ms,omitempty"`
	LatencyP99Ms  *stats.Interval `json:"latency_p99_ms,omitempty"`
}

// Delivery sums the frames delivered to one camera's viewer.
type Delivery struct {
	Frames int64 `json:"frames"`
	Bytes  int64 `json:"bytes"`
	Late   int64 `json:"late"`
	// OnTime is the 95 % Wilson interval of the share of frames delivered on time.
	OnTime *stats.Interval `json:"on_time_ci,omitempty"`
}

// withInterval sets OnTime from the counts.
func (d Delivery) withInterval() Delivery {
	if d.Frames > 0 {
		iv := stats.Wilson(int(d.Frames-d.Late), int(d.Frames))
		d.OnTime = &iv
	} else {
		d.OnTime = nil
	}
	return d
}

// Percentiles come from HdrHistogram and are the highest value equivalent to the true one
// (an upper bound, never an underestimate): exact below 2,048 ms overall and 256 ms in
// slices, within 0.1% overall and 1% in slices above. Means and maxima are exact.
//
// Histogram range: latency and time error are recorded in milliseconds up to one hour
// (larger values are counted at the top), with 3 significant digits for the overall figures
// and 2 for slices (a slice histogram is ~10x smaller; there may be thousands of cameras).
const histMaxMs = 3_600_000

// group counts the matches of one slice of the score (overall, a type, a camera, a condition).
type group struct {
	tp, fp, fn, dup, plates, platesOK int
	latency, timeErr                  *hdrhistogram.Histogram
	latSum, errSum                    time.Duration // exact, so the order of adding does not matter
	latMax, errMax                    time.Duration
}

func newGroup(digits int) *group {
	return &group{latency: hdrhistogram.New(1, histMaxMs, digits), timeErr: hdrhistogram.New(1, histMaxMs, digits)}
}

func ms(d time.Duration) int64 {
	v := d.Milliseconds()
	if d%time.Millisecond != 0 && d > 0 {
		v++ // round sub-millisecond values up so 0.4 ms is not reported as 0
	}
	return min(max(v, 0), histMaxMs)
}

func (s *group) add(m *Match) {
	switch m.Outcome {
	case TP:
		s.tp++
		if m.PlateOK != PlateNA {
			s.plates++
			if m.PlateOK == PlateRight {
				s.platesOK++
			}
		}
		e := m.TimeError
		if e < 0 {
			e = -e
		}
		lat := max(m.Latency, 0)
		_ = s.timeErr.RecordValue(ms(e))
		_ = s.latency.RecordValue(ms(lat))
		s.errSum += e
		s.latSum += lat
		s.latMax = max(s.latMax, lat)
		s.errMax = max(s.errMax, e)
	case FN:
		s.fn++
	case FP:
		s.fp++
	case Dup:
		s.dup++
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// intervals computes the slice's 95 % intervals; key names the slice's random stream.
func (s *group) intervals(seed uint64, key string, m *Metrics) *Intervals {
	iv := &Intervals{Precision: stats.Wilson(s.tp, s.tp+s.fp), Recall: stats.Wilson(s.tp, s.tp+s.fn),
		PlateAccuracy: stats.Wilson(s.platesOK, s.plates)}
	r := stats.Rand(seed, key)
	iv.F1 = stats.F1(r, s.tp, s.fp, s.fn)
	if s.tp > 0 {
		var d stats.Dist
		lm := float64(ms(s.latMax))
		for _, b := range s.latency.Distribution() {
			if b.Count > 0 {
				d.Values, d.Counts = append(d.Values, min(float64(b.To), lm)), append(d.Counts, b.Count)
			}
		}
		q := func(p float64, point float64) *stats.Interval {
			x := stats.Quantile(r, d, p)
			x.Lo, x.Hi = min(x.Lo, point), max(x.Hi, point) // the histogram's point estimate stays inside
			return &x
		}
		iv.LatencyP50Ms, iv.LatencyP95Ms, iv.LatencyP99Ms = q(0.50, m.LatencyP50Ms), q(0.95, m.LatencyP95Ms), q(0.99, m.LatencyP99Ms)
	}
	return iv
}

func (s *group) metrics() Metrics {
	m := Metrics{TP: s.tp, FP: s.fp, FN: s.fn, Duplicates: s.dup, Plates: s.plates, PlatesOK: s.platesOK}
	m.Precision = round(ratio(s.tp, s.tp+s.fp))
	m.Recall = round(ratio(s.tp, s.tp+s.fn))
	m.F1 = round(ratio(2*s.tp, 2*s.tp+s.fp+s.fn))
	m.PlateAccuracy = round(ratio(s.platesOK, s.plates))
	if s.tp > 0 {
		m.TimeErrorMeanMs = round(float64(s.errSum) / 1e6 / float64(s.tp))
		m.LatencyMeanMs = round(float64(s.latSum) / 1e6 / float64(s.tp))
		// A histogram's upper bound can pass the exact maximum: never report more than it.
		em, lm := float64(ms(s.errMax)), float64(ms(s.latMax))
		m.TimeErrorP95Ms = min(float64(s.timeErr.ValueAtQuantile(95)), em)
		m.LatencyP50Ms = min(float64(s.latency.ValueAtQuantile(50)), lm)
		m.LatencyP95Ms = min(float64(s.latency.ValueAtQuantile(95)), lm)
		m.LatencyP99Ms = min(float64(s.latency.ValueAtQuantile(99)), lm)
		m.LatencyMaxMs = round(float64(s.latMax) / 1e6)
	}
	return m
}

// tally accumulates matches into slices; the same code serves batch and live scoring.
type tally struct {
	truths, events, invalid, late int
	warmUp, afterEnd              int // truths cut (Config.Cuts)
	overall                       *group
	byType, byCamera, byCond      map[string]*group
	delivery                      map[string]Delivery
	memo                          [5]memo // last slice of type, camera and the 3 conditions
}

// memo remembers the last slice looked up: matches come grouped by camera and type, so most
// lookups hit it and skip the map.
type memo struct {
	key string
	s   *group
}

func (t *tally) groupOf(i int, m map[string]*group, k string) *group {
	if mm := &t.memo[i]; mm.s != nil && mm.key == k {
		return mm.s
	}
	s := get(m, k)
	t.memo[i] = memo{k, s}
	return s
}

func newTally() *tally {
	return &tally{overall: newGroup(3), byType: map[string]*group{}, byCamera: map[string]*group{},
		byCond: map[string]*group{}, delivery: map[string]Delivery{}}
}

func get(m map[string]*group, k string) *group {
	s := m[k]
	if s == nil {
		s = newGroup(2)
		m[k] = s
	}
	return s
}

func (t *tally) add(m *Match) {
	switch m.Outcome {
	case TP:
		t.truths++
		t.events++
	case FN:
		t.truths++
	case FP:
		t.events++
		if m.Late {
			t.late++
		}
	}
	t.overall.add(m)
	t.groupOf(0, t.byType, string(m.Type)).add(m)
	t.groupOf(1, t.byCamera, m.Camera).add(m)
	for i, c := range m.Conditions() {
		t.groupOf(2+i, t.byCond, c).add(m)
	}
}

func (t *tally) addDelivery(d Delivery, camera string) {
	x := t.delivery[camera]
	x.Frames += d.Frames
	x.Bytes += d.Bytes
	x.Late += d.Late
	t.delivery[camera] = x
}

func (t *tally) score(cfg Config, ci bool) Score {
	s := Score{WindowMs: float64(cfg.Window) / 1e6, Truths: t.truths, Events: t.events, Invalid: t.invalid,
		Late: t.late, WarmUpTruths: t.warmUp, AfterEndTruths: t.afterEnd, Overall: t.overall.metrics(), ByType: map[string]Metrics{}, ByCamera: map[string]Metrics{},
		ByCondition: map[string]Metrics{}}
	seed := cfg.seed()
	if ci {
		s.Seed = seed
		s.Overall.CI = t.overall.intervals(seed, "overall", &s.Overall)
	}
	put := func(dst map[string]Metrics, src map[string]*group, prefix string) {
		for k, v := range src {
			m := v.metrics()
			if ci {
				m.CI = v.intervals(seed, prefix+k, &m)
			}
			dst[k] = m
		}
	}
	put(s.ByType, t.byType, "type:")
	put(s.ByCamera, t.byCamera, "camera:")
	put(s.ByCondition, t.byCond, "condition:")
	if len(t.delivery) > 0 {
		s.Delivery = map[string]Delivery{}
		for k, v := range t.delivery {
			s.Delivery[k] = v.withInterval()
		}
	}
	return s
}
