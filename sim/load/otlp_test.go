package load

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// The opentelemetry output speaks OTLP/HTTP: a receiver decoding ExportMetricsServiceRequest
// protobufs gets each kind of metric with the trafficsim_ prefix and the tags as attributes.
func TestOTLPOutputReachesAnOTLPReceiver(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{} // name -> kind and attributes seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req colmetrics.ExportMetricsServiceRequest
		if r.URL.Path != "/v1/metrics" || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(b, &req) != nil {
			t.Errorf("bad export: %s %s", r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "bad", 400)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					switch d := m.Data.(type) {
					case *colmetricsSum:
						for _, p := range d.Sum.DataPoints {
							got[m.Name] = "sum " + attrString(p.Attributes) + " " + ftoa(p.GetAsDouble())
						}
					case *colmetricsGauge:
						for _, p := range d.Gauge.DataPoints {
							got[m.Name] = "gauge " + attrString(p.Attributes) + " " + ftoa(p.GetAsDouble())
						}
					case *colmetricsHistogram:
						for _, p := range d.Histogram.DataPoints {
							got[m.Name] = "histogram " + attrString(p.Attributes) + " count " + ftoa(float64(p.Count))
						}
					}
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(nil)
	}))
	defer srv.Close()
	o, err := ParseOutput("opentelemetry=" + srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = o.Add([]Sample{
		{Metric: "frames_delivered", Tags: map[string]string{"camera": "cam-001"}, Value: 25, Time: now},
		{Metric: "frames_delivered", Tags: map[string]string{"camera": "cam-001"}, Value: 24, Time: now},
		{Metric: "cameras", Tags: map[string]string{"scenario": "knee"}, Value: 10, Time: now},
		{Metric: "latency", Tags: map[string]string{"type": "red_light"}, Value: 1800, Time: now},
		{Metric: "latency", Tags: map[string]string{"type": "red_light"}, Value: 2200, Time: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]string{
		"trafficsim_frames_delivered": "sum camera=cam-001 49",
		"trafficsim_cameras":          "gauge scenario=knee 10",
		"trafficsim_latency":          "histogram type=red_light count 2",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
