package wire

import (
	"math"
	"testing"
)

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

func TestProjectKnownPoints(t *testing.T) {
	down := Pinhole{FocalPx: 1000, Cx: 640, Cy: 360, HeightM: 10, TiltDeg: 90}
	level := Pinhole{FocalPx: 1000, Cx: 640, Cy: 360, HeightM: 5, TiltDeg: 0, PanDeg: 90}
	cases := []struct {
		name string
		cam  Pinhole
		in   Vec3
		want Point
	}{
		{"straight down, 1 m east", down, Vec3{1, 0, 0}, Point{740, 360}},
		{"straight down, 1 m north is up", down, Vec3{0, 1, 0}, Point{640, 260}},
		{"level facing east, ahead at eye height", level, Vec3{20, 0, 5}, Point{640, 360}},
		{"level facing east, 1 m south is right", level, Vec3{10, -1, 5}, Point{740, 360}},
		{"level facing east, ground below", level, Vec3{10, 0, 0}, Point{640, 860}},
	}
	for _, c := range cases {
		got, _, ok := c.cam.Project(c.in)
		if !ok || !near(got[0], c.want[0], 1e-6) || !near(got[1], c.want[1], 1e-6) {
			t.Errorf("%s: Project(%v) = %v, %v; want %v", c.name, c.in, got, ok, c.want)
		}
	}
	if _, _, ok := level.Project(Vec3{-10, 0, 5}); ok {
		t.Error("a point behind the camera must not project")
	}
}

func TestHomographyRoundTrip(t *testing.T) {
	c := Pinhole{FocalPx: 1400, Cx: 640, Cy: 360, Position: Point{3, -12}, HeightM: 7, TiltDeg: 18, PanDeg: 5}
	h := c.RoadToImage()
	inv, err := c.ImageToRoad()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Point{{0, 0}, {3.5, 20}, {-7, 45}, {10, 8}} {
		px, _, _ := c.Project(Vec3{p[0], p[1], 0})
		viaH, _ := Apply(h, p)
		if !near(px[0], viaH[0], 1e-6) || !near(px[1], viaH[1], 1e-6) {
			t.Errorf("homography %v -> %v, projection %v", p, viaH, px)
		}
		back, _ := Apply(inv, viaH)
		if !near(back[0], p[0], 1e-6) || !near(back[1], p[1], 1e-6) {
			t.Errorf("round trip %v -> %v", p, back)
		}
	}
}

func TestNormalizePlate(t *testing.T) {
	for in, want := range map[string]string{"29A-123.45": "29A12345", "29-b1 123.45": "29B112345", " 51g 678 90 ": "51G67890"} {
		if got := NormalizePlate(in); got != want {
			t.Errorf("NormalizePlate(%q) = %q, want %q", in, got, want)
		}
	}
}
