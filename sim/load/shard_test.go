package load

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
