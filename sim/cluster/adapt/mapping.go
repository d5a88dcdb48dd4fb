package adapt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/trafficsim/trafficsim/wire"
)

// Formats a vendor may post in.
const (
	FormatJSON  = "json"  // a JSON object (or an array of objects), any shape
	FormatISAPI = "isapi" // Hikvision ISAPI EventNotificationAlert, XML or JSON
)

// Vendor is how one vendor's box reports: its device id, the format of its payloads, the MQTT
// topic it publishes on (if any) and the paths of the event fields in its payload. Load one
// with LoadVendor (YAML, unknown keys refused).
type Vendor struct {
	// Name names the vendor in URLs (/v1/vendor/<name>) and metrics. Required; letters,
	// digits, _ and -.
	Name string `yaml:"name"`
	// Device is the device id the box's events carry as source; it needs a token at the
	// cluster (Tokens), used as bearer token or as password of HTTP Basic and MQTT. Required.
	Device string `yaml:"device"`
	// Format is "json" (default) or "isapi".
	Format string `yaml:"format"`
	// MQTTTopic is the MQTT topic filter the box publishes on (+ and # allowed), e.g.
	// "acme/+/events". Default "": no MQTT.
	MQTTTopic string `yaml:"mqtt_topic"`
	// Fields are the paths of the event fields in a payload. Default: DefaultISAPIFields for
	// the isapi format, none for json (then camera_id, type and time are required).
	Fields Fields `yaml:"fields"`
	// Types maps the vendor's violation names (the value at Fields.Type) to trafficsim's; a
	// value that is already a trafficsim type passes. Default: none.
	Types map[string]wire.ViolationType `yaml:"types"`
	// Classes maps the vendor's vehicle classes to trafficsim's; a value that is no trafficsim
	// class and not in the map is left out (the class is optional). Default: none.
	Classes map[string]wire.Class `yaml:"classes"`
	// Cameras maps the vendor's camera names (the value at Fields.CameraID) to trafficsim
	// camera ids; a name not in the map is used as it is. Default: none.
	Cameras map[string]string `yaml:"cameras"`
	// TimeFormat is how Fields.Time is written: "rfc3339" (default), "unix" (seconds),
	// "unix_ms", or a Go time layout (then TimeZone applies).
	TimeFormat string `yaml:"time_format"`
	// TimeZone is the IANA zone of times written without one. Default "UTC".
	TimeZone string `yaml:"time_zone"`
	// ConfidenceScale divides the value at Fields.Confidence (100 for percentages). Default 1
	// (100 for isapi).
	ConfidenceScale float64 `yaml:"confidence_scale"`

	loc *time.Location
}

// Fields are dotted paths into a payload ("ANPR.licensePlate", "objects.0.plate"); an XML
// payload's elements are keys, repeated elements a list. Empty: not mapped.
type Fields struct {
	// EventID: default "", then the event id is "<vendor>-<sha256 of the payload>" (a box
	// that posts the same alert again makes a duplicate, as it should).
	EventID      string `yaml:"event_id"`
	CameraID     string `yaml:"camera_id"`
	Type         string `yaml:"type"`
	Time         string `yaml:"time"`
	Plate        string `yaml:"plate"`
	VehicleClass string `yaml:"vehicle_class"`
	Confidence   string `yaml:"confidence"`
	// Box is the path of [x0, y0, x1, y1] in image pixels.
	Box string `yaml:"box"`
	// SpeedKmh is the path of the measured speed in km/h (wire.Event.SpeedKmh, #17).
	SpeedKmh string `yaml:"speed_kmh"`
	// Events is the path of the list of events when one payload carries several. Default "":
	// the payload is one event (or a top-level JSON array of them).
	Events string `yaml:"events"`
}

// DefaultISAPIFields reads a Hikvision EventNotificationAlert: channelName names the camera,
// eventType the violation (map it with Types), dateTime the capture time, ANPR the plate.
var DefaultISAPIFields = Fields{
	CameraID:     "channelName",
	Type:         "eventType",
	Time:         "dateTime",
	Plate:        "ANPR.licensePlate",
	VehicleClass: "ANPR.vehicleType",
	Confidence:   "ANPR.confidenceLevel",
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Error is a refused payload: Field names the event field that could not be mapped ("" for
// the payload as a whole).
type Error struct {
	Vendor string
	Field  string
	Msg    string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Vendor + ": " + e.Msg
	}
	return e.Vendor + ": " + e.Field + ": " + e.Msg
}

// LoadVendor reads a vendor's YAML strictly (unknown keys are errors) and checks it.
func LoadVendor(data []byte) (*Vendor, error) {
	var v Vendor
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("vendor: %s", strings.TrimSpace(yaml.FormatError(err, false, false)))
	}
	if err := v.Check(); err != nil {
		return nil, err
	}
	return &v, nil
}

