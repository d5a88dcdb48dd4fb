package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/trafficsim/trafficsim/results/threshold"
)

// Output receives every sample of a run, from the aggregation loop only (k6's --out).
type Output interface {
	Name() string
	Add(samples []Sample) error
	Close() error
}

// ParseOutput makes an output from k6's --out form: json=FILE, csv=FILE, prometheus-rw=URL,
// opentelemetry[=URL].
func ParseOutput(spec string) (Output, error) {
	kind, arg, _ := strings.Cut(spec, "=")
	switch kind {
	case "json":
		if arg == "" {
			return nil, fmt.Errorf("--out %s: want json=FILE", spec)
		}
		return newFileOutput(kind, arg)
	case "csv":
		if arg == "" {
			return nil, fmt.Errorf("--out %s: want csv=FILE", spec)
		}
		return newFileOutput(kind, arg)
	case "prometheus-rw":
		if !strings.HasPrefix(arg, "http://") && !strings.HasPrefix(arg, "https://") {
			return nil, fmt.Errorf("--out %s: want prometheus-rw=http(s)://HOST/api/v1/write", spec)
		}
		return &remoteWrite{url: arg, client: &http.Client{Timeout: 10 * time.Second}, series: map[string]*rwSeries{}}, nil
	case "opentelemetry":
		return newOTLP(arg)
	}
	return nil, fmt.Errorf("--out %q: unknown output (want json=FILE, csv=FILE, opentelemetry[=URL] or prometheus-rw=URL)", spec)
}

// fileOutput writes NDJSON points (k6's json output shape) or CSV rows.
type fileOutput struct {
	kind string
	f    *os.File
	w    *bufio.Writer
	c    *csv.Writer
}

func newFileOutput(kind, path string) (*fileOutput, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	o := &fileOutput{kind: kind, f: f, w: bufio.NewWriter(f)}
	if kind == "csv" {
		o.c = csv.NewWriter(o.w)
		o.c.Write([]string{"metric_name", "timestamp", "metric_value", "tags"})
	}
	return o, nil
}

func (o *fileOutput) Name() string { return o.kind + "=" + o.f.Name() }

// jsonPoint is one NDJSON line: {"type":"Point","metric":...,"data":{"time","value","tags"}}.
type jsonPoint struct {
	Type   string `json:"type"`
	Metric string `json:"metric"`
	Data   struct {
		Time  time.Time         `json:"time"`
		Value float64           `json:"value"`
		Tags  map[string]string `json:"tags"`
	} `json:"data"`
}

func (o *fileOutput) Add(ss []Sample) error {
	for _, s := range ss {
		if o.c != nil {
			o.c.Write([]string{Prefix + s.Metric, strconv.FormatInt(s.Time.UnixMilli(), 10), strconv.FormatFloat(s.Value, 'g', -1, 64), tagString(s.Tags)})
			continue
		}
		p := jsonPoint{Type: "Point", Metric: Prefix + s.Metric}
		p.Data.Time, p.Data.Value, p.Data.Tags = s.Time.UTC(), s.Value, s.Tags
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		o.w.Write(append(b, '\n'))
	}
	if o.c != nil {
		o.c.Flush()
		if err := o.c.Error(); err != nil {
			return err
		}
	}
	return o.w.Flush()
}

