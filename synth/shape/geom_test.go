package shape

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/trafficsim/trafficsim/wire"
)

// TestProjectorIsPinholeProject: the cached projector gives wire.Pinhole.Project's pixels and
// ToCamera's depth bit for bit, so truth made with either is the same.
func TestProjectorIsPinholeProject(t *testing.T) {
	cam := wire.Pinhole{FocalPx: 1600, Cx: 640, Cy: 360, Position: wire.Point{3.5, -6}, HeightM: 7, TiltDeg: 16, PanDeg: -3, Width: 1280, Height: 720}
	pr := NewProjector(cam)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		p := wire.Vec3{rng.Float64()*40 - 20, rng.Float64()*80 - 10, rng.Float64() * 4}
		want, _, wok := cam.Project(p)
		got, ok := pr.Project(p)
		if got != want || ok != wok {
			t.Fatalf("%v: projector %v %v, pinhole %v %v", p, got, ok, want, wok)
		}
		if d := cam.ToCamera(p)[2]; pr.Depth(p) != d {
			t.Fatalf("%v: depth %v, want %v", p, pr.Depth(p), d)
		}
	}
	o := &wire.Object{HeightM: 1.5}
	s := wire.ObjectState{Pos: wire.Point{2, 20}}
	if pr.DepthKey(o, s) != DepthKey(cam, o, s) {
		t.Fatal("Projector.DepthKey differs from DepthKey")
	}
}

func TestConvexHull(t *testing.T) {
	square := []wire.Point{{0, 0}, {2, 0}, {2, 2}, {0, 2}}
	cases := []struct {
		name string
		pts  []wire.Point
		want []wire.Point
	}{
		{"square with an inner point and a repeat", append(slices.Clone(square), wire.Point{1, 1}, wire.Point{2, 2}), square},
		{"collinear points keep the ends", []wire.Point{{0, 0}, {1, 1}, {2, 2}}, []wire.Point{{0, 0}, {2, 2}}},
		{"two points, sorted", []wire.Point{{3, 1}, {1, 1}}, []wire.Point{{1, 1}, {3, 1}}},
		{"one point", []wire.Point{{5, 5}}, []wire.Point{{5, 5}}},
	}
	for _, tc := range cases {
		if got := ConvexHull(tc.pts); !slices.Equal(got, tc.want) {
			t.Errorf("%s: hull %v, want %v", tc.name, got, tc.want)
		}
	}
}
