package results

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// cpuTime is the process's user+system CPU time: on a shared machine it measures the work
// of a benchmark better than the wall clock (other processes steal the core, not CPU time).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rate reports events per wall second and per CPU second.
func rate(b *testing.B, events int, cpu0 time.Duration) {
	n := float64(events) * float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(n/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}

// fullTable is the plain exact matcher: the same dynamic programme over the whole n*m
// table, O(n*m) time and memory. It is the baseline BenchmarkMatch compares against.
func fullTable(truths, events []int64, w int64) int {
	n, m := len(truths), len(events)
	type c struct {
		n    int32
		cost int64
	}
	d := make([]c, (n+1)*(m+1))
	at := func(i, j int) *c { return &d[i*(m+1)+j] }
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			b := *at(i-1, j)
			if l := *at(i, j-1); l.n > b.n || (l.n == b.n && l.cost < b.cost) {
				b = l
			}
			e := events[j-1] - truths[i-1]
			if e < 0 {
				e = -e
			}
			if e <= w {
				p := *at(i-1, j-1)
				if p.n+1 > b.n || (p.n+1 == b.n && p.cost+e < b.cost) {
					b = c{p.n + 1, p.cost + e}
				}
			}
			*at(i, j) = b
		}
	}
	return int(at(n, m).n)
}

// timeline makes n truths of one camera and type (a violation every ~3 s) and the events
// of a device that finds 90% of them within ±0.5 s and adds 10% false alarms.
func timeline(seed uint64, n int) (truths, events []int64) {
	r := rand.New(rand.NewPCG(seed, 9))
	t := int64(0)
	for range n {
		t += int64(r.ExpFloat64() * 3e9)
		truths = append(truths, t)
		if r.Float64() < 0.9 {
			events = append(events, t+int64(r.NormFloat64()*0.5e9))
		}
		if r.Float64() < 0.1 {
			events = append(events, t+int64(r.Float64()*6e9))
		}
	}
	slices.Sort(events)
	return truths, events
}

func TestFullTableAgrees(t *testing.T) {
	truths, events := timeline(1, 2000)
	var mt Matcher
	if a, b := len(mt.Match(truths, events, 2e9)), fullTable(truths, events, 2e9); a != b {
		t.Fatalf("banded %d pairs, full table %d", a, b)
	}
}

// BenchmarkMatch measures the exact matcher on one camera/type group (events/s), against the
// full-table DP on the same data; the ratio is what the band buys.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		truths, events := timeline(2, n)
		b.Run(fmt.Sprintf("banded/%d", n), func(b *testing.B) {
			var mt Matcher
			cpu := cpuTime()
			for b.Loop() {
				mt.Match(truths, events, 2e9)
			}
			rate(b, len(events), cpu)
		})
		b.Run(fmt.Sprintf("fulltable/%d", n), func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				fullTable(truths, events, 2e9)
			}
			rate(b, len(events), cpu)
		})
	}
}

// BenchmarkScoreRun is the whole batch scoring of a run (dedup, grouping, sorting, matching,
// metrics with histograms) of 100 cameras, with the events in the order the center received
// them (as events.jsonl holds them) and shuffled.
func BenchmarkScoreRun(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var truth []wire.Violation
	var events []Received
	for c := range 100 {
		cam := fmt.Sprintf("cam-%03d", c)
		for k, typ := range wire.ViolationTypes {
			ts, es := timeline(uint64(c*10+k), 110)
			for i, t := range ts {
				truth = append(truth, wire.Violation{ID: fmt.Sprintf("%s-%d-%d", cam, k, i), Type: typ, Camera: cam,
					Wall: start.Add(time.Duration(t)), Plate: "29A-123.45", Night: c%3 == 0, Weather: "clear"})
			}
			for i, e := range es {
				at := start.Add(time.Duration(e))
				events = append(events, Received{Event: wire.Event{EventID: fmt.Sprintf("%s-%d-e%d", cam, k, i), CameraID: cam,
					Type: typ, Time: at, Plate: "29A12345", Confidence: 0.9, Source: "d"}, At: at.Add(800 * time.Millisecond)})
			}
		}
	}
	slices.SortStableFunc(events, func(a, b Received) int { return a.At.Compare(b.At) })
	shuffled := slices.Clone(events)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, c := range []struct {
		name   string
		events []Received
	}{{"arrival-order", events}, {"shuffled", shuffled}} {
		b.Run(c.name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				ScoreRun(truth, c.events, nil, Config{})
			}
			rate(b, len(c.events), cpu)
		})
	}
}

// BenchmarkLive is the center's cost: truths and events of 100 cameras added in time order
// from one goroutine, the score read every 10,000 inputs, everything final at the end.
func BenchmarkLive(b *testing.B) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type input struct {
		at    time.Time
		truth *wire.Violation
		event *Received
	}
	var in []input
	for c := range 100 {
		cam := fmt.Sprintf("cam-%03d", c)
		for k, typ := range wire.ViolationTypes {
			ts, es := timeline(uint64(c*10+k), 110)
			for i, t := range ts {
				v := &wire.Violation{ID: fmt.Sprintf("%s-%d-%d", cam, k, i), Type: typ, Camera: cam, Wall: start.Add(time.Duration(t)), Plate: "29A-123.45"}
				in = append(in, input{at: v.Wall, truth: v})
			}
			for i, e := range es {
				at := start.Add(time.Duration(e))
				r := &Received{Event: wire.Event{EventID: fmt.Sprintf("%s-%d-e%d", cam, k, i), CameraID: cam, Type: typ, Time: at,
					Plate: "29A12345", Confidence: 0.9, Source: "d"}, At: at.Add(800 * time.Millisecond)}
				in = append(in, input{at: r.At, event: r})
			}
		}
	}
	slices.SortStableFunc(in, func(a, b input) int { return a.at.Compare(b.at) })
	events := 0
	for _, x := range in {
		if x.event != nil {
			events++
		}
	}
	cpu := cpuTime()
	for b.Loop() {
		l := NewLive(Config{})
		for i, x := range in {
			if x.truth != nil {
				l.AddTruth(*x.truth)
			} else {
				l.AddEvent(x.event.Event, x.event.At)
			}
			if i%10000 == 0 {
				l.Score(x.at)
			}
		}
		l.Score(start.Add(24 * time.Hour))
	}
	rate(b, events, cpu)
}
