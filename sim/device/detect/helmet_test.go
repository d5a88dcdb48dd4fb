package detect

import (
	"math"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"github.com/trafficsim/trafficsim/wire"
)

// head is how a rider's head is drawn: its width in metres and its colour (Y, Cb, Cr) from
// behind; a bare head shows dark hair over a skin nape, as synth/render draws it.
type head struct {
	widthM    float64
	y, cb, cr uint8
	bare      bool
}

var (
	bareHead    = head{0.21, 22, 128, 128, true}
	whiteHelmet = head{0.29, 215, 128, 128, false}
	redHelmet   = head{0.29, 80, 100, 220, false}
	blackHelmet = head{0.29, 24, 128, 128, false}
)

// fillC paints a box in luma and chroma.
func fillC(f *decode.Frame, b wire.Box, y, cb, cr uint8) {
	fill(f, b, y)
	for cy := max(0, int(b[1])/2); cy < min(f.Height/2, int(math.Ceil(b[3]))/2); cy++ {
		for cx := max(0, int(b[0])/2); cx < min(f.Width/2, int(math.Ceil(b[2]))/2); cx++ {
			f.Cb[cy*f.CW()+cx], f.Cr[cy*f.CW()+cx] = cb, cr
		}
	}
}

// riderCam is the tests' camera at twice the resolution (1280 x 720, the same view): a
// motorbike entering its picture is tall enough to judge (wire.JudgeMinPx), as in 720p clips.
var riderCam = wire.Pinhole{FocalPx: 2 * cam.FocalPx, Cx: 2 * cam.Cx, Cy: 2 * cam.Cy, HeightM: cam.HeightM, TiltDeg: cam.TiltDeg, Width: 2 * cam.Width, Height: 2 * cam.Height}

// part projects a vertical slab of the rider (width w, from z0 to z1 above road point (x, y))
// to its box in riderCam's image.
func part(x, y, w, z0, z1 float64) wire.Box {
	a, _, _ := riderCam.Project(wire.Vec3{x - w/2, y, z1})
	b, _, _ := riderCam.Project(wire.Vec3{x + w/2, y, z0})
	return wire.Box{a[0], a[1], b[0], b[1]}
}

// rider draws a motorbike seen from behind at road point (1.75, y(s)): wheels and body, the
// rider's shirt, and the head on top (1.33 to 1.60 m).
func rider(hd head, y func(s float64) float64) func(f *decode.Frame, s float64) {
	return func(f *decode.Frame, s float64) {
		for i := range f.Cb {
			f.Cb[i], f.Cr[i] = 128, 128
		}
		if s < 0 {
			return
		}
		x, yy := 1.75, y(s)
		fillC(f, part(x, yy, 0.3, 0, 0.9), 40, 128, 128)     // wheel, fender, seat
		fillC(f, part(x, yy, 0.46, 0.9, 1.33), 150, 90, 160) // shirt
		if hd.bare {
			fillC(f, part(x, yy, 0.11, 1.30, 1.36), 150, 100, 152) // nape
			fillC(f, part(x, yy, hd.widthM, 1.36, 1.60), hd.y, hd.cb, hd.cr)
			return
		}
		fillC(f, part(x, yy, hd.widthM, 1.30, 1.60), hd.y, hd.cb, hd.cr)
	}
}

// A motorbike entering the picture across its bottom edge, going away at 7 m/s: a bare-headed
// rider is a no_helmet stamped at the first frame the motorbike is fully visible; riders with a
// light, a coloured or a black helmet (as dark as hair but a third wider) are not.
func TestNoHelmetOfARiderGoingAway(t *testing.T) {
	t.Parallel()
	cal := siteOf(t, riderCam)
	y := func(s float64) float64 { return 12.5 + 7*s }
	evs, _ := runHook(t, cal, 3, nil, nil, rider(bareHead, y))
	e := only(t, evs, wire.NoHelmet, firstInside(cal, y), 0.1)
	if e.VehicleClass != wire.Motorbike {
		t.Errorf("class %s", e.VehicleClass)
	}
	for name, hd := range map[string]head{"white": whiteHelmet, "red": redHelmet, "black": blackHelmet} {
		evs, _ := runHook(t, cal, 3, nil, nil, rider(hd, y))
		for _, e := range evs {
			t.Errorf("%s helmet: unexpected %s at %.2f s", name, e.Type, at(e))
		}
	}
}

