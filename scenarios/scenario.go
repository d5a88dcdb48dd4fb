package scenarios

import "time"

// Scenario is a parsed and validated scenario file. Field comments give the defaults applied
// when a key is absent; keys that have no default are required.
type Scenario struct {
	Name        string        `yaml:"name"`        // required; [a-z0-9-]+
	Description string        `yaml:"description"` // free text
	Seed        uint64        `yaml:"seed"`        // default 1; every random choice flows from it
	Duration    time.Duration `yaml:"duration"`    // clip length, default 10m
	FPS         float64       `yaml:"fps"`         // default 25; the world steps at dt = 1/fps
	Resolution  Resolution    `yaml:"resolution"`  // default 1280x720
	Codec       string        `yaml:"codec"`       // how the cameras encode: h264 (default) or h265
	Scene       Scene         `yaml:"scene"`
	Camera      Camera        `yaml:"camera"`
	Conditions  Conditions    `yaml:"conditions"`
	Traffic     Traffic       `yaml:"traffic"`
	Deployment  Deployment    `yaml:"deployment"`

	// File is the path the scenario was loaded from (not a YAML key).
	File string `yaml:"-"`
}

// Resolution of the camera image in pixels.
type Resolution struct {
	Width  int `yaml:"width"`  // default 1280
	Height int `yaml:"height"` // default 720
}

// Scene is the site: a template (intersection, arterial, expressway) filled in by parameters.
// The main road runs along +y (north) from the camera; lanes are listed left to right as the
// camera sees them.
type Scene struct {
	Template   string  `yaml:"template"`     // required: intersection, arterial or expressway
	LaneWidthM float64 `yaml:"lane_width_m"` // default 3.5
	Lanes      []Lane  `yaml:"lanes"`        // required, at least one; "toward" lanes first (traffic keeps right)
	MedianM    float64 `yaml:"median_m"`     // width between the two directions, default 0
	SidewalkM  float64 `yaml:"sidewalk_m"`   // width of the sidewalk on each side, 0 = none
	ShoulderM  float64 `yaml:"shoulder_m"`   // paved shoulder outside the outer lanes, default 0
	// Intersection only.
	Cross     *Cross  `yaml:"cross"`       // the cross road; required for intersection
	StopLineM float64 `yaml:"stop_line_m"` // distance of the near stop line ahead of the camera foot; intersection default 18
	Signal    *Signal `yaml:"signal"`      // signal cycle; required for intersection

	NoParking      []NoParking  `yaml:"no_parking"`       // curb no-parking zones
	SpeedZone      *SpeedZone   `yaml:"speed_zone"`       // measured stretch for speeding
	SpeedLimitsKmh ClassFloats  `yaml:"speed_limits_kmh"` // required for every class that may use a lane
	Parked         []ParkedSlot `yaml:"parked"`           // legally parked vehicles (static)
}

// Lane is one lane of the main road.
type Lane struct {
	ID        string   `yaml:"id"`        // required, unique
	Direction string   `yaml:"direction"` // required: away (from the camera) or toward
	Allowed   []string `yaml:"allowed"`   // required: classes allowed in the lane
}

// Cross is the cross road of an intersection.
type Cross struct {
	LanesEachWay int     `yaml:"lanes_each_way"` // default 2
	LaneWidthM   float64 `yaml:"lane_width_m"`   // default 3.5
	FlowPerHour  float64 `yaml:"flow_per_hour"`  // both directions together, default 1200
}

// Signal is the fixed-time cycle of an intersection: main road green, amber, all-red, cross road
// green, amber, all-red.
type Signal struct {
	Green      time.Duration `yaml:"green"`       // main road green, required
	Amber      time.Duration `yaml:"amber"`       // default 3s
	AllRed     time.Duration `yaml:"all_red"`     // default 2s
	CrossGreen time.Duration `yaml:"cross_green"` // required
}

// NoParking is a curb strip where stopping longer than Threshold is illegal parking.
type NoParking struct {
	ID        string        `yaml:"id"`        // required
	Side      string        `yaml:"side"`      // right (curb of the away lanes) or left; default right
	FromM     float64       `yaml:"from_m"`    // start, metres ahead of the camera foot
	ToM       float64       `yaml:"to_m"`      // end, > from_m
	Threshold time.Duration `yaml:"threshold"` // default 60s
}

