package results

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/trafficsim/trafficsim/wire"
)

// scorer holds what both batch and live scoring need besides the pending data: the fault
// and camera-condition indexes and a matcher.
type scorer struct {
	cfg       Config
	faults    map[string]*intervals
	conds     map[string]*condIndex
	condTable []Condition // interned truth conditions
	condID    map[Condition]uint32
	mt        Matcher
	tt, et    []int64
}

func newScorer(cfg Config) *scorer {
	return &scorer{cfg: cfg, faults: map[string]*intervals{}, conds: map[string]*condIndex{}, condID: map[Condition]uint32{}}
}

// intervals answers "does any interval cover t" for one camera's faults.
type intervals struct {
	from, to []int64 // sorted by from
	maxTo    []int64 // running max of to
	dirty    bool
}

func (iv *intervals) add(from, to int64) {
	iv.from, iv.to, iv.dirty = append(iv.from, from), append(iv.to, to), true
}

func (iv *intervals) covers(t int64) bool {
	if iv.dirty {
		idx := make([]int, len(iv.from))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return iv.from[idx[a]] < iv.from[idx[b]] })
		f, o := make([]int64, len(idx)), make([]int64, len(idx))
		for k, i := range idx {
			f[k], o[k] = iv.from[i], iv.to[i]
		}
		iv.from, iv.to, iv.maxTo = f, o, make([]int64, len(idx))
		m := int64(-1 << 63)
		for k := range o {
			m = max(m, o[k])
			iv.maxTo[k] = m
		}
		iv.dirty = false
	}
	k := sort.Search(len(iv.from), func(i int) bool { return iv.from[i] > t })
	return k > 0 && iv.maxTo[k-1] >= t
}

// condIndex finds the latest truth condition on a camera at or before a time. Truths that
// come in time order (live) keep it sorted; others (batch) sort it once, at the first query.
type condIndex struct {
	items []condAt
	dirty bool
}

type condAt struct {
	at   int64
	seq  int32
	cond uint32 // index into scorer.condTable
}

func (c *condIndex) add(t int64, k uint32) {
	if n := len(c.items); n > 0 && t < c.items[n-1].at {
		c.dirty = true
	}
	c.items = append(c.items, condAt{t, int32(len(c.items)), k})
}

