package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

var jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9}

func multipartBody(t *testing.T, eventJSON string, evidence []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("event", eventJSON)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="evidence"; filename="e.jpg"`)
	h.Set("Content-Type", "image/jpeg")
	pw, _ := mw.CreatePart(h)
	pw.Write(evidence)
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func cameras(ids ...string) []wire.Calibration {
	var out []wire.Calibration
	for _, id := range ids {
		out = append(out, wire.Calibration{ID: id})
	}
	return out
}

// Events of device workers and of an external device posting over HTTP reach a real center
// through the leaf node, each once; evidence stays on the cluster's disk and the center gets
// its reference.
func TestEventsReachTheCenterOnce(t *testing.T) {
	tc := newTestCenter(t, "dev-1", "c1-w1", "c1-w2")
	sent := &idLog{}
	var workers []*fakeWorker
	cl := startCluster(t, "", tc.upstream(), func(cfg *Config) {
		cfg.Cameras = cameras("cam-1", "cam-2", "cam-3")
		cfg.CamerasPerWorker = 2
		cfg.NewWorker = func(id string, cams []wire.Calibration, ep wire.EventsEndpoint) (Worker, error) {
			w := &fakeWorker{id: id, cams: cams, ep: ep, n: 20, every: 5 * time.Millisecond, t: t, sent: sent}
			workers = append(workers, w)
			return w, nil
		}
	})
	if got := fmt.Sprint(cl.Devices()); got != "[c1-w1 c1-w2 dev-1]" {
		t.Fatalf("Devices() = %s", got)
	}
	if len(workers) != 2 || len(workers[0].cams) != 2 || len(workers[1].cams) != 1 || workers[0].id != "c1-w1" {
		t.Fatalf("workers: %+v", workers)
	}
	ep, ok := cl.EventsEndpoint("dev-1")
	if !ok || ep.HTTP != cl.URL() || ep.Token != "tok-dev-1" {
		t.Fatalf("EventsEndpoint(dev-1) = %+v, %v", ep, ok)
	}

	// An array, then a repeat of it (a retry): the repeat is a duplicate at the cluster.
	arr := []wire.Event{event("x-1", "cam-9", "dev-1"), event("x-2", "cam-9", "dev-1")}
	if st, body := post(t, cl.URL(), "tok-dev-1", arr...); st != 202 || body != `{"accepted":2,"duplicate":0}`+"\n" {
		t.Fatalf("post: %d %s", st, body)
	}
	if st, body := post(t, cl.URL(), "tok-dev-1", arr...); st != 202 || body != `{"accepted":0,"duplicate":2}`+"\n" {
		t.Fatalf("repost: %d %s", st, body)
	}
	ct, body := multipartBody(t, `{"event_id":"x/3","camera_id":"cam-9","type":"red_light","time":"2026-11-27T10:00:00.000Z","confidence":0.5,"source":"dev-1"}`, jpeg)
	if st, b := postRaw(t, cl.URL(), "tok-dev-1", ct, body); st != 202 {
		t.Fatalf("multipart: %d %s", st, b)
	}
	sent.add("x-1", "x-2", "x/3")

	waitFor(t, "60 worker events + 3", 20*time.Second, func() bool { return tc.rec.distinct() == 63 })
	waitFor(t, "nothing pending", 10*time.Second, func() bool { return cl.Stats().Pending == 0 })
	tc.exactlyOnce(t, sent.all())
	ref := "cluster://c1/evidence/cam-9/" + EvidenceName("x/3") + ".jpg"
	if got := tc.rec.refs["x/3"]; got != ref {
		t.Fatalf("evidence reference at the center %q, want %q", got, ref)
	}
	if got, err := os.ReadFile(EvidencePath(cl.cfg.DataDir, "cam-9", "x/3")); err != nil || !bytes.Equal(got, jpeg) {
		t.Fatalf("evidence on disk: %v %v", got, err)
	}
	resp, err := httpClient.Get(cl.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`trafficsim_cluster_events_received_total{cluster="c1"} 63`, `trafficsim_cluster_events_duplicate_total{cluster="c1"} 2`,
		`trafficsim_cluster_events_pending{cluster="c1"} 0`, `trafficsim_cluster_uplink_up{cluster="c1"} 1`, `trafficsim_cluster_evidence_files_total{cluster="c1"} 1`} {
		if !strings.Contains(string(metrics), want+"\n") {
			t.Errorf("no %s in /metrics:\n%s", want, metrics)
		}
	}
	st := cl.Stats()
	if st.Received != 63 || st.Duplicate != 2 || st.Forwarded < 63 || st.EvidenceFiles != 1 || !st.UplinkUp || st.WorkersRunning != 2 {
		t.Fatalf("Stats = %+v", st)
	}
}

// An event_id that is a plain file name names its file; any other (a path, a leading dot) is
// hashed, so no event can write outside its camera's folder.
func TestEvidenceName(t *testing.T) {
	cases := []struct {
		id    string
		plain bool
	}{
		{"e-1", true},
		{"cam1.2026-11-27T10_00_00.123", true},
		{"../../etc/passwd", false},
		{".hidden", false},
		{"a b", false},
	}
	for _, c := range cases {
		got := EvidenceName(c.id)
		if c.plain {
			if got != c.id {
				t.Errorf("EvidenceName(%q) = %q, want it unchanged", c.id, got)
			}
			continue
		}
		if len(got) != len("sha256-")+64 || got[:7] != "sha256-" || got == EvidenceName(c.id+"x") {
			t.Errorf("EvidenceName(%q) = %q, want sha256-<64 hex of the id>", c.id, got)
		}
	}
}

func TestRetryPause(t *testing.T) {
	cases := []struct {
		n    int
		max  time.Duration
		want time.Duration
	}{
		{1, time.Second, 50 * time.Millisecond},
		{2, time.Second, 100 * time.Millisecond},
		{5, time.Second, 800 * time.Millisecond},
		{6, time.Second, time.Second},
		{1000, time.Second, time.Second},
		{3, 120 * time.Millisecond, 120 * time.Millisecond},
	}
	for _, c := range cases {
		if got := retryPause(c.n, c.max); got != c.want {
			t.Errorf("retryPause(%d, %v) = %v, want %v", c.n, c.max, got, c.want)
		}
	}
}

func TestUpstreamSubject(t *testing.T) {
	cases := []struct {
		local, want string
		ok          bool
	}{
		{"cluster.events.cam-1", "traffic.events.cam-1", true},
		{"cluster.events.a.b", "traffic.events.a.b", true},
		{"cluster.events.", "", false},
		{"other.cam-1", "", false},
	}
	for _, c := range cases {
		got, ok := upstreamSubject(c.local)
		if got != c.want || ok != c.ok {
			t.Errorf("upstreamSubject(%q) = %q, %v", c.local, got, ok)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	up := Upstream{LeafURL: "nats-leaf://127.0.0.1:1"}
	cases := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no id", Config{DataDir: "d", Upstream: up}, "cluster: ID is required"},
		{"dot in id", Config{ID: "a.b", DataDir: "d", Upstream: up}, `cluster: ID "a.b": use only letters, digits, _ and -`},
		{"no data dir", Config{ID: "c", Upstream: up}, "cluster: DataDir is required"},
		{"no upstream", Config{ID: "c", DataDir: "d"}, "cluster: Upstream needs exactly one of LeafURL and NATSURL"},
		{"two upstreams", Config{ID: "c", DataDir: "d", Upstream: Upstream{LeafURL: "a", NATSURL: "b"}}, "cluster: Upstream needs exactly one of LeafURL and NATSURL"},
		{"token with a space", Config{ID: "c", DataDir: "d", Upstream: up, Tokens: map[string]string{"a b": "dev"}}, `cluster: token of device "dev": use only letters, digits and . _ @ -`},
		{"device named like a worker", Config{ID: "c", DataDir: "d", Upstream: up, Tokens: map[string]string{"t": "c-w1"}, Cameras: cameras("cam-1"),
			NewWorker: func(string, []wire.Calibration, wire.EventsEndpoint) (Worker, error) { return nil, nil }}, `cluster: device id "c-w1" is taken by a worker`},
	}
	for _, tc := range cases {
		if _, err := New(tc.cfg); err == nil || err.Error() != tc.err {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.err)
		}
	}
	c, err := New(Config{ID: "c", DataDir: t.TempDir(), Upstream: Upstream{LeafURL: "::bad"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Start(ctx); err == nil || err.Error() != `cluster: Upstream.LeafURL "::bad" is not a URL` {
		t.Fatalf("Start with a bad leaf URL: %v", err)
	}
}
