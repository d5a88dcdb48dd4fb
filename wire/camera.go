package wire

import (
	"errors"
	"math"
)

// Pinhole is the camera model shared by truth, renderer and devices: a pinhole without lens
// distortion or roll, placed above the road plane.
type Pinhole struct {
	FocalPx  float64 `json:"focal_px"`        // focal length in pixels
	Cx       float64 `json:"cx"`              // principal point x, pixels
	Cy       float64 `json:"cy"`              // principal point y, pixels
	Position Point   `json:"position"`        // camera ground position, road-plane metres
	HeightM  float64 `json:"height_m"`        // height of the optical centre above the road
	TiltDeg  float64 `json:"tilt_deg"`        // angle below the horizon; positive looks down
	PanDeg   float64 `json:"pan_deg"`         // heading of the optical axis, from +y (north) towards +x (east)
	Width    int     `json:"width,omitempty"` // image width in pixels
	Height   int     `json:"height,omitempty"`
}

// NearZ is the smallest depth (metres along the optical axis) that projects.
const NearZ = 0.1

// basis returns the camera centre and its right, down and forward unit vectors in world space.
func (c Pinhole) basis() (o, r, d, f Vec3) {
	p, t := c.PanDeg*math.Pi/180, c.TiltDeg*math.Pi/180
	o = Vec3{c.Position[0], c.Position[1], c.HeightM}
	f = Vec3{math.Sin(p) * math.Cos(t), math.Cos(p) * math.Cos(t), -math.Sin(t)}
	r = Vec3{math.Cos(p), -math.Sin(p), 0}
	// up = r x f; down = -up
	up := Vec3{r[1]*f[2] - r[2]*f[1], r[2]*f[0] - r[0]*f[2], r[0]*f[1] - r[1]*f[0]}
	d = Vec3{-up[0], -up[1], -up[2]}
	return
}

// ToCamera returns the point in camera coordinates (x right, y down, z forward, metres).
func (c Pinhole) ToCamera(p Vec3) Vec3 {
	o, r, d, f := c.basis()
	v := Vec3{p[0] - o[0], p[1] - o[1], p[2] - o[2]}
	return Vec3{dot(v, r), dot(v, d), dot(v, f)}
}

// Project maps a world point to pixels; ok is false behind (or too near) the camera.
// depth is the distance along the optical axis, used for occlusion order and fog.
func (c Pinhole) Project(p Vec3) (px Point, depth float64, ok bool) {
	q := c.ToCamera(p)
	if q[2] < NearZ {
		return Point{}, q[2], false
	}
	return Point{c.Cx + c.FocalPx*q[0]/q[2], c.Cy + c.FocalPx*q[1]/q[2]}, q[2], true
}

// RoadToImage is the 3x3 homography (row-major) mapping road-plane metres (z = 0) to pixels.
func (c Pinhole) RoadToImage() [9]float64 {
	o, r, d, f := c.basis()
	// image ~ K * [R | -R o] * (x, y, 0, 1): columns for x, y and the constant term.
	col := func(a Vec3) Vec3 { return Vec3{dot(a, r), dot(a, d), dot(a, f)} }
	cx, cy := col(Vec3{1, 0, 0}), col(Vec3{0, 1, 0})
	t := col(Vec3{-o[0], -o[1], -o[2]})
	k := func(v Vec3) Vec3 { return Vec3{c.FocalPx*v[0] + c.Cx*v[2], c.FocalPx*v[1] + c.Cy*v[2], v[2]} }
	a, b, e := k(cx), k(cy), k(t)
	return [9]float64{a[0], b[0], e[0], a[1], b[1], e[1], a[2], b[2], e[2]}
}

// ImageToRoad is the inverse homography: pixels to road-plane metres (z = 0).
func (c Pinhole) ImageToRoad() ([9]float64, error) { return Invert3(c.RoadToImage()) }

// Apply maps a point through a row-major 3x3 homography; ok is false at infinity.
func Apply(h [9]float64, p Point) (Point, bool) {
	w := h[6]*p[0] + h[7]*p[1] + h[8]
	if math.Abs(w) < 1e-12 {
		return Point{}, false
	}
	return Point{(h[0]*p[0] + h[1]*p[1] + h[2]) / w, (h[3]*p[0] + h[4]*p[1] + h[5]) / w}, true
}

// Invert3 inverts a row-major 3x3 matrix, normalised so that the last element is 1 when possible.
func Invert3(m [9]float64) ([9]float64, error) {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	det := a*A + b*B + c*C
	if math.Abs(det) < 1e-15 {
		return [9]float64{}, errors.New("wire: singular homography")
	}
	inv := [9]float64{
		A / det, -(b*i - c*h) / det, (b*f - c*e) / det,
		B / det, (a*i - c*g) / det, -(a*f - c*d) / det,
		C / det, -(a*h - b*g) / det, (a*e - b*d) / det,
	}
	if math.Abs(inv[8]) > 1e-12 {
		s := inv[8]
		for k := range inv {
			inv[k] /= s
		}
	}
	return inv, nil
}

// Cuboid is an oriented box standing on the road: centre of its footprint, length along the
// heading, width across it, height up from Z0 (Z0 > 0 for lifted parts).
type Cuboid struct {
	Center     Point
	HeadingDeg float64 // direction of travel, from +y towards +x
	Length     float64
	Width      float64
	Height     float64
	Z0         float64
}

// Corners returns the 8 corners: bottom four (rear-left, rear-right, front-right, front-left)
// then the top four in the same order.
func (cb Cuboid) Corners() [8]Vec3 {
	h := cb.HeadingDeg * math.Pi / 180
	fx, fy := math.Sin(h), math.Cos(h)  // forward
	rx, ry := math.Cos(h), -math.Sin(h) // right
	hl, hw := cb.Length/2, cb.Width/2
	var out [8]Vec3
	xy := [4][2]float64{{-hl, -hw}, {-hl, hw}, {hl, hw}, {hl, -hw}}
	for i, q := range xy {
		x := cb.Center[0] + q[0]*fx + q[1]*rx
		y := cb.Center[1] + q[0]*fy + q[1]*ry
		out[i] = Vec3{x, y, cb.Z0}
		out[i+4] = Vec3{x, y, cb.Z0 + cb.Height}
	}
	return out
}

// ProjectCuboid returns the tight image box of the projected cuboid, unclipped; ok is false when
// any corner is behind the camera (such objects are not in view).
func (c Pinhole) ProjectCuboid(cb Cuboid) (Box, bool) {
	b := Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range cb.Corners() {
		q, _, ok := c.Project(p)
		if !ok {
			return Box{}, false
		}
		b[0], b[1] = min(b[0], q[0]), min(b[1], q[1])
		b[2], b[3] = max(b[2], q[0]), max(b[3], q[1])
	}
	return b, true
}

func dot(a, b Vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
