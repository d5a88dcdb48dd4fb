package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
)

// TestReportRescoreReproducesTheRun: a run's summary.json is its live score under the run's
// cuts (warm-up, end, loop cuts); truth.jsonl keeps every truth and run.json the cuts, so
// `trafficsim report --rescore` on the folder writes the same summary.json, byte for byte.
func TestReportRescoreReproducesTheRun(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "results", "testdata", "run")
	for _, f := range []string{"run.json", "truth.jsonl", "events.jsonl", "faults.jsonl", "delivery.jsonl", "matches.jsonl", "summary.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := record.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// the simulated device retries some events 25 s late: a grace above that scores them live
	rec.Run.GraceMs = 30000
	rec.Run.Cuts = results.Cuts{From: rec.Run.Start.Add(20 * time.Second), Until: rec.Run.End.Add(-20 * time.Second), LoopWarmUp: 5 * time.Second}
	b, _ := json.MarshalIndent(rec.Run, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, record.RunFile), b, 0o644); err != nil {
		t.Fatal(err)
	}

	// the run as sim/run scores it: a Live fed in time order, read once at the end
	live := results.NewLive(rec.Run.Config())
	type input struct {
		at  time.Time
		seq int
		add func()
	}
	var in []input
	for _, f := range rec.Faults {
		in = append(in, input{f.Time, len(in), func() { live.AddFault(f) }})
	}
	for _, v := range rec.Truth {
		in = append(in, input{v.Wall, len(in), func() { live.AddTruth(v) }})
	}
	for _, e := range rec.Events {
		in = append(in, input{e.At, len(in), func() { live.AddEvent(e.Event, e.At) }})
	}
	for _, d := range rec.Delivery {
		in = append(in, input{d.To, len(in), func() { live.AddDelivery(d) }})
	}
	slices.SortFunc(in, func(a, b input) int { return cmp.Or(a.at.Compare(b.at), a.seq-b.seq) })
	for _, x := range in {
		x.add()
	}
	score := live.ScoreIntervals(rec.Run.End.Add(24 * time.Hour)) // as sim/run writes summary.json
	if score.WarmUpTruths == 0 || score.AfterEndTruths == 0 {
		t.Fatalf("cuts left out %d early and %d late truths; the test wants both", score.WarmUpTruths, score.AfterEndTruths)
	}
	if err := record.WriteSummary(dir, score); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(dir, record.SummaryFile))

	if code, _ := capture(t, "report", "--rescore", "--out", filepath.Join(dir, "r.html"), dir); code == 2 {
		t.Fatalf("report --rescore: exit %d", code)
	}
	got, _ := os.ReadFile(filepath.Join(dir, record.SummaryFile))
	if !bytes.Equal(got, want) {
		t.Errorf("report --rescore changed the run's scorecard:\nrun     %s\nrescore %s", want, got)
	}
}
