package load

import (
	"strconv"
	"strings"

	common "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

type (
	colmetricsSum       = metricspb.Metric_Sum
	colmetricsGauge     = metricspb.Metric_Gauge
	colmetricsHistogram = metricspb.Metric_Histogram
)

func attrString(kvs []*common.KeyValue) string {
	var s []string
	for _, kv := range kvs {
		s = append(s, kv.Key+"="+kv.Value.GetStringValue())
	}
	return strings.Join(s, ",")
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
