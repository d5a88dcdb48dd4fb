package detect

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/device/detect/plateread"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// The predicted plate of a car at a known place projects where the pinhole puts it.
func TestPlateQuadProjection(t *testing.T) {
	cal := site(t)
	d, _ := New(cal, Options{})
	q, ok := d.plateQuad(wire.Point{1.75, 20}, wire.Point{0, -1}, false)
	if !ok {
		t.Fatal("not projected")
	}
	c, _, _ := cam.Project(wire.Vec3{1.75, 20, carPlateZ})
	cx, cy := q.At(0.5, 0.5)
	if math.Hypot(cx-c[0], cy-c[1]) > 0.5 || q[0][0] > q[1][0] || q[0][1] > q[3][1] {
		t.Errorf("quad %v, centre (%.1f, %.1f), want %v", q, cx, cy, c)
	}
}

// BenchmarkPlateReading measures the plate reader on the clips of TRAFFICSIM_CLIPS (`make
// bench-accuracy` sets it per shipped scenario) over every object whose plate the truth marks readable, given the object's
// box (as if the detector's blob were right: it isolates the reader from blob tracking): every
// 5th frame the plate is predicted from the box's bottom centre by the calibration and read;
// per object the best-scoring reading counts, as a track keeps its best. Truth is only read to
// score. Reports the share of objects read right by day and at night; the table is logged.
//
//	TRAFFICSIM_CLIPS=DIR go test -tags extlib,pkgconfig ./sim/device/detect/ -run XXX -bench PlateReading -benchtime 1x -v
func BenchmarkPlateReading(b *testing.B) {
	clips := librarytest.FromEnv(b)
	if len(clips) == 0 {
		return
	}
	for range b.N {
		type tally struct{ objects, right, wrong, frames, framesRight int }
		byCond := map[string]*tally{}
		var tab strings.Builder
		for _, c := range clips {
			cal, err := c.Calibration()
			if err != nil {
				b.Fatal(err)
			}
			tr, err := c.Truth()
			if err != nil {
				b.Fatal(err)
			}
			d, err := New(*cal, Options{Source: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			dec, err := decode.New(decode.Options{})
			if err != nil {
				b.Fatal(err)
			}
			data, err := c.Stream()
			if err != nil {
				b.Fatal(err)
			}
			objs := map[int]*wire.Object{}
			for i := range tr.Objects {
				objs[tr.Objects[i].ID] = &tr.Objects[i]
			}
			type best struct {
				text  string
				score float64
			}
			res := map[int]*best{}
			cond := "day"
			if tr.Conditions.Night() {
				cond = "night"
			}
			if byCond[cond] == nil {
				byCond[cond] = &tally{}
			}
			t := byCond[cond]
			var f decode.Frame
			for i := range c.Index.Frames {
				ok, err := dec.Decode(c.AccessUnit(data, i), &f)
				if err != nil || !ok || i%5 != 0 || i >= len(tr.Frames) {
					continue
				}
				for _, s := range tr.Frames[i].Objects {
					if !s.PlateRead {
						continue
					}
					o := objs[s.ID]
					g, ok := wire.Apply(d.cal.ImageToRoad, wire.Point{(s.Box[0] + s.Box[2]) / 2, s.Box[3]})
					if !ok {
						continue
					}
					cam := d.cal.Pinhole.Position
					dir, _ := unit(wire.Point{g[0] - cam[0], g[1] - cam[1]})
					if l := d.laneOf(g); l >= 0 {
						dir = d.cal.Lanes[l].Direction
					}
					moto := o.Class == wire.Motorbike
					q, ok := d.plateQuad(g, dir, moto)
					if !ok {
						continue
					}
					layout := plateread.Layout(moto)
					text, score := plateread.Read(&f, q, s.Box, layout)
					t.frames++
					if score >= minPlateScore && text == o.Plate.Text {
						t.framesRight++
					}
					if r := res[s.ID]; r == nil || score > r.score {
						res[s.ID] = &best{text, score}
					}
				}
			}
			dec.Close()
			for id, r := range res {
				t.objects++
				switch {
				case r.score < minPlateScore:
				case r.text == objs[id].Plate.Text:
					t.right++
				default:
					t.wrong++
				}
			}
		}
		for _, cond := range []string{"day", "night"} {
			t := byCond[cond]
			if t == nil || t.objects == 0 {
				continue
			}
			fmt.Fprintf(&tab, "%-6s %3d objects with readable plates: %3d read right (%.1f%%), %d wrong; frames %d/%d right\n",
				cond, t.objects, t.right, 100*float64(t.right)/float64(t.objects), t.wrong, t.framesRight, t.frames)
			b.ReportMetric(100*float64(t.right)/float64(t.objects), "%right-"+cond)
		}
		b.Logf("%d clips from %s\n%s", len(clips), os.Getenv("TRAFFICSIM_CLIPS"), tab.String())
	}
}