// Check validates v and fills its defaults.
func (v *Vendor) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("vendor %q: "+format, append([]any{v.Name}, args...)...)
	}
	switch {
	case v.Name == "":
		return errors.New("vendor: name is required")
	case !safeName.MatchString(v.Name):
		return bad("name: use only letters, digits, _ and -")
	case v.Device == "":
		return bad("device is required")
	}
	switch v.Format {
	case "":
		v.Format = FormatJSON
	case FormatJSON:
	case FormatISAPI:
		if v.Fields == (Fields{}) {
			v.Fields = DefaultISAPIFields
		}
		if v.ConfidenceScale == 0 {
			v.ConfidenceScale = 100 // confidenceLevel is a percentage
		}
	default:
		return bad("format %q: want json or isapi", v.Format)
	}
	switch {
	case v.Fields.CameraID == "":
		return bad("fields.camera_id is required")
	case v.Fields.Type == "":
		return bad("fields.type is required")
	case v.Fields.Time == "":
		return bad("fields.time is required")
	}
	if strings.HasPrefix(v.MQTTTopic, "traffic/events") || strings.ContainsAny(v.MQTTTopic, " .") {
		return bad("mqtt_topic %q: no spaces or dots, and not under traffic/events", v.MQTTTopic)
	}
	for k, t := range v.Types {
		if !t.Valid() {
			return bad("types[%q]: %q is no trafficsim violation type", k, t)
		}
	}
	for k, c := range v.Classes {
		if !c.Valid() {
			return bad("classes[%q]: %q is no trafficsim vehicle class", k, c)
		}
	}
	if v.TimeZone == "" {
		v.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		return bad("time_zone %q: %v", v.TimeZone, err)
	}
	v.loc = loc
	if v.TimeFormat == "" {
		v.TimeFormat = "rfc3339"
	}
	if v.ConfidenceScale == 0 {
		v.ConfidenceScale = 1
	}
	if v.ConfidenceScale < 0 {
		return bad("confidence_scale must be positive")
	}
	return nil
}

// Map turns one payload (content type as posted; "" means the vendor's format) into events
// with Source = v.Device. Any field that cannot be mapped refuses the whole payload.
func (v *Vendor) Map(contentType string, payload []byte) ([]wire.Event, error) {
	if v.loc == nil {
		if err := v.Check(); err != nil {
			return nil, err
		}
	}
	tree, err := v.decode(contentType, payload)
	if err != nil {
		return nil, &Error{Vendor: v.Name, Msg: err.Error()}
	}
	items := []any{tree}
	if v.Fields.Events != "" {
		x, ok := lookup(tree, v.Fields.Events)
		if !ok {
			return nil, &Error{Vendor: v.Name, Field: "events", Msg: fmt.Sprintf("path %q not in the payload", v.Fields.Events)}
		}
		tree = x
	}
	if l, ok := tree.([]any); ok {
		items = l
	} else {
		items = []any{tree}
	}
	if len(items) == 0 {
		return nil, &Error{Vendor: v.Name, Msg: "no event in the payload"}
	}
	sum := sha256.Sum256(payload)
	out := make([]wire.Event, 0, len(items))
	for i, it := range items {
		e, err := v.mapOne(it)
		if err != nil {
			if len(items) > 1 {
				err.Field = fmt.Sprintf("[%d].%s", i, err.Field)
			}
			return nil, err
		}
		if e.EventID == "" {
			e.EventID = v.Name + "-" + hex.EncodeToString(sum[:12])
			if len(items) > 1 {
				e.EventID += "-" + strconv.Itoa(i)
			}
		}
		if err := e.Validate(); err != nil {
			fe, _ := wire.IsFieldError(err)
			return nil, &Error{Vendor: v.Name, Field: fe.Field, Msg: fe.Reason}
		}
		out = append(out, e)
	}
	return out, nil
}

// decode parses payload into a tree of map[string]any, []any and scalars.
func (v *Vendor) decode(contentType string, payload []byte) (any, error) {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 {
		return nil, errors.New("empty payload")
	}
	if v.Format == FormatISAPI && p[0] == '<' {
		return decodeXML(p)
	}
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	var tree any
	if err := d.Decode(&tree); err != nil {
		return nil, fmt.Errorf("payload is not JSON: %v", err)
	}
	if d.More() {
		return nil, errors.New("payload is not JSON: text after the value")
	}
	if v.Format == FormatISAPI {
		// ISAPI JSON wraps the alert in {"EventNotificationAlert": {...}} or sends it bare.
		if m, ok := tree.(map[string]any); ok {
			if inner, ok := m["EventNotificationAlert"].(map[string]any); ok && len(m) == 1 {
				tree = inner
			}
		}
		if _, ok := tree.(map[string]any); !ok {
			return nil, errors.New("ISAPI payload is not an EventNotificationAlert object")
		}
	}
	return tree, nil
}

