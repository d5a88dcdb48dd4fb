package device_test

import (
	"fmt"
	"image"
	"image/color"
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
	return s, evs
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
// TRAFFICSIM_CLIPS (`make bench-accuracy` makes one per shipped scenario) and reports F1
// per violation type and plate accuracy (day / night) as metrics; the table is logged.
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
		for ci, c := range clips {
			ep := epoch.Add(time.Duration(ci) * 24 * time.Hour) // clips apart in time: no cross-clip matches
			s, evs := scoreClip(b, c, ep)
			_ = s
			tr, _ := c.Truth()
			cal, _ := c.Calibration()
			cond[cal.ID] = results.Condition{Night: tr.Conditions.Night(), Weather: tr.Conditions.Weather}
			for _, v := range tr.Violations {
				v.Camera = cal.ID
				v.Wall = ep.Add(time.Duration(v.T * float64(time.Second)))
				truth = append(truth, v)
			}
			for _, e := range evs {
				rec = append(rec, results.Received{Event: e, At: e.Time})
			}
		}
		s, _ := results.ScoreRun(truth, rec, nil, results.Config{Cameras: cond})
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
		for c, m := range s.ByCondition {
			fmt.Fprintf(&tab, "condition %-10s plates %d/%d (%.1f%%)\n", c, m.PlatesOK, m.Plates, 100*m.PlateAccuracy)
		}
		b.Logf("%d clips from %s\n%s", len(clips), os.Getenv("TRAFFICSIM_CLIPS"), tab.String())
	}
}
