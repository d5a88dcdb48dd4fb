package wire

import (
	"fmt"
	"strings"
)

// Class is a kind of road user.
type Class string

// The classes of road user the world produces.
const (
	Motorbike Class = "motorbike"
	Car       Class = "car"
	Truck     Class = "truck"
	Bus       Class = "bus"
	Bicycle   Class = "bicycle"
)

// Classes lists every class in a fixed order (used for tables and stable iteration).
var Classes = []Class{Motorbike, Car, Truck, Bus, Bicycle}

// Valid reports whether c is one of Classes.
func (c Class) Valid() bool {
	for _, k := range Classes {
		if c == k {
			return true
		}
	}
	return false
}

// ViolationType names a traffic violation (ARCHITECTURE.md section 4).
type ViolationType string

// The violation types and, in their comments, the moment each is stamped.
const (
	RedLight          ViolationType = "red_light"           // front crosses the stop line on red: crossing frame
	StopLineViolation ViolationType = "stop_line"           // stops beyond the stop line on red: stop frame
	Speeding          ViolationType = "speeding"            // mean zone speed over the class limit: zone exit frame
	WrongWay          ViolationType = "wrong_way"           // against the lane direction >= 2 s: 2 s mark
	WrongLane         ViolationType = "wrong_lane"          // in a lane not allowed for its class >= 2 s: 2 s mark
	NoHelmet          ViolationType = "no_helmet"           // a motorbike rider without helmet: first frame fully visible and JudgeMinPx tall
	TooManyPassengers ViolationType = "too_many_passengers" // 3+ people on a motorbike: first frame fully visible and JudgeMinPx tall
	IllegalParking    ViolationType = "illegal_parking"     // stationary > threshold in a no-parking zone: threshold frame
	Sidewalk          ViolationType = "sidewalk"            // motorbike on a sidewalk >= 1 s: 1 s mark
)

// JudgeMinPx is the least height (pixels) of a motorbike's box at which its riders can be
// judged: no_helmet and too_many_passengers are stamped at the first frame the motorbike is
// fully visible and this tall. Its riders' heads (0.27 m of a 1.65 m-high motorbike and rider,
// seen from above) are then 8 px or more; smaller, a helmet and a bare head differ by a pixel
// or two of colour and no device can be asked to tell them apart (the same reasoning as the
// plate's 15 px characters).
const JudgeMinPx = 64

// ViolationTypes lists every violation type in a fixed order.
var ViolationTypes = []ViolationType{
	RedLight, StopLineViolation, Speeding, WrongWay, WrongLane, NoHelmet, TooManyPassengers, IllegalParking, Sidewalk,
}

// Valid reports whether t is one of ViolationTypes.
func (t ViolationType) Valid() bool {
	for _, k := range ViolationTypes {
		if t == k {
			return true
		}
	}
	return false
}

// ParseViolationType returns the type named s or an error listing the valid names.
func ParseViolationType(s string) (ViolationType, error) {
	t := ViolationType(s)
	if !t.Valid() {
		names := make([]string, len(ViolationTypes))
		for i, v := range ViolationTypes {
			names[i] = string(v)
		}
		return "", fmt.Errorf("unknown violation type %q (want one of %s)", s, strings.Join(names, ", "))
	}
	return t, nil
}

// Point is a 2D point: road-plane metres or image pixels depending on the field.
type Point [2]float64

// Vec3 is a 3D point in road-plane metres (z up).
type Vec3 [3]float64

// Box is an axis-aligned image box [x0, y0, x1, y1] in pixels, x1 > x0 and y1 > y0.
type Box [4]float64

// Area of the box (0 for an empty or inverted box).
func (b Box) Area() float64 {
	w, h := b[2]-b[0], b[3]-b[1]
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// Intersect returns the overlap of two boxes (possibly empty).
func (b Box) Intersect(o Box) Box {
	return Box{max(b[0], o[0]), max(b[1], o[1]), min(b[2], o[2]), min(b[3], o[3])}
}

// IoU is the intersection over union of two boxes.
func (b Box) IoU(o Box) float64 {
	i := b.Intersect(o).Area()
	u := b.Area() + o.Area() - i
	if u <= 0 {
		return 0
	}
	return i / u
}

// Polygon is a closed polygon (the last point connects to the first).
type Polygon []Point

// Contains reports whether p lies inside the polygon (even-odd rule).
func (pg Polygon) Contains(p Point) bool {
	in := false
	for i, j := 0, len(pg)-1; i < len(pg); j, i = i, i+1 {
		a, b := pg[i], pg[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}