func (v *Vendor) mapOne(it any) (wire.Event, *Error) {
	var e wire.Event
	bad := func(field, format string, args ...any) *Error {
		return &Error{Vendor: v.Name, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	str := func(field, path string, required bool) (string, *Error) {
		if path == "" {
			return "", nil
		}
		x, ok := lookup(it, path)
		if !ok || x == nil {
			if required {
				return "", bad(field, "path %q not in the payload", path)
			}
			return "", nil
		}
		switch s := x.(type) {
		case string:
			return strings.TrimSpace(s), nil
		case json.Number:
			return s.String(), nil
		case bool:
			return strconv.FormatBool(s), nil
		}
		return "", bad(field, "path %q holds %s, want a string", path, kind(x))
	}
	var err *Error
	if e.EventID, err = str("event_id", v.Fields.EventID, true); err != nil {
		return e, err
	}
	cam, err := str("camera_id", v.Fields.CameraID, true)
	if err != nil {
		return e, err
	}
	if c, ok := v.Cameras[cam]; ok {
		cam = c
	}
	e.CameraID = cam
	typ, err := str("type", v.Fields.Type, true)
	if err != nil {
		return e, err
	}
	if t, ok := v.Types[typ]; ok {
		e.Type = t
	} else if t := wire.ViolationType(typ); t.Valid() {
		e.Type = t
	} else {
		return e, bad("type", "%q is not mapped to a trafficsim violation type (add it to types)", typ)
	}
	ts, err := str("time", v.Fields.Time, true)
	if err != nil {
		return e, err
	}
	if e.Time, err = v.parseTime(ts); err != nil {
		return e, err
	}
	if e.Plate, err = str("plate", v.Fields.Plate, false); err != nil {
		return e, err
	}
	cls, err := str("vehicle_class", v.Fields.VehicleClass, false)
	if err != nil {
		return e, err
	}
	if c, ok := v.Classes[cls]; ok {
		e.VehicleClass = c
	} else if c := wire.Class(cls); c.Valid() {
		e.VehicleClass = c
	}
	conf, err := str("confidence", v.Fields.Confidence, false)
	if err != nil {
		return e, err
	}
	if conf == "" {
		e.Confidence = 1
	} else {
		f, perr := strconv.ParseFloat(conf, 64)
		if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return e, bad("confidence", "%q is not a number", conf)
		}
		e.Confidence = f / v.ConfidenceScale
	}
	if v.Fields.Box != "" {
		if x, ok := lookup(it, v.Fields.Box); ok {
			l, ok := x.([]any)
			if !ok || len(l) != 4 {
				return e, bad("box", "path %q holds %s, want [x0, y0, x1, y1]", v.Fields.Box, kind(x))
			}
			var b wire.Box
			for i, n := range l {
				f, perr := number(n)
				if perr != nil {
					return e, bad("box", "element %d: %v", i, perr)
				}
				b[i] = f
			}
			e.Box = &b
		}
	}
	if x, ok := lookup(it, v.Fields.SpeedKmh); v.Fields.SpeedKmh != "" && ok {
		f, perr := number(x)
		if perr != nil {
			return e, bad("speed_kmh", "%v", perr)
		}
		e.SpeedKmh = f
	}
	e.Source = v.Device
	return e, nil
}

func (v *Vendor) parseTime(s string) (time.Time, *Error) {
	bad := func(want string) *Error {
		return &Error{Vendor: v.Name, Field: "time", Msg: fmt.Sprintf("%q is not %s", s, want)}
	}
	var t time.Time
	switch v.TimeFormat {
	case "rfc3339":
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return t, bad("an RFC 3339 time")
		}
	case "unix", "unix_ms":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 1e17 {
			return t, bad("a positive Unix time")
		}
		if v.TimeFormat == "unix" {
			f *= 1000
		}
		t = time.UnixMilli(int64(math.Round(f)))
	default:
		var err error
		if t, err = time.ParseInLocation(v.TimeFormat, s, v.loc); err != nil {
			return t, bad(fmt.Sprintf("a time of layout %q", v.TimeFormat))
		}
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

// lookup walks a dotted path; a numeric step indexes a list, and a step on a single element
// where a list was expected (XML with one child) is taken as index 0.
func lookup(tree any, path string) (any, bool) {
	x := tree
	for _, step := range strings.Split(path, ".") {
		switch n := x.(type) {
		case map[string]any:
			y, ok := n[step]
			if !ok {
				return nil, false
			}
			x = y
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			x = n[i]
		default:
			return nil, false
		}
	}
	return x, true
}

func number(x any) (float64, error) {
	var f float64
	var err error
	switch n := x.(type) {
	case json.Number:
		f, err = n.Float64()
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(n), 64)
	default:
		return 0, fmt.Errorf("%s is not a number", kind(x))
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%v is not a number", x)
	}
	return f, nil
}

func kind(x any) string {
	switch x.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", x)
}
