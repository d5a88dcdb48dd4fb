package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	simrun "github.com/trafficsim/trafficsim/sim/run"
)

// shardedPlan ramps 2 -> 4 smart cameras of the dense test scenario; cameras max==4 holds
// only when the coordinator sums both shards' gauges, and center_ingest_errors count<0 cannot
// hold (the exit 99 of the command).
func shardedPlan(t *testing.T, out string, extra string) *Plan {
	t.Helper()
	scen, _ := filepath.Abs("testdata/dense.yaml")
	p, err := ParsePlan("sharded.yaml", []byte(`scenarios:
  dense:
    executor: ramping-cameras
    scenario: `+scen+`
    clips: 1
    clipDuration: 8s
    smartShare: 1
    startCameras: 2
    stages:
      - {duration: 4s, target: 2}
      - {duration: 0s, target: 4}
      - {duration: 8s, target: 4}
thresholds:
  cameras{scenario:dense}: ["max==4"]
  center_ingest_errors: ["count<0"]
`+extra+`options:
  library: `+libDir+`
  out: `+out+`
  tail: 3s
  warmUp: 1s
`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A sharded run in one process (the control plane and the center on loopback): two shards
// serve cameras 1, 3 and 2, 4 of the ramp, start at the coordinator's t0, send truth and
// events to the one center and samples to the coordinator, which judges the thresholds over
// both and ends the shards.
func TestShardedRunJudgesThresholdsOverAllShards(t *testing.T) {
	out := t.TempDir()
	urls := make(chan string, 1)
	var coordRes *Result
	var coordErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		coordRes, coordErr = Run(context.Background(), Config{Plan: shardedPlan(t, out, ""), ID: "coord", Logf: t.Logf,
			Coordinator: &CoordinatorConfig{Shards: 2, Listen: "127.0.0.1:0", PrepareClips: true, RegisterTimeout: 2 * time.Minute,
				OnListen: func(u string) { urls <- u }}})
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(3 * time.Minute):
		t.Fatal("the coordinator did not listen")
	}
	shardRes := make([]*Result, 2)
	shardErr := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shardRes[i], shardErr[i] = Run(context.Background(), Config{Plan: shardedPlan(t, out, ""), Logf: t.Logf,
				Shard: &ShardConfig{Shard: simrun.Shard{Index: i, Count: 2}, Center: url}})
		}()
	}
	wg.Wait()
	if coordErr != nil {
		t.Fatal(coordErr)
	}
	for i := range 2 {
		if shardErr[i] != nil {
			t.Errorf("shard %d: %v", i, shardErr[i])
		} else if shardRes[i].PeakCameras != 2 || !shardRes[i].Started.Equal(coordRes.Started) {
			t.Errorf("shard %d: peak %d started %v; want 2 cameras from the coordinator's t0 %v", i, shardRes[i].PeakCameras, shardRes[i].Started, coordRes.Started)
		}
	}
	var sum bytes.Buffer
	WriteSummary(&sum, shardedPlan(t, t.TempDir(), ""), coordRes)
	WriteShards(&sum, coordRes)
	t.Logf("coordinator summary:\n%s", sum.String())
	verdict := map[string]ThresholdResult{}
	for _, tr := range coordRes.Thresholds {
		verdict[tr.Selector+" "+tr.Threshold] = tr
	}
	if v := verdict["cameras{scenario:dense} max==4"]; !v.Passed || v.Value != 4 {
		t.Errorf("cameras max==4: %+v, want 4 (2 from each shard)", v)
	}
	if coordRes.Passed() {
		t.Error("the run passed with center_ingest_errors count<0")
	}
	if err := coordRes.ShardProblem(); err != nil {
		t.Error(err)
	}
	for _, row := range coordRes.Shards {
		if row.State != StateDone || row.Peak != 2 || row.Truths == 0 || row.Events == 0 || row.Gaps != 0 {
			t.Errorf("shard row %+v: want done, 2 cameras, truth and events at the center", row)
		}
	}
	if s := coordRes.Score.Overall; s.TP == 0 {
		t.Errorf("score %+v: no truth matched", s)
	}
	if !strings.Contains(sum.String(), "█ SHARDS") {
		t.Error("no shard rows in the summary")
	}
}

// The operator's PATCH {"abort": ...} on the coordinator's control API stops every shard
// early; pause and a fixed camera count are refused in a sharded run with the exact reason.
func TestShardedRunObeysTheOperatorsAbort(t *testing.T) {
	out := t.TempDir()
	urls := make(chan string, 1)
	api := make(chan [2]string, 1)
	var coordRes *Result
	var coordErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		coordRes, coordErr = Run(context.Background(), Config{Plan: shardedPlan(t, out, ""), ID: "coord", Logf: t.Logf,
			OnStart:     func(u, tok, _ string) { api <- [2]string{u, tok} },
			Coordinator: &CoordinatorConfig{Shards: 2, Listen: "127.0.0.1:0", PrepareClips: true, OnListen: func(u string) { urls <- u }}})
	}()
	url := <-urls
	ctl := <-api
	shardRes := make([]*Result, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if shardRes[i], err = Run(context.Background(), Config{Plan: shardedPlan(t, out, ""), Logf: t.Logf,
				Shard: &ShardConfig{Shard: simrun.Shard{Index: i, Count: 2}, Center: url}}); err != nil {
				t.Errorf("shard %d: %v", i, err)
			}
		}()
	}
	patch := func(body string) (int, string) {
		req, _ := http.NewRequest("PATCH", ctl[0]+"/v1/status", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+ctl[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequest("GET", ctl[0]+"/v1/shards", nil)
		req.Header.Set("Authorization", "Bearer "+ctl[1])
		var rows []ShardRow
		if resp, err := http.DefaultClient.Do(req); err == nil {
			json.NewDecoder(resp.Body).Decode(&rows)
			resp.Body.Close()
		}
		if len(rows) == 2 && rows[0].State == StateRunning && rows[1].State == StateRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /v1/shards: %+v, want both running", rows)
		}
	}
	if code, body := patch(`{"paused": true}`); code != 400 || body != `{"error":"a sharded run takes only abort (pause and cameras apply to a run in one process)"}` {
		t.Errorf("PATCH paused: %d %s", code, body)
	}
	if code, body := patch(`{"abort": "the device vendor asked"}`); code != 200 {
		t.Fatalf("PATCH abort: %d %s", code, body)
	}
	wg.Wait()
	if coordErr != nil {
		t.Fatal(coordErr)
	}
	want := "aborted by the operator: the device vendor asked"
	if coordRes.Aborted != want || coordRes.Duration > 12*time.Second {
		t.Errorf("coordinator: aborted %q after %v, want %q well before the plan's 12 s + tail", coordRes.Aborted, coordRes.Duration, want)
	}
	for i, r := range shardRes {
		if r != nil && r.Aborted != want {
			t.Errorf("shard %d: aborted %q, want %q", i, r.Aborted, want)
		}
	}
}

// The plan deploy/k8s/load.yaml ships in its ConfigMap is a valid plan.
func TestKubernetesLoadPlanParses(t *testing.T) {
	b, err := os.ReadFile("../../deploy/k8s/load.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n---\n")
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal([]byte(first), &cm); err != nil {
		t.Fatal(err)
	}
	p, err := ParsePlan("load.yaml#plan.yaml", []byte(cm.Data["plan.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Scenarios["ramp"]; s == nil || s.Peak() != 2000 || s.SmartShare != 1 {
		t.Errorf("plan %+v", p.Scenarios)
	}
}
