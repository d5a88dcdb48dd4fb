package load

import (
	"sort"
	"time"

	"github.com/trafficsim/trafficsim/results/threshold"
)

// Prefix is put before every metric name in outputs (Prometheus, OpenTelemetry, /v1/metrics);
// plans and summaries use the short names.
const Prefix = "trafficsim_"

// MetricDef declares one metric: its kind (k6's), unit and the tags its samples carry.
type MetricDef struct {
	Name string
	Kind threshold.Kind
	Unit string // ms, frames, events, ... ("" for ratios)
	Help string
	Tags []string
}

// Metrics is the one declaration of every metric a load run reports.
var Metrics = map[string]MetricDef{}

func declare(d MetricDef) MetricDef { Metrics[d.Name] = d; return d }

// The metrics, declared once.
var (
	mCameras        = declare(MetricDef{Name: "cameras", Kind: threshold.Gauge, Unit: "cameras", Help: "cameras online (untagged: all scenarios)", Tags: []string{"scenario"}})
	mReaders        = declare(MetricDef{Name: "readers", Kind: threshold.Gauge, Unit: "readers", Help: "probe readers running (untagged: all scenarios)", Tags: []string{"scenario"}})
	mLatency        = declare(MetricDef{Name: "latency", Kind: threshold.Trend, Unit: "ms", Help: "end-to-end latency of a detected violation: received at the center - truth wall time", Tags: []string{"type", "light", "camera"}})
	mTimeError      = declare(MetricDef{Name: "time_error", Kind: threshold.Trend, Unit: "ms", Help: "|event time - truth time| of a detected violation", Tags: []string{"type", "light", "camera"}})
	mDetected       = declare(MetricDef{Name: "detected", Kind: threshold.Rate, Help: "share of scored truths detected (1 per TP, 0 per FN)", Tags: []string{"type", "light", "camera"}})
	mF1             = declare(MetricDef{Name: "f1", Kind: threshold.Gauge, Help: "F1 of the running score", Tags: []string{"type", "light", "weather"}})
	mPrecision      = declare(MetricDef{Name: "precision", Kind: threshold.Gauge, Help: "precision of the running score", Tags: []string{"type", "light", "weather"}})
	mRecall         = declare(MetricDef{Name: "recall", Kind: threshold.Gauge, Help: "recall of the running score", Tags: []string{"type", "light", "weather"}})
	mPlateAccuracy  = declare(MetricDef{Name: "plate_accuracy", Kind: threshold.Gauge, Help: "plates read right / detected violations with a readable plate", Tags: []string{"type"}})
	mEvents         = declare(MetricDef{Name: "events", Kind: threshold.Counter, Unit: "events", Help: "events the center accepted (rate: events/s)"})
	mFramesSent     = declare(MetricDef{Name: "frames_delivered", Kind: threshold.Counter, Unit: "frames", Help: "frames the device decoded", Tags: []string{"camera"}})
	mFramesLost     = declare(MetricDef{Name: "frames_lost", Kind: threshold.Counter, Unit: "frames", Help: "frames the farm skipped because its reader (the device) fell more than 200 ms behind", Tags: []string{"camera"}})
	mPacketsLost    = declare(MetricDef{Name: "packets_lost", Kind: threshold.Counter, Unit: "packets", Help: "RTP packets the reference device saw missing (sequence gaps: farm skips, UDP loss)", Tags: []string{"camera"}})
	mLateness       = declare(MetricDef{Name: "farm_lateness", Kind: threshold.Trend, Unit: "ms", Help: "mean lateness of a camera's frame writes over a second (the device reads too slowly)", Tags: []string{"camera"}})
	mDecodeFPS      = declare(MetricDef{Name: "decode_fps", Kind: threshold.Trend, Unit: "fps", Help: "frames decoded per second per camera", Tags: []string{"camera"}})
	mPending        = declare(MetricDef{Name: "device_pending", Kind: threshold.Gauge, Unit: "events", Help: "events waiting in the devices' edge queues"})
	mClusterPending = declare(MetricDef{Name: "cluster_pending", Kind: threshold.Gauge, Unit: "events", Help: "events stored in the regional clusters of scenarios run via: cluster, not yet acknowledged by the center (0 without)", Tags: []string{"scenario"}})
	mReaderFrames   = declare(MetricDef{Name: "reader_frames", Kind: threshold.Counter, Unit: "frames", Help: "frames the probe readers received", Tags: []string{"scenario", "camera"}})
	mReaderLost     = declare(MetricDef{Name: "reader_packets_lost", Kind: threshold.Counter, Unit: "packets", Help: "RTP packets the probe readers saw missing (sequence gaps)", Tags: []string{"scenario", "camera"}})
	mReaderLateness = declare(MetricDef{Name: "reader_lateness", Kind: threshold.Trend, Unit: "ms", Help: "mean lateness of a probe reader's frames over a second: arrival of a frame's last packet - its RTCP sender-report wall clock", Tags: []string{"scenario", "camera"}})
	mReaderFailures = declare(MetricDef{Name: "reader_failures", Kind: threshold.Counter, Unit: "sessions", Help: "probe reader sessions that failed (refused, unreachable, cut) while their camera was online", Tags: []string{"scenario"}})
	mCPU            = declare(MetricDef{Name: "harness_cpu", Kind: threshold.Counter, Unit: "cpu-s", Help: "CPU time of this process (farm, reference devices, center): rate is cores busy"})
	mIngestErrors   = declare(MetricDef{Name: "center_ingest_errors", Kind: threshold.Counter, Unit: "requests", Help: "requests and messages the center refused"})
)

// MetricNames lists the declared metrics, sorted.
func MetricNames() []string {
	ns := make([]string, 0, len(Metrics))
	for n := range Metrics {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Sample is one measurement.
type Sample struct {
	Metric string
	Tags   map[string]string
	Value  float64
	Time   time.Time
}

// MaxTagValues bounds the distinct values of one tag of one metric; further values are
// reported as "other" (no per-tag explosion in outputs).
const MaxTagValues = 1000

// cardinality bounds tag values per metric and tag key.
type cardinality map[string]map[string]struct{}

func (c cardinality) bound(s *Sample) {
	for k, v := range s.Tags {
		key := s.Metric + "\x00" + k
		seen := c[key]
		if seen == nil {
			seen = map[string]struct{}{}
			c[key] = seen
		}
		if _, ok := seen[v]; ok {
			continue
		}
		if len(seen) >= MaxTagValues {
			s.Tags[k] = "other"
			continue
		}
		seen[v] = struct{}{}
	}
}