// firstInside is when a rider drawn going away along y(s) is first fully visible (in riderCam's
// image, tall enough to judge): the wheel's foot edgePx above the image's bottom edge.
func firstInside(cal wire.Calibration, y func(s float64) float64) float64 {
	for s := 0.0; s < 3; s += 0.04 {
		if b := part(1.75, y(s), 0.3, 0, 0.9); b[3] <= float64(cal.Height-edgePx) {
			return s
		}
	}
	return 0
}

// A track born inside the picture already large enough to judge (from behind something, or
// found again) was fully visible and wire.JudgeMinPx tall from when its box, shrinking with the
// image scale back along its mean velocity, was that tall, or else from when its rider's head
// crossed the image's top edge. A track that entered across the border, or was born smaller,
// keeps the frame it was seen that large; one born inside that stands or goes away was found
// again (after a merge) and is not new.
func TestFirstVisibleExtrapolatesBackToTheBorder(t *testing.T) {
	cal := site(t)
	c := cam
	c.FocalPx, c.TiltDeg = 1000, 16 // the image's top row sees the road 78 m away
	cal.Pinhole = c
	d, err := New(cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hz := topHeightM[wire.Motorbike]
	// the head of a rider coming towards the camera along x = -1.75 at 8 m/s, born 50 m away
	headAt := func(y float64) wire.Point { p, _, _ := c.Project(wire.Vec3{-1.75, y, hz}); return p }
	edgeY := 50.0 // road y where the head is on the image's top row
	for headAt(edgeY)[1] > 0 && edgeY < 200 {
		edgeY += 0.01
	}
	born := t0.Add(10 * time.Second)
	now := born.Add(2 * time.Second)
	tr := &track{Track: tk.Track{Born: born, FirstG: wire.Point{-1.75, 50}, Hist: []sample{{T: now, Ground: wire.Point{-1.75, 34}}}, Vel: wire.Point{0, -8}}}
	big := wire.Box{0, 0, 100, 1000} // a box that stays tall enough up to the top edge
	tr.helm = helmetState{started: true, bornTop: headAt(50), firstT: born, firstBox: big}
	at, _, ok := d.firstVisible(tr, now)
	want := -(edgeY - 50) / 8
	if got := at.Sub(born).Seconds(); !ok || math.Abs(got-want) > 0.15 {
		t.Errorf("first visible %.2f s from birth (%v), want %.2f", got, ok, want)
	}
	// born 70 px tall: it was wire.JudgeMinPx tall where the image scale was 64/70 of that at birth
	scale := func(y float64) float64 {
		a, _, _ := c.Project(wire.Vec3{-2.25, y, 1.5})
		b, _, _ := c.Project(wire.Vec3{-1.25, y, 1.5})
		return b[0] - a[0]
	}
	judgeY := 50.0
	for 70*scale(judgeY)/scale(50) >= wire.JudgeMinPx {
		judgeY += 0.01
	}
	tr.helm.firstBox = wire.Box{0, 0, 30, 70}
	at, _, ok = d.firstVisible(tr, now)
	if got, want := at.Sub(born).Seconds(), -(judgeY-50)/8; !ok || math.Abs(got-want) > 0.15 || judgeY >= edgeY {
		t.Errorf("born 70 px tall: first judged %.2f s from birth (%v), want %.2f (%.1f m, top edge at %.1f m)", got, ok, want, judgeY, edgeY)
	}
	tr.helm.firstBox = big
	// the same track going away (born at 34 m, now at 50 m) was big and in view nearer the
	// camera before: a track of it was lost
	away := &track{Track: tk.Track{Born: born, FirstG: wire.Point{-1.75, 34}, Hist: []sample{{T: now, Ground: wire.Point{-1.75, 50}}}, Vel: wire.Point{0, 8}}}
	away.helm = helmetState{started: true, bornTop: headAt(34), firstT: born, firstBox: big}
	if at, _, ok := d.firstVisible(away, now); ok {
		t.Errorf("going away, born inside: first visible at %v, want none", at.Sub(born))
	}
	// standing still: found again
	still := &track{Track: tk.Track{Born: born, FirstG: wire.Point{-1.75, 34}, Hist: []sample{{T: now, Ground: wire.Point{-1.75, 34.5}}}}}
	still.helm = helmetState{started: true, bornTop: headAt(34), firstT: born, firstBox: big}
	if at, _, ok := d.firstVisible(still, now); ok {
		t.Errorf("standing, born inside: first visible at %v, want none", at.Sub(born))
	}
	// a path that jumps: the mean velocity is not the last one (a standing vehicle's blob merging
	// with passing ones)
	jumpy := *tr
	jumpy.Vel = wire.Point{3, 0}
	if at, _, ok := d.firstVisible(&jumpy, now); ok {
		t.Errorf("jumpy path, born inside: first visible at %v, want none", at.Sub(born))
	}
	judged := born.Add(time.Second)
	tr.helm.firstT = judged
	tr.helm.bornLow = true
	if got, _, ok := d.firstVisible(tr, now); !ok || !got.Equal(judged) {
		t.Errorf("born smaller: first judged at %v, want the frame it was seen that tall %v", got, judged)
	}
	tr.helm.bornLow, tr.helm.bornEdge = false, true
	if got, _, ok := d.firstVisible(tr, now); !ok || !got.Equal(judged) {
		t.Errorf("entered across the border: first visible at %v, want its first fully visible frame %v", got, judged)
	}
}

// A no_helmet of a vehicle that came into view within 1.5 s and a tenth of the image width of
// one already decided, or decided on a box overlapping that of one decided in the last 10 s, is
// the same vehicle, found again after its track was lost; others are new.
func TestSeenHelmetDropsDuplicates(t *testing.T) {
	d, err := New(site(t), Options{}) // 640 px wide: 64 px apart is another place
	if err != nil {
		t.Fatal(err)
	}
	box := func(x float64) wire.Box { return wire.Box{x, 100, x + 40, 180} }
	cases := []struct {
		name   string
		at     float64 // s, came into view
		where  wire.Point
		judged float64 // s
		box    wire.Box
		dup    bool
	}{
		{"first", 0, wire.Point{100, 50}, 1, box(100), false},
		{"came into view with it", 1.0, wire.Point{130, 60}, 2, box(300), true},
		{"same time, elsewhere", 0.5, wire.Point{400, 50}, 2, box(400), false},
		{"same place, later", 3.0, wire.Point{100, 50}, 4, box(200), false},
		{"decided on the box of the first", 6, wire.Point{500, 300}, 7, box(105), true},
		{"and again, 10 s after the first", 8, wire.Point{500, 300}, 11.5, box(105), true},
		{"on the first's box after the window", 19, wire.Point{500, 300}, 21.6, box(100), false},
	}
	for _, c := range cases {
		s := func(v float64) time.Time { return t0.Add(time.Duration(v * float64(time.Second))) }
		if got := d.seenHelmet(s(c.at), c.where, s(c.judged), c.box); got != c.dup {
			t.Errorf("%s: duplicate %v, want %v", c.name, got, c.dup)
		}
	}
}

// A thin dark line in the picture (a mast arm, a wire: one pixel, blurred away by the coarse
// background) running through a bare head's crown rows is not part of the crown: the look
// measures the hair alone, a head wide.
func TestLookIgnoresThinLines(t *testing.T) {
	d, err := New(site(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.fg.BG {
		d.fg.BG[i] = 150 << 8
	}
	var f decode.Frame
	render(&f, d.cal, 0, nil, nil)
	fill(&f, wire.Box{0, 0, float64(f.Width), float64(f.Height)}, 150)
	const top, ppm = 100, 50.0
	fill(&f, wire.Box{0, top, float64(f.Width), top + 1}, 35) // the line
	fill(&f, wire.Box{300, top + 1, 310, top + 5}, 22)        // hair: 10 px = 0.2 m
	fill(&f, wire.Box{300, top + 5, 310, top + 12}, 190)      // face
	fill(&f, wire.Box{290, top + 12, 320, top + 60}, 60)      // body
	hl := d.look(&f, wire.Box{280, top, 330, top + 60}, ppm)
	if !hl.bare() || hl.widthM > 0.21 {
		t.Errorf("look %+v: want a bare crown 0.2 m wide", hl)
	}
}

// Below its riders, a two-wheeler seen from behind shows its tyre: 0.05 m wide for a bicycle,
// 0.11 m for a motorbike. tyreWidth measures it on the frame; a blob as wide as two motorbikes,
// or one crossing the view, is not measured.
func TestTyreWidth(t *testing.T) {
	cal := siteOf(t, riderCam)
	d, err := New(cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var f decode.Frame
	render(&f, cal, 0, nil, nil)
	const y = 14.0 // 66 px per metre at the road: near enough to measure
	g := wire.Point{1.75, y}
	draw := func(tyreM float64) {
		fill(&f, wire.Box{0, 0, float64(f.Width), float64(f.Height)}, 90)
		fill(&f, part(1.75, y, tyreM, 0, 0.4), 25)
		fill(&f, part(1.75, y, 0.4, 0.4, 1.6), 60)
	}
	box := part(1.75, y, 0.5, 0, 1.6)
	going := &track{Track: tk.Track{Hist: []sample{{Box: box, Ground: g, WidthM: 0.5}}, Vel: wire.Point{0, 6}}}
	for _, c := range []struct {
		name  string
		tyreM float64
		tr    *track
		thin  bool
		ok    bool
	}{
		{"bicycle going away", 0.05, going, true, true},
		{"motorbike going away", 0.11, going, false, true},
		{"motorbike stopped", 0.11, &track{Track: tk.Track{Hist: going.Hist}}, false, false},
		{"crossing the view", 0.11, &track{Track: tk.Track{Hist: going.Hist, Vel: wire.Point{6, 0}}}, false, false},
		{"two side by side", 0.11, &track{Track: tk.Track{Hist: []sample{{Box: box, Ground: g, WidthM: 1.6}}, Vel: wire.Point{0, 6}}}, false, false},
	} {
		draw(c.tyreM)
		w, ok := d.tyreWidth(&f, c.tr)
		if ok != c.ok || ok && (w < thinTyreM) != c.thin {
			t.Errorf("%s: tyre %.3f m (measured %v), want thin %v (measured %v)", c.name, w, ok, c.thin, c.ok)
		}
	}
	if tyres(4, 0) || !tyres(5, 2) || tyres(5, 3) {
		t.Error("tyres: want 5 votes or more, twice the others")
	}
}

// A bare-headed motorbike rider slowing into a queue, never as fast in view as a motorbike
// rides (a bicycle's pace), is a no_helmet: its tyre is a motorbike's.
func TestNoHelmetOfASlowMotorbike(t *testing.T) {
	t.Parallel()
	cal := siteOf(t, riderCam)
	slow := func(s float64) float64 { s = min(s, 3.5); return 12.5 + 3.5*s - 0.5*s*s } // 3.5 m/s, stopped from 3.5 s
	evs, _ := runHook(t, cal, 5, nil, nil, rider(bareHead, slow))
	only(t, evs, wire.NoHelmet, firstInside(cal, slow), 0.1)
}
