package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// The scoring test language (testdata/*.test), one directive per line, '#' comments:
//
//	case <name>                          starts a case
//	window <dur> | grace <dur>           matching window and live grace (defaults 2s, 5s)
//	truth <id> <camera> <type> <t> [plate=P] [unreadable] [night] [weather=W] [class=C]
//	event <id> <camera> <type> <t> [plate=P] [recv=<t>] [class=C] [conf=F]
//	fault <camera> <t> <duration> <kind>
//	camera <id> day|night [weather=W]    the camera's conditions (Config.Cameras)
//	delivery <camera> <frames> [late=N]  frames the farm delivered (wire.Delivery)
//	expect delivery <camera> frames=N late=N
//	expect <scope> key=value ...         scope: overall | type T | camera C | condition K | score
//	expect pair <truth> <event>          the two are matched
//	expect <outcome> <id>                fn <truth> | fp <event> | dup <event>
//	expect live <scope> key=value ...    like expect, against the live scorer fed in real time
//
// Times <t> are offsets (Go durations: 1.5s, -200ms) from 2026-01-01T08:00:00Z; an event is
// received at its capture time unless recv= says otherwise. Every case is scored in batch,
// live all at once, and live in real time; the three must agree, unless the case has
// "expect live" lines (late events), which are then checked against the real-time scorer.

var epoch = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

type scoreCase struct {
	name   string
	line   int
	cfg    Config
	truths []wire.Violation
	events []Received
	faults []wire.Fault
	deliv  []wire.Delivery
	expect []expectation
}

type expectation struct {
	line  int
	live  bool
	kind  string // metrics, pair, fn, fp, dup
	scope string // overall, type, camera, condition, score
	key   string // the type, camera or condition
	want  map[string]float64
	a, b  string
}

func parseCases(name string, src []byte) ([]*scoreCase, error) {
	var cases []*scoreCase
	var c *scoreCase
	for n, raw := range strings.Split(string(src), "\n") {
		line := n + 1
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			raw = raw[:i]
		}
		f := fields(raw)
		if len(f) == 0 {
			continue
		}
		fail := func(format string, a ...any) error {
			return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, a...))
		}
		if f[0] == "case" {
			if len(f) < 2 {
				return nil, fail("case needs a name")
			}
			c = &scoreCase{name: strings.Join(f[1:], " "), line: line}
			cases = append(cases, c)
			continue
		}
		if c == nil {
			return nil, fail("%q before the first case", f[0])
		}
		var err error
		switch f[0] {
		case "window", "grace":
			if len(f) != 2 {
				return nil, fail("%s needs one duration", f[0])
			}
			var d time.Duration
			if d, err = time.ParseDuration(f[1]); err != nil || d <= 0 {
				return nil, fail("%s: bad duration %q", f[0], f[1])
			}
			if f[0] == "window" {
				c.cfg.Window = d
			} else {
				c.cfg.Grace = d
			}
		case "truth":
			err = c.parseTruth(f[1:])
		case "event":
			err = c.parseEvent(f[1:])
		case "fault":
			err = c.parseFault(f[1:])
		case "camera":
			err = c.parseCamera(f[1:])
		case "delivery":
			err = c.parseDelivery(f[1:])
		case "expect":
			err = c.parseExpect(f[1:], line)
		default:
			err = fmt.Errorf("unknown directive %q", f[0])
		}
		if err != nil {
			return nil, fail("%v", err)
		}
	}
	return cases, nil
}

// fields splits a line at spaces, keeping double-quoted parts (plate="29-B1 123.45") whole.
func fields(s string) []string {
	var out []string
	var b strings.Builder
	in, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			in, any = !in, true
		case !in && (r == ' ' || r == '\t' || r == '\r'):
			if any {
				out = append(out, b.String())
				b.Reset()
				any = false
			}
		default:
			b.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, b.String())
	}
	return out
}

func offset(s string) (time.Time, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q (want a duration such as 1.5s)", s)
	}
	return epoch.Add(d), nil
}

func attrs(f []string, allowed ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range f {
		k, v, _ := strings.Cut(a, "=")
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("unknown attribute %q (want one of %s)", k, strings.Join(allowed, ", "))
		}
		out[k] = v
	}
	return out, nil
}

