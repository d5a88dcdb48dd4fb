package center

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/trafficsim/trafficsim/sim/center/wal"
	"github.com/trafficsim/trafficsim/wire"
)

// Transports: the values of the transport label.
const (
	TransportHTTP = "http"
	TransportNATS = "nats"
)

// metrics are the center's Prometheus metrics, on a registry of its own (several centers may
// run in one process).
type metrics struct {
	reg          *prometheus.Registry   // everything: the truth listener
	devReg       *prometheus.Registry   // event counts only: the device listener
	accepted     *prometheus.CounterVec // transport
	duplicate    *prometheus.CounterVec // transport
	refused      *prometheus.CounterVec // transport, reason
	invalidField *prometheus.CounterVec // transport, field
	truth        *prometheus.CounterVec // transport, kind
	truthDup     *prometheus.CounterVec // transport, kind
	commit       prometheus.Histogram
	natsErrors   prometheus.Counter
}

func newMetrics(logStats func() wal.Stats) *metrics {
	const ns = "trafficsim_center_"
	m := &metrics{
		reg: prometheus.NewRegistry(),
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "events_accepted_total",
			Help: "Events accepted (stored and scored), by transport."}, []string{"transport"}),
		duplicate: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "events_duplicate_total",
			Help: "Events whose event_id was already accepted, by transport."}, []string{"transport"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "refused_total",
			Help: "Refused requests (HTTP) or messages (NATS), by transport and reason."}, []string{"transport", "reason"}),
		invalidField: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "invalid_field_total",
			Help: "Refusals naming a field of an event (bad_json or invalid), by transport and field; other for unknown fields."},
			[]string{"transport", "field"}),
		truth: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "truth_accepted_total",
			Help: "Truth items accepted, by transport and kind (violation, fault, delivery)."}, []string{"transport", "kind"}),
		truthDup: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "truth_duplicate_total",
			Help: "Truth items already accepted, by transport and kind."}, []string{"transport", "kind"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: ns + "http_commit_seconds",
			Help:    "Time from an accepted HTTP request's arrival to its records being on disk.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)}),
		natsErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "nats_client_errors_total",
			Help: "Asynchronous errors of the center's NATS connections (e.g. slow consumer)."}),
	}
	m.reg.MustRegister(m.accepted, m.duplicate, m.refused, m.invalidField, m.truth, m.truthDup, m.commit, m.natsErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: ns + "log_fsyncs_total", Help: "fsync calls of the append-only log."},
			func() float64 { return float64(logStats().Syncs) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: ns + "log_bytes_total", Help: "Bytes written to the append-only log since start."},
			func() float64 { return float64(logStats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: ns + "log_replayed_records", Help: "Records read back from the log at start."},
			func() float64 { return float64(logStats().Replayed) }),
	)
	m.devReg = prometheus.NewRegistry()
	m.devReg.MustRegister(m.accepted, m.duplicate, m.refused, m.invalidField, m.commit)
	return m
}

// fieldLabel bounds the field label to the known names.
func fieldLabel(f string) string {
	if wire.IsEventField(f) || f == wire.PartEvidence || f == wire.PartEvent {
		return f
	}
	return "other"
}

func (m *metrics) refuse(transport string, e *wire.RequestError) {
	m.refused.WithLabelValues(transport, e.Reason).Inc()
	if e.Field != "" && (e.Reason == wire.ReasonBadJSON || e.Reason == wire.ReasonInvalid || e.Reason == wire.ReasonBadMultipart) {
		m.invalidField.WithLabelValues(transport, fieldLabel(e.Field)).Inc()
	}
}
