package results_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/wire"
)

// TestLiveAgreesWithBatchOnARun replays the testdata run as the center sees it (truth at its
// wall time, events when received, the score asked for every few seconds) and checks that
// the live score and matches equal batch scoring of the finished run.
func TestLiveAgreesWithBatchOnARun(t *testing.T) {
	rec, err := record.Open(filepath.Join("testdata", "run"))
	if err != nil {
		t.Fatal(err)
	}
	// The simulated device retries some events up to 25 s late: a grace above that makes
	// every event count live, as it does in batch.
	cfg := results.Config{Grace: 30 * time.Second}
	batch, bm := results.ScoreRun(rec.Truth, rec.Events, rec.Faults, cfg)

	type input struct {
		at  time.Time
		seq int
		add func(*results.Live)
	}
	var in []input
	for _, f := range rec.Faults {
		in = append(in, input{f.Time, len(in), func(l *results.Live) { l.AddFault(f) }})
	}
	for _, v := range rec.Truth {
		in = append(in, input{v.Wall, len(in), func(l *results.Live) { l.AddTruth(v) }})
	}
	for _, e := range rec.Events {
		in = append(in, input{e.At, len(in), func(l *results.Live) { l.AddEvent(e.Event, e.At) }})
	}
	slices.SortFunc(in, func(a, b input) int { return cmp.Or(a.at.Compare(b.at), a.seq-b.seq) })
	live := results.NewLive(cfg)
	var lm []results.Match
	live.OnMatch(func(m results.Match) { lm = append(lm, m) })
	next := rec.Run.Start
	for _, x := range in {
		if x.at.After(next) {
			s := live.Score(x.at)
			if s.Truths+s.PendingTruths == 0 && x.at.After(rec.Run.Start.Add(time.Minute)) {
				t.Fatal("live scorer lost its truths")
			}
			next = x.at.Add(3 * time.Second)
		}
		x.add(live)
	}
	final := live.ScoreIntervals(rec.Run.End.Add(time.Hour)) // the summary a run writes: with intervals
	final.GraceMs = 0
	a, _ := json.Marshal(batch)
	b, _ := json.Marshal(final)
	if !bytes.Equal(a, b) {
		t.Errorf("live and batch scores differ:\nbatch %s\nlive  %s", a, b)
	}
	key := func(m results.Match) string { return string(m.Outcome) + m.TruthID + "|" + m.EventID }
	sortM := func(ms []results.Match) {
		slices.SortFunc(ms, func(x, y results.Match) int { return cmp.Compare(key(x), key(y)) })
	}
	sortM(bm)
	sortM(lm)
	a, _ = json.Marshal(bm)
	b, _ = json.Marshal(lm)
	if !bytes.Equal(a, b) {
		t.Errorf("live and batch matches differ")
	}
}

// TestLiveConcurrent feeds a Live from several goroutines, as the center's HTTP and NATS
// handlers do, while the score is read (run with -race).
func TestLiveConcurrent(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := results.NewLive(results.Config{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cam := string(rune('a' + g))
			for i := range 200 {
				at := start.Add(time.Duration(i) * time.Second)
				l.AddTruth(wire.Violation{ID: cam + strconv.Itoa(i), Type: wire.RedLight, Camera: cam, Wall: at})
				l.AddEvent(wire.Event{EventID: cam + "e" + strconv.Itoa(i), CameraID: cam, Type: wire.RedLight, Time: at, Source: "d"}, at)
				if i%50 == 0 {
					l.Score(start) // a reader; "now" stays before the data so nothing is late
				}
			}
		}()
	}
	wg.Wait()
	s := l.Score(start.Add(time.Hour))
	if s.Overall.TP != 800 || s.PendingTruths != 0 || s.PendingEvents != 0 {
		t.Fatalf("TP %d, pending %d/%d; want 800 and nothing pending", s.Overall.TP, s.PendingTruths, s.PendingEvents)
	}
}

// scorer is the shape of sim/center's Scorer and DeliveryScorer, declared there; Live must fit.
type scorer interface {
	AddTruth(wire.Violation)
	AddFault(wire.Fault)
	AddEvent(e wire.Event, received time.Time)
	AddDelivery(wire.Delivery)
	Score(now time.Time) results.Score
}

var _ scorer = (*results.Live)(nil)