// latest returns the condition of the last truth at or before t (the last added among
// equal times).
func (c *condIndex) latest(t int64) (uint32, bool) {
	if c.dirty {
		slices.SortFunc(c.items, func(a, b condAt) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
		c.dirty = false
	}
	i := sort.Search(len(c.items), func(i int) bool { return c.items[i].at > t })
	if i == 0 {
		return 0, false
	}
	return c.items[i-1].cond, true
}

func (s *scorer) addFault(f wire.Fault) {
	iv := s.faults[f.Camera]
	if iv == nil {
		iv = &intervals{}
		s.faults[f.Camera] = iv
	}
	from, to := f.Time.UnixNano(), int64(math.MaxInt64) // no duration: from then to the end of the run
	if f.Duration > 0 {
		to = from + int64(f.Duration)
	}
	iv.add(from, to)
}

func (s *scorer) addTruthCondition(v *wire.Violation) {
	c := s.conds[v.Camera]
	if c == nil {
		c = &condIndex{}
		s.conds[v.Camera] = c
	}
	k := Condition{Night: v.Night, Weather: v.Weather}
	id, ok := s.condID[k]
	if !ok {
		id = uint32(len(s.condTable))
		s.condTable = append(s.condTable, k)
		s.condID[k] = id
	}
	c.add(v.Wall.UnixNano(), id)
}

func (s *scorer) faulted(camera string, t int64) bool {
	iv := s.faults[camera]
	return iv != nil && iv.covers(t)
}

func light(night bool) string {
	if night {
		return Night
	}
	return Day
}

// eventConditions tags an event that has no truth (see the package doc).
func (s *scorer) eventConditions(m *Match, camera string, t int64) {
	m.Light, m.Faulted = Unknown, s.faulted(camera, t)
	if c, ok := s.cfg.Cameras[camera]; ok {
		m.Light, m.Weather = light(c.Night), c.Weather
		return
	}
	if ci := s.conds[camera]; ci != nil {
		if id, ok := ci.latest(t); ok {
			c := s.condTable[id]
			m.Light, m.Weather = light(c.Night), c.Weather
		}
	}
}

// SamePlate reports whether two plates read the same: wire.NormalizePlate(a) ==
// wire.NormalizePlate(b), without allocating for ASCII plates.
func SamePlate(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && ignored(a[i]) {
			i++
		}
		for j < len(b) && ignored(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		x, y := a[i], b[j]
		if x >= 0x80 || y >= 0x80 {
			return wire.NormalizePlate(a[i:]) == wire.NormalizePlate(b[j:])
		}
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
		i, j = i+1, j+1
	}
}

func ignored(c byte) bool { return c == '-' || c == '.' || c == ' ' || c == '\t' }

func validTruth(v *wire.Violation) bool { return !v.Wall.IsZero() && v.Camera != "" && v.Type.Valid() }

func truthMatch(v *wire.Violation, faulted bool) Match {
	return Match{Outcome: FN, Camera: v.Camera, Type: v.Type, TruthID: v.ID, TruthTime: v.Wall,
		TruthPlate: v.Plate, Light: light(v.Night), Weather: v.Weather, Faulted: faulted}
}

func (s *scorer) eventMatch(e *Received, o Outcome) Match {
	m := Match{Outcome: o, Camera: e.CameraID, Type: e.Type, EventID: e.EventID, EventTime: e.Time,
		Received: e.At, EventPlate: e.Plate}
	s.eventConditions(&m, e.CameraID, e.Time.UnixNano())
	return m
}

// group matches one camera/type group, truths sorted by wall time and events by time, and
// appends one Match per truth and per event, in time order, to out.
func (s *scorer) group(truths []*wire.Violation, events []*Received, out []Match) []Match {
	s.tt, s.et = s.tt[:0], s.et[:0]
	for _, v := range truths {
		s.tt = append(s.tt, v.Wall.UnixNano())
	}
	for _, e := range events {
		s.et = append(s.et, e.Time.UnixNano())
	}
	pairs := s.mt.Match(s.tt, s.et, int64(s.cfg.Window))
	ti, ei, pi := 0, 0, 0
	for ti < len(truths) || ei < len(events) {
		// Next pair, or the earliest unmatched truth or event before it.
		if pi < len(pairs) && ti == pairs[pi].Truth && ei == pairs[pi].Event {
			v, e := truths[ti], events[ei]
			out = append(out, truthMatch(v, s.faulted(v.Camera, s.tt[ti])))
			m := &out[len(out)-1]
			m.Outcome, m.EventID, m.EventTime, m.Received, m.EventPlate = TP, e.EventID, e.Time, e.At, e.Plate
			m.TimeError, m.Latency = e.Time.Sub(v.Wall), e.At.Sub(v.Wall)
			if v.Plate != "" && v.PlateReadable { // a plate never shown readable is not scored
				m.PlateOK = PlateWrong
				if SamePlate(v.Plate, e.Plate) {
					m.PlateOK = PlateRight
				}
			}
			ti, ei, pi = ti+1, ei+1, pi+1
			continue
		}
		truthNext := ti < len(truths) && (pi >= len(pairs) || ti < pairs[pi].Truth)
		eventNext := ei < len(events) && (pi >= len(pairs) || ei < pairs[pi].Event)
		if truthNext && eventNext {
			if s.et[ei] < s.tt[ti] {
				truthNext = false
			} else {
				eventNext = false
			}
		}
		if truthNext {
			v := truths[ti]
			out = append(out, truthMatch(v, s.faulted(v.Camera, s.tt[ti])))
			ti++
		} else {
			out = append(out, s.eventMatch(events[ei], FP))
			ei++
		}
	}
	return out
}

// typeOrder is wire.ViolationTypes sorted by name: the order of groups in ScoreRun's output.
var typeOrder = func() [9]wire.ViolationType {
	var o [9]wire.ViolationType
	copy(o[:], wire.ViolationTypes)
	slices.Sort(o[:])
	return o
}()

func typeIndex(t wire.ViolationType) int {
	for i, x := range typeOrder {
		if x == t {
			return i
		}
	}
	panic("results: unvalidated violation type " + string(t))
}

type groupKey struct {
	camera string
	typ    wire.ViolationType
}

type groupData struct {
	truths []*wire.Violation
	events []*Received
}

// sortGroup orders a group by time, then id; inputs usually come in time order already
// (the farm publishes truth as it plays, devices send in capture order), so check first.
func sortGroup(g *groupData) {
	byTruth := func(a, b *wire.Violation) int { return cmp.Or(a.Wall.Compare(b.Wall), cmp.Compare(a.ID, b.ID)) }
	if !slices.IsSortedFunc(g.truths, byTruth) {
		slices.SortStableFunc(g.truths, byTruth)
	}
	byEvent := func(a, b *Received) int { return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.EventID, b.EventID)) }
	if !slices.IsSortedFunc(g.events, byEvent) {
		slices.SortStableFunc(g.events, byEvent)
	}
}