func (c *scoreCase) parseTruth(f []string) error {
	if len(f) < 4 {
		return fmt.Errorf("truth needs <id> <camera> <type> <t>")
	}
	t, err := offset(f[3])
	if err != nil {
		return err
	}
	a, err := attrs(f[4:], "plate", "unreadable", "night", "weather", "class")
	if err != nil {
		return err
	}
	_, night := a["night"]
	_, unreadable := a["unreadable"] // a plate is shown readable unless the line says otherwise
	c.truths = append(c.truths, wire.Violation{ID: f[0], Camera: f[1], Type: wire.ViolationType(f[2]), Wall: t,
		Plate: a["plate"], PlateReadable: a["plate"] != "" && !unreadable, Night: night, Weather: a["weather"], Class: wire.Class(a["class"])})
	return nil
}

func (c *scoreCase) parseEvent(f []string) error {
	if len(f) < 4 {
		return fmt.Errorf("event needs <id> <camera> <type> <t>")
	}
	t, err := offset(f[3])
	if err != nil {
		return err
	}
	a, err := attrs(f[4:], "plate", "recv", "class", "conf")
	if err != nil {
		return err
	}
	r := Received{Event: wire.Event{EventID: f[0], CameraID: f[1], Type: wire.ViolationType(f[2]), Time: t,
		Plate: a["plate"], VehicleClass: wire.Class(a["class"]), Confidence: 0.9, Source: "dut"}, At: t}
	if v, ok := a["recv"]; ok {
		if r.At, err = offset(v); err != nil {
			return err
		}
	}
	if v, ok := a["conf"]; ok {
		if r.Confidence, err = strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("bad confidence %q", v)
		}
	}
	c.events = append(c.events, r)
	return nil
}

func (c *scoreCase) parseCamera(f []string) error {
	if len(f) < 2 || (f[1] != "day" && f[1] != "night") {
		return fmt.Errorf("camera needs <id> day|night [weather=W]")
	}
	a, err := attrs(f[2:], "weather")
	if err != nil {
		return err
	}
	if c.cfg.Cameras == nil {
		c.cfg.Cameras = map[string]Condition{}
	}
	c.cfg.Cameras[f[0]] = Condition{Night: f[1] == "night", Weather: a["weather"]}
	return nil
}

func (c *scoreCase) parseDelivery(f []string) error {
	if len(f) < 2 {
		return fmt.Errorf("delivery needs <camera> <frames> [late=N]")
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("bad frame count %q", f[1])
	}
	a, err := attrs(f[2:], "late")
	if err != nil {
		return err
	}
	d := wire.Delivery{Camera: f[0], From: epoch, To: epoch.Add(time.Second), Frames: n}
	if v, ok := a["late"]; ok {
		if d.Late, err = strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("bad late count %q", v)
		}
	}
	c.deliv = append(c.deliv, d)
	return nil
}

func (c *scoreCase) parseFault(f []string) error {
	if len(f) != 4 {
		return fmt.Errorf("fault needs <camera> <t> <duration> <kind>")
	}
	t, err := offset(f[1])
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(f[2])
	if err != nil || d < 0 {
		return fmt.Errorf("bad fault duration %q", f[2])
	}
	c.faults = append(c.faults, wire.Fault{Camera: f[0], Time: t, Duration: d, Kind: f[3]})
	return nil
}

func (c *scoreCase) parseExpect(f []string, line int) error {
	e := expectation{line: line}
	if len(f) > 0 && f[0] == "live" {
		e.live, f = true, f[1:]
	}
	if len(f) == 0 {
		return fmt.Errorf("expect needs a scope")
	}
	switch f[0] {
	case "pair":
		if len(f) != 3 {
			return fmt.Errorf("expect pair needs <truth> <event>")
		}
		e.kind, e.a, e.b = "pair", f[1], f[2]
	case "fn", "fp", "dup":
		if len(f) != 2 {
			return fmt.Errorf("expect %s needs one id", f[0])
		}
		e.kind, e.a = f[0], f[1]
	case "overall", "score", "type", "camera", "condition", "delivery":
		e.kind, e.scope = "metrics", f[0]
		f = f[1:]
		if e.scope != "overall" && e.scope != "score" {
			if len(f) == 0 {
				return fmt.Errorf("expect %s needs a name", e.scope)
			}
			e.key, f = f[0], f[1:]
		}
		if len(f) == 0 {
			return fmt.Errorf("expect %s needs key=value pairs", e.scope)
		}
		e.want = map[string]float64{}
		for _, kv := range f {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("want key=value, got %q", kv)
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%s: bad number %q", k, v)
			}
			e.want[k] = x
		}
	default:
		return fmt.Errorf("unknown expect scope %q", f[0])
	}
	c.expect = append(c.expect, e)
	return nil
}

