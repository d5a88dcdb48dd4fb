package speed

import (
	"fmt"
	"math"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/stats"
	"github.com/trafficsim/trafficsim/wire"
)

// Tolerance is how far a reading may be from the true speed. The press reports on the draft
// give the range (10-180 km/h) but no tolerance; the defaults are those of legal metrology for
// road speed meters (OIML R 91, as Vietnam's verification procedures for speed guns use them):
// ±3 km/h up to 100 km/h, ±3 % above.
type Tolerance struct {
	Kmh      float64 `yaml:"kmh" json:"kmh"`             // at or below AboveKmh [3]
	Percent  float64 `yaml:"percent" json:"percent"`     // above AboveKmh, of the true speed [3]
	AboveKmh float64 `yaml:"above_kmh" json:"above_kmh"` // [100]
}

// WithDefaults fills zero fields.
func (t Tolerance) WithDefaults() Tolerance {
	if t.Kmh == 0 {
		t.Kmh = 3
	}
	if t.Percent == 0 {
		t.Percent = 3
	}
	if t.AboveKmh == 0 {
		t.AboveKmh = 100
	}
	return t
}

// Allowed is the largest error allowed at a true speed.
func (t Tolerance) Allowed(kmh float64) float64 {
	if kmh <= t.AboveKmh {
		return t.Kmh
	}
	return kmh * t.Percent / 100
}

// String is "±3 km/h to 100 km/h, ±3 % above".
func (t Tolerance) String() string {
	return fmt.Sprintf("±%g km/h to %g km/h, ±%g %% above", t.Kmh, t.AboveKmh, t.Percent)
}

// Bin is the speed check over the speeding truths whose true speed is in [Lo, Hi).
type Bin struct {
	Lo     float64 `json:"lo_kmh"`
	Hi     float64 `json:"hi_kmh"`
	Truths int     `json:"truths"` // speeding truths in the bin
	// Readings are the detected truths (TPs): each is a reading, right when its event carries
	// a speed within tolerance (Within); Unread events carry none, a wrong reading (the draft
	// wants the speed in the record).
	Readings int `json:"readings"`
	Within   int `json:"within"`
	Unread   int `json:"unread,omitempty"`
	// Share is Within/Readings with its 95 % Wilson interval.
	Share float64        `json:"share"`
	CI    stats.Interval `json:"ci"`
	// MeanError is the mean signed error (reading - truth) of the readings with a speed,
	// MaxError the largest |error|, km/h.
	MeanError float64 `json:"mean_error_kmh"`
	MaxError  float64 `json:"max_error_kmh"`
	Status    string  `json:"status"` // conform.Pass, Fail, Insufficient or NoData against Limit
	// More is, for an insufficient sample, how many more readings would decide it at this
	// share; -1 when the share is on the limit.
	More int `json:"more_readings,omitempty"`
}

// Name is "10-52 km/h".
func (b Bin) Name() string { return fmt.Sprintf("%.0f-%.0f km/h", b.Lo, b.Hi) }

// Result is the speed check of a run or suite.
type Result struct {
	MinKmh    float64   `json:"min_kmh"`
	MaxKmh    float64   `json:"max_kmh"`
	Tolerance Tolerance `json:"tolerance"`
	// Limit is the share of readings that must be within tolerance.
	Limit float64 `json:"limit"`
	Bins  []Bin   `json:"bins"`
	All   Bin     `json:"all"` // every speeding truth in the range
	// Outside counts speeding truths outside the range (not judged).
	Outside int `json:"outside_range"`
}

// Score judges the speed readings of the TPs of speeding in matches: bins equal parts of
// [minKmh, maxKmh] (the last one includes maxKmh); a bin passes when the Wilson interval of
// its share within tolerance lies wholly at or above limit. truths and events are those the
// matches were scored from (looked up by camera and id).
func Score(truths []wire.Violation, events []results.Received, matches []results.Match, minKmh, maxKmh float64, bins int, tol Tolerance, limit float64) Result {
	tol = tol.WithDefaults()
	r := Result{MinKmh: minKmh, MaxKmh: maxKmh, Tolerance: tol, Limit: limit, All: Bin{Lo: minKmh, Hi: maxKmh}}
	w := (maxKmh - minKmh) / float64(bins)
	for i := range bins {
		r.Bins = append(r.Bins, Bin{Lo: minKmh + float64(i)*w, Hi: minKmh + float64(i+1)*w})
	}
	key := func(camera, id string) string { return camera + "\x00" + id }
	truthSpeed := map[string]float64{}
	for _, v := range truths {
		if v.Type == wire.Speeding {
			truthSpeed[key(v.Camera, v.ID)] = v.SpeedKmh
		}
	}
	reading := map[string]float64{}
	for _, e := range events {
		if e.Type == wire.Speeding {
			reading[key(e.CameraID, e.EventID)] = e.SpeedKmh
		}
	}
	sumErr := make([]float64, bins+1)
	for _, m := range matches {
		if m.Type != wire.Speeding || m.Outcome != results.TP && m.Outcome != results.FN {
			continue
		}
		kmh, ok := truthSpeed[key(m.Camera, m.TruthID)]
		if !ok || kmh <= 0 {
			continue
		}
		if kmh < minKmh || kmh > maxKmh {
			r.Outside++
			continue
		}
		i := min(int((kmh-minKmh)/w), bins-1)
		for _, b := range []*Bin{&r.Bins[i], &r.All} {
			b.Truths++
		}
		if m.Outcome != results.TP {
			continue
		}
		got := reading[key(m.Camera, m.EventID)]
		for j, b := range []*Bin{&r.Bins[i], &r.All} {
			b.Readings++
			if got <= 0 {
				b.Unread++
				continue
			}
			e := got - kmh
			if math.Abs(e) <= tol.Allowed(kmh)+1e-9 {
				b.Within++
			}
			b.MaxError = max(b.MaxError, math.Abs(e))
			sumErr[[]int{i, bins}[j]] += e
		}
	}
	judge := func(b *Bin, sum float64) {
		if b.Readings == 0 {
			b.Status, b.CI = conform.NoData, stats.Interval{Lo: 0, Hi: 1}
			return
		}
		b.Share = float64(b.Within) / float64(b.Readings)
		if n := b.Readings - b.Unread; n > 0 {
			b.MeanError = math.Round(sum/float64(n)*100) / 100
		}
		b.MaxError = math.Round(b.MaxError*100) / 100
		b.CI = stats.Wilson(b.Within, b.Readings)
		switch {
		case b.CI.Lo >= limit:
			b.Status = conform.Pass
		case b.CI.Hi < limit:
			b.Status = conform.Fail
		default:
			b.Status = conform.Insufficient
			b.More = -1
			if n := stats.WilsonNeeded(b.Share, limit); n > 0 {
				b.More = max(n-b.Readings, 1)
			}
		}
	}
	for i := range r.Bins {
		judge(&r.Bins[i], sumErr[i])
	}
	judge(&r.All, sumErr[bins])
	return r
}

// Status is the speed check's outcome over the bins: fail when a bin fails, pass when every
// bin passes, no data when none has a reading, else insufficient sample.
func (r Result) Status() string {
	st, none := conform.Pass, true
	for _, b := range r.Bins {
		switch b.Status {
		case conform.Fail:
			return conform.Fail
		case conform.NoData:
			st = conform.Insufficient
		case conform.Insufficient:
			st, none = conform.Insufficient, false
		default:
			none = false
		}
	}
	if none {
		return conform.NoData
	}
	return st
}
