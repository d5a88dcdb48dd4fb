package device_test

import (
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/device/detect"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// scoreClip plays a clip through the decoder and the detector (capture time = epoch + frame /
// fps) and scores the events against the clip's truth with the project's matcher
// (results.ScoreRun: one truth to at most one event per camera and type, 2 s window).
// Truth is read only here, to score; the detector never sees it.
func scoreClip(tb testing.TB, c *library.Clip, epoch time.Time) (results.Score, []wire.Event) {
	tb.Helper()
	s, evs, _ := scoreClipJudged(tb, c, epoch)
	return s, evs
}

// scoreClipJudged is scoreClip that also returns the seconds the detector declined to judge,
// per type (Detector.NotJudged).
func scoreClipJudged(tb testing.TB, c *library.Clip, epoch time.Time) (results.Score, []wire.Event, map[wire.ViolationType]float64) {
	tb.Helper()
	cal, err := c.Calibration()
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := c.Truth()
	if err != nil {
		tb.Fatal(err)
	}
	det, err := detect.New(*cal, detect.Options{Source: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	dec, err := decode.New(decode.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer dec.Close()
	data, err := c.Stream()
	if err != nil {
		tb.Fatal(err)
	}
	var f decode.Frame
	var evs []wire.Event
	for i := range c.Index.Frames {
		ok, err := dec.Decode(c.AccessUnit(data, i), &f)
		if err != nil || !ok {
			continue
		}
		evs = append(evs, det.Process(&f, epoch.Add(time.Duration(float64(i)/cal.FPS*float64(time.Second))))...)
	}
	evs = append(evs, det.Flush()...)
	truth := make([]wire.Violation, len(tr.Violations))
	for i, v := range tr.Violations {
		v.Camera = cal.ID
		v.Wall = epoch.Add(time.Duration(v.T * float64(time.Second)))
		truth[i] = v
	}
	rec := make([]results.Received, len(evs))
	for i, e := range evs {
		rec[i] = results.Received{Event: e, At: e.Time}
	}
	s, _ := results.ScoreRun(truth, rec, nil, results.Config{})
	return s, evs, det.NotJudged()
}

// The accuracy harness itself, on a clip whose truth is known by construction: the drawn
// square goes the wrong way once per 3 s loop (75 frames); the 2 s mark of each pass is the
// truth. Played 5 loops, the first two in the detector's 4 s warm-up: 3 wrong_way truths, all
// found, no false alarm.
func TestAccuracyHarnessOnAKnownClip(t *testing.T) {
	t.Parallel()
	const loops, warm = 5, 2
	clip := drawnClip(t, 75*loops, 320, 240, func(i int, img *image.RGBA) {
		for y := range 240 {
			for x := range 320 {
				v := uint8(80 + (x*7+y*13)%16)
				img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			}
		}
		k := i % 75
		for y := 110; y < 130; y++ {
			for x := 4 * k; x < 4*k+20; x++ {
				img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
	})
	lane := wire.Polygon{{0, 4}, {16, 4}, {16, 7}, {0, 7}}
	cal := wire.Calibration{ID: "cam1", Width: 320, Height: 240, FPS: 25,
		RoadToImage: [9]float64{20, 0, 0, 0, -20, 240, 0, 0, 1}, ImageToRoad: [9]float64{0.05, 0, 0, 0, -0.05, 12, 0, 0, 1},
		Lanes: []wire.LaneRegion{{ID: "west", Road: lane, Direction: wire.Point{-1, 0}, Allowed: wire.Classes}}}
	tr := wire.Truth{Version: wire.TruthVersion, Scenario: "test", Camera: "cam1", FPS: 25, Width: 320, Height: 240}
	for k := warm; k < loops; k++ {
		tr.Violations = append(tr.Violations, wire.Violation{ID: fmt.Sprintf("v%d", k), Type: wire.WrongWay, Camera: "cam1", T: float64(k)*3 + 2, Class: wire.Motorbike})
	}
	writeJSON(t, filepath.Join(clip.Dir, library.TruthFile), tr)
	writeJSON(t, filepath.Join(clip.Dir, library.CameraFile), cal)
	s, evs := scoreClip(t, clip, epoch)
	m := s.ByType[string(wire.WrongWay)]
	if m.TP != loops-warm || m.FP != 0 || m.FN != 0 {
		t.Errorf("wrong_way %+v; events %v", m, evs)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAccuracy scores the reference detector on every clip of the library in
// TRAFFICSIM_CLIPS (`make bench-accuracy` makes one per shipped scenario, `make bench-fresh`
// one per fresh seed) and reports F1 per violation type as metrics. It logs the clips (scenario,
// seed, conditions), the table per type, the table per condition (time of day and weather) and
// type with the sample sizes and 95% Wilson intervals of precision and recall, and what the
// detector declined to judge (NotJudged) per clip. TRAFFICSIM_ACC_MATCHES=FILE writes every
// scored truth and event (JSON lines, with the clip and the event's box) for diagnosis.
//
//	TRAFFICSIM_CLIPS=.cache/clips go test -tags extlib,pkgconfig ./sim/device/ -run XXX -bench Accuracy -benchtime 1x -v
func BenchmarkAccuracy(b *testing.B) {
	clips := librarytest.FromEnv(b)
	if len(clips) == 0 {
		return
	}
	for range b.N {
		var truth []wire.Violation
		var rec []results.Received
		cond := map[string]results.Condition{}
		condOf := map[string]string{} // clip key -> "time_of_day/weather"
		digest := sha256.New()        // of every event but its evidence: a refactor must keep it
		var clipTab strings.Builder
		boxes := map[string]*wire.Box{}
		for ci, c := range clips {
			ep := epoch.Add(time.Duration(ci) * 24 * time.Hour) // clips apart in time: no cross-clip matches
			s, evs, nj := scoreClipJudged(b, c, ep)
			tr, _ := c.Truth()
			cal, _ := c.Calibration()
			key := c.Meta.ID // one camera per clip: clips of one scenario share a camera id
			k := tr.Conditions.TimeOfDay + "/" + tr.Conditions.Weather
			condOf[key] = k
			cond[key] = results.Condition{Night: tr.Conditions.Night(), Weather: tr.Conditions.Weather}
			o := s.Overall
			fmt.Fprintf(&clipTab, "%s %-26s seed %-7d %-12s %4.0fs TP %3d FP %3d FN %3d  not judged: %s\n",
				key, c.Meta.Scenario, c.Meta.Seed, k, c.Meta.Duration(), o.TP, o.FP, o.FN, notJudgedText(nj, c.Meta.Duration()))
			for _, v := range tr.Violations {
				v.Camera = key
				v.Wall = ep.Add(time.Duration(v.T * float64(time.Second)))
				truth = append(truth, v)
			}
			_ = cal
			for _, e := range evs {
				e.Evidence = nil
				j, _ := jsonMarshal(e)
				digest.Write(j)
				e.CameraID = key
				boxes[e.EventID] = e.Box
				rec = append(rec, results.Received{Event: e, At: e.Time})
			}
		}
		s, matches := results.ScoreRun(truth, rec, nil, results.Config{Cameras: cond})
		if path := os.Getenv("TRAFFICSIM_ACC_MATCHES"); path != "" {
			var buf []byte
			for _, m := range matches {
				j, _ := jsonMarshal(struct {
					results.Match
					Box *wire.Box `json:"box,omitempty"`
				}{m, boxes[m.EventID]})
				buf = append(append(buf, j...), '\n')
			}
			if err := os.WriteFile(path, buf, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		var types []string
		for t := range s.ByType {
			types = append(types, t)
		}
		sort.Strings(types)
		var tab strings.Builder
		fmt.Fprintf(&tab, "%-20s %5s %5s %5s %6s %6s %6s %8s\n", "type", "TP", "FP", "FN", "prec", "recall", "F1", "plates")
		for _, t := range types {
			m := s.ByType[t]
			fmt.Fprintf(&tab, "%-20s %5d %5d %5d %6.3f %6.3f %6.3f %4d/%-4d\n", t, m.TP, m.FP, m.FN, m.Precision, m.Recall, m.F1, m.PlatesOK, m.Plates)
			b.ReportMetric(m.F1, "F1-"+t)
		}
		o := s.Overall
		fmt.Fprintf(&tab, "%-20s %5d %5d %5d %6.3f %6.3f %6.3f\n", "overall", o.TP, o.FP, o.FN, o.Precision, o.Recall, o.F1)
		b.Logf("%d clips from %s, events digest %x\n%s\n%s\nby condition and type:\n%s", len(clips), os.Getenv("TRAFFICSIM_CLIPS"), digest.Sum(nil)[:8], clipTab.String(), tab.String(), conditionTable(matches, condOf))
	}
}

// conditionTable tallies matches per condition (time of day / weather of the clip) and type,
// with 95% Wilson intervals of precision and recall.
func conditionTable(ms []results.Match, condOf map[string]string) string {
	type key struct{ cond, typ string }
	type tally struct{ tp, fp, fn int }
	ts := map[key]*tally{}
	for _, m := range ms {
		for _, k := range []key{{condOf[m.Camera], string(m.Type)}, {condOf[m.Camera], "(all)"}} {
			t := ts[k]
			if t == nil {
				t = &tally{}
				ts[k] = t
			}
			switch m.Outcome {
			case results.TP:
				t.tp++
			case results.FP:
				t.fp++
			case results.FN:
				t.fn++
			}
		}
	}
	keys := make([]key, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].cond != keys[j].cond {
			return keys[i].cond < keys[j].cond
		}
		return keys[i].typ < keys[j].typ
	})
	var out strings.Builder
	fmt.Fprintf(&out, "%-12s %-20s %4s %4s %4s %18s %18s %6s\n", "condition", "type", "TP", "FP", "FN", "precision [95%]", "recall [95%]", "F1")
	for _, k := range keys {
		t := ts[k]
		p, pl, ph := wilson(t.tp, t.tp+t.fp)
		r, rl, rh := wilson(t.tp, t.tp+t.fn)
		f1 := 0.0
		if 2*t.tp+t.fp+t.fn > 0 {
			f1 = 2 * float64(t.tp) / float64(2*t.tp+t.fp+t.fn)
		}
		fmt.Fprintf(&out, "%-12s %-20s %4d %4d %4d %s %s %6.2f\n", k.cond, k.typ, t.tp, t.fp, t.fn, interval(p, pl, ph, t.tp+t.fp), interval(r, rl, rh, t.tp+t.fn), f1)
	}
	return out.String()
}

func interval(v, lo, hi float64, n int) string {
	if n == 0 {
		return fmt.Sprintf("%18s", "-")
	}
	return fmt.Sprintf("%4.2f [%4.2f-%4.2f]", v, lo, hi) + strings.Repeat(" ", 18-16)
}

// wilson is the share k/n with its 95% Wilson score interval.
func wilson(k, n int) (p, lo, hi float64) {
	if n == 0 {
		return 0, 0, 0
	}
	const z = 1.96
	p = float64(k) / float64(n)
	fn := float64(n)
	c := (p + z*z/(2*fn)) / (1 + z*z/fn)
	h := z / (1 + z*z/fn) * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	return p, math.Max(0, c-h), math.Min(1, c+h)
}

// notJudgedText lists the share of a clip's seconds each type was not judged in.
func notJudgedText(nj map[wire.ViolationType]float64, dur float64) string {
	if len(nj) == 0 {
		return "-"
	}
	var parts []string
	for t, s := range nj {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", t, 100*s/dur))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
