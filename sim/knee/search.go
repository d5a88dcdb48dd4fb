package knee

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/trafficsim/trafficsim/results/capacity"
)

// Limit names.
const (
	FramesLost = "frames_lost"
	Latency    = "latency_p95"
	F1Drop     = "f1_drop"
	EventLoss  = "event_loss"
)

// Limits a device must hold at a camera count.
type Limits struct {
	// FramesLost is the largest share of frames the farm may fail to deliver because the device
	// fell behind [0.001].
	FramesLost float64 `json:"frames_lost"`
	// LatencyP95 is the largest p95 of received-at-center minus truth time [2m: the regulation's
	// precedent for forwarding data].
	LatencyP95 time.Duration `json:"latency_p95_ns"`
	// F1Drop is how far overall F1 may fall below its value at the lowest count [0.1].
	F1Drop float64 `json:"f1_drop"`
	// EventLoss is the largest share of the device's events that may not reach the center by
	// the end of a step [0.001].
	EventLoss float64 `json:"event_loss"`
	// MinTruths is how many truths a step needs before its F1 is judged [20].
	MinTruths int `json:"min_truths"`
}

func (l *Limits) defaults() {
	if l.FramesLost == 0 {
		l.FramesLost = 0.001
	}
	if l.LatencyP95 == 0 {
		l.LatencyP95 = 2 * time.Minute
	}
	if l.F1Drop == 0 {
		l.F1Drop = 0.1
	}
	if l.EventLoss == 0 {
		l.EventLoss = 0.001
	}
	if l.MinTruths == 0 {
		l.MinTruths = 20
	}
}

// Step is one measured camera count.
type Step struct {
	Cameras      int     `json:"cameras"`
	FramesSent   int64   `json:"frames_sent"`
	FramesLost   int64   `json:"frames_lost"` // frames owed after the settle time but not delivered (the device fell behind)
	LatencyP95Ms float64 `json:"latency_p95_ms"`
	Truths       int     `json:"truths"`
	F1           float64 `json:"f1"`
	// EventsQueued and EventsSent are the device's own counts (-1 when the device cannot say,
	// e.g. a vendor's box); EventsReceived the center's.
	EventsQueued   int64 `json:"events_queued"`
	EventsSent     int64 `json:"events_sent"`
	EventsReceived int64 `json:"events_received"`
	// Costs of the whole device at this count (CPU and memory only where measurable: -1 else).
	CPUCores     float64       `json:"cpu_cores"`
	MemMB        float64       `json:"mem_mb"`
	MbpsIn       float64       `json:"mbps_in"`
	EventsPerSec float64       `json:"events_per_s"`
	EventBytes   float64       `json:"bytes_per_event"`
	Played       time.Duration `json:"played_ns"`
	Dir          string        `json:"dir,omitempty"`
	Broken       []string      `json:"broken,omitempty"`
}

// FramesLostShare is the share of frames the farm could not deliver.
func (s Step) FramesLostShare() float64 {
	if s.FramesSent+s.FramesLost == 0 {
		return 0
	}
	return float64(s.FramesLost) / float64(s.FramesSent+s.FramesLost)
}

// EventLossShare is the share of the device's queued events not sent by the end of the step.
func (s Step) EventLossShare() float64 {
	if s.EventsQueued <= 0 || s.EventsSent < 0 {
		return 0
	}
	return float64(max(0, s.EventsQueued-s.EventsSent)) / float64(s.EventsQueued)
}

// judge lists the limits a step breaks; base is the step at the lowest count (its F1 is the
// reference; a step is not judged against itself for F1).
func (l Limits) judge(s Step, base *Step) []string {
	var out []string
	if s.FramesLostShare() > l.FramesLost {
		out = append(out, FramesLost)
	}
	if s.LatencyP95Ms > float64(l.LatencyP95.Milliseconds()) {
		out = append(out, Latency)
	}
	if base != nil && base.Truths >= l.MinTruths && s.Truths >= l.MinTruths && s.F1 < base.F1-l.F1Drop {
		out = append(out, F1Drop)
	}
	if s.EventLossShare() > l.EventLoss {
		out = append(out, EventLoss)
	}
	return out
}

// Config configures a search.
type Config struct {
	// Start is the first camera count [1]; Max the largest tried [64].
	Start, Max int
	// Resolution ends the bisection when the last good and first bad counts are this close [1].
	Resolution int
	Limits     Limits
	// Measure runs one step of n cameras. Required.
	Measure func(ctx context.Context, n int) (Step, error)
	// Logf reports each step [discarded].
	Logf func(format string, args ...any)
}

// Result is the outcome of a search.
type Result struct {
	Limits Limits `json:"limits"`
	Steps  []Step `json:"steps"` // in the order measured
	// Knee is the largest count at which every limit held, below the first count that broke one
	// (0: even Start broke; Max when nothing broke).
	Knee int `json:"knee"`
	// Limit names the limits broken at the smallest broken count ("" when none broke).
	Limit string `json:"limit,omitempty"`
	// PerLimit is, per limit that broke, the largest count below the first count that broke it.
	PerLimit map[string]int `json:"per_limit"`
}