// numbers flattens a JSON object of numbers.
func numbers(v any) map[string]float64 {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := map[string]float64{}
	for k, x := range m {
		if f, ok := x.(float64); ok {
			out[k] = f
		}
	}
	return out
}

func (c *scoreCase) check(t *testing.T, e expectation, s Score, matches []Match) {
	t.Helper()
	where := fmt.Sprintf("line %d", e.line)
	find := func(o Outcome, truth, event string) bool {
		for _, m := range matches {
			if m.Outcome == o && (truth == "" || m.TruthID == truth) && (event == "" || m.EventID == event) {
				return true
			}
		}
		return false
	}
	switch e.kind {
	case "pair":
		if !find(TP, e.a, e.b) {
			t.Errorf("%s: %s and %s are not paired; matches:\n%s", where, e.a, e.b, dump(matches))
		}
	case "fn":
		if !find(FN, e.a, "") {
			t.Errorf("%s: truth %s is not a miss; matches:\n%s", where, e.a, dump(matches))
		}
	case "fp", "dup":
		if !find(Outcome(e.kind), "", e.a) {
			t.Errorf("%s: event %s is not %s; matches:\n%s", where, e.a, e.kind, dump(matches))
		}
	case "metrics":
		var got map[string]float64
		switch e.scope {
		case "overall":
			got = numbers(s.Overall)
		case "score":
			got = numbers(s)
		case "delivery":
			d, ok := s.Delivery[e.key]
			if !ok {
				t.Errorf("%s: no delivery for camera %q", where, e.key)
				return
			}
			got = numbers(d)
		default:
			m, ok := map[string]map[string]Metrics{"type": s.ByType, "camera": s.ByCamera, "condition": s.ByCondition}[e.scope][e.key]
			if !ok {
				t.Errorf("%s: no %s %q in the score", where, e.scope, e.key)
				return
			}
			got = numbers(m)
		}
		for k, want := range e.want {
			g, ok := got[k]
			if !ok {
				t.Errorf("%s: unknown metric %q", where, k)
				continue
			}
			if math.Abs(g-want) > 1e-4 {
				t.Errorf("%s: %s %s %s = %v, want %v", where, e.scope, e.key, k, g, want)
			}
		}
	}
}

func dump(ms []Match) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  %s truth=%s event=%s\n", m.Outcome, m.TruthID, m.EventID)
	}
	return b.String()
}

// liveAtOnce feeds everything to a Live and scores far in the future.
func (c *scoreCase) liveAtOnce() (Score, []Match) {
	l := NewLive(c.cfg)
	var ms []Match
	l.OnMatch(func(m Match) { ms = append(ms, m) })
	for _, f := range c.faults {
		l.AddFault(f)
	}
	for _, d := range c.deliv {
		l.AddDelivery(d)
	}
	for _, v := range c.truths {
		l.AddTruth(v)
	}
	events := slices.Clone(c.events) // the center adds events in the order it receives them
	slices.SortStableFunc(events, func(a, b Received) int { return a.At.Compare(b.At) })
	for _, e := range events {
		l.AddEvent(e.Event, e.At)
	}
	return l.ScoreIntervals(epoch.Add(1000 * time.Hour)), ms // final: with intervals, which must match the batch's
}

