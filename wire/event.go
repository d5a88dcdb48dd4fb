package wire

import (
	"errors"
	"fmt"
	"time"
)

// Event is a violation reported by a device (POST /v1/events, or NATS traffic.events.<camera>).
type Event struct {
	EventID      string        `json:"event_id"` // unique per event; repeats are duplicates
	CameraID     string        `json:"camera_id"`
	Type         ViolationType `json:"type"`
	Time         time.Time     `json:"time"` // capture time of the frame (RTCP wall clock), ms precision
	Plate        string        `json:"plate,omitempty"`
	VehicleClass Class         `json:"vehicle_class,omitempty"`
	Confidence   float64       `json:"confidence"`
	Box          *Box          `json:"box,omitempty"`
	// SpeedKmh is the vehicle's measured speed in km/h, optional (0: not measured). A speed
	// device sends it with a speeding event (the draft: photo, plate, speed, place, time);
	// conformity suites score it against the truth's speed. Added in #17; older events
	// without it stay valid.
	SpeedKmh float64   `json:"speed_kmh,omitempty"`
	Evidence *Evidence `json:"evidence,omitempty"`
	Source   string    `json:"source"` // device id
}

// MaxSpeedKmh bounds Event.SpeedKmh: the earlier draft standard's widest range is 8-220 km/h;
// beyond 400 a reading is an error, not a speed.
const MaxSpeedKmh = 400

// Evidence is the picture behind an event: inline JPEG bytes (base64 in JSON) or a reference.
type Evidence struct {
	JPEG []byte `json:"jpeg,omitempty"`
	Ref  string `json:"ref,omitempty"`
}

// FieldError is a validation error that names the offending field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks an event; the error is a *FieldError naming the first bad field.
func (e *Event) Validate() error {
	bad := func(f, r string) error { return &FieldError{Field: f, Reason: r} }
	switch {
	case e.EventID == "":
		return bad("event_id", "required")
	case len(e.EventID) > 128:
		return bad("event_id", "longer than 128 characters")
	case e.CameraID == "":
		return bad("camera_id", "required")
	case e.Type == "":
		return bad("type", "required")
	case !e.Type.Valid():
		_, err := ParseViolationType(string(e.Type))
		return bad("type", err.Error())
	case e.Time.IsZero():
		return bad("time", "required (RFC 3339)")
	case e.VehicleClass != "" && !e.VehicleClass.Valid():
		return bad("vehicle_class", fmt.Sprintf("unknown class %q", e.VehicleClass))
	case e.Confidence < 0 || e.Confidence > 1:
		return bad("confidence", "must be within 0..1")
	case e.SpeedKmh < 0 || e.SpeedKmh > MaxSpeedKmh:
		return bad("speed_kmh", fmt.Sprintf("must be within 0..%g km/h (0: not measured)", float64(MaxSpeedKmh)))
	case e.Box != nil && (e.Box[2] <= e.Box[0] || e.Box[3] <= e.Box[1]):
		return bad("box", "must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0")
	case e.Source == "":
		return bad("source", "required")
	}
	return nil
}

// IsFieldError reports whether err is a validation error and returns it.
func IsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// Fault is an injected fault, written to the run record so scoring can tell misses it caused.
type Fault struct {
	Time     time.Time          `json:"time"`
	Camera   string             `json:"camera"`
	Kind     string             `json:"kind"`        // disconnect, freeze, loss, jitter, bitrate, skew, reboot
	Duration time.Duration      `json:"duration_ns"` // 0: from Time to the end of the run (loss, jitter, skew, bitrate)
	Params   map[string]float64 `json:"params,omitempty"`
}

// Delivery counts what a camera delivered to its readers over a span of time.
type Delivery struct {
	Camera string    `json:"camera"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Frames int64     `json:"frames"`
	Bytes  int64     `json:"bytes"`
	Late   int64     `json:"late,omitempty"`
}
