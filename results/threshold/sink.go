package threshold

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Sink aggregates the samples of one metric (one selector). It is not safe for concurrent use:
// one loop owns it.
type Sink struct {
	Kind    Kind
	n       int
	sum     float64
	min     float64
	max     float64
	last    float64
	nonzero int
	values  []float64 // trend samples
	sorted  bool
}

// NewSink returns an empty sink of kind k.
func NewSink(k Kind) *Sink { return &Sink{Kind: k, min: math.Inf(1), max: math.Inf(-1)} }

// Add adds a sample.
func (s *Sink) Add(v float64) {
	s.n++
	s.sum += v
	s.min, s.max, s.last = min(s.min, v), max(s.max, v), v
	if v != 0 {
		s.nonzero++
	}
	if s.Kind == Trend {
		s.values = append(s.values, v)
		s.sorted = false
	}
}

// Count is the number of samples.
func (s *Sink) Count() int { return s.n }

// Value returns an aggregate; elapsed is the time the samples span (a counter's rate is per
// second over it). An empty sink is 0 for every aggregate, as in k6.
func (s *Sink) Value(a Agg, elapsed time.Duration) (float64, error) {
	if err := (Expr{Agg: a, Source: a.String()}).Check(s.Kind); err != nil {
		return 0, err
	}
	if s.n == 0 {
		return 0, nil
	}
	switch a.Name {
	case "count":
		if s.Kind == Counter {
			return s.sum, nil
		}
		return float64(s.n), nil
	case "rate":
		if s.Kind == Rate {
			return float64(s.nonzero) / float64(s.n), nil
		}
		if elapsed <= 0 {
			return 0, nil
		}
		return s.sum / elapsed.Seconds(), nil
	case "value":
		return s.last, nil
	case "min":
		return s.min, nil
	case "max":
		return s.max, nil
	case "avg":
		return s.sum / float64(s.n), nil
	case "med":
		return s.percentile(50), nil
	case "p":
		return s.percentile(a.P), nil
	}
	return 0, fmt.Errorf("unknown aggregation %q", a)
}

// percentile interpolates linearly between the closest ranks (k6's method).
func (s *Sink) percentile(p float64) float64 {
	if !s.sorted {
		slices.Sort(s.values)
		s.sorted = true
	}
	v := s.values
	if len(v) == 1 {
		return v[0]
	}
	r := p / 100 * float64(len(v)-1)
	lo := int(math.Floor(r))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (v[lo+1]-v[lo])*(r-float64(lo))
}
