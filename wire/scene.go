package wire

import "math"

// Scene is the static geometry of a camera's site in road-plane metres. The world builds it from
// the scenario; the renderer draws it; calibration is its projection into the image.
type Scene struct {
	Template    string            `json:"template"` // intersection, arterial, expressway
	Surfaces    []Surface         `json:"surfaces"` // ground areas, drawn in order
	Lanes       []Lane            `json:"lanes"`
	Markings    []Marking         `json:"markings"`
	StopLines   []StopLine        `json:"stop_lines,omitempty"`
	Crosswalks  []Polygon         `json:"crosswalks,omitempty"`
	Sidewalks   []Zone            `json:"sidewalks,omitempty"`
	NoParking   []Zone            `json:"no_parking,omitempty"`
	Signals     []Signal          `json:"signals,omitempty"`
	SpeedZones  []SpeedZone       `json:"speed_zones,omitempty"`
	SpeedLimits map[Class]float64 `json:"speed_limits_kmh"`
	Props       []Prop            `json:"props,omitempty"` // roadside backdrop
}

// Surface is a ground area: asphalt, sidewalk, median, grass, concrete.
type Surface struct {
	Kind    string  `json:"kind"`
	Polygon Polygon `json:"polygon"`
}

// Lane is one lane; vehicles in it are meant to travel along Center, first point to last.
type Lane struct {
	ID       string  `json:"id"`
	Center   []Point `json:"center"`
	WidthM   float64 `json:"width_m"`
	Polygon  Polygon `json:"polygon"`
	Allowed  []Class `json:"allowed"`
	Signal   string  `json:"signal,omitempty"`    // signal head that controls it
	StopLine string  `json:"stop_line,omitempty"` // stop line it ends at
}

// Direction is the unit vector of travel of the lane's first segment.
func (l Lane) Direction() Point {
	if len(l.Center) < 2 {
		return Point{0, 1}
	}
	a, b := l.Center[0], l.Center[len(l.Center)-1]
	dx, dy := b[0]-a[0], b[1]-a[1]
	n := math.Hypot(dx, dy)
	if n == 0 {
		return Point{0, 1}
	}
	return Point{dx / n, dy / n}
}

// Allows reports whether class c may use the lane.
func (l Lane) Allows(c Class) bool {
	for _, a := range l.Allowed {
		if a == c {
			return true
		}
	}
	return false
}

// Marking is a painted line.
type Marking struct {
	Kind   string  `json:"kind"`  // solid, dashed, double
	Color  string  `json:"color"` // white, yellow
	WidthM float64 `json:"width_m"`
	Points []Point `json:"points"`
}

// StopLine is the line vehicles must stop behind on red; A->B spans the controlled lanes.
type StopLine struct {
	ID     string   `json:"id"`
	A      Point    `json:"a"`
	B      Point    `json:"b"`
	Signal string   `json:"signal"`
	Lanes  []string `json:"lanes"`
}

// Zone is a named area: a sidewalk, or a no-parking zone with its threshold.
type Zone struct {
	ID         string  `json:"id"`
	Polygon    Polygon `json:"polygon"`
	ThresholdS float64 `json:"threshold_s,omitempty"` // no-parking: stationary seconds before it is a violation
}

// Signal is a vertical three-lamp signal head on a pole.
type Signal struct {
	ID        string   `json:"id"`
	Position  Point    `json:"position"`   // pole foot
	HeightM   float64  `json:"height_m"`   // centre of the amber lamp above the road
	FacingDeg float64  `json:"facing_deg"` // direction the lamps shine towards (towards approaching traffic)
	Lanes     []string `json:"lanes"`
}

// Signal head geometry, shared by renderer and calibration so the lamp regions match the pixels.
const (
	LampRadiusM  = 0.15 // radius of a lamp
	LampSpacingM = 0.36 // vertical distance between lamp centres
)

// Lamps returns the 3D centres of the red, amber and green lamps, top to bottom.
func (s Signal) Lamps() [3]Vec3 {
	var out [3]Vec3
	for i := range out {
		out[i] = Vec3{s.Position[0], s.Position[1], s.HeightM + float64(1-i)*LampSpacingM}
	}
	return out
}

// SpeedZone is a measured stretch: a vehicle's mean speed between Entry and Exit is compared
// with its class limit, stamped at the exit frame.
type SpeedZone struct {
	ID      string   `json:"id"`
	Lanes   []string `json:"lanes"`
	Entry   [2]Point `json:"entry"` // line across the lanes
	Exit    [2]Point `json:"exit"`
	LengthM float64  `json:"length_m"`
}

// Prop is a piece of roadside backdrop: building, tree, pole, streetlight.
type Prop struct {
	Kind      string  `json:"kind"`
	Footprint Polygon `json:"footprint"`
	HeightM   float64 `json:"height_m"`
	Color     string  `json:"color,omitempty"` // #rrggbb
}

// Light is a signal state.
type Light string

// Signal states.
const (
	Green Light = "green"
	Amber Light = "amber"
	Red   Light = "red"
)