// liveInTime feeds every input at the moment it happens (truths and faults at their time,
// events when received) and asks for the score after each, as the center does.
func (c *scoreCase) liveInTime() (Score, []Match) {
	type input struct {
		at  time.Time
		add func(*Live)
	}
	var in []input
	for _, f := range c.faults {
		in = append(in, input{f.Time, func(l *Live) { l.AddFault(f) }})
	}
	for _, d := range c.deliv {
		in = append(in, input{d.To, func(l *Live) { l.AddDelivery(d) }})
	}
	for _, v := range c.truths {
		in = append(in, input{v.Wall, func(l *Live) { l.AddTruth(v) }})
	}
	for _, e := range c.events {
		in = append(in, input{e.At, func(l *Live) { l.AddEvent(e.Event, e.At) }})
	}
	slices.SortStableFunc(in, func(a, b input) int { return a.at.Compare(b.at) })
	l := NewLive(c.cfg)
	var ms []Match
	l.OnMatch(func(m Match) { ms = append(ms, m) })
	for _, x := range in {
		l.Score(x.at)
		x.add(l)
	}
	return l.Score(epoch.Add(1000 * time.Hour)), ms
}

func canonical(ms []Match) []Match {
	out := append([]Match{}, ms...)
	key := func(m Match) string {
		return fmt.Sprint(m.Outcome, "|", m.TruthID, "|", m.EventID, "|", m.Camera, "|", m.Type, "|", m.TruthTime.UnixNano(), "|", m.EventTime.UnixNano(), "|", m.Received.UnixNano())
	}
	slices.SortStableFunc(out, func(a, b Match) int { return strings.Compare(key(a), key(b)) })
	return out
}

func sameScore(t *testing.T, what string, want, got Score, wm, gm []Match) {
	t.Helper()
	want.GraceMs, got.GraceMs = 0, 0
	if got.Overall.CI == nil { // a live score without intervals: compare the rest
		want = withoutIntervals(want)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("%s score differs from batch:\nbatch %s\n%s %s", what, a, what, b)
	}
	a, _ = json.Marshal(canonical(wm))
	b, _ = json.Marshal(canonical(gm))
	if !bytes.Equal(a, b) {
		t.Errorf("%s matches differ from batch:\nbatch\n%s%s\n%s", what, dump(canonical(wm)), what, dump(canonical(gm)))
	}
}

func TestScoringLanguage(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.test")
	if len(files) == 0 {
		t.Fatal("no testdata/*.test files")
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := parseCases(file, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			t.Run(filepath.Base(file)+"/"+c.name, func(t *testing.T) {
				score, matches := ScoreRun(c.truths, c.events, c.faults, c.cfg)
				score.AddDeliveries(c.deliv)
				hasLive := false
				for _, e := range c.expect {
					if e.live {
						hasLive = true
						continue
					}
					c.check(t, e, score, matches)
				}
				ls, lm := c.liveAtOnce()
				sameScore(t, "live (all at once)", score, ls, matches, lm)
				rs, rm := c.liveInTime()
				if !hasLive {
					sameScore(t, "live (in time)", score, rs, matches, rm)
					return
				}
				for _, e := range c.expect {
					if e.live {
						c.check(t, e, rs, rm)
					}
				}
			})
		}
	}
}

func TestScoringLanguageErrors(t *testing.T) {
	cases := []struct{ src, err string }{
		{"truth t1 c red_light 0s", `x.test:1: "truth" before the first case`},
		{"case\n", `x.test:1: case needs a name`},
		{"case a\nwindow 0s", `x.test:2: window: bad duration "0s"`},
		{"case a\ntruth t1 c red_light", `x.test:2: truth needs <id> <camera> <type> <t>`},
		{"case a\ntruth t1 c red_light 1x", `x.test:2: bad time "1x" (want a duration such as 1.5s)`},
		{"case a\ntruth t1 c red_light 1s colour=red", `x.test:2: unknown attribute "colour" (want one of plate, unreadable, night, weather, class)`},
		{"case a\nevent e1 c red_light 1s conf=high", `x.test:2: bad confidence "high"`},
		{"case a\nfault c 1s", `x.test:2: fault needs <camera> <t> <duration> <kind>`},
		{"case a\nexpect overall", `x.test:2: expect overall needs key=value pairs`},
		{"case a\nexpect overall tp", `x.test:2: want key=value, got "tp"`},
		{"case a\nexpect overall tp=x", `x.test:2: tp: bad number "x"`},
		{"case a\nexpect sideways tp=1", `x.test:2: unknown expect scope "sideways"`},
		{"case a\nexpect type tp=1", `x.test:2: expect type needs key=value pairs`},
		{"case a\nexpect pair t1", `x.test:2: expect pair needs <truth> <event>`},
		{"case a\ncamera c1 dusk", `x.test:2: camera needs <id> day|night [weather=W]`},
		{"case a\ndelivery c1 many", `x.test:2: bad frame count "many"`},
		{"case a\nfrobnicate", `x.test:2: unknown directive "frobnicate"`},
	}
	for _, c := range cases {
		_, err := parseCases("x.test", []byte(c.src))
		if err == nil || err.Error() != c.err {
			t.Errorf("%q: error %v, want %s", c.src, err, c.err)
		}
	}
}

