package detect

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// paxCase is one road user drawn alone on the renderer's fixture crossing, seen by the
// intersection scenarios' camera (7 m up on a cantilever, 1600 px focal length at 1280x720).
type paxCase struct {
	helmets []bool  // one per rider, driver first
	x, y    float64 // road position, metres (the camera stands at (3.5, -6))
	heading float64 // degrees from +y (away from the camera) towards +x
	color   string
	car     bool // a car (4.3 x 1.8 x 1.5 m) instead of a motorbike
}

func (c paxCase) name() string {
	return fmt.Sprintf("%d riders %v at %.0f m", len(c.helmets), c.helmets, math.Hypot(c.x-3.5, c.y+6))
}

// riderClip reads a recorded clip of testdata/riders (drawn by synth/render and encoded by x264 at
// 4 Mbit/s, every frame a keyframe; recorded by rendertest's TestRecordRiderClips, which holds
// the cases) and decodes it as a camera stream would bring it: frame 0 is the empty crossing,
// every later frame one case, described by the clip's truth.
func riderClip(t *testing.T, name string) (*wire.Calibration, []decode.Frame, *wire.Truth, []paxCase) {
	t.Helper()
	c, err := library.Open(filepath.Join("testdata", "riders", name))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Truth()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := c.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	stream, err := c.Stream()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := decode.New(decode.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var out []decode.Frame
	for i := range c.Index.Frames {
		var df decode.Frame
		if ok, err := dec.Decode(c.AccessUnit(stream, i), &df); err != nil || !ok {
			t.Fatalf("%s frame %d: decoded %v, %v", name, i, ok, err)
		}
		out = append(out, *df.Clone())
	}
	if len(out) != len(tr.Frames) || len(tr.Objects) != len(tr.Frames)-1 {
		t.Fatalf("%s: %d frames, %d truth frames, %d objects: want one object per frame after the first", name, len(out), len(tr.Frames), len(tr.Objects))
	}
	var cases []paxCase
	for i, o := range tr.Objects {
		s := tr.Frames[i+1].Objects[0]
		c := paxCase{x: s.Pos[0], y: s.Pos[1], heading: s.Heading, color: o.Color, car: o.Class == wire.Car}
		for _, r := range o.Riders {
			c.helmets = append(c.helmets, r.Helmet)
		}
		cases = append(cases, c)
	}
	return cal, out, tr, cases
}

// TestRiderStack: on rendered motorbikes seen from behind, the stack of heads measured from the
// pixels (the calibration gives the scale) is about one step per passenger long, so motorbikes
// with 3 or 4 riders are flagged and those with 1 or 2 are not, with helmets or bare heads,
// 12 to 20 m from the camera. At 24 m (heads under nearPaxPPM, judged strictly: every
// measurement of a track must say 3 or more) 3 and 4 riders still read 3 or more, and a frame
// can read one or two riders as more (it did: one rider in a black helmet, once in four).
func TestRiderStack(t *testing.T) {
	farFew, farFewMany := 0, 0
	paxBlobs(t, "stack", func(c paxCase, d *Detector, f *decode.Frame, o obs) {
		ratio, ok := d.riderRatio(f, sample{Box: o.Box, Ground: o.Ground, WidthM: o.WidthM}, wire.Point{0, 1})
		if !ok {
			t.Errorf("%s: not measured", c.name())
			return
		}
		many := ratio >= paxRatio && ratio <= paxMaxRatio
		if d.stackPPM(o.Ground) < nearPaxPPM && len(c.helmets) < 3 {
			farFew++
			if many {
				farFewMany++
			}
			t.Logf("%s (far): stack %.2f steps", c.name(), ratio)
			return
		}
		if many != (len(c.helmets) >= 3) {
			t.Errorf("%s: stack %.2f steps; flagged %v", c.name(), ratio, many)
		} else {
			t.Logf("%s: stack %.2f steps", c.name(), ratio)
		}
	})
	if farFew != 4 || farFewMany > 1 {
		t.Errorf("far, 1 or 2 riders: %d of %d flagged, want 4 measured and at most one flagged", farFewMany, farFew)
	}
}

// paxBlobs reads a recorded clip (riderClip) and calls fn per case with a detector whose
// background model is the empty crossing and whose foreground mask is the case's frame, the
// decoded frame and the blob on its motorbike as the detector measures it (an error when there
// is none).
func paxBlobs(t *testing.T, clip string, fn func(c paxCase, d *Detector, f *decode.Frame, o obs)) {
	t.Helper()
	cal, frames, tr, cases := riderClip(t, clip)
	d, err := New(*cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.downscale(&frames[0])
	d.fg.Update(d.small, int32(d.o.Threshold), 0, 4, 12)
	for i, c := range cases {
		f := &frames[i+1]
		d.frame = 0 // threshold() measures the scene's light
		d.downscale(f)
		d.fg.Update(d.small, int32(d.threshold()), 0, 4, 12)
		obs := d.measure(d.fg.Blobs(max(1, d.o.MinArea/(d.s*d.s))))
		want := tr.Frames[i+1].Objects[0].Box
		best, bi := 0.5, -1
		for k := range obs {
			if iou := obs[k].Box.IoU(want); iou > best {
				best, bi = iou, k
			}
		}
		if bi < 0 {
			t.Errorf("%s: no blob on the motorbike (box %v)", c.name(), want)
			continue
		}
		fn(c, d, f, obs[bi])
	}
}

// TestHeadRowFromTheSide: a motorbike crossing the view shows its riders' heads in a row; on
// rendered motorbikes 20 m away, going either way, the row is under sideManyM for 1 or 2 riders
// and over it for 3 or 4, and the blob passes the side-view size gate. At 28 m 1 or 2 riders
// are still not flagged (a 3-rider row can read short there: 0.70 m was measured).
func TestHeadRowFromTheSide(t *testing.T) {
	paxBlobs(t, "side", func(c paxCase, d *Detector, f *decode.Frame, o obs) {
		if o.WidthM < sideMinM || o.WidthM > sideMaxM {
			t.Errorf("%s heading %.0f: base %.2f m, outside the side-view gate", c.name(), c.heading, o.WidthM)
		}
		row, ok := d.headRow(f, sample{Box: o.Box, Ground: o.Ground, WidthM: o.WidthM})
		if !ok {
			t.Errorf("%s heading %.0f: head row not measured", c.name(), c.heading)
			return
		}
		far := c.y > 20
		if many := row >= sideManyM; many != (len(c.helmets) >= 3) && !(far && !many) {
			t.Errorf("%s heading %.0f: head row %.2f m; flagged %v", c.name(), c.heading, row, many)
		} else {
			t.Logf("%s heading %.0f: head row %.2f m", c.name(), c.heading, row)
		}
	})
}

// paxPath is a stretch of a recorded clip's frames showing one motorbike driven along a straight
// line, one position per frame (25 fps), with frames where it is hidden (behind a bus, say: the
// frame shows the empty crossing).
type paxPath struct {
	frames     int
	hide0, hid int // frames hide0 .. hide0+hid-1 do not show it
}

// playPaths plays each path of a recorded clip (its frames one after the other from frame 1)
// through its own detector (warmed up on the empty crossing), returning the
// too_many_passengers events of each and how many tracks decided it.
func playPaths(t *testing.T, clip string, paths []paxPath) ([][]wire.Event, []int) {
	t.Helper()
	cal, frames, _, _ := riderClip(t, clip)
	out := make([][]wire.Event, len(paths))
	decided := make([]int, len(paths))
	k := 1
	for pi, p := range paths {
		if k+p.frames > len(frames) {
			t.Fatalf("%s: path %d needs frames %d-%d of %d", clip, pi, k, k+p.frames-1, len(frames))
		}
		d, err := New(*cal, Options{WarmUp: 400 * time.Millisecond, NoPlates: true, Evidence: -1})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		n := 0
		play := func(f *decode.Frame) {
			for _, e := range d.Process(f, t0.Add(time.Duration(n)*40*time.Millisecond)) {
				if e.Type == wire.TooManyPassengers {
					out[pi] = append(out[pi], e)
				}
			}
			n++
		}
		for range 15 {
			play(&frames[0])
		}
		for i := range p.frames {
			if i >= p.hide0 && i < p.hide0+p.hid {
				play(&frames[0])
			} else {
				play(&frames[k+i])
			}
		}
		for _, e := range d.Flush() {
			if e.Type == wire.TooManyPassengers {
				out[pi] = append(out[pi], e)
			}
		}
		decided[pi] = len(d.paxMarks)
		k += p.frames
	}
	return out, decided
}

// TestPassengersCreepingInAQueue: a motorbike with three riders creeping away from the camera at
// 10 km/h (towards a queue at a red light: as slow as a bicycle) is flagged, its stack of heads
// being no bicycle's; one with two riders at that speed is not.
func TestPassengersCreepingInAQueue(t *testing.T) {
	evs, _ := playPaths(t, "creeping", []paxPath{{frames: 30}, {frames: 30}}) // three riders, then two
	if len(evs[0]) != 1 {
		t.Errorf("three riders at 10 km/h: %d too_many_passengers events, want 1", len(evs[0]))
	}
	if len(evs[1]) != 0 {
		t.Errorf("two riders at 10 km/h: %d too_many_passengers events, want 0", len(evs[1]))
	}
}

// TestPassengersOnceAcrossAnOcclusion: a motorbike with three riders crossing the view at
// 14 km/h, hidden for 1.1 s halfway (its track ends, and a new one starts where it shows again),
// is judged by both tracks but sent once, stamped when it came into view at the left edge (the
// second track follows its path back there).
func TestPassengersOnceAcrossAnOcclusion(t *testing.T) {
	const warm, hide0 = 15, 45
	evs, decided := playPaths(t, "crossing", []paxPath{{frames: 100, hide0: hide0, hid: 28}})
	if decided[0] != 2 {
		t.Errorf("decided by %d tracks, want 2 (before and after the occlusion)", decided[0])
	}
	if len(evs[0]) != 1 {
		t.Fatalf("%d too_many_passengers events, want 1", len(evs[0]))
	}
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if at := evs[0][0].Time.Sub(t0); at < warm*40*time.Millisecond || at >= (warm+hide0)*40*time.Millisecond {
		t.Errorf("stamped %v after the start, want in its first stretch in view (%v to %v)", at, warm*40*time.Millisecond, (warm+hide0)*40*time.Millisecond)
	}
}

// TestSteadyBlob: a rider check measures a track only on frames where its blob kept its size
// since the last frame; a blob that grew or shrank at once by more than a tenth merged with a
// neighbour or split from it (the heads of the one next to it would count as passengers).
func TestSteadyBlob(t *testing.T) {
	cases := []struct {
		name       string
		prev, last wire.Box
		want       bool
	}{
		{"moving away, shrinking a little", wire.Box{100, 300, 180, 500}, wire.Box{101, 296, 179, 492}, true},
		{"coming closer, growing a little", wire.Box{100, 300, 180, 500}, wire.Box{98, 305, 182, 512}, true},
		{"a neighbour merged on the side", wire.Box{100, 300, 180, 500}, wire.Box{100, 300, 240, 500}, false},
		{"a head above merged", wire.Box{100, 300, 180, 500}, wire.Box{100, 270, 180, 500}, false},
		{"split from a neighbour", wire.Box{100, 300, 240, 500}, wire.Box{100, 300, 180, 500}, false},
	}
	for _, c := range cases {
		tr := &track{Track: tk.Track{Hist: []sample{{Box: c.prev}, {Box: c.last}}}}
		if got := steadyBlob(tr); got != c.want {
			t.Errorf("%s: steady %v, want %v", c.name, got, c.want)
		}
	}
	if steadyBlob(&track{Track: tk.Track{Hist: []sample{{Box: wire.Box{0, 0, 10, 10}}}}}) {
		t.Error("a track seen once: steady, want not (nothing to compare with)")
	}
}

// TestRiderStackOblique: motorbikes going away 6.5-8.5 m left of the camera's axis (as those
// turning in from the cross street, 19-27 m away), seen obliquely: each head back stands aside of the one
// before and the base shows some of the side. They pass the candidate's width gate, and the
// stack measured along the heads' slope flags 3 or 4 riders and never 1 or 2; a stack that does
// not end on a rider's back (longer than paxMaxRatio) is not a measurement.
func TestRiderStackOblique(t *testing.T) {
	manyMeasured := 0
	paxBlobs(t, "oblique", func(c paxCase, d *Detector, f *decode.Frame, o obs) {
		cam := d.cal.Pinhole.Position
		los, _ := unit(wire.Point{o.Ground[0] - cam[0], o.Ground[1] - cam[1]})
		cos := dot2(wire.Point{0, 1}, los)
		if alone := maxAloneM + obliqueM*math.Sqrt(1-cos*cos); o.WidthM > alone {
			t.Errorf("%s at x %.0f: base %.2f m, over the gate %.2f m", c.name(), c.x, o.WidthM, alone)
		}
		ratio, ok := d.riderRatio(f, sample{Box: o.Box, Ground: o.Ground, WidthM: o.WidthM}, wire.Point{0, 1})
		if !ok || ratio > paxMaxRatio {
			t.Logf("%s at x %.0f: not measured (stack %.2f steps)", c.name(), c.x, ratio)
			return
		}
		if len(c.helmets) >= 3 {
			manyMeasured++
		}
		if many := ratio >= paxRatio; many != (len(c.helmets) >= 3) {
			t.Errorf("%s at x %.0f: stack %.2f steps; flagged %v", c.name(), c.x, ratio, many)
		} else {
			t.Logf("%s at x %.0f: stack %.2f steps (base %.2f m)", c.name(), c.x, ratio, o.WidthM)
		}
	})
	if manyMeasured < 6 {
		t.Errorf("3 or 4 riders measured %d times in 9, want 6 or more", manyMeasured)
	}
}

// TestHeadRowColouredHelmets: seen from the side, a red, green or blue helmet can be as light as
// the road and drop out of the foreground mask, shortening the row of heads by one; found in
// the frame by its colour, the row of every 3-rider motorbike is long enough again, and no
// 2-rider one's grows too long.
func TestHeadRowColouredHelmets(t *testing.T) {
	dropped := 0
	paxBlobs(t, "coloured", func(c paxCase, d *Detector, f *decode.Frame, o obs) {
		s := sample{Box: o.Box, Ground: o.Ground, WidthM: o.WidthM}
		row, ok := d.headRow(f, s)
		top, lo, hi, _, ppm, ok2 := d.maskRow(s)
		if !ok || !ok2 {
			t.Errorf("%s: head row not measured", c.name())
			return
		}
		mask := float64((hi-lo+1)*d.s) / ppm
		if len(c.helmets) >= 3 && mask < sideManyM {
			dropped++
		}
		if many := row >= sideManyM; many != (len(c.helmets) >= 3) {
			t.Errorf("%s heading %.0f: head row %.2f m (mask %.2f m, top %d); flagged %v", c.name(), c.heading, row, mask, top, many)
		} else {
			t.Logf("%s heading %.0f: head row %.2f m (mask %.2f m)", c.name(), c.heading, row, mask)
		}
	})
	if dropped == 0 {
		t.Error("no 3-rider motorbike lost a head from the mask: the case is not exercised")
	}
}

// TestHeadRowNotACarRoof: seen from the side, the top band of a car is its roof, 1.6 m long or
// more, longer than any row of heads (4 riders: 1.2 m): when the car's base is hidden (behind a
// truck, say) and its blob passes the side view's size gate, its row is still no measurement.
func TestHeadRowNotACarRoof(t *testing.T) {
	paxBlobs(t, "roof", func(c paxCase, d *Detector, f *decode.Frame, o obs) {
		row, ok := d.headRow(f, sample{Box: o.Box, Ground: o.Ground, WidthM: o.WidthM})
		if !ok || row <= sideMaxRowM {
			t.Errorf("car %s heading %.0f: top band %.2f m (measured %v), want longer than %.1f m", c.color, c.heading, row, ok, sideMaxRowM)
		} else {
			t.Logf("car %s heading %.0f: top band %.2f m", c.color, c.heading, row)
		}
	})
}
