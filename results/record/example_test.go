package record_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/wire"
)

// Example shows what a center does: score live and record the run as it goes.
func Example() {
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	w, err := record.Create(filepath.Join(dir, "run-1"), record.Run{ID: "run-1", Scenario: "demo", Start: start})
	if err != nil {
		panic(err)
	}
	live := results.NewLive(results.Config{}) // window 2 s, grace 5 s
	live.OnMatch(w.Match)                     // final matches go to matches.jsonl

	truth := wire.Violation{ID: "v1", Type: wire.RedLight, Camera: "cam-01", Wall: start.Add(10 * time.Second), Plate: "29A-123.45", PlateReadable: true}
	live.AddTruth(truth)
	w.Truth(truth)
	ev := wire.Event{EventID: "e1", CameraID: "cam-01", Type: wire.RedLight, Time: start.Add(10300 * time.Millisecond),
		Plate: "29A12345", Confidence: 0.9, Source: "dev-1"}
	received := start.Add(11 * time.Second)
	live.AddEvent(ev, received)
	w.Event(ev, received)

	s := live.Score(start.Add(15 * time.Second)) // not final yet: 10 s + 2 s + 5 s
	fmt.Println("pending truths:", s.PendingTruths, "TP:", s.Overall.TP)
	s = live.Score(start.Add(20 * time.Second))
	fmt.Println("pending truths:", s.PendingTruths, "TP:", s.Overall.TP, "plate accuracy:", s.Overall.PlateAccuracy, "latency p50 ms:", s.Overall.LatencyP50Ms)

	if err := w.Finish(start.Add(time.Minute), s); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	rec, _ := record.Open(filepath.Join(dir, "run-1"))
	fmt.Println("matches on disk:", len(rec.Matches), rec.Matches[0].Outcome)
	// Output:
	// pending truths: 1 TP: 0
	// pending truths: 0 TP: 1 plate accuracy: 1 latency p50 ms: 1000
	// matches on disk: 1 tp
}