// AtKnee is the step measured at the knee (nil when the knee is 0).
func (r *Result) AtKnee() *Step {
	for i := range r.Steps {
		if r.Steps[i].Cameras == r.Knee {
			return &r.Steps[i]
		}
	}
	return nil
}

// Search doubles the camera count from Start until a limit breaks or Max is reached, then
// bisects between the last count that held and the first that broke.
func Search(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Measure == nil {
		return nil, errors.New("knee: Measure is required")
	}
	if cfg.Start == 0 {
		cfg.Start = 1
	}
	if cfg.Max == 0 {
		cfg.Max = 64
	}
	if cfg.Resolution == 0 {
		cfg.Resolution = 1
	}
	if cfg.Start < 1 || cfg.Max < cfg.Start || cfg.Resolution < 1 {
		return nil, fmt.Errorf("knee: want 1 <= start (%d) <= max (%d) and resolution (%d) >= 1", cfg.Start, cfg.Max, cfg.Resolution)
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	cfg.Limits.defaults()
	res := &Result{Limits: cfg.Limits, PerLimit: map[string]int{}}
	var base *Step
	step := func(n int) (bool, error) {
		s, err := cfg.Measure(ctx, n)
		if err != nil {
			return false, fmt.Errorf("knee: %d cameras: %w", n, err)
		}
		s.Cameras = n
		s.Broken = cfg.Limits.judge(s, base)
		res.Steps = append(res.Steps, s)
		if base == nil {
			base = &res.Steps[0]
		}
		cfg.Logf("knee: %d cameras: frames lost %.2f %%, latency p95 %.0f ms, F1 %.3f (%d truths), CPU %.2f cores: %s",
			n, 100*s.FramesLostShare(), s.LatencyP95Ms, s.F1, s.Truths, s.CPUCores, verdict(s.Broken))
		return len(s.Broken) == 0, nil
	}
	good, bad := 0, 0
	for n := cfg.Start; ; n = min(cfg.Max, 2*n) {
		ok, err := step(n)
		if err != nil {
			return res, err
		}
		if !ok {
			bad = n
			break
		}
		good = n
		if n >= cfg.Max {
			break
		}
	}
	for bad > 0 && bad-good > cfg.Resolution && ctx.Err() == nil {
		mid := (good + bad) / 2
		ok, err := step(mid)
		if err != nil {
			return res, err
		}
		if ok {
			good = mid
		} else {
			bad = mid
		}
	}
	res.Knee = good
	res.summarise(bad)
	return res, ctx.Err()
}

// summarise fills Limit and PerLimit from the steps.
func (r *Result) summarise(bad int) {
	firstBroken := map[string]int{}
	for _, s := range r.Steps {
		for _, l := range s.Broken {
			if v, ok := firstBroken[l]; !ok || s.Cameras < v {
				firstBroken[l] = s.Cameras
			}
		}
	}
	var at []string
	for l, n := range firstBroken {
		held := 0
		for _, s := range r.Steps {
			if s.Cameras < n && !slices.Contains(s.Broken, l) {
				held = max(held, s.Cameras)
			}
		}
		r.PerLimit[l] = held
		if n == bad {
			at = append(at, l)
		}
	}
	slices.Sort(at)
	for i, l := range at {
		if i > 0 {
			r.Limit += ","
		}
		r.Limit += l
	}
}

func verdict(broken []string) string {
	if len(broken) == 0 {
		return "held"
	}
	return fmt.Sprintf("broke %v", broken)
}

// ForPlan is the search's outcome for the capacity plan: the knee and the per-camera costs there.
func (r *Result) ForPlan(device string, cores int) capacity.Knee {
	k := capacity.Knee{Device: device, CamerasPerDevice: r.Knee, Limit: r.Limit, Cores: cores}
	if s := r.AtKnee(); s != nil {
		k.PerCamera = s.PerCamera()
	}
	return k
}

// PerCamera divides the step's costs by its cameras (CPU and memory stay -1 when not measured).
func (s Step) PerCamera() capacity.Costs {
	n := float64(max(s.Cameras, 1))
	per := func(v float64) float64 {
		if v < 0 {
			return -1
		}
		return v / n
	}
	return capacity.Costs{CPUCores: per(s.CPUCores), MemMB: per(s.MemMB), MbpsIn: s.MbpsIn / n, EventsPerSec: s.EventsPerSec / n, EventBytes: s.EventBytes}
}

// Measured is the step's own figures in the form a prediction takes.
func (s Step) Measured() capacity.Prediction {
	return capacity.Prediction{CPUCores: s.CPUCores, MbpsIn: s.MbpsIn, EventsPerSec: s.EventsPerSec, UplinkMbps: s.EventsPerSec * s.EventBytes * 8 / 1e6}
}
