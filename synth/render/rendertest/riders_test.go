package rendertest_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/clips"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

// The renderer needs ebiten's game loop on the main goroutine.
func TestMain(m *testing.M) {
	code := 0
	if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// riderGolden is where the detector's rider tests read their recorded frames: the device's
// tests feed recorded clips and never link the renderer (imports_test.go).
const riderGolden = "../../../sim/device/detect/testdata/riders"

// paxCase is one road user drawn alone on the fixture crossing seen by the intersection
// scenarios' camera (7 m up on a cantilever, 1600 px focal length at 1280x720).
type paxCase struct {
	helmets []bool  // one per rider, driver first
	x, y    float64 // road position, metres (the camera stands at (3.5, -6))
	heading float64 // degrees from +y (away from the camera) towards +x
	color   string
	car     bool // a car (4.3 x 1.8 x 1.5 m) instead of a motorbike
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

// paxPath is one motorbike driven along a straight line at 25 fps.
type paxPath struct {
	helmets []bool
	x0, y0  float64 // road position in the first frame
	heading float64 // degrees from +y towards +x
	speed   float64 // m/s
	frames  int
	color   string
}

func (p paxPath) cases() []paxCase {
	var out []paxCase
	h := p.heading * math.Pi / 180
	for i := range p.frames {
		d := p.speed * float64(i) / 25
		out = append(out, paxCase{helmets: p.helmets, x: p.x0 + d*math.Sin(h), y: p.y0 + d*math.Cos(h), heading: p.heading, color: p.color})
	}
	return out
}

// riderSets are the recorded clips of sim/device/detect's rider tests, one per test: frame 0
// shows the empty crossing, every later frame one case.
func riderSets() map[string][]paxCase {
	T, F := true, false
	sets := map[string][]paxCase{}
	for i, y := range []float64{6, 10, 14, 18} {
		sets["stack"] = append(sets["stack"], riderSet([]float64{1.8, 5.2}[i%2], y)...)
	}
	for _, p := range [][2]float64{{14, 90}, {14, 270}, {22, 270}} {
		y, h := p[0], p[1]
		sets["side"] = append(sets["side"],
			paxCase{helmets: []bool{T}, x: 3.5, y: y, heading: h, color: "#202020"},
			paxCase{helmets: []bool{F}, x: 3.5, y: y, heading: h, color: "#c8c8d0"},
			paxCase{helmets: []bool{T, F}, x: 3.5, y: y, heading: h, color: "#a01818"},
			paxCase{helmets: []bool{T, T, T}, x: 3.5, y: y, heading: h, color: "#1a3a8a"},
			paxCase{helmets: []bool{F, T, F}, x: 3.5, y: y, heading: h, color: "#c8c8d0"},
			paxCase{helmets: []bool{T, T, T, T}, x: 3.5, y: y, heading: h, color: "#202020"},
		)
	}
	for _, p := range [][2]float64{{-3, 13}, {-4, 16}, {-5, 19}} {
		sets["oblique"] = append(sets["oblique"], riderSet(p[0], p[1])...)
	}
	for i := range 8 {
		h := []float64{90, 270}[i%2]
		sets["coloured"] = append(sets["coloured"],
			paxCase{helmets: []bool{T, T, T}, x: 3.5, y: 14, heading: h, color: "#202020"},
			paxCase{helmets: []bool{T, T}, x: 3.5, y: 14, heading: h, color: "#202020"})
	}
	for _, h := range []float64{90, 270} {
		for _, col := range []string{"#c8c8d0", "#202020", "#a01818"} {
			sets["roof"] = append(sets["roof"], paxCase{car: true, x: 3.5, y: 14, heading: h, color: col})
		}
	}
	// a queue creeping away at 10 km/h: three riders, then two
	sets["creeping"] = append(paxPath{helmets: []bool{T, T, T}, x0: 5.2, y0: 7, speed: 2.8, frames: 30, color: "#a01818"}.cases(),
		paxPath{helmets: []bool{T, T}, x0: 5.2, y0: 7, speed: 2.8, frames: 30, color: "#a01818"}.cases()...)
	// three riders crossing the view at 14 km/h (the test hides it behind a bus for a while)
	sets["crossing"] = paxPath{helmets: []bool{T, T, T}, x0: -6, y0: 12, heading: 90, speed: 4, frames: 100, color: "#202020"}.cases()
	return sets
}

// TestRecordRiderClips draws sim/device/detect's rider frames and records them as library clips
// in its testdata (H.264 at 4 Mbit/s, every frame a keyframe, as a camera stream brings them;
// truth.json holds the cases: objects with their riders, one per frame, and their boxes).
// It runs only when asked, after a change of the cases or the renderer:
//
//	TRAFFICSIM_RECORD_RIDERS=1 DISPLAY=:99 go test -tags extlib,pkgconfig ./synth/render/rendertest/ -run RecordRiderClips
func TestRecordRiderClips(t *testing.T) {
	if os.Getenv("TRAFFICSIM_RECORD_RIDERS") == "" {
		t.Skip("set TRAFFICSIM_RECORD_RIDERS=1 to record sim/device/detect's rider clips")
	}
	for name, cases := range riderSets() {
		if err := os.RemoveAll(filepath.Join(riderGolden, name)); err != nil {
			t.Fatal(err)
		}
		recordRiders(t, name, cases)
	}
}

// riderTruth is the fixture crossing without its movers, seen by the intersection camera, with
// frame 0 empty and one frame per case.
func riderTruth(cases []paxCase) *wire.Truth {
	tr := rendertest.Truth(rendertest.Spec{Frames: 1, Width: 1280, Height: 720})
	tr.Objects = nil
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
	return tr
}

func recordRiders(t *testing.T, name string, cases []paxCase) {
	tr := riderTruth(cases)
	cal, err := clips.FromTruth(tr)
	if err != nil {
		t.Fatal(err)
	}
	const kbps = 4000
	enc, err := encode.New(encode.Options{Width: tr.Width, Height: tr.Height, BitrateKbps: kbps, GOP: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	w, err := library.Create(riderGolden, library.Meta{ID: name, Scenario: tr.Scenario, Camera: tr.Camera, Renderer: rendertest.Version,
		Width: tr.Width, Height: tr.Height, FPS: tr.FPS, BitrateKbps: kbps, GOP: 1, Profile: "main"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := render.Start(ctx, tr, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for fr := range st.Frames() {
		au, key, err := enc.Encode(fr.Image)
		fr.Release()
		if err == nil {
			err = w.WriteFrame(au, key)
		}
		if err != nil {
			w.Abort()
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil {
		w.Abort()
		t.Fatal(err)
	}
	for _, err := range []error{w.WriteJSON(library.TruthFile, tr), w.WriteJSON(library.CameraFile, cal)} {
		if err != nil {
			w.Abort()
			t.Fatal(err)
		}
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
