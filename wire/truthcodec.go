package wire

import (
	"encoding/json"
	"fmt"
)

// Validate checks a violation sent to a center as wall-time truth; the error is a *FieldError.
func (v *Violation) Validate() error {
	switch {
	case v.ID == "":
		return fieldErr("id", "required")
	case !v.Type.Valid():
		if v.Type == "" {
			return fieldErr("type", "required")
		}
		_, err := ParseViolationType(string(v.Type))
		return fieldErr("type", err.Error())
	case v.Camera == "":
		return fieldErr("camera", "required")
	case v.Wall.IsZero():
		return fieldErr("wall", "required (RFC 3339): truth sent to a center is wall-time truth")
	case v.Class != "" && !v.Class.Valid():
		return fieldErr("class", fmt.Sprintf("unknown class %q", v.Class))
	}
	return nil
}

var faultKinds = map[string]bool{FaultDisconnect: true, FaultFreeze: true, FaultLoss: true,
	FaultJitter: true, FaultBitrate: true, FaultSkew: true, FaultReboot: true}

// Validate checks an injected fault; the error is a *FieldError.
func (f *Fault) Validate() error {
	switch {
	case f.Time.IsZero():
		return fieldErr("time", "required (RFC 3339)")
	case f.Camera == "":
		return fieldErr("camera", "required")
	case !faultKinds[f.Kind]:
		return fieldErr("kind", fmt.Sprintf("unknown fault kind %q", f.Kind))
	case f.Duration < 0:
		return fieldErr("duration_ns", "must not be negative")
	}
	return nil
}

// Validate checks a delivery count; the error is a *FieldError.
func (d *Delivery) Validate() error {
	switch {
	case d.Camera == "":
		return fieldErr("camera", "required")
	case d.From.IsZero():
		return fieldErr("from", "required (RFC 3339)")
	case d.To.Before(d.From):
		return fieldErr("to", "must not be before from")
	case d.Frames < 0:
		return fieldErr("frames", "must not be negative")
	case d.Bytes < 0:
		return fieldErr("bytes", "must not be negative")
	case d.Late < 0:
		return fieldErr("late", "must not be negative")
	}
	return nil
}

func fieldErr(field, reason string) error { return &FieldError{Field: field, Reason: reason} }

// TruthRecord is what a center takes on its truth account: violations, faults, deliveries.
type TruthRecord interface {
	Violation | Fault | Delivery
}

// ParseTruth decodes a JSON object or array of one truth kind, strictly (unknown fields are
// errors), and validates every element. The error is a *RequestError naming field and index.
func ParseTruth[T TruthRecord](body []byte) ([]T, error) {
	b := skipSpace(body)
	if len(b) == 0 {
		return nil, BadRequest(ReasonBadJSON, "", -1, "empty body: want a JSON object or array")
	}
	var raws []json.RawMessage
	single := b[0] == '{'
	switch b[0] {
	case '{':
		raws = []json.RawMessage{b}
	case '[':
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, BadRequest(ReasonBadJSON, "", -1, "invalid JSON: %s", trimJSON(err))
		}
		if len(raws) == 0 {
			return nil, BadRequest(ReasonBadJSON, "", -1, "empty array")
		}
	default:
		return nil, BadRequest(ReasonBadJSON, "", -1, "want a JSON object or array")
	}
	out := make([]T, len(raws))
	for i, raw := range raws {
		at := i
		if single {
			at = -1
		}
		if err := decodeStrict(raw, &out[i]); err != nil {
			return nil, BadRequest(ReasonBadJSON, "", at, "%s", trimJSON(err))
		}
		if err := any(&out[i]).(interface{ Validate() error }).Validate(); err != nil {
			fe, _ := IsFieldError(err)
			return nil, BadRequest(ReasonInvalid, fe.Field, at, "%s", fe.Reason)
		}
	}
	return out, nil
}

func trimJSON(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "json: " {
		return s[6:]
	}
	return s
}
