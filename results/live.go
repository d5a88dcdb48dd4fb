package results

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// Live scores a run while it happens; sim/center feeds it and serves Score as GET /v1/score.
// Safe for concurrent use.
//
// A truth is final once now > wall + Window + Grace. Scoring then works on the final prefix
// of each camera/type group, cut where no truth window crosses the cut, so the pairs are
// exactly those ScoreRun finds over the whole run. This holds when events reach the center
// within Grace of their capture time and truths within Grace - Window of their wall time (the
// farm publishes truth as it plays, so in practice at once). An event that arrives after the
// part of the timeline it belongs to was final is scored as a FP and counted in Score.Late;
// that is the one place where live and batch scores can differ.
//
// Memory: pending inputs are dropped once final; every event_id is remembered for
// de-duplication (tens of bytes each), and per camera the truth conditions (16 bytes each).
type Live struct {
	mu      sync.Mutex
	cfg     Config
	s       *scorer
	t       *tally
	groups  map[groupKey]*liveGroup
	seen    map[string]struct{}
	onMatch func(Match)
	scratch []Match
}

type liveGroup struct {
	truths []*wire.Violation // by wall time, not yet final
	events []*Received       // by time, not yet final
	bound  int64             // events before this time are final (late if they come now)
}

// NewLive returns a live scorer. cfg.Window and cfg.Grace default to 2 s and 5 s.
func NewLive(cfg Config) *Live {
	cfg = cfg.withDefaults()
	return &Live{cfg: cfg, s: newScorer(cfg), t: newTally(), groups: map[groupKey]*liveGroup{}, seen: map[string]struct{}{}}
}

// OnMatch sets a function called with every final Match (for matches.jsonl). It runs with
// the scorer's lock held and must not call the Live back.
func (l *Live) OnMatch(f func(Match)) {
	l.mu.Lock()
	l.onMatch = f
	l.mu.Unlock()
}

func (l *Live) group(k groupKey) *liveGroup {
	g := l.groups[k]
	if g == nil {
		g = &liveGroup{bound: -1 << 63}
		l.groups[k] = g
	}
	return g
}

func (l *Live) emit(m Match) {
	l.t.add(&m)
	if l.onMatch != nil {
		l.onMatch(m)
	}
}

// AddTruth adds a truth violation with its wall time set. One without wall time, camera or
// a known type is counted in Score.Invalid.
func (l *Live) AddTruth(v wire.Violation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !validTruth(&v) {
		l.t.invalid++
		return
	}
	if l.cfg.Cuts.count(&v, l.t) {
		return
	}
	l.s.addTruthCondition(&v)
	g := l.group(groupKey{v.Camera, v.Type})
	i := sort.Search(len(g.truths), func(i int) bool {
		w := g.truths[i]
		return w.Wall.After(v.Wall) || (w.Wall.Equal(v.Wall) && w.ID > v.ID)
	})
	g.truths = slices.Insert(g.truths, i, &v)
}

// SetCuts changes the cuts for the truths still to come; a truth already added and not yet
// final that the new cuts leave out is taken back (an interrupted run's end moves earlier
// while truth of frames never played is pending), so the score stays what ScoreRun computes
// from the record with the last cuts. Cut truths stay out.
func (l *Live) SetCuts(c Cuts) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg.Cuts = c
	for _, g := range l.groups {
		g.truths = slices.DeleteFunc(g.truths, func(v *wire.Violation) bool { return c.count(v, l.t) })
	}
}

// Cuts returns the cuts in force.
func (l *Live) Cuts() Cuts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg.Cuts
}

// AddFault adds an injected fault (it tags the truths and events it covers).
func (l *Live) AddFault(f wire.Fault) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.addFault(f)
}

// AddDelivery adds the frames a farm delivered to one camera's viewer.
func (l *Live) AddDelivery(d wire.Delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.addDelivery(Delivery{Frames: d.Frames, Bytes: d.Bytes, Late: d.Late}, d.Camera)
}

// AddEvent adds a device event and the time the center received it. A repeated event_id is
// scored as a duplicate; an invalid event (wire.Event.Validate) is counted in Score.Invalid.
func (l *Live) AddEvent(e wire.Event, received time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := &Received{Event: e, At: received}
	if r.Validate() != nil {
		l.t.invalid++
		return
	}
	if _, ok := l.seen[e.EventID]; ok {
		m := l.s.eventMatch(r, Dup)
		l.emit(m)
		return
	}
	l.seen[e.EventID] = struct{}{}
	g := l.group(groupKey{e.CameraID, e.Type})
	if t := e.Time.UnixNano(); t < g.bound {
		m := l.s.eventMatch(r, FP)
		m.Late = true
		l.emit(m)
		return
	}
	i := sort.Search(len(g.events), func(i int) bool {
		w := g.events[i]
		return w.Time.After(e.Time) || (w.Time.Equal(e.Time) && w.EventID > e.EventID)
	})
	g.events = slices.Insert(g.events, i, r)
}

// Score finalises what is final at now and returns the summary of everything final so far,
// with the counts still pending. It leaves out the intervals (Metrics.CI), whose bootstrap
// is too slow to repeat on every poll: ScoreIntervals adds them.
func (l *Live) Score(now time.Time) Score { return l.score(now, false) }

// ScoreIntervals is Score with the 95 % intervals: for the summary at the end of a run.
func (l *Live) ScoreIntervals(now time.Time) Score { return l.score(now, true) }

func (l *Live) score(now time.Time, ci bool) Score {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-l.cfg.Grace).UnixNano()
	w := int64(l.cfg.Window)
	pt, pe := 0, 0
	keys := make([]groupKey, 0, len(l.groups))
	for k := range l.groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b groupKey) int { return cmp.Or(cmp.Compare(a.camera, b.camera), cmp.Compare(a.typ, b.typ)) })
	for _, key := range keys {
		g := l.groups[key]
		// k: final truths, cut back to the last gap wider than two windows.
		k := sort.Search(len(g.truths), func(i int) bool { return g.truths[i].Wall.UnixNano()+w >= cut })
		bound := cut
		if k < len(g.truths) {
			for k > 0 && g.truths[k].Wall.UnixNano()-g.truths[k-1].Wall.UnixNano() <= 2*w {
				k--
			}
			bound = min(cut, g.truths[k].Wall.UnixNano()-w)
		}
		bound = max(bound, g.bound)
		e := sort.Search(len(g.events), func(i int) bool { return g.events[i].Time.UnixNano() >= bound })
		if k > 0 || e > 0 {
			l.scratch = l.s.group(g.truths[:k], g.events[:e], l.scratch[:0])
			for _, m := range l.scratch {
				l.emit(m)
			}
			clear(l.scratch) // drop references to strings of scored inputs
			g.truths = slices.Delete(g.truths, 0, k)
			g.events = slices.Delete(g.events, 0, e)
		}
		g.bound = bound
		pt += len(g.truths)
		pe += len(g.events)
	}
	s := l.t.score(l.cfg, ci)
	s.GraceMs = float64(l.cfg.Grace) / 1e6
	s.PendingTruths, s.PendingEvents = pt, pe
	return s
}
