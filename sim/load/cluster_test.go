package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/wire"
)

// cluster_pending is the cluster's queue: an event the center acknowledged leaves it, an
// event posted while the center is away stays in it.
func TestClusterPendingIsTheClustersQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := &runner{cfg: Config{Logf: t.Logf}, dir: t.TempDir(), now: time.Now}
	g := &group{id: "ref-region-1", tok: token()}
	sc := &scen{s: &Scenario{Name: "region", Via: "cluster"}, r: r, groups: []*group{g}}
	r.scens = []*scen{sc}
	cen, err := center.New(center.Config{DataDir: filepath.Join(r.dir, "center"), Tokens: map[string]string{g.tok: g.id}, TruthToken: token(), NATS: r.leafNATS()})
	if err != nil {
		t.Fatal(err)
	}
	if err := cen.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer cen.Close()
	r.cen = cen
	if err := r.startCluster(ctx, sc); err != nil {
		t.Fatal(err)
	}
	defer sc.cl.Close()
	ep, _ := sc.cl.EventsEndpoint(g.id)
	post := func(id string) {
		t.Helper()
		b, _ := json.Marshal(wire.Event{EventID: id, CameraID: "cam-001", Type: wire.RedLight, Time: time.Now().UTC(), Plate: "29A-123.45",
			VehicleClass: wire.Car, Confidence: 0.9, Source: g.id})
		req, _ := http.NewRequest(http.MethodPost, ep.HTTP+"/v1/events", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ep.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("post %s: %d", id, resp.StatusCode)
		}
	}
	pending := func() (total float64, of map[string]float64) {
		of = map[string]float64{}
		total = r.sampleClusters(func(d MetricDef, v float64, tags map[string]string) {
			if d.Name == mClusterPending.Name {
				of[tags["scenario"]] = v
			}
		})
		return total, of
	}
	post("ev-1")
	for end := time.Now().Add(20 * time.Second); cen.Stats().EventsAccepted < 1; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the event did not reach the center through the cluster")
		}
	}
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if total, _ := pending(); total == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatal("cluster_pending stays above 0 after the center acknowledged")
		}
	}
	cen.Close()
	post("ev-2")
	post("ev-3")
	if total, of := pending(); total != 2 || of["region"] != 2 {
		t.Errorf("with the center away: cluster_pending %v (per scenario %v), want 2", total, of)
	}
}

func TestClusterIDKeepsSafeCharacters(t *testing.T) {
	for in, want := range map[string]string{"knee": "cluster-knee", "a.b c/d": "cluster-a-b-c-d", "x_1-y": "cluster-x_1-y"} {
		if got := clusterID(in); got != want {
			t.Errorf("clusterID(%q) = %q, want %q", in, got, want)
		}
	}
}

// A scenario run via: cluster: its reference device posts to a regional cluster that forwards
// to the center over a leaf node; the cluster's queue is sampled as cluster_pending per
// scenario, and what the device reported reaches the center through it.
func TestViaClusterRunsDevicesBehindARegionalCluster(t *testing.T) {
	t.Parallel()
	p := testPlan(t, `scenarios:
  region:
    executor: constant-cameras
    cameras: 1
    duration: 8s
    via: cluster
    clips: 1
    clipDuration: 2s
thresholds:
  cluster_pending{scenario:region}: ["max<1000"]
  frames_delivered: ["count>0"]
`)
	out := filepath.Join(t.TempDir(), "points.ndjson")
	o, err := ParseOutput("json=" + out)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Plan: p, Outputs: []Output{o}, WarmUp: time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() {
		t.Errorf("thresholds %+v", res.Thresholds)
	}
	// the cluster kept its queue in the run's folder
	if _, err := os.Stat(filepath.Join(res.Dir, "cluster-region", "jetstream")); err != nil {
		t.Errorf("the cluster's store: %v", err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pending := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var pt jsonPoint
		if json.Unmarshal(sc.Bytes(), &pt) == nil && pt.Metric == Prefix+"cluster_pending" && pt.Data.Tags["scenario"] == "region" {
			pending++
		}
	}
	if pending < 5 {
		t.Errorf("%d cluster_pending points of scenario region, want one a second", pending)
	}
	ev := res.Metrics["events"].Values["count"]
	t.Logf("events through the cluster: %v; score %+v", ev, res.Score.Overall)
}