// FuzzScoringLanguage feeds the test-language parser and scores whatever parses: neither the
// parser nor the scorers may panic, and batch and live must agree on every parsed case.
func FuzzScoringLanguage(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.test")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Add([]byte("case x\ntruth a c red_light 0s\nevent b c red_light 1s plate=1"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cases, err := parseCases("fuzz.test", src)
		if err != nil {
			return
		}
		for _, c := range cases {
			if len(c.truths)+len(c.events) > 200 {
				continue
			}
			s, m := ScoreRun(c.truths, c.events, c.faults, c.cfg)
			s.AddDeliveries(c.deliv)
			ls, lm := c.liveAtOnce()
			sameScore(t, "live", s, ls, m, lm)
		}
	})
}

// TestLiveInTimeAgreesRandom scores random timelines (several cameras and types, dense
// enough for long chains of overlapping windows, duplicates, faults) in batch and live in
// real time: with every event received within the grace, they must agree exactly.
func TestLiveInTimeAgreesRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for iter := range 300 {
		c := &scoreCase{name: fmt.Sprint(iter), cfg: Config{Window: time.Duration(1+r.IntN(3)) * time.Second, Grace: time.Duration(3+r.IntN(5)) * time.Second}}
		cams, types := []string{"a", "b"}, []wire.ViolationType{wire.RedLight, wire.NoHelmet}
		span := 20 + r.IntN(200)
		for i := range r.IntN(30) {
			c.truths = append(c.truths, wire.Violation{ID: fmt.Sprint("t", i), Camera: cams[r.IntN(2)], Type: types[r.IntN(2)],
				Wall: epoch.Add(time.Duration(r.IntN(span*10)) * 100 * time.Millisecond), Plate: "29A-111.11", Night: r.IntN(2) == 0})
		}
		for i := range r.IntN(30) {
			at := epoch.Add(time.Duration(r.IntN(span*10)) * 100 * time.Millisecond)
			e := Received{Event: wire.Event{EventID: fmt.Sprint("e", i), CameraID: cams[r.IntN(2)], Type: types[r.IntN(2)], Time: at,
				Plate: "29A11111", Source: "d"}, At: at.Add(time.Duration(r.Int64N(int64(c.cfg.Grace))))}
			c.events = append(c.events, e)
			if r.IntN(10) == 0 {
				d := e
				d.At = d.At.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
				c.events = append(c.events, d)
			}
		}
		if r.IntN(3) == 0 {
			c.faults = append(c.faults, wire.Fault{Camera: "a", Time: epoch.Add(time.Duration(r.IntN(span)) * time.Second), Duration: 10 * time.Second})
		}
		s, m := ScoreRun(c.truths, c.events, c.faults, c.cfg)
		ls, lm := c.liveInTime()
		sameScore(t, fmt.Sprintf("iteration %d: live (in time)", iter), s, ls, m, lm)
		if t.Failed() {
			t.Fatalf("case: %+v", c)
		}
	}
}

// withoutIntervals is a copy of s without its 95 % intervals.
func withoutIntervals(s Score) Score {
	s.Overall.CI, s.Seed = nil, 0
	strip := func(m map[string]Metrics) map[string]Metrics {
		out := make(map[string]Metrics, len(m))
		for k, v := range m {
			v.CI = nil
			out[k] = v
		}
		return out
	}
	s.ByType, s.ByCamera, s.ByCondition = strip(s.ByType), strip(s.ByCamera), strip(s.ByCondition)
	return s
}
