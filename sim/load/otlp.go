package load

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/trafficsim/trafficsim/results/threshold"
)

// otlpOutput sends the samples as OpenTelemetry metrics over OTLP/HTTP (protobuf): counters
// as sums, gauges as gauges, trends and rates as histograms, every metric with the
// trafficsim_ prefix and its tags as attributes; exported every 5 s and at the end.
type otlpOutput struct {
	url      string
	provider *sdkmetric.MeterProvider
	meter    metric.Meter
	counters map[string]metric.Float64Counter
	gauges   map[string]metric.Float64Gauge
	hists    map[string]metric.Float64Histogram
}

// newOTLP exports to url (http://HOST:4318; the path /v1/metrics is added), or else to
// OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT, or http://localhost:4318.
func newOTLP(url string) (Output, error) {
	ctx := context.Background()
	opts := []otlpmetrichttp.Option{otlpmetrichttp.WithTimeout(10 * time.Second)}
	if url != "" {
		opts = append(opts, otlpmetrichttp.WithEndpointURL(url+"/v1/metrics"))
	} else if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") == "" {
		opts = append(opts, otlpmetrichttp.WithEndpointURL("http://localhost:4318/v1/metrics"))
	}
	exp, err := otlpmetrichttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("--out opentelemetry: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "trafficsim"))
	p := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(5*time.Second), sdkmetric.WithTimeout(10*time.Second))))
	return &otlpOutput{url: url, provider: p, meter: p.Meter("github.com/trafficsim/trafficsim/sim/load"),
		counters: map[string]metric.Float64Counter{}, gauges: map[string]metric.Float64Gauge{}, hists: map[string]metric.Float64Histogram{}}, nil
}

func (o *otlpOutput) Name() string { return "opentelemetry=" + o.url }

func (o *otlpOutput) Add(ss []Sample) error {
	ctx := context.Background()
	for _, s := range ss {
		def := Metrics[s.Metric]
		name := Prefix + s.Metric
		attrs := metric.WithAttributes(tagAttrs(s.Tags)...)
		switch def.Kind {
		case threshold.Counter:
			c, ok := o.counters[name]
			if !ok {
				var err error
				if c, err = o.meter.Float64Counter(name, metric.WithDescription(def.Help), metric.WithUnit(def.Unit)); err != nil {
					return err
				}
				o.counters[name] = c
			}
			c.Add(ctx, s.Value, attrs)
		case threshold.Gauge:
			g, ok := o.gauges[name]
			if !ok {
				var err error
				if g, err = o.meter.Float64Gauge(name, metric.WithDescription(def.Help), metric.WithUnit(def.Unit)); err != nil {
					return err
				}
				o.gauges[name] = g
			}
			g.Record(ctx, s.Value, attrs)
		default:
			h, ok := o.hists[name]
			if !ok {
				var err error
				if h, err = o.meter.Float64Histogram(name, metric.WithDescription(def.Help), metric.WithUnit(def.Unit)); err != nil {
					return err
				}
				o.hists[name] = h
			}
			h.Record(ctx, s.Value, attrs)
		}
	}
	return nil
}

func (o *otlpOutput) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return o.provider.Shutdown(ctx) // flushes what is left
}

func tagAttrs(tags map[string]string) []attribute.KeyValue {
	ks := make([]string, 0, len(tags))
	for k := range tags {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	kv := make([]attribute.KeyValue, len(ks))
	for i, k := range ks {
		kv[i] = attribute.String(k, tags[k])
	}
	return kv
}
