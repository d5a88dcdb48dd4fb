package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Refusal reasons: the values of the reason label of trafficsim_center_refused_total.
const (
	ReasonUnauthorized = "unauthorized"           // 401: no or unknown bearer token / NATS user
	ReasonForbidden    = "forbidden"              // 403: an event whose source is not the token's device
	ReasonBadJSON      = "bad_json"               // 400: not JSON, or a value of the wrong type
	ReasonInvalid      = "invalid"                // 400: a field fails validation
	ReasonBadMultipart = "bad_multipart"          // 400: a malformed multipart body or evidence part
	ReasonTooLarge     = "too_large"              // 413: body over the limit
	ReasonMediaType    = "unsupported_media_type" // 415: neither JSON nor multipart
	ReasonMethod       = "method_not_allowed"     // 405
	ReasonUnavailable  = "unavailable"            // 503: the log cannot be written
	ReasonTimeout      = "timeout"                // 408: the body did not arrive in time
)

// RequestError is a refused request or message: the HTTP status, the metric reason, and the
// field (and array index) at fault.
type RequestError struct {
	Status int
	Reason string // one of the Reason constants
	Msg    string
	Field  string // JSON name of the bad field, "" when the body as a whole is bad
	Index  int    // position in a JSON array, -1 for a single object
}

func (e *RequestError) Error() string {
	var b strings.Builder
	if e.Index >= 0 {
		fmt.Fprintf(&b, "[%d]", e.Index)
	}
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorBody is the JSON body of a refusal.
type ErrorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	Index *int   `json:"index,omitempty"`
}

// Body is the JSON body that answers the refused request.
func (e *RequestError) Body() ErrorBody {
	b := ErrorBody{Error: e.Error(), Field: e.Field}
	if e.Index >= 0 {
		i := e.Index
		b.Index = &i
	}
	return b
}

// BadRequest is a 400 refusal; index is -1 for a single object.
func BadRequest(reason, field string, index int, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Reason: reason, Msg: fmt.Sprintf(format, args...), Field: field, Index: index}
}

// Multipart part names: "event" holds the JSON (one object or an array); "evidence" is the
// JPEG of a single event; "evidence.<i>" the JPEG of the i-th event of an array.
const (
	PartEvent    = "event"
	PartEvidence = "evidence"
)

// ParseEvents reads a POST /v1/events body: a JSON object or array of events
// (application/json), or multipart/form-data with the JSON in part "event" and JPEG evidence in
// part "evidence" (one event) or "evidence.<index>" (arrays). Every event is validated. The
// error is a *RequestError naming the field and index.
func ParseEvents(contentType string, body []byte) ([]Event, error) {
	evs, _, err := ParseEventBody(contentType, body)
	if err != nil {
		return nil, err
	}
	return evs, nil
}

// ParseEventBody is ParseEvents, also telling whether the JSON was a single object (errors
// then carry no index).
func ParseEventBody(contentType string, body []byte) (_ []Event, single bool, _ error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return nil, false, &RequestError{Status: http.StatusUnsupportedMediaType, Reason: ReasonMediaType, Index: -1,
			Msg: fmt.Sprintf("content type %q: %v", contentType, err)}
	}
	var evs []Event
	switch mt {
	case "application/json":
		evs, single, err = parseJSON(body)
	case "multipart/form-data":
		evs, single, err = parseMultipart(body, params["boundary"])
	default:
		return nil, false, &RequestError{Status: http.StatusUnsupportedMediaType, Reason: ReasonMediaType, Index: -1,
			Msg: fmt.Sprintf("content type %q: want application/json or multipart/form-data", contentType)}
	}
	if err != nil {
		return nil, false, err
	}
	if err := validateEvents(evs, single); err != nil {
		return nil, false, err
	}
	return evs, single, nil
}