// SpeedZone is the measured stretch (both directions) between two distances ahead of the camera.
type SpeedZone struct {
	FromM float64 `yaml:"from_m"`
	ToM   float64 `yaml:"to_m"` // > from_m
}

// ParkedSlot is a legally parked vehicle on the curb outside any no-parking zone.
type ParkedSlot struct {
	Class string  `yaml:"class"` // car or motorbike
	Side  string  `yaml:"side"`  // right or left; default right
	AtM   float64 `yaml:"at_m"`  // metres ahead of the camera foot
}

// ClassFloats holds one number per vehicle class.
type ClassFloats struct {
	Motorbike float64 `yaml:"motorbike"`
	Car       float64 `yaml:"car"`
	Truck     float64 `yaml:"truck"`
	Bus       float64 `yaml:"bus"`
	Bicycle   float64 `yaml:"bicycle"`
}

// Get returns the value for a class name ("" and unknown names give 0).
func (c ClassFloats) Get(class string) float64 {
	switch class {
	case "motorbike":
		return c.Motorbike
	case "car":
		return c.Car
	case "truck":
		return c.Truck
	case "bus":
		return c.Bus
	case "bicycle":
		return c.Bicycle
	}
	return 0
}

// ClassRanges holds a [min, max] range per class.
type ClassRanges struct {
	Motorbike []float64 `yaml:"motorbike"`
	Car       []float64 `yaml:"car"`
	Truck     []float64 `yaml:"truck"`
	Bus       []float64 `yaml:"bus"`
	Bicycle   []float64 `yaml:"bicycle"`
}

// Get returns the range for a class name (nil when unset).
func (c ClassRanges) Get(class string) []float64 {
	switch class {
	case "motorbike":
		return c.Motorbike
	case "car":
		return c.Car
	case "truck":
		return c.Truck
	case "bus":
		return c.Bus
	case "bicycle":
		return c.Bicycle
	}
	return nil
}

// Camera is the pose and lens of the camera. Position is on the road plane in metres; the
// camera foot is the origin of the *_m distances of the scene.
type Camera struct {
	PositionM []float64 `yaml:"position_m"` // [x, y], default [0, 0]
	HeightM   float64   `yaml:"height_m"`   // default 7
	TiltDeg   float64   `yaml:"tilt_deg"`   // below the horizon, default 22
	PanDeg    float64   `yaml:"pan_deg"`    // from +y towards +x, default 0
	FocalPx   float64   `yaml:"focal_px"`   // default 1500
}

// Conditions are light, weather and sensor noise.
type Conditions struct {
	TimeOfDay string  `yaml:"time_of_day"` // day (default), dusk, night
	Weather   string  `yaml:"weather"`     // clear (default), rain, fog
	Noise     float64 `yaml:"noise"`       // sensor noise sigma 0-1, default 0.01
	Overlay   *bool   `yaml:"overlay"`     // draw clock and camera id, default true
	Start     string  `yaml:"start"`       // clock time of frame 0, RFC 3339, default 2026-03-02T08:00:00+07:00
}

// Traffic is the demand and behaviour of road users.
type Traffic struct {
	FlowPerHour float64     `yaml:"flow_per_hour"` // main road, both directions, required > 0
	Mix         ClassFloats `yaml:"mix"`           // shares per class, sum 1, required
	Turns       Turns       `yaml:"turns"`         // intersection only
	Behaviour   Behaviour   `yaml:"behaviour"`
	Violations  Violations  `yaml:"violations"`
	Plates      string      `yaml:"plates"` // where most plates come from: hanoi (default) or hcmc
}

// Turns are the shares of main-road vehicles turning at the intersection.
type Turns struct {
	Left  float64 `yaml:"left"`  // default 0
	Right float64 `yaml:"right"` // default 0
}