// ScoreRun scores a finished run: every truth, every received event (in any order; repeated
// event_ids are duplicates, the one received first counts) and the faults injected. It
// returns the summary and one Match per truth, event and duplicate, grouped by camera and
// type and in time order within a group. Invalid inputs are counted in Score.Invalid.
func ScoreRun(truth []wire.Violation, events []Received, faults []wire.Fault, cfg Config) (Score, []Match) {
	cfg = cfg.withDefaults()
	s := newScorer(cfg)
	t := newTally()
	for _, f := range faults {
		s.addFault(f)
	}
	// Groups by camera, then by violation type (inputs are validated, so the type is known).
	cams := map[string]*[len(typeOrder)]*groupData{}
	at := func(camera string, typ wire.ViolationType) *groupData {
		c := cams[camera]
		if c == nil {
			c = new([len(typeOrder)]*groupData)
			cams[camera] = c
		}
		i := typeIndex(typ)
		if c[i] == nil {
			c[i] = &groupData{}
		}
		return c[i]
	}
	for i := range truth {
		v := &truth[i]
		if !validTruth(v) {
			t.invalid++
			continue
		}
		if cfg.Cuts.count(v, t) {
			continue
		}
		s.addTruthCondition(v)
		g := at(v.Camera, v.Type)
		g.truths = append(g.truths, v)
	}
	// Duplicates: the copy received first counts (ties: the earlier in the input).
	type arrival struct {
		at  int64
		idx int
	}
	order := make([]arrival, len(events))
	for i := range events {
		order[i] = arrival{events[i].At.UnixNano(), i}
	}
	if !slices.IsSortedFunc(order, func(a, b arrival) int { return cmp.Compare(a.at, b.at) }) { // a record is in arrival order already
		slices.SortFunc(order, func(a, b arrival) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.idx, b.idx)) })
	}
	seen := make(map[string]struct{}, len(events))
	var matches []Match
	var dups []Match
	for _, o := range order {
		e := &events[o.idx]
		if e.Validate() != nil {
			t.invalid++
			continue
		}
		if _, ok := seen[e.EventID]; ok {
			dups = append(dups, s.eventMatch(e, Dup))
			continue
		}
		seen[e.EventID] = struct{}{}
		g := at(e.CameraID, e.Type)
		g.events = append(g.events, e)
	}
	names := make([]string, 0, len(cams))
	for k := range cams {
		names = append(names, k)
	}
	slices.Sort(names)
	matches = make([]Match, 0, len(truth)+len(events))
	for _, n := range names {
		for _, g := range cams[n] { // types in name order
			if g != nil {
				sortGroup(g)
				matches = s.group(g.truths, g.events, matches)
			}
		}
	}
	matches = append(matches, dups...)
	for i := range matches {
		t.add(&matches[i])
	}
	return t.score(cfg, true), matches
}

// AddDeliveries adds the frames a farm delivered (wire.Delivery records) to the score.
func (s *Score) AddDeliveries(ds []wire.Delivery) {
	if len(ds) == 0 {
		return
	}
	if s.Delivery == nil {
		s.Delivery = map[string]Delivery{}
	}
	for _, d := range ds {
		x := s.Delivery[d.Camera]
		x.Frames += d.Frames
		x.Bytes += d.Bytes
		x.Late += d.Late
		s.Delivery[d.Camera] = x.withInterval()
	}
}