// ParseEventsJSON is ParseEvents for a body known to be JSON (NATS messages).
func ParseEventsJSON(body []byte) ([]Event, error) {
	evs, single, err := parseJSON(body)
	if err != nil {
		return nil, err
	}
	if err := validateEvents(evs, single); err != nil {
		return nil, err
	}
	return evs, nil
}

// Field length caps: what a center keeps in memory per event is bounded (a 15 MB plate was
// accepted and held). event_id is capped by Event.Validate (128).
const (
	MaxCameraID = 64
	MaxPlate    = 32
	MaxSource   = 64
	MaxRef      = 1024
)

// capFields checks the field length caps.
func capFields(e *Event) *FieldError {
	long := func(field string, n int) *FieldError {
		return &FieldError{Field: field, Reason: fmt.Sprintf("longer than %d bytes", n)}
	}
	switch {
	case len(e.CameraID) > MaxCameraID:
		return long("camera_id", MaxCameraID)
	case len(e.Plate) > MaxPlate:
		return long("plate", MaxPlate)
	case len(e.Source) > MaxSource:
		return long("source", MaxSource)
	case e.Evidence != nil && len(e.Evidence.Ref) > MaxRef:
		return long("evidence", MaxRef)
	}
	return nil
}

func validateEvents(evs []Event, single bool) *RequestError {
	for i := range evs {
		if fe := capFields(&evs[i]); fe != nil {
			at := i
			if single {
				at = -1
			}
			return &RequestError{Status: http.StatusBadRequest, Reason: ReasonInvalid, Field: fe.Field, Msg: fe.Reason, Index: at}
		}
		if err := evs[i].Validate(); err != nil {
			fe, _ := IsFieldError(err)
			at := i
			if single {
				at = -1
			}
			return &RequestError{Status: http.StatusBadRequest, Reason: ReasonInvalid, Field: fe.Field, Msg: fe.Reason, Index: at}
		}
	}
	return nil
}

// DecodeEvents decodes a JSON event or array of events strictly, without validating them: for
// records validated before they were stored.
func DecodeEvents(body []byte) ([]Event, error) {
	evs, _, err := parseJSON(body)
	return evs, err
}

func skipSpace(b []byte) []byte { return bytes.TrimLeft(b, " \t\r\n") }

// parseJSON decodes one event (single) or an array of events, strictly: unknown fields are
// errors.
func parseJSON(body []byte) (evs []Event, single bool, err error) {
	if evs, single, ok := fastDecodeEvents(body); ok {
		return evs, single, nil
	}
	b := skipSpace(body)
	if len(b) == 0 {
		return nil, false, BadRequest(ReasonBadJSON, "", -1, "empty body: want a JSON event or array of events")
	}
	switch b[0] {
	case '[':
		if err := decodeStrict(b, &evs); err != nil {
			return nil, false, diagnose(b, true, err)
		}
		if len(evs) == 0 {
			return nil, false, BadRequest(ReasonBadJSON, "", -1, "empty array: want at least one event")
		}
		if i, k, ok := repeatedKey(b); ok {
			return nil, false, BadRequest(ReasonBadJSON, k, i, "key given twice")
		}
		return evs, false, nil
	case '{':
		var ev Event
		if err := decodeStrict(b, &ev); err != nil {
			return nil, true, diagnose(b, false, err)
		}
		if _, k, ok := repeatedKey(b); ok {
			return nil, true, BadRequest(ReasonBadJSON, k, -1, "key given twice")
		}
		return []Event{ev}, true, nil
	default:
		return nil, false, BadRequest(ReasonBadJSON, "", -1, "want a JSON event or array of events")
	}
}

func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if len(skipSpace(b[d.InputOffset():])) != 0 {
		return errTrailing
	}
	return nil
}

var errTrailing = errors.New("unexpected data after the JSON value")

