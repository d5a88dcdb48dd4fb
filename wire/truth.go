package wire

import (
	"math"
	"strings"
	"time"
)

// TruthVersion is bumped whenever the meaning of a truth field changes.
const TruthVersion = 1

// Truth is truth.json: everything that happened in one camera clip, from the world model.
type Truth struct {
	Version    int         `json:"version"`
	Scenario   string      `json:"scenario"`
	Seed       uint64      `json:"seed"`
	Camera     string      `json:"camera"`
	FPS        float64     `json:"fps"`
	Width      int         `json:"width"`
	Height     int         `json:"height"`
	Pinhole    Pinhole     `json:"pinhole"`
	Conditions Conditions  `json:"conditions"`
	Scene      Scene       `json:"scene"`
	Objects    []Object    `json:"objects"` // static facts, by ascending ID
	Frames     []Frame     `json:"frames"`
	Violations []Violation `json:"violations"`
}

// Conditions of light, weather and sensor for a clip.
type Conditions struct {
	TimeOfDay string  `json:"time_of_day"`     // day, dusk, night
	Weather   string  `json:"weather"`         // clear, rain, fog
	Noise     float64 `json:"noise"`           // sensor noise sigma, 0-1 of full scale
	Overlay   bool    `json:"overlay"`         // draw the camera's clock and id
	Start     string  `json:"start,omitempty"` // clock time of frame 0 for the overlay, RFC 3339
}

// Night reports whether the clip is lit as night (plate accuracy is judged per condition).
func (c Conditions) Night() bool { return c.TimeOfDay == "night" }

// Object holds what does not change during an object's life.
type Object struct {
	ID      int     `json:"id"`
	Class   Class   `json:"class"`
	LengthM float64 `json:"length_m"`
	WidthM  float64 `json:"width_m"`
	HeightM float64 `json:"height_m"` // top of the cuboid, riders included
	Color   string  `json:"color"`    // body colour #rrggbb
	Plate   Plate   `json:"plate"`
	Riders  []Rider `json:"riders,omitempty"` // motorbike and bicycle: driver first
	First   int     `json:"first"`            // first frame it exists
	Last    int     `json:"last"`             // last frame it exists
}

// Plate is a Vietnamese licence plate.
type Plate struct {
	Text  string `json:"text"`  // "29A-123.45" (one row) or "29-B1 123.45" (two rows, space between)
	Rows  int    `json:"rows"`  // 1 or 2
	Color string `json:"color"` // white, yellow, blue, red (background)
}

// Rider is a person on a motorbike or bicycle.
type Rider struct {
	Helmet bool `json:"helmet"`
}

// Frame is the state of the world at one frame.
type Frame struct {
	Index   int           `json:"i"`
	T       float64       `json:"t"` // seconds from the clip start = Index / FPS
	Signals []SignalState `json:"signals,omitempty"`
	Objects []ObjectState `json:"objects"` // only objects in the world this frame, by ascending ID
}

// SignalState is one signal head's light at a frame.
type SignalState struct {
	ID    string `json:"id"`
	Light Light  `json:"light"`
}

// ObjectState is an object at one frame.
type ObjectState struct {
	ID         int     `json:"id"`
	Pos        Point   `json:"pos"`     // footprint centre, road-plane metres
	Heading    float64 `json:"heading"` // degrees from +y towards +x
	SpeedKmh   float64 `json:"speed"`
	Lane       string  `json:"lane,omitempty"`
	Box        Box     `json:"box"`     // tight box of the projected cuboid, clipped to the image
	Visible    float64 `json:"visible"` // 0-1 share of the cuboid's pixels that are seen
	InView     bool    `json:"in_view"` // any part in the image
	PlateRead  bool    `json:"plate_readable"`
	PlateBox   *Box    `json:"plate_box,omitempty"` // the plate facing the camera, when in view
	Braking    bool    `json:"braking,omitempty"`
	Stationary bool    `json:"stationary,omitempty"`
}

// Cuboid returns the object's 3D box at a state.
func (o Object) Cuboid(s ObjectState) Cuboid {
	return Cuboid{Center: s.Pos, HeadingDeg: s.Heading, Length: o.LengthM, Width: o.WidthM, Height: o.HeightM}
}

// Plate sizes in metres (Circular 24/2023: car one row 520 x 110 mm, motorbike 190 x 140 mm).
const (
	PlateOneRowW = 0.52
	PlateOneRowH = 0.11
	PlateTwoRowW = 0.19
	PlateTwoRowH = 0.14
)

// PlateSize returns the plate's width and height in metres.
func (p Plate) Size() (w, h float64) {
	if p.Rows == 2 {
		return PlateTwoRowW, PlateTwoRowH
	}
	return PlateOneRowW, PlateOneRowH
}

// HasFrontPlate reports whether the class carries a plate at the front (motorbikes and bicycles
// carry one at the rear only; bicycles carry none).
func (o Object) HasFrontPlate() bool { return o.Class == Car || o.Class == Truck || o.Class == Bus }

// HasPlate reports whether the class carries a plate at all.
func (o Object) HasPlate() bool { return o.Class != Bicycle }

// PlateCorners returns the 3D corners (top-left, top-right, bottom-right, bottom-left as seen
// from outside) of the front or rear plate at a state. Renderer and truth both use it.
func (o Object) PlateCorners(s ObjectState, front bool) [4]Vec3 {
	w, h := o.Plate.Size()
	z := 0.45 // plate centre height: car bumper
	if o.Class == Motorbike {
		z = 0.75
	}
	hd := s.Heading * math.Pi / 180
	fx, fy := math.Sin(hd), math.Cos(hd)
	rx, ry := math.Cos(hd), -math.Sin(hd)
	d := -o.LengthM / 2
	side := -1.0 // seen from behind, the viewer's left is the vehicle's left
	if front {
		d = o.LengthM/2 + 0.01
		side = 1 // seen from the front, the viewer's left is the vehicle's right
	} else {
		d -= 0.01
	}
	cx, cy := s.Pos[0]+d*fx, s.Pos[1]+d*fy
	lx, ly := cx+side*w/2*rx, cy+side*w/2*ry // viewer's left edge
	ux, uy := cx-side*w/2*rx, cy-side*w/2*ry
	return [4]Vec3{{lx, ly, z + h/2}, {ux, uy, z + h/2}, {ux, uy, z - h/2}, {lx, ly, z - h/2}}
}

// Violation is one violation in the truth: when and by whom.
type Violation struct {
	ID     string        `json:"id"`
	Type   ViolationType `json:"type"`
	Camera string        `json:"camera"`
	Frame  int           `json:"frame"`
	T      float64       `json:"t"`              // clip seconds
	Wall   time.Time     `json:"wall,omitzero"`  // wall time once played by a farm
	Loop   int           `json:"loop,omitempty"` // clip loop number once played
	Object int           `json:"object"`
	Plate  string        `json:"plate,omitempty"`
	// PlateReadable: the plate is marked readable in at least one frame of the object's track in
	// this camera; plate accuracy is scored only on these (no reader can read what is not shown).
	PlateReadable bool    `json:"plate_readable,omitempty"`
	Class         Class   `json:"class"`
	Box           Box     `json:"box"`
	SpeedKmh      float64 `json:"speed_kmh,omitempty"` // speeding: the measured mean speed
	Night         bool    `json:"night,omitempty"`     // condition tags for per-condition scores
	Weather       string  `json:"weather,omitempty"`
}

// NormalizePlate folds a plate for comparison: upper case, without '-', '.' and spaces.
func NormalizePlate(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', '.', ' ', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
