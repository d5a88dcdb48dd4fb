package cluster

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves GET /metrics: the Stats counters as trafficsim_cluster_*, on a
// registry of the cluster's own (several clusters may run in one process).
func (c *Cluster) metricsHandler() http.Handler {
	const ns = "trafficsim_cluster_"
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{"cluster": c.cfg.ID}
	counter := func(name, help string, v func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: ns + name, Help: help, ConstLabels: labels}, v))
	}
	gauge := func(name, help string, v func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: ns + name, Help: help, ConstLabels: labels}, v))
	}
	counter("events_received_total", "Events stored in the cluster's stream (new event_ids).", func() float64 { return float64(c.received.Load()) })
	counter("events_duplicate_total", "Events posted again within the stream's duplicate window.", func() float64 { return float64(c.duplicate.Load()) })
	counter("refused_total", "Refused requests and NATS messages.", func() float64 { return float64(c.refused.Load()) })
	counter("events_forwarded_total", "Events the center acknowledged.", func() float64 { return float64(c.forwarded.Load()) })
	counter("forward_errors_total", "Failed publish attempts to the center (retried).", func() float64 { return float64(c.forwardErrs.Load()) })
	counter("evidence_files_total", "Evidence JPEG files written.", func() float64 { return float64(c.evidenceFiles.Load()) })
	gauge("events_pending", "Events stored and not yet acknowledged by the center.", func() float64 { return float64(c.Stats().Pending) })
	gauge("uplink_up", "1 while the leaf node (or external NATS) connection is up.", func() float64 {
		if c.Stats().UplinkUp {
			return 1
		}
		return 0
	})
	c.vendorMetrics(reg, ns, labels)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