// repeatedKey finds a key given twice in one event of a valid JSON object or array (index -1
// for an object). encoding/json keeps the last of them and matches keys without regard to
// case, so {"source":"boxA",...,"Source":"boxB"} would show a proxy or log one source and the
// center another.
func repeatedKey(b []byte) (index int, key string, found bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	tok, err := d.Token()
	if err != nil {
		return -1, "", false
	}
	if tok == json.Delim('{') {
		k, ok := repeatedInObject(d)
		return -1, k, ok
	}
	for i := 0; d.More(); i++ {
		if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
			return -1, "", false
		}
		if k, ok := repeatedInObject(d); ok {
			return i, k, true
		}
	}
	return -1, "", false
}

// repeatedInObject reads the keys of an object whose '{' was read, up to its '}'.
func repeatedInObject(d *json.Decoder) (string, bool) {
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return "", false
		}
		k, _ := tok.(string)
		folded := strings.ToUpper(strings.ToLower(k)) // as encoding/json folds names
		if seen[folded] {
			return k, true
		}
		seen[folded] = true
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return "", false
		}
	}
	d.Token() // '}'
	return "", false
}

// eventFields lists the JSON names of Event in declaration order, with what each wants.
var eventFields = func() []string {
	t := reflect.TypeFor[Event]()
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}()

var fieldWants = map[string]string{
	"event_id":      "a string",
	"camera_id":     "a string",
	"type":          "a string",
	"time":          "an RFC 3339 time string",
	"plate":         "a string",
	"vehicle_class": "a string",
	"confidence":    "a number",
	"box":           "an array of 4 numbers [x0, y0, x1, y1]",
	"speed_kmh":     "a number",
	"evidence":      `an object {"jpeg": base64, "ref": string}`,
	"source":        "a string",
}

// IsEventField reports whether name is the JSON name of a field of Event.
func IsEventField(name string) bool {
	_, ok := fieldWants[name]
	return ok
}

// diagnose turns a decode failure into an error naming the element and field. It runs only on
// bad input, so it may be slow.
func diagnose(b []byte, array bool, decodeErr error) *RequestError {
	if !json.Valid(b) {
		if errors.Is(decodeErr, errTrailing) {
			return BadRequest(ReasonBadJSON, "", -1, "%v", errTrailing)
		}
		var se *json.SyntaxError
		if errors.As(decodeErr, &se) {
			return BadRequest(ReasonBadJSON, "", -1, "invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
		}
		return BadRequest(ReasonBadJSON, "", -1, "invalid JSON: %s", strings.TrimPrefix(decodeErr.Error(), "json: "))
	}
	if errors.Is(decodeErr, errTrailing) {
		return BadRequest(ReasonBadJSON, "", -1, "%v", errTrailing)
	}
	if !array {
		return diagnoseOne(b, -1, decodeErr)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return BadRequest(ReasonBadJSON, "", -1, "want an array of events")
	}
	for i, raw := range raws {
		var ev Event
		if err := decodeStrict(raw, &ev); err != nil {
			return diagnoseOne(raw, i, err)
		}
	}
	return BadRequest(ReasonBadJSON, "", -1, "%s", strings.TrimPrefix(decodeErr.Error(), "json: "))
}

func diagnoseOne(raw []byte, i int, decodeErr error) *RequestError {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return BadRequest(ReasonBadJSON, "", i, "want a JSON object for an event")
	}
	for _, name := range eventFields {
		v, ok := m[name]
		if !ok {
			continue
		}
		delete(m, name)
		one, _ := json.Marshal(map[string]json.RawMessage{name: v})
		var ev Event
		if err := json.Unmarshal(one, &ev); err != nil {
			return BadRequest(ReasonBadJSON, name, i, "want %s", fieldWants[name])
		}
	}
	if len(m) > 0 {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return BadRequest(ReasonBadJSON, keys[0], i, "unknown field")
	}
	return BadRequest(ReasonBadJSON, "", i, "%s", strings.TrimPrefix(decodeErr.Error(), "json: "))
}