// Behaviour parameters of the car-following (IDM) and lane models.
type Behaviour struct {
	DesiredSpeedKmh ClassRanges `yaml:"desired_speed_kmh"` // per class [min, max]; default 70-95% of the class limit
	HeadwayS        float64     `yaml:"headway_s"`         // IDM time headway, default 1.2
	MinGapM         float64     `yaml:"min_gap_m"`         // IDM standstill gap, default 1.5 (motorbikes use half)
	AccelMS2        float64     `yaml:"accel_ms2"`         // IDM maximum acceleration, default 1.5
	DecelMS2        float64     `yaml:"decel_ms2"`         // IDM comfortable deceleration, default 2.5
	LaneChange      float64     `yaml:"lane_change"`       // share of vehicles that change lane once, default 0.1
	Passengers      float64     `yaml:"passengers"`        // share of motorbikes carrying one passenger, default 0.3
	ShortStops      float64     `yaml:"short_stops"`       // share of vehicles stopping briefly (legal, < threshold) in a no-parking zone, default 0
}

// Violations are per-type rates (0-1). What a rate is a share of is stated per field; 0 disables
// the type in the scenario.
type Violations struct {
	RedLight          float64 `yaml:"red_light"`           // of vehicles that reach the stop line first on red
	StopLine          float64 `yaml:"stop_line"`           // of vehicles that reach the stop line first on red
	Speeding          float64 `yaml:"speeding"`            // of motor vehicles entering the main road (boxed-in speeders fall short)
	WrongWay          float64 `yaml:"wrong_way"`           // of vehicles entering the main road (extra vehicles riding against it)
	WrongLane         float64 `yaml:"wrong_lane"`          // of vehicles entering the main road whose class a lane of their direction forbids
	NoHelmet          float64 `yaml:"no_helmet"`           // of motorbikes (someone on it without a helmet)
	TooManyPassengers float64 `yaml:"too_many_passengers"` // of motorbikes (3 or more people)
	IllegalParking    float64 `yaml:"illegal_parking"`     // of vehicles entering the lane next to a no-parking zone
	Sidewalk          float64 `yaml:"sidewalk"`            // of motorbikes entering the lane next to a sidewalk
}

// Rate returns the configured rate of a violation type by its wire name.
func (v Violations) Rate(name string) float64 {
	switch name {
	case "red_light":
		return v.RedLight
	case "stop_line":
		return v.StopLine
	case "speeding":
		return v.Speeding
	case "wrong_way":
		return v.WrongWay
	case "wrong_lane":
		return v.WrongLane
	case "no_helmet":
		return v.NoHelmet
	case "too_many_passengers":
		return v.TooManyPassengers
	case "illegal_parking":
		return v.IllegalParking
	case "sidewalk":
		return v.Sidewalk
	}
	return 0
}

// ViolationNames lists the violation types in the order of ARCHITECTURE.md section 4.
var ViolationNames = []string{"red_light", "stop_line", "speeding", "wrong_way", "wrong_lane", "no_helmet", "too_many_passengers", "illegal_parking", "sidewalk"}

// ClassNames lists the vehicle classes.
var ClassNames = []string{"motorbike", "car", "truck", "bus", "bicycle"}

// Enabled lists the violation types with a rate above zero, in ViolationNames order.
func (s *Scenario) Enabled() []string {
	var out []string
	for _, n := range ViolationNames {
		if s.Traffic.Violations.Rate(n) > 0 {
			out = append(out, n)
		}
	}
	return out
}

// Deployment describes how cameras of this scenario are deployed (used by the farm and run).
type Deployment struct {
	Cameras          int     `yaml:"cameras"`            // default 1
	SmartShare       float64 `yaml:"smart_share"`        // share of cameras with on-board analysis, default 0
	CamerasPerDevice int     `yaml:"cameras_per_device"` // default 8
	Clusters         int     `yaml:"clusters"`           // default 1
	// Uplink shapes each regional cluster's link to the center when a run puts the clusters in
	// network namespaces (trafficsim run --netns); default none (loopback).
	Uplink *Link `yaml:"uplink"`
	// CameraLink shapes the wire between the cameras and the device that pulls them when the
	// device runs in a network namespace; default none.
	CameraLink *Link `yaml:"camera_link"`
}

// SeedOr is the seed a clip or run of this scenario uses: seed, or when it is 0 the scenario's
// own (which the loader defaults to 1). Every "0: the scenario's seed" option resolves here.
func (s *Scenario) SeedOr(seed uint64) uint64 {
	if seed != 0 {
		return seed
	}
	return s.Seed
}
