package results_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/wire"
)

func TestCuts(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	c := results.Cuts{From: t0.Add(5 * time.Second), Until: t0.Add(time.Minute), LoopWarmUp: 5 * time.Second}
	for _, tc := range []struct {
		name        string
		v           wire.Violation
		early, late bool
	}{
		{"in the warm-up", wire.Violation{Wall: t0.Add(4999 * time.Millisecond), T: 5}, true, false},
		{"at the end of the warm-up", wire.Violation{Wall: t0.Add(5 * time.Second), T: 5}, false, false},
		{"just before the end", wire.Violation{Wall: t0.Add(time.Minute - 1), T: 5}, false, false},
		{"at the end", wire.Violation{Wall: t0.Add(time.Minute), T: 5}, false, true},
		{"first loop at 0 s", wire.Violation{Wall: t0.Add(10 * time.Second), T: 0}, false, false},
		{"second loop at 4.9 s", wire.Violation{Wall: t0.Add(30 * time.Second), T: 4.9, Loop: 1}, true, false},
		{"second loop at 5 s", wire.Violation{Wall: t0.Add(30 * time.Second), T: 5, Loop: 1}, false, false},
	} {
		if early, late := c.Cut(&tc.v); early != tc.early || late != tc.late {
			t.Errorf("%s: cut early %v late %v, want %v %v", tc.name, early, late, tc.early, tc.late)
		}
	}
	if e, l := (results.Cuts{}).Cut(&wire.Violation{Wall: t0, Loop: 3}); e || l {
		t.Error("the zero Cuts cut a truth")
	}
}

// TestLiveCutsAgreeWithBatch: a live scorer whose cuts are set before the farm starts and whose
// end moves earlier while truth is pending (an interrupted run) scores what ScoreRun scores from
// the whole record with the last cuts, which run.json keeps.
func TestLiveCutsAgreeWithBatch(t *testing.T) {
	rec, err := record.Open(filepath.Join("testdata", "run"))
	if err != nil {
		t.Fatal(err)
	}
	planned := rec.Run.End
	stopped := rec.Run.Start.Add(rec.Run.End.Sub(rec.Run.Start) * 2 / 3)
	first := results.Cuts{From: rec.Run.Start.Add(20 * time.Second), Until: planned, LoopWarmUp: 5 * time.Second}
	last := first
	last.Until = stopped
	cfg := results.Config{Grace: 30 * time.Second, Cuts: last}
	batch, _ := results.ScoreRun(rec.Truth, rec.Events, rec.Faults, cfg)
	if batch.WarmUpTruths == 0 || batch.AfterEndTruths == 0 {
		t.Fatalf("the cuts left out %d early and %d late truths; the test wants some of both", batch.WarmUpTruths, batch.AfterEndTruths)
	}

	type input struct {
		at  time.Time
		seq int
		add func(*results.Live)
	}
	var in []input
	for _, f := range rec.Faults {
		in = append(in, input{f.Time, len(in), func(l *results.Live) { l.AddFault(f) }})
	}
	for _, v := range rec.Truth { // truth comes ahead of its frame: 10 s early here
		in = append(in, input{v.Wall.Add(-10 * time.Second), len(in), func(l *results.Live) { l.AddTruth(v) }})
	}
	for _, e := range rec.Events {
		in = append(in, input{e.At, len(in), func(l *results.Live) { l.AddEvent(e.Event, e.At) }})
	}
	in = append(in, input{stopped, len(in), func(l *results.Live) { l.SetCuts(last) }})
	slices.SortFunc(in, func(a, b input) int { return cmp.Or(a.at.Compare(b.at), a.seq-b.seq) })
	live := results.NewLive(results.Config{Grace: 30 * time.Second, Cuts: first})
	for _, x := range in {
		live.Score(x.at)
		x.add(live)
	}
	final := live.ScoreIntervals(rec.Run.End.Add(time.Hour)) // the final summary: with intervals, as the batch
	final.GraceMs = 0
	a, _ := json.Marshal(batch)
	b, _ := json.Marshal(final)
	if !bytes.Equal(a, b) {
		t.Errorf("live and batch scores differ:\nbatch %s\nlive  %s", a, b)
	}
	if live.Cuts() != last {
		t.Errorf("live cuts %+v, want %+v", live.Cuts(), last)
	}
}