// parseMultipart reads the "event" part and attaches "evidence" parts.
func parseMultipart(body []byte, boundary string) (evs []Event, single bool, err error) {
	if boundary == "" {
		return nil, false, BadRequest(ReasonBadMultipart, "", -1, "multipart body without a boundary parameter")
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	seenEvent := false
	evidence := map[int][]byte{}
	evidenceSingle := []byte(nil)
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, BadRequest(ReasonBadMultipart, "", -1, "malformed multipart body: %v", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, false, BadRequest(ReasonBadMultipart, "", -1, "malformed multipart body: %v", err)
		}
		name := p.FormName()
		switch {
		case name == PartEvent:
			if seenEvent {
				return nil, false, BadRequest(ReasonBadMultipart, PartEvent, -1, "part given twice")
			}
			seenEvent = true
			if ct := p.Header.Get("Content-Type"); ct != "" {
				if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
					return nil, false, BadRequest(ReasonBadMultipart, PartEvent, -1, "part content type %q: want application/json", ct)
				}
			}
			evs, single, err = parseJSON(data)
			if err != nil {
				return nil, false, err
			}
		case name == PartEvidence || strings.HasPrefix(name, PartEvidence+"."):
			idx := -1
			if name != PartEvidence {
				n, err := strconv.Atoi(strings.TrimPrefix(name, PartEvidence+"."))
				if err != nil || n < 0 {
					return nil, false, BadRequest(ReasonBadMultipart, PartEvidence, -1, "part %q: want evidence.<index>", name)
				}
				idx = n
			}
			if ct := p.Header.Get("Content-Type"); ct != "" {
				if mt, _, _ := mime.ParseMediaType(ct); mt != "image/jpeg" {
					return nil, false, BadRequest(ReasonBadMultipart, PartEvidence, idx, "part content type %q: want image/jpeg", ct)
				}
			}
			if len(data) < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF {
				return nil, false, BadRequest(ReasonBadMultipart, PartEvidence, idx, "not a JPEG (want FF D8 FF at the start)")
			}
			if idx < 0 {
				if evidenceSingle != nil {
					return nil, false, BadRequest(ReasonBadMultipart, PartEvidence, -1, "part given twice")
				}
				evidenceSingle = data
			} else {
				if evidence[idx] != nil {
					return nil, false, BadRequest(ReasonBadMultipart, PartEvidence, idx, "part given twice")
				}
				evidence[idx] = data
			}
		default:
			return nil, false, BadRequest(ReasonBadMultipart, "", -1, "unknown part %q: want event, evidence or evidence.<index>", name)
		}
	}
	if !seenEvent {
		return nil, false, BadRequest(ReasonBadMultipart, PartEvent, -1, "part is missing")
	}
	attach := func(i int, jpeg []byte) error {
		at := i
		if single {
			at = -1
		}
		if i >= len(evs) {
			return BadRequest(ReasonBadMultipart, PartEvidence, i, "no event at this index (%d events)", len(evs))
		}
		if evs[i].Evidence != nil && len(evs[i].Evidence.JPEG) > 0 {
			return BadRequest(ReasonBadMultipart, PartEvidence, at, "event already carries an inline JPEG")
		}
		if evs[i].Evidence == nil {
			evs[i].Evidence = &Evidence{}
		}
		evs[i].Evidence.JPEG = jpeg
		return nil
	}
	if evidenceSingle != nil {
		if len(evs) != 1 {
			return nil, false, BadRequest(ReasonBadMultipart, PartEvidence, -1, "part %q needs exactly one event, got %d: name parts evidence.<index>", PartEvidence, len(evs))
		}
		if err := attach(0, evidenceSingle); err != nil {
			return nil, false, err
		}
	}
	for _, i := range slices.Sorted(maps.Keys(evidence)) {
		if err := attach(i, evidence[i]); err != nil {
			return nil, false, err
		}
	}
	return evs, single, nil
}
