package wire

// Calibration is camera.json: what an installer gives a device under test about one camera.
// It holds no truth: only the camera, its stream and the regions painted on the road.
type Calibration struct {
	ID        string  `json:"id"`
	URL       string  `json:"url,omitempty"`
	Username  string  `json:"username,omitempty"`
	Password  string  `json:"password,omitempty"`
	Transport string  `json:"transport,omitempty"` // tcp or udp
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	FPS       float64 `json:"fps"`
	Pinhole   Pinhole `json:"pinhole"`
	// RoadToImage and ImageToRoad are row-major 3x3 homographies of the road plane (z = 0).
	RoadToImage [9]float64 `json:"road_to_image"`
	ImageToRoad [9]float64 `json:"image_to_road"`

	Lanes     []LaneRegion   `json:"lanes"`
	StopLines []LineRegion   `json:"stop_lines,omitempty"`
	Signals   []SignalRegion `json:"signals,omitempty"`
	// SignalGroups lists signal heads that always show the same light (one phase of the
	// controller's timing plan, which an installer reads from the plan): a stop line whose own
	// head is out of view is judged by a head of its group that is in view.
	SignalGroups [][]string        `json:"signal_groups,omitempty"`
	NoParking    []ZoneRegion      `json:"no_parking,omitempty"`
	Sidewalks    []ZoneRegion      `json:"sidewalks,omitempty"`
	SpeedZones   []SpeedZoneRegion `json:"speed_zones,omitempty"`
	SpeedLimits  map[Class]float64 `json:"speed_limits_kmh"`
}

// LaneRegion is a lane in both road and image coordinates.
type LaneRegion struct {
	ID        string  `json:"id"`
	Road      Polygon `json:"road"`
	Image     Polygon `json:"image"`
	Direction Point   `json:"direction"` // unit vector of travel on the road plane
	Allowed   []Class `json:"allowed"`
	Signal    string  `json:"signal,omitempty"`
	StopLine  string  `json:"stop_line,omitempty"`
}

// LineRegion is a line segment on the road (stop line, zone entry/exit) in both coordinates.
type LineRegion struct {
	ID     string   `json:"id"`
	Road   [2]Point `json:"road"`
	Image  [2]Point `json:"image"`
	Signal string   `json:"signal,omitempty"`
	Lanes  []string `json:"lanes,omitempty"`
}

// SignalRegion gives the image boxes of a signal head's lamps.
type SignalRegion struct {
	ID    string   `json:"id"`
	Red   Box      `json:"red"`
	Amber Box      `json:"amber"`
	Green Box      `json:"green"`
	Lanes []string `json:"lanes"`
}

// ZoneRegion is a no-parking zone or sidewalk in both coordinates.
type ZoneRegion struct {
	ID         string  `json:"id"`
	Road       Polygon `json:"road"`
	Image      Polygon `json:"image"`
	ThresholdS float64 `json:"threshold_s,omitempty"`
}

// SpeedZoneRegion is a measured stretch in both coordinates.
type SpeedZoneRegion struct {
	ID      string     `json:"id"`
	Lanes   []string   `json:"lanes"`
	Entry   LineRegion `json:"entry"`
	Exit    LineRegion `json:"exit"`
	LengthM float64    `json:"length_m"`
}
