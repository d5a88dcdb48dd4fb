package detect

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/synth/clips"
	"github.com/trafficsim/trafficsim/synth/encode"
	synthrender "github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

// The rider-stack tests draw real frames with the renderer, which needs ebiten's game loop on
// the main goroutine.
func TestMain(m *testing.M) {
	code := 0
	if err := synthrender.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// paxCase is one motorbike going away from the camera, drawn alone on the renderer's fixture
// crossing (camera 7.5 m up, focal 1000 px at 1280x720).
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

// renderPax draws frame 0 without any vehicle (the background) and then one frame per case, each
// through the real H.264 encoder and decoder as a camera stream would bring it.
func renderPax(t *testing.T, cases []paxCase) (*wire.Calibration, []decode.Frame, *wire.Truth) {
	t.Helper()
	tr := rendertest.Truth(rendertest.Spec{Frames: 1, Width: 1280, Height: 720})
	tr.Objects = nil
	// the camera of the intersection scenarios: 7 m up on a cantilever, 1600 px focal length
	tr.Pinhole = wire.Pinhole{FocalPx: 1600, Cx: 640, Cy: 360, Position: wire.Point{3.5, -6}, HeightM: 7, TiltDeg: 16, Width: 1280, Height: 720}
	tr.Frames = []wire.Frame{{Index: 0, Signals: []wire.SignalState{{ID: "sig-n", Light: wire.Red}}}}
	for i, c := range cases {
		o := wire.Object{ID: i + 1, Class: wire.Motorbike, LengthM: 1.9, WidthM: 0.72, HeightM: 1.66, Color: c.color,
			Plate: wire.Plate{Text: "29-B1 567.89", Rows: 2, Color: "white"}, First: i + 1, Last: i + 1}
		for _, h := range c.helmets {
			o.Riders = append(o.Riders, wire.Rider{Helmet: h})
		}
		if c.car {
			o.Class, o.LengthM, o.WidthM, o.HeightM, o.Plate.Rows = wire.Car, 4.3, 1.8, 1.5, 1
		}
		if len(o.Riders) >= 3 {
			o.HeightM += 0.05 // as the world draws them
		}
		tr.Objects = append(tr.Objects, o)
		f := wire.Frame{Index: i + 1, T: float64(i+1) / tr.FPS, Signals: tr.Frames[0].Signals,
			Objects: []wire.ObjectState{{ID: i + 1, Pos: wire.Point{c.x, c.y}, Heading: c.heading, SpeedKmh: 30}}}
		rendertest.Annotate(tr, &f)
		tr.Frames = append(tr.Frames, f)
	}
	cal, err := clips.FromTruth(tr)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encode.New(encode.Options{Width: tr.Width, Height: tr.Height, BitrateKbps: 4000, GOP: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := decode.New(decode.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := synthrender.Start(ctx, tr, synthrender.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []decode.Frame
	for fr := range st.Frames() {
		au, _, err := enc.Encode(fr.Image)
		fr.Release()
		if err != nil {
			t.Fatal(err)
		}
		var df decode.Frame
		if ok, err := dec.Decode(au, &df); err != nil || !ok {
			t.Fatalf("frame %d: decoded %v, %v", fr.Index, ok, err)
		}
		out = append(out, *df.Clone())
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	return cal, out, tr
}

// TestRiderStack: on rendered motorbikes seen from behind, the stack of heads measured from the
// pixels (the calibration gives the scale) is about one step per passenger long, so motorbikes
// with 3 or 4 riders are flagged and those with 1 or 2 are not, with helmets or bare heads,
// 12 to 20 m from the camera. At 24 m (heads under nearPaxPPM, judged strictly: every
// measurement of a track must say 3 or more) 3 and 4 riders still read 3 or more, and a frame
// can read one or two riders as more (it did: one rider in a black helmet, once in four).
func TestRiderStack(t *testing.T) {
	var cases []paxCase
	for i, y := range []float64{6, 10, 14, 18} {
		x := []float64{1.8, 5.2}[i%2]
		cases = append(cases, riderSet(x, y)...)
	}
	farFew, farFewMany := 0, 0
	paxBlobs(t, cases, func(i int, d *Detector, f *decode.Frame, o obs) {
		c := cases[i]
		ratio, ok := d.riderRatio(f, sample{box: o.box, ground: o.ground, widthM: o.widthM}, wire.Point{0, 1})
		if !ok {
			t.Errorf("%s: not measured", c.name())
			return
		}
		many := ratio >= paxRatio && ratio <= paxMaxRatio
		if d.stackPPM(o.ground) < nearPaxPPM && len(c.helmets) < 3 {
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

// paxBlobs renders the cases and calls fn per case with a detector whose background model is
// the empty crossing and whose foreground mask is the case's frame, the decoded frame and the
// blob on its motorbike as the detector measures it (an error when there is none).
func paxBlobs(t *testing.T, cases []paxCase, fn func(i int, d *Detector, f *decode.Frame, o obs)) {
	t.Helper()
	cal, frames, tr := renderPax(t, cases)
	d, err := New(*cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.downscale(&frames[0])
	d.fg.update(d.small, int32(d.o.Threshold), 0, 4, 12)
	for i, c := range cases {
		f := &frames[i+1]
		d.frame = 0 // threshold() measures the scene's light
		d.downscale(f)
		d.fg.update(d.small, int32(d.threshold()), 0, 4, 12)
		obs := d.measure(d.fg.blobs(max(1, d.o.MinArea/(d.s*d.s))))
		want := tr.Frames[i+1].Objects[0].Box
		best, bi := 0.5, -1
		for k := range obs {
			if iou := obs[k].box.IoU(want); iou > best {
				best, bi = iou, k
			}
		}
		if bi < 0 {
			t.Errorf("%s: no blob on the motorbike (box %v)", c.name(), want)
			continue
		}
		fn(i, d, f, obs[bi])
	}
}

// TestHeadRowFromTheSide: a motorbike crossing the view shows its riders' heads in a row; on
// rendered motorbikes 20 m away, going either way, the row is under sideManyM for 1 or 2 riders
// and over it for 3 or 4, and the blob passes the side-view size gate. At 28 m 1 or 2 riders
// are still not flagged (a 3-rider row can read short there: 0.70 m was measured).
func TestHeadRowFromTheSide(t *testing.T) {
	T, F := true, false
	var cases []paxCase
	for _, p := range [][2]float64{{14, 90}, {14, 270}, {22, 270}} {
		y, h := p[0], p[1]
		cases = append(cases,
			paxCase{helmets: []bool{T}, x: 3.5, y: y, heading: h, color: "#202020"},
			paxCase{helmets: []bool{F}, x: 3.5, y: y, heading: h, color: "#c8c8d0"},
			paxCase{helmets: []bool{T, F}, x: 3.5, y: y, heading: h, color: "#a01818"},
			paxCase{helmets: []bool{T, T, T}, x: 3.5, y: y, heading: h, color: "#1a3a8a"},
			paxCase{helmets: []bool{F, T, F}, x: 3.5, y: y, heading: h, color: "#c8c8d0"},
			paxCase{helmets: []bool{T, T, T, T}, x: 3.5, y: y, heading: h, color: "#202020"},
		)
	}
	paxBlobs(t, cases, func(i int, d *Detector, f *decode.Frame, o obs) {
		c := cases[i]
		if o.widthM < sideMinM || o.widthM > sideMaxM {
			t.Errorf("%s heading %.0f: base %.2f m, outside the side-view gate", c.name(), c.heading, o.widthM)
		}
		row, ok := d.headRow(f, sample{box: o.box, ground: o.ground, widthM: o.widthM})
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

// paxPath is one motorbike driven along a straight line, one position per frame (25 fps), with
// frames where it is hidden (behind a bus, say: the frame shows the empty crossing).
type paxPath struct {
	helmets    []bool
	x0, y0     float64 // road position in the first frame
	heading    float64 // degrees from +y towards +x
	speed      float64 // m/s
	frames     int
	hide0, hid int // frames hide0 .. hide0+hid-1 do not show it
	color      string
}

// playPaths renders each path and plays it through its own detector (warmed up on the empty
// crossing), returning the too_many_passengers events of each and how many tracks decided it.
func playPaths(t *testing.T, paths []paxPath) ([][]wire.Event, []int) {
	t.Helper()
	var cases []paxCase
	for _, p := range paths {
		h := p.heading * math.Pi / 180
		for i := range p.frames {
			d := p.speed * float64(i) / 25
			cases = append(cases, paxCase{helmets: p.helmets, x: p.x0 + d*math.Sin(h), y: p.y0 + d*math.Cos(h), heading: p.heading, color: p.color})
		}
	}
	cal, frames, _ := renderPax(t, cases)
	out := make([][]wire.Event, len(paths))
	decided := make([]int, len(paths))
	k := 1
	for pi, p := range paths {
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
	T := true
	evs, _ := playPaths(t, []paxPath{
		{helmets: []bool{T, T, T}, x0: 5.2, y0: 7, speed: 2.8, frames: 30, color: "#a01818"},
		{helmets: []bool{T, T}, x0: 5.2, y0: 7, speed: 2.8, frames: 30, color: "#a01818"},
	})
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
	T := true
	const warm, hide0 = 15, 45
	evs, decided := playPaths(t, []paxPath{
		{helmets: []bool{T, T, T}, x0: -6, y0: 12, heading: 90, speed: 4, frames: 100, hide0: hide0, hid: 28, color: "#202020"},
	})
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
		tr := &track{hist: []sample{{box: c.prev}, {box: c.last}}}
		if got := steadyBlob(tr); got != c.want {
			t.Errorf("%s: steady %v, want %v", c.name, got, c.want)
		}
	}
	if steadyBlob(&track{hist: []sample{{box: wire.Box{0, 0, 10, 10}}}}) {
		t.Error("a track seen once: steady, want not (nothing to compare with)")
	}
}

// TestRiderStackOblique: motorbikes going away 6.5-8.5 m left of the camera's axis (as those
// turning in from the cross street, 19-27 m away), seen obliquely: each head back stands aside of the one
// before and the base shows some of the side. They pass the candidate's width gate, and the
// stack measured along the heads' slope flags 3 or 4 riders and never 1 or 2; a stack that does
// not end on a rider's back (longer than paxMaxRatio) is not a measurement.
func TestRiderStackOblique(t *testing.T) {
	var cases []paxCase
	for _, p := range [][2]float64{{-3, 13}, {-4, 16}, {-5, 19}} {
		x, y := p[0], p[1]
		cases = append(cases, riderSet(x, y)...)
	}
	manyMeasured := 0
	paxBlobs(t, cases, func(i int, d *Detector, f *decode.Frame, o obs) {
		c := cases[i]
		cam := d.cal.Pinhole.Position
		los, _ := unit(wire.Point{o.ground[0] - cam[0], o.ground[1] - cam[1]})
		cos := dot2(wire.Point{0, 1}, los)
		if alone := maxAloneM + obliqueM*math.Sqrt(1-cos*cos); o.widthM > alone {
			t.Errorf("%s at x %.0f: base %.2f m, over the gate %.2f m", c.name(), c.x, o.widthM, alone)
		}
		ratio, ok := d.riderRatio(f, sample{box: o.box, ground: o.ground, widthM: o.widthM}, wire.Point{0, 1})
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
			t.Logf("%s at x %.0f: stack %.2f steps (base %.2f m)", c.name(), c.x, ratio, o.widthM)
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
	T := true
	var cases []paxCase
	for i := range 8 {
		h := []float64{90, 270}[i%2]
		cases = append(cases,
			paxCase{helmets: []bool{T, T, T}, x: 3.5, y: 14, heading: h, color: "#202020"},
			paxCase{helmets: []bool{T, T}, x: 3.5, y: 14, heading: h, color: "#202020"})
	}
	dropped := 0
	paxBlobs(t, cases, func(i int, d *Detector, f *decode.Frame, o obs) {
		c := cases[i]
		s := sample{box: o.box, ground: o.ground, widthM: o.widthM}
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
	var cases []paxCase
	for _, h := range []float64{90, 270} {
		for _, col := range []string{"#c8c8d0", "#202020", "#a01818"} {
			cases = append(cases, paxCase{car: true, x: 3.5, y: 14, heading: h, color: col})
		}
	}
	paxBlobs(t, cases, func(i int, d *Detector, f *decode.Frame, o obs) {
		c := cases[i]
		row, ok := d.headRow(f, sample{box: o.box, ground: o.ground, widthM: o.widthM})
		if !ok || row <= sideMaxRowM {
			t.Errorf("car %s heading %.0f: top band %.2f m (measured %v), want longer than %.1f m", c.color, c.heading, row, ok, sideMaxRowM)
		} else {
			t.Logf("car %s heading %.0f: top band %.2f m", c.color, c.heading, row)
		}
	})
}

// riderSet is one motorbike of each rider count (1 to 4), bare heads and helmets of several
// colours, at road point (x, y).
func riderSet(x, y float64) []paxCase {
	T, F := true, false
	return []paxCase{
		{helmets: []bool{T}, x: x, y: y, color: "#202020"},
		{helmets: []bool{F}, x: x, y: y, color: "#c8c8d0"},
		{helmets: []bool{T, T}, x: x, y: y, color: "#a01818"},
		{helmets: []bool{F, T}, x: x, y: y, color: "#1a3a8a"},
		{helmets: []bool{T, T, T}, x: x, y: y, color: "#202020"},
		{helmets: []bool{F, T, F}, x: x, y: y, color: "#c8c8d0"},
		{helmets: []bool{T, T, T, T}, x: x, y: y, color: "#a01818"},
	}
}
