package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/wire"
)

// libDir is a clip library shared by the tests (the 2 s clip is rendered once).
var libDir string

func TestMain(m *testing.M) {
	var err error
	if libDir, err = os.MkdirTemp("", "trafficsim-load-clips-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 0
	if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.RemoveAll(libDir)
	os.Exit(code)
}

func testPlan(t *testing.T, yaml string) *Plan {
	t.Helper()
	p, err := ParsePlan("test.yaml", []byte(yaml+fmt.Sprintf("options:\n  library: %s\n  out: %s\n  tail: 1s\n", libDir, t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rwReceiver is a Prometheus remote-write endpoint: it decodes the snappy-compressed protobuf
// WriteRequest by its field numbers and keeps the series names and label sets.
type rwReceiver struct {
	mu     sync.Mutex
	series map[string]float64 // name{labels} -> last value
	errs   []string
}

func (rw *rwReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	raw, err := snappy.Decode(nil, body)
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if err != nil || r.Header.Get("Content-Encoding") != "snappy" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		rw.errs = append(rw.errs, fmt.Sprintf("bad request: %v %v", err, r.Header))
		http.Error(w, "bad", 400)
		return
	}
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		raw = raw[n:]
		if num != 1 || typ != protowire.BytesType {
			rw.errs = append(rw.errs, "WriteRequest: unexpected field")
			return
		}
		ts, n := protowire.ConsumeBytes(raw)
		raw = raw[n:]
		var name string
		var labels []string
		var value float64
		for len(ts) > 0 {
			num, _, n := protowire.ConsumeTag(ts)
			ts = ts[n:]
			b, n := protowire.ConsumeBytes(ts)
			ts = ts[n:]
			switch num {
			case 1: // Label
				var kv [2]string
				for len(b) > 0 {
					f, _, n := protowire.ConsumeTag(b)
					b = b[n:]
					s, n := protowire.ConsumeString(b)
					b = b[n:]
					kv[f-1] = s
				}
				if kv[0] == "__name__" {
					name = kv[1]
				} else {
					labels = append(labels, kv[0]+"="+kv[1])
				}
			case 2: // Sample
				for len(b) > 0 {
					f, typ, n := protowire.ConsumeTag(b)
					b = b[n:]
					if f == 1 && typ == protowire.Fixed64Type {
						v, n := protowire.ConsumeFixed64(b)
						value = mathFloat64frombits(v)
						b = b[n:]
					} else {
						_, n := protowire.ConsumeVarint(b)
						b = b[n:]
					}
				}
			}
		}
		rw.series[name+"{"+strings.Join(labels, ",")+"}"] = value
	}
}

// A short plan end to end: the farm ramps 1 -> 2 cameras onto a reference device, the control
// API answers, every sample reaches the json, csv and remote-write outputs, a threshold that
// cannot hold fails (exit 99 in the command) and the summary has a row per stage.
func TestShortPlanRampsCamerasJudgesThresholdsAndWritesOutputs(t *testing.T) {
	t.Parallel()
	p := testPlan(t, `scenarios:
  ramp:
    executor: ramping-cameras
    clips: 1
    clipDuration: 2s
    startCameras: 1
    stages:
      - {duration: 4s, target: 1}
      - {duration: 0s, target: 2}
      - {duration: 4s, target: 2}
thresholds:
  frames_delivered: ["count>0"]
  center_ingest_errors: ["count<0"]
  cameras{scenario:ramp}: ["max==2"]
`)
	rw := &rwReceiver{series: map[string]float64{}}
	srv := httptest.NewServer(rw)
	defer srv.Close()
	dir := t.TempDir()
	var outs []Output
	for _, spec := range []string{"json=" + filepath.Join(dir, "points.ndjson"), "csv=" + filepath.Join(dir, "points.csv"), "prometheus-rw=" + srv.URL + "/api/v1/write"} {
		o, err := ParseOutput(spec)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, o)
	}
	var status, unauthorized int
	var online []string
	cfg := Config{Plan: p, Outputs: outs, WarmUp: time.Second, Logf: t.Logf}
	cfg.OnStart = func(url, token, _ string) {
		go func() {
			time.Sleep(6 * time.Second) // in the second stage
			req, _ := http.NewRequest("GET", url+"/v1/status", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				unauthorized = resp.StatusCode
				resp.Body.Close()
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			status = resp.StatusCode
			var st Status
			json.NewDecoder(resp.Body).Decode(&st)
			online = st.Scenarios["ramp"].Online
		}()
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stages) != 2 || res.Stages[0].Cameras != 1 || res.Stages[1].Cameras != 2 {
		t.Errorf("stages %+v, want rows for 1 and 2 cameras", res.Stages)
	}
	if status != 200 || unauthorized != 401 || !slices.Equal(online, []string{"cam-001", "cam-002"}) {
		t.Errorf("GET /v1/status in stage 2: %d (without token %d), online %v", status, unauthorized, online)
	}
	verdict := map[string]bool{}
	for _, tr := range res.Thresholds {
		verdict[tr.Selector+" "+tr.Threshold] = tr.Passed
	}
	want := map[string]bool{"frames_delivered count>0": true, "center_ingest_errors count<0": false, "cameras{scenario:ramp} max==2": true}
	for k, v := range want {
		if got, ok := verdict[k]; !ok || got != v {
			t.Errorf("threshold %s passed=%v (present %v), want %v", k, got, ok, v)
		}
	}
	if res.Passed() {
		t.Error("the run passed with a failing threshold")
	}
	var summary bytes.Buffer
	WriteSummary(&summary, p, res)
	for _, s := range []string{"✗ 'count<0' count=0", "✓ 'count>0'", "█ STAGES (ramp)"} {
		if !strings.Contains(summary.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, summary.String())
		}
	}
	nd, _ := os.ReadFile(filepath.Join(dir, "points.ndjson"))
	first, _, _ := bytes.Cut(nd, []byte("\n"))
	var pt jsonPoint
	if err := json.Unmarshal(first, &pt); err != nil || pt.Type != "Point" || !strings.HasPrefix(pt.Metric, "trafficsim_") {
		t.Errorf("first NDJSON line %s: %v", first, err)
	}
	csvb, _ := os.ReadFile(filepath.Join(dir, "points.csv"))
	if !bytes.HasPrefix(csvb, []byte("metric_name,timestamp,metric_value,tags\n")) || !bytes.Contains(csvb, []byte("trafficsim_frames_delivered,")) {
		t.Errorf("csv output:\n%.300s", csvb)
	}
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if len(rw.errs) > 0 {
		t.Errorf("remote write: %v", rw.errs)
	}
	if v := rw.series["trafficsim_frames_delivered_total{camera=cam-001}"]; v <= 0 {
		t.Errorf("remote write: frames delivered by cam-001 = %v; series %d", v, len(rw.series))
	}
	if _, ok := rw.series["trafficsim_cameras{scenario=ramp}"]; !ok {
		t.Errorf("remote write lacks the cameras gauge")
	}
}

// The lease protocol xk6-traffic speaks: a camera leased with PUT stays online (in cameras.json
// for the external device) while renewed and goes when the lease runs out; PATCH fixes a
// count; bad requests get exact errors.
func TestLeaseProtocolOverTheControlAPI(t *testing.T) {
	t.Parallel()
	p := testPlan(t, `scenarios:
  ext:
    executor: externally-controlled
    device: external
    clips: 1
    clipDuration: 2s
    duration: 30s
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type start struct{ url, token, cj string }
	started := make(chan start, 1)
	done := make(chan *Result, 1)
	go func() {
		res, err := Run(ctx, Config{Plan: p, Logf: t.Logf, OnStart: func(u, tk, cj string) { started <- start{u, tk, cj} }})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	var s start
	select {
	case s = <-started:
	case <-time.After(2 * time.Minute):
		t.Fatal("the run did not start")
	}
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	inJSON := func() []string {
		b, _ := os.ReadFile(s.cj)
		var d wire.Deployment
		json.Unmarshal(b, &d)
		var ids []string
		for _, c := range d.Cameras {
			ids = append(ids, c.ID)
		}
		return ids
	}
	until := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("timed out waiting: %s (cameras.json %v)", what, inJSON())
	}
	for _, c := range []struct {
		method, path, body string
		code               int
		err                string
	}{
		{"PUT", "/v1/cameras/cam-007?ttl=forever", "", 400, `{"error":"ttl \"forever\": want a duration within 0-5m0s, e.g. 3s"}`},
		{"PUT", "/v1/cameras/cam-007?ttl=1h", "", 400, `{"error":"ttl \"1h\": want a duration within 0-5m0s, e.g. 3s"}`},
		{"PUT", "/v1/cameras/cam%2F7", "", 400, `{"error":"camera id \"cam/7\": only letters, digits, '-', '_' and '.' are allowed"}`},
		{"PATCH", "/v1/status", `{"cameras": 1000}`, 400, `{"error":"cameras 1000: the scenario ext takes at most 100 (maxCameras)"}`},
		{"PATCH", "/v1/status", `{"vus": 3}`, 400, `{"error":"body: json: unknown field \"vus\""}`},
	} {
		code, body := call(c.method, c.path, c.body)
		if code != c.code || body != c.err {
			t.Errorf("%s %s: %d %s; want %d %s", c.method, c.path, code, body, c.code, c.err)
		}
	}
	// a VU leases cam-007 and renews it every second for 3 s
	for range 3 {
		if code, body := call("PUT", "/v1/cameras/cam-007?ttl=2s", ""); code != 200 {
			t.Fatalf("lease: %d %s", code, body)
		}
		until("cam-007 in cameras.json", func() bool { return slices.Contains(inJSON(), "cam-007") })
		time.Sleep(time.Second)
	}
	until("the unrenewed lease of cam-007 runs out", func() bool { return !slices.Contains(inJSON(), "cam-007") })
	if code, _ := call("PATCH", "/v1/status", `{"cameras": 2}`); code != 200 {
		t.Fatal("PATCH cameras")
	}
	until("PATCH cameras 2", func() bool { return slices.Equal(inJSON(), []string{"cam-001", "cam-002"}) })
	code, body := call("GET", "/v1/status", "")
	var st Status
	if json.Unmarshal([]byte(body), &st); code != 200 || st.Cameras != 2 || st.Scenarios["ext"].Fixed == nil {
		t.Errorf("status %d %s", code, body)
	}
	if code, body := call("GET", "/v1/metrics", ""); code != 200 || !strings.Contains(body, `"cameras"`) {
		t.Errorf("metrics %d %.200s", code, body)
	}
	cancel()
	select {
	case res := <-done:
		if res == nil || res.Aborted != "interrupted" {
			t.Errorf("result %+v", res)
		}
	case <-time.After(time.Minute):
		t.Fatal("the run did not stop")
	}
}
