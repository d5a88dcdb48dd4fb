package run_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	cliplib "github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// TestRunKeepsEveryTruthOfManySmartCameras runs 150 smart cameras (60 under the race
// detector) over two clips of the e2e-junction scenario through three regional clusters, a
// third of the cameras a commune (issue 14: at scale the center kept one truth per clip
// violation, not one per camera). The run record's truth.jsonl holds exactly the violations
// each camera played inside the scored span, counted from its clip's truth.json, its offset
// and start, and the loops played; each cluster forwards its commune's events over its own
// leaf connection and the center takes them all; the F1 is what the smart-camera error model
// promises, within four standard deviations of its misses and false alarms.
func TestRunKeepsEveryTruthOfManySmartCameras(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute) // ~50 s at load 30
	defer cancel()
	dir := t.TempDir()
	cameras, clips := 150, 2
	if raceEnabled { // the race detector makes every camera about five times dearer
		cameras = 60
	}
	res, err := run.Run(ctx, run.Config{Scenario: filepath.Join("testdata", "e2e-junction.yaml"), Cameras: cameras, SmartShare: 1,
		Clusters: 3, Clips: clips, ClipDuration: 8 * time.Second, Duration: 20 * time.Second, Grace: 2 * time.Second,
		Out: filepath.Join(dir, "runs"), ID: "many", Library: library(t), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := record.Open(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.TruthUntil.Sub(res.Started); got != 20*time.Second {
		t.Errorf("truth is scored until %v after the cameras started, want the whole 20s", got)
	}
	if res.TruthErrors != 0 {
		t.Errorf("%d truth items failed to reach the center", res.TruthErrors)
	}

	// what every camera played, from the clips' own truth
	type clipTruth struct {
		frames     int
		fps        float64
		violations []wire.Violation
	}
	var cts []clipTruth
	for _, d := range res.Clips {
		cl, err := cliplib.Open(d)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(d, "truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tr struct {
			Violations []wire.Violation `json:"violations"`
		}
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		cts = append(cts, clipTruth{frames: len(cl.Index.Frames), fps: cl.Meta.FPS, violations: tr.Violations})
	}
	warm := 5 * time.Second // run.Config.WarmUp's default
	want := map[string]bool{}
	for i, fs := range res.FarmStats {
		ct := cts[i%clips]
		for loop := 0; ; loop++ {
			first := farm.FrameDue(fs.Start, ct.fps, int64(loop*ct.frames)-fs.Offset)
			if !first.Before(res.TruthUntil) {
				break
			}
			for _, v := range ct.violations {
				n := int64(loop*ct.frames+v.Frame) - fs.Offset
				at := farm.FrameDue(fs.Start, ct.fps, n)
				cut := loop > 0 && v.T < warm.Seconds() // a device sees the scene anew after a loop
				if n >= 0 && !cut && !at.Before(res.TruthFrom) && at.Before(res.TruthUntil) {
					want[fmt.Sprintf("%s %s/L%d", fs.ID, v.ID, loop)] = true
				}
			}
		}
	}
	// truth.jsonl is complete (the warm-up's and loop cuts' truths too, which scoring leaves
	// out: results.Cuts); what it scores is exactly what the clips played in the scored span
	got, scored := map[string]bool{}, map[string]bool{}
	for _, v := range rec.Truth {
		k := v.Camera + " " + v.ID
		if got[k] {
			t.Errorf("truth.jsonl holds %s twice", k)
		}
		got[k] = true
		cut := v.Loop > 0 && v.T < warm.Seconds()
		if !cut && !v.Wall.Before(res.TruthFrom) && v.Wall.Before(res.TruthUntil) {
			scored[k] = true
		}
	}
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range scored {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(want) < cameras {
		t.Fatalf("the cameras played %d violations; the test needs more than one a camera", len(want))
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("truth.jsonl scores %d truths, the clips played %d: missing %d %q, unexpected %d %q",
			len(scored), len(want), len(missing), missing[:min(5, len(missing))], len(extra), extra[:min(5, len(extra))])
	}

	// every cluster forwarded its own commune's events, and the center took them all
	if len(res.Clusters) != 3 {
		t.Fatalf("%d clusters ran, want 3", len(res.Clusters))
	}
	b, err := os.ReadFile(filepath.Join(res.Dir, run.ClustersFile))
	if err != nil {
		t.Fatal(err)
	}
	var plan []struct {
		ID      string   `json:"id"`
		Cameras []string `json:"cameras"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	ofCamera := map[string]string{}
	for _, p := range plan {
		for _, id := range p.Cameras {
			ofCamera[id] = p.ID
		}
	}
	perCluster := map[string]int64{}
	for _, e := range rec.Events {
		perCluster[ofCamera[e.CameraID]]++
	}
	var forwarded int64
	for k, cl := range res.Clusters {
		if cl.ID != run.ClusterName(k) || cl.Cameras != cameras/3 || len(plan[k].Cameras) != cameras/3 {
			t.Errorf("cluster %d: %s with %d cameras (%d in %s), want %s with %d", k, cl.ID, cl.Cameras, len(plan[k].Cameras), run.ClustersFile, run.ClusterName(k), cameras/3)
		}
		if cl.Forwarded == 0 || cl.Forwarded != perCluster[cl.ID] || cl.Pending != 0 {
			t.Errorf("%s forwarded %d events (%d pending); the center recorded %d of its cameras", cl.ID, cl.Forwarded, cl.Pending, perCluster[cl.ID])
		}
		forwarded += cl.Forwarded
	}
	if forwarded != int64(len(rec.Events)) {
		t.Errorf("the clusters forwarded %d events, the center recorded %d", forwarded, len(rec.Events))
	}

	// the score is the error model's promise (false alarms over the fleet's whole time)
	camTime := time.Duration(cameras) * (res.Stopped.Sub(res.Started) + 2*time.Second + 2*time.Second)
	e := smartcam.Model{}.Expect(len(want), camTime, 2*time.Second, 4)
	o := res.Score.Overall
	t.Logf("%d truths, %d events: TP %d FN %d FP %d, F1 %.4f; the model promises TP %.1f FN %.1f FP %.1f, F1 %.4f in [%.4f, %.4f]",
		len(want), len(rec.Events), o.TP, o.FN, o.FP, o.F1, e.TP, e.FN, e.FP, e.F1, e.F1Low, e.F1High)
	if o.TP+o.FN != len(want) {
		t.Errorf("scored %d truths, want %d", o.TP+o.FN, len(want))
	}
	if o.F1 < e.F1Low || o.F1 > e.F1High {
		t.Errorf("F1 %.4f is outside the error model's [%.4f, %.4f]", o.F1, e.F1Low, e.F1High)
	}
}
