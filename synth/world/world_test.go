package world

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/synth/plate"
	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func load(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func encode(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSameSeedSameTruth(t *testing.T) {
	sc := load(t, "intersection-day")
	a, ca, err := Generate(sc, Options{Duration: 40 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b, cb, _ := Generate(sc, Options{Duration: 40 * time.Second})
	if !bytes.Equal(encode(t, a), encode(t, b)) || !bytes.Equal(encode(t, ca), encode(t, cb)) {
		t.Fatal("two runs of the same scenario and seed differ")
	}
	c, _, _ := Generate(sc, Options{Duration: 40 * time.Second, Seed: sc.Seed + 1})
	if bytes.Equal(encode(t, a.Frames), encode(t, c.Frames)) {
		t.Fatal("seed + 1 (the next camera) gives the same traffic")
	}
	if a.Seed != sc.Seed || c.Seed != sc.Seed+1 || a.Camera != "cam-01" {
		t.Errorf("seed %d / %d, camera %q", a.Seed, c.Seed, a.Camera)
	}
}

func TestGoldenTruth(t *testing.T) {
	sc := load(t, "intersection-day")
	tr, cal, err := Generate(sc, Options{Duration: 2 * time.Second, Camera: "cam-07"})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"truth": tr, "camera": cal} {
		got := encode(t, v)
		path := filepath.Join("testdata", t.Name()+"."+name+".golden.json")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update once)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (go test ./synth/world -run %s -update, then review the diff)", name, path, t.Name())
		}
	}
}

// TestProjection puts known 3D points on known pixels through the camera of a shipped scenario.
func TestProjection(t *testing.T) {
	sc := load(t, "intersection-day")
	tr, cal, err := Generate(sc, Options{Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cam := tr.Pinhole
	// The point 20 m along the optical axis lands on the principal point.
	p, tl := cam.PanDeg*math.Pi/180, cam.TiltDeg*math.Pi/180
	axis := wire.Vec3{cam.Position[0] + 20*math.Sin(p)*math.Cos(tl), cam.Position[1] + 20*math.Cos(p)*math.Cos(tl), cam.HeightM - 20*math.Sin(tl)}
	if px, _, ok := cam.Project(axis); !ok || math.Abs(px[0]-640) > 1e-6 || math.Abs(px[1]-360) > 1e-6 {
		t.Errorf("axis point at %v, want (640, 360)", px)
	}
	// A road point straight ahead of the camera at ground distance D appears on the centre column
	// at y = cy + f * tan(atan(h/D) - tilt) when the camera does not pan.
	flat := cam
	flat.PanDeg = 0
	D := 18.0
	want := flat.Cy + flat.FocalPx*math.Tan(math.Atan(flat.HeightM/D)-tl)
	if px, _, _ := flat.Project(wire.Vec3{flat.Position[0], flat.Position[1] + D, 0}); math.Abs(px[0]-640) > 1e-6 || math.Abs(px[1]-want) > 1e-6 {
		t.Errorf("road point at %v, want (640, %.3f)", px, want)
	}
	// camera.json's homography agrees with the projection.
	for _, q := range []wire.Point{{0, 15}, {3, 25}, {-4, 40}} {
		px, _, _ := cam.Project(wire.Vec3{q[0], q[1], 0})
		h, _ := wire.Apply(cal.RoadToImage, q)
		back, _ := wire.Apply(cal.ImageToRoad, px)
		if math.Hypot(px[0]-h[0], px[1]-h[1]) > 1e-3 || math.Hypot(back[0]-q[0], back[1]-q[1]) > 1e-3 {
			t.Errorf("road %v: projection %v, homography %v, back %v", q, px, h, back)
		}
	}
}

// TestTruthIsConsistent checks every recorded state against the contracts: boxes are the clipped
// projected cuboids, plates match their class format, states are ordered, frames are complete.
func TestTruthIsConsistent(t *testing.T) {
	for _, name := range scenarios.Names() {
		tr, _, err := Generate(load(t, name), Options{Duration: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		objs := map[int]wire.Object{}
		for i, o := range tr.Objects {
			if i > 0 && tr.Objects[i-1].ID >= o.ID {
				t.Fatalf("%s: objects not by ascending id", name)
			}
			if !plate.Valid(o.Class, o.Plate.Text) {
				t.Errorf("%s: %s plate %q", name, o.Class, o.Plate.Text)
			}
			objs[o.ID] = o
		}
		W, H := float64(tr.Width), float64(tr.Height)
		for fi, f := range tr.Frames {
			if f.Index != fi || math.Abs(f.T-float64(fi)/tr.FPS) > 1e-3 {
				t.Fatalf("%s: frame %d has index %d t %g", name, fi, f.Index, f.T)
			}
			for k, s := range f.Objects {
				if k > 0 && f.Objects[k-1].ID >= s.ID {
					t.Fatalf("%s frame %d: states not by ascending id", name, fi)
				}
				o := objs[s.ID]
				if fi < o.First || fi > o.Last {
					t.Fatalf("%s frame %d: object %d outside its life %d-%d", name, fi, s.ID, o.First, o.Last)
				}
				want, ok := shape.ImageBox(tr.Pinhole, shape.Parts(&o), s, W, H)
				same := ok
				for i := range want {
					same = same && math.Abs(want[i]-s.Box[i]) <= 0.006
				}
				if !same {
					t.Fatalf("%s frame %d object %d: box %v, shape.ImageBox %v", name, fi, s.ID, s.Box, want)
				}
				if s.Visible < 0 || s.Visible > 1 || !s.InView {
					t.Fatalf("%s frame %d object %d: visible %g in view %v", name, fi, s.ID, s.Visible, s.InView)
				}
				if s.PlateRead {
					var pts [4]wire.Point
					for i, c := range o.PlateCorners(s, o.HasFrontPlate() && facesCamera(tr.Pinhole, s)) {
						pts[i], _, _ = tr.Pinhole.Project(c)
					}
					if ch, sw := PlateCharPx(pts, o.Plate.Rows); s.PlateBox == nil || ch < MinCharPx || sw < MinStrokePx {
						t.Fatalf("%s frame %d object %d: readable plate with box %v, characters %.1f px, strokes %.1f px", name, fi, s.ID, s.PlateBox, ch, sw)
					}
				}
			}
		}
		for _, v := range tr.Violations {
			o := objs[v.Object]
			if v.Plate != o.Plate.Text || v.Class != o.Class || v.Camera != "cam-01" || v.Box.Area() == 0 {
				t.Errorf("%s: violation %+v does not match object %d", name, v, v.Object)
			}
		}
	}
}

// TestEveryEnabledViolationInTenMinutes runs each shipped scenario for 10 minutes.
func TestEveryEnabledViolationInTenMinutes(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			sc := load(t, name)
			tr, _, err := Generate(sc, Options{Duration: 10 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			s := Summarize(tr)
			for _, typ := range sc.Enabled() {
				if s.Violations[wire.ViolationType(typ)] == 0 {
					t.Errorf("no %s in 10 minutes (got %v)", typ, s.Violations)
				}
			}
			for _, typ := range wire.ViolationTypes {
				if sc.Traffic.Violations.Rate(string(typ)) == 0 && s.Violations[typ] > 0 {
					t.Errorf("%d %s although the scenario disables it", s.Violations[typ], typ)
				}
			}
		})
	}
}

func TestGenerateRejectsUnusableScenarios(t *testing.T) {
	good := load(t, "arterial")
	cases := []struct {
		name string
		edit func(s *scenarios.Scenario)
		err  string
	}{
		{"no fps", func(s *scenarios.Scenario) { s.FPS = 0 }, "world: arterial: fps 0"},
		{"no lanes", func(s *scenarios.Scenario) { s.Scene.Lanes = nil }, "world: arterial: no lanes"},
		{"camera at the sky", func(s *scenarios.Scenario) { s.Camera.TiltDeg = 1 }, "world: arterial: camera: the road in view is too short"},
		{"not loaded", func(s *scenarios.Scenario) { s.Conditions.Overlay = nil }, "world: arterial: conditions not defaulted"},
	}
	for _, c := range cases {
		s := *good
		c.edit(&s)
		_, _, err := Generate(&s, Options{Duration: time.Second})
		if err == nil || !strings.HasPrefix(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.name, err, c.err)
		}
	}
	if _, _, err := Generate(nil, Options{}); err == nil {
		t.Error("nil scenario accepted")
	}
}

// FuzzGenerate runs the world on whatever the loader accepts: it must never panic and must
// give the frames asked for.
func FuzzGenerate(f *testing.F) {
	for _, n := range scenarios.Names() {
		b, _ := fs.ReadFile(scenarios.Shipped(), n+".yaml")
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenarios.Parse("f.yaml", data)
		if err != nil {
			return
		}
		sc.FPS = min(sc.FPS, 10) // keep each run short
		tr, _, err := Generate(sc, Options{Duration: 2 * time.Second})
		if err != nil {
			return
		}
		if want := int(math.Round(2 * sc.FPS)); len(tr.Frames) != want {
			t.Fatalf("%d frames, want %d", len(tr.Frames), want)
		}
	})
}

// facesCamera reports whether the vehicle's front faces the camera (the viewer's choice of the
// plate it reads).
func facesCamera(p wire.Pinhole, s wire.ObjectState) bool {
	hd := s.Heading * math.Pi / 180
	pos := p.Position
	return math.Sin(hd)*(pos[0]-s.Pos[0])+math.Cos(hd)*(pos[1]-s.Pos[1]) > 0
}