func (o *fileOutput) Close() error {
	err := o.w.Flush()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// tagString is k=v&k=v, sorted.
func tagString(tags map[string]string) string {
	ks := make([]string, 0, len(tags))
	for k := range tags {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var b strings.Builder
	for i, k := range ks {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + tags[k])
	}
	return b.String()
}

// remoteWrite pushes Prometheus remote write 1.0: a snappy-compressed protobuf WriteRequest
// per tick. Counters go as cumulative _total series, gauges as their value, rates as the
// running rate, trends as cumulative p(95), avg, max and count series (k6's trend stats).
type remoteWrite struct {
	url    string
	client *http.Client
	series map[string]*rwSeries
}

type rwSeries struct {
	name   string
	labels map[string]string
	kind   threshold.Kind
	sink   *threshold.Sink
	start  time.Time
	last   time.Time
	dirty  bool
}

func (o *remoteWrite) Name() string { return "prometheus-rw=" + o.url }

func (o *remoteWrite) Add(ss []Sample) error {
	for _, s := range ss {
		k := s.Metric + "{" + tagString(s.Tags) + "}"
		se := o.series[k]
		if se == nil {
			def := Metrics[s.Metric]
			se = &rwSeries{name: Prefix + s.Metric, labels: s.Tags, kind: def.Kind, sink: threshold.NewSink(def.Kind), start: s.Time}
			o.series[k] = se
		}
		se.sink.Add(s.Value)
		se.last, se.dirty = s.Time, true
	}
	return o.push()
}

// rwPoint is one series point to write.
type rwPoint struct {
	name   string
	labels map[string]string
	value  float64
	ms     int64
}

func (o *remoteWrite) push() error {
	var pts []rwPoint
	keys := make([]string, 0, len(o.series))
	for k := range o.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		se := o.series[k]
		if !se.dirty {
			continue
		}
		se.dirty = false
		ms := se.last.UnixMilli()
		val := func(a threshold.Agg) float64 { v, _ := se.sink.Value(a, se.last.Sub(se.start)); return v }
		switch se.kind {
		case threshold.Counter:
			pts = append(pts, rwPoint{se.name + "_total", se.labels, val(threshold.Agg{Name: "count"}), ms})
		case threshold.Gauge:
			pts = append(pts, rwPoint{se.name, se.labels, val(threshold.Agg{Name: "value"}), ms})
		case threshold.Rate:
			pts = append(pts, rwPoint{se.name + "_rate", se.labels, val(threshold.Agg{Name: "rate"}), ms})
		case threshold.Trend:
			pts = append(pts,
				rwPoint{se.name + "_p95", se.labels, val(threshold.Agg{Name: "p", P: 95}), ms},
				rwPoint{se.name + "_avg", se.labels, val(threshold.Agg{Name: "avg"}), ms},
				rwPoint{se.name + "_max", se.labels, val(threshold.Agg{Name: "max"}), ms},
				rwPoint{se.name + "_count", se.labels, float64(se.sink.Count()), ms})
		}
	}
	if len(pts) == 0 {
		return nil
	}
	body := snappy.Encode(nil, EncodeWriteRequest(pts))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := o.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("remote write: %s", resp.Status)
	}
	return nil
}

func (o *remoteWrite) Close() error { return nil }

// EncodeWriteRequest encodes prometheus.WriteRequest (remote write 1.0):
// WriteRequest{timeseries=1}, TimeSeries{labels=1, samples=2}, Label{name=1, value=2},
// Sample{value=1 double, timestamp=2 int64 ms}. Labels are sorted, __name__ first.
func EncodeWriteRequest(pts []rwPoint) []byte {
	var out []byte
	for _, p := range pts {
		var ts []byte
		label := func(n, v string) {
			var l []byte
			l = protowire.AppendTag(l, 1, protowire.BytesType)
			l = protowire.AppendString(l, n)
			l = protowire.AppendTag(l, 2, protowire.BytesType)
			l = protowire.AppendString(l, v)
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, l)
		}
		label("__name__", p.name)
		ks := make([]string, 0, len(p.labels))
		for k := range p.labels {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			label(k, p.labels[k])
		}
		var smp []byte
		smp = protowire.AppendTag(smp, 1, protowire.Fixed64Type)
		smp = protowire.AppendFixed64(smp, mathFloat64bits(p.value))
		smp = protowire.AppendTag(smp, 2, protowire.VarintType)
		smp = protowire.AppendVarint(smp, uint64(p.ms))
		ts = protowire.AppendTag(ts, 2, protowire.BytesType)
		ts = protowire.AppendBytes(ts, smp)
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, ts)
	}
	return out
}

func mathFloat64bits(f float64) uint64 { return math.Float64bits(f) }

func mathFloat64frombits(b uint64) float64 { return math.Float64frombits(b) }
