package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const okEvent = `{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.123Z","confidence":0.9,"source":"dev-1"}`

// parseCases drive both the error table and the fuzz seed corpus (STYLE.md item 12).
var parseCases = []struct {
	name   string
	ctype  string
	body   string
	err    string // "" = accepted
	status int
	field  string
	index  int
}{
	{"one event", "application/json", okEvent, "", 0, "", 0},
	{"array", "application/json; charset=utf-8", "[" + okEvent + "," + okEvent + "]", "", 0, "", 0},
	{"empty body", "application/json", "  ", "empty body: want a JSON event or array of events", 400, "", -1},
	{"empty array", "application/json", "[]", "empty array: want at least one event", 400, "", -1},
	{"a number", "application/json", "42", "want a JSON event or array of events", 400, "", -1},
	{"syntax error", "application/json", `{"event_id": }`, "invalid JSON at byte 14: invalid character '}' looking for beginning of value", 400, "", -1},
	{"trailing data", "application/json", okEvent + " {}", "unexpected data after the JSON value", 400, "", -1},
	{"unknown field", "application/json", `{"event_id":"e","plate_text":"x"}`, "plate_text: unknown field", 400, "plate_text", -1},
	{"time not RFC 3339", "application/json", `{"event_id":"e","time":"yesterday"}`, "time: want an RFC 3339 time string", 400, "time", -1},
	{"confidence a string", "application/json", `[` + okEvent + `,{"confidence":"high"}]`, "[1].confidence: want a number", 400, "confidence", 1},
	{"box of strings", "application/json", `{"box":["a",2,3,4]}`, "box: want an array of 4 numbers [x0, y0, x1, y1]", 400, "box", -1},
	{"element not an object", "application/json", `[` + okEvent + `,7]`, "[1]: want a JSON object for an event", 400, "", 1},
	{"missing event_id", "application/json", `{"camera_id":"c"}`, "event_id: required", 400, "event_id", -1},
	{"unknown type", "application/json", `[{"event_id":"e","camera_id":"c","type":"jaywalk","time":"2026-11-27T10:00:00Z","source":"d"}]`,
		`[0].type: unknown violation type "jaywalk" (want one of red_light, stop_line, speeding, wrong_way, wrong_lane, no_helmet, too_many_passengers, illegal_parking, sidewalk)`, 400, "type", 0},
	{"confidence above 1", "application/json", `{"event_id":"e","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","confidence":1.5,"source":"d"}`,
		"confidence: must be within 0..1", 400, "confidence", -1},
	{"speeding with its speed", "application/json", `{"event_id":"e","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","speed_kmh":97.4,"source":"d"}`, "", 0, "", 0},
	{"negative speed", "application/json", `{"event_id":"e","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","speed_kmh":-3,"source":"d"}`,
		"speed_kmh: must be within 0..400 km/h (0: not measured)", 400, "speed_kmh", -1},
	{"speed beyond any road", "application/json", `[` + okEvent + `,{"event_id":"e","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","speed_kmh":1e3,"source":"d"}]`,
		"[1].speed_kmh: must be within 0..400 km/h (0: not measured)", 400, "speed_kmh", 1},
	{"speed a string", "application/json", `{"event_id":"e","speed_kmh":"fast"}`, "speed_kmh: want a number", 400, "speed_kmh", -1},
	{"source given twice", "application/json", `{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.123Z","source":"dev-1","confidence":0.9,"source":"dev-2"}`,
		"source: key given twice", 400, "source", -1},
	{"source twice in other case", "application/json", `[` + okEvent + `,{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.123Z","source":"dev-1","SOURCE":"dev-2"}]`,
		"[1].SOURCE: key given twice", 400, "SOURCE", 1},
	{"plate of 33 bytes", "application/json", `{"event_id":"e","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","plate":"` + strings.Repeat("9", 33) + `","source":"d"}`,
		"plate: longer than 32 bytes", 400, "plate", -1},
	{"camera_id of 65 bytes", "application/json", `{"event_id":"e","camera_id":"` + strings.Repeat("c", 65) + `","type":"speeding","time":"2026-11-27T10:00:00Z","source":"d"}`,
		"camera_id: longer than 64 bytes", 400, "camera_id", -1},
	{"source of 65 bytes", "application/json", `{"event_id":"e","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","source":"` + strings.Repeat("d", 65) + `"}`,
		"source: longer than 64 bytes", 400, "source", -1},
	{"evidence ref of 1025 bytes", "application/json", `{"event_id":"e","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","evidence":{"ref":"` + strings.Repeat("r", 1025) + `"},"source":"d"}`,
		"evidence: longer than 1024 bytes", 400, "evidence", -1},
	{"text/plain", "text/plain", okEvent, `content type "text/plain": want application/json or multipart/form-data`, 415, "", -1},
	{"no content type", "", okEvent, `content type "": want application/json or multipart/form-data`, 415, "", -1},
	{"multipart without boundary", "multipart/form-data", "x", "multipart body without a boundary parameter", 400, "", -1},
	{"multipart with evidence", "multipart/form-data; boundary=B",
		"--B\r\nContent-Disposition: form-data; name=\"event\"\r\nContent-Type: application/json\r\n\r\n" + okEvent +
			"\r\n--B\r\nContent-Disposition: form-data; name=\"evidence\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0JFIF\r\n--B--\r\n", "", 0, "", 0},
	{"multipart evidence not a JPEG", "multipart/form-data; boundary=B",
		"--B\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n" + okEvent +
			"\r\n--B\r\nContent-Disposition: form-data; name=\"evidence\"\r\n\r\nGIF89a\r\n--B--\r\n", "evidence: not a JPEG (want FF D8 FF at the start)", 400, "evidence", -1},
	{"multipart evidence index out of range", "multipart/form-data; boundary=B",
		"--B\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n[" + okEvent +
			"]\r\n--B\r\nContent-Disposition: form-data; name=\"evidence.3\"\r\n\r\n\xff\xd8\xff\r\n--B--\r\n", "[3].evidence: no event at this index (1 events)", 400, "evidence", 3},
	{"multipart without event", "multipart/form-data; boundary=B",
		"--B\r\nContent-Disposition: form-data; name=\"evidence\"\r\n\r\n\xff\xd8\xff\r\n--B--\r\n", "event: part is missing", 400, "event", -1},
	{"multipart unknown part", "multipart/form-data; boundary=B",
		"--B\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nx\r\n--B--\r\n", `unknown part "photo": want event, evidence or evidence.<index>`, 400, "", -1},
	{"multipart truncated", "multipart/form-data; boundary=B",
		"--B\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n" + okEvent, "malformed multipart body: unexpected EOF", 400, "", -1},
}

func TestParseEvents(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := ParseEvents(tc.ctype, []byte(tc.body))
			if tc.err == "" {
				if err != nil || len(evs) == 0 {
					t.Fatalf("got %v, %d events", err, len(evs))
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("got %v (%T), want a *RequestError", err, err)
			}
			if re.Error() != tc.err || re.Status != tc.status || re.Field != tc.field || re.Index != tc.index {
				t.Fatalf("got %q status %d field %q index %d\nwant %q status %d field %q index %d",
					re.Error(), re.Status, re.Field, re.Index, tc.err, tc.status, tc.field, tc.index)
			}
		})
	}
}

// FuzzParseEvents feeds the event body parser: JSON objects, arrays and multipart bodies. It
// must never panic; a refusal is a *RequestError with a 4xx status; what it accepts is valid
// and survives a JSON round trip.
func FuzzParseEvents(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.ctype, []byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		evs, err := ParseEvents(ctype, body)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is %T, want *RequestError", err, err)
			}
			if re.Status < 400 || re.Status > 499 || re.Reason == "" || re.Msg == "" {
				t.Fatalf("refusal %+v", re)
			}
			return
		}
		if len(evs) == 0 {
			t.Fatal("accepted no events without an error")
		}
		for i := range evs {
			if err := evs[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid event: %v", err)
			}
		}
		b, err := json.Marshal(evs)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseEvents("application/json", b)
		if err != nil {
			t.Fatalf("round trip refused: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(again)
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the events:\n%s\n%s", b, b2)
		}
	})
}

// truthCases: what POST /v1/truth, /v1/faults and /v1/delivery refuse, word for word.
var truthCases = []struct {
	name, kind, body string
	err              string // "" = accepted
	field            string
	index            int
}{
	{"one violation", "violation", `{"id":"v1","type":"red_light","camera":"cam-01","wall":"2026-11-27T10:00:00Z","class":"car"}`, "", "", 0},
	{"empty body", "violation", " ", "empty body: want a JSON object or array", "", -1},
	{"empty array", "fault", "[]", "empty array", "", -1},
	{"a string", "delivery", `"x"`, "want a JSON object or array", "", -1},
	{"broken array", "violation", `[{"id":]`, "invalid JSON: invalid character ']' looking for beginning of value", "", -1},
	{"unknown field", "violation", `{"id":"v1","colour":"red"}`, `unknown field "colour"`, "", -1},
	{"violation without wall time", "violation", `[{"id":"v1","type":"speeding","camera":"c"}]`,
		"[0].wall: required (RFC 3339): truth sent to a center is wall-time truth", "wall", 0},
	{"violation of unknown class", "violation", `{"id":"v1","type":"speeding","camera":"c","wall":"2026-11-27T10:00:00Z","class":"tank"}`,
		`class: unknown class "tank"`, "class", -1},
	{"violation without type", "violation", `{"id":"v1","camera":"c"}`, "type: required", "type", -1},
	{"fault of unknown kind", "fault", `{"time":"2026-11-27T10:00:00Z","camera":"c","kind":"fire"}`, `kind: unknown fault kind "fire"`, "kind", -1},
	{"fault of negative duration", "fault", `{"time":"2026-11-27T10:00:00Z","camera":"c","kind":"freeze","duration_ns":-1}`,
		"duration_ns: must not be negative", "duration_ns", -1},
	{"delivery ending before it starts", "delivery", `{"camera":"c","from":"2026-11-27T10:00:01Z","to":"2026-11-27T10:00:00Z"}`,
		"to: must not be before from", "to", -1},
	{"delivery of negative frames", "delivery", `[{"camera":"c","from":"2026-11-27T10:00:00Z","to":"2026-11-27T10:00:00Z"},{"camera":"c","from":"2026-11-27T10:00:00Z","to":"2026-11-27T10:00:01Z","frames":-2}]`,
		"[1].frames: must not be negative", "frames", 1},
}

func TestParseTruth(t *testing.T) {
	for _, tc := range truthCases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			switch tc.kind {
			case "violation":
				_, err = ParseTruth[Violation]([]byte(tc.body))
			case "fault":
				_, err = ParseTruth[Fault]([]byte(tc.body))
			default:
				_, err = ParseTruth[Delivery]([]byte(tc.body))
			}
			if tc.err == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("got %v (%T), want a *RequestError", err, err)
			}
			if re.Error() != tc.err || re.Field != tc.field || re.Index != tc.index || re.Status != 400 {
				t.Fatalf("got %q field %q index %d status %d, want %q field %q index %d status 400",
					re.Error(), re.Field, re.Index, re.Status, tc.err, tc.field, tc.index)
			}
		})
	}
}

// FuzzParseTruth: never a panic; a refusal is a 400 *RequestError; what is accepted validates.
func FuzzParseTruth(f *testing.F) {
	for _, tc := range truthCases {
		f.Add(tc.body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		vs, err := ParseTruth[Violation]([]byte(body))
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) || re.Status != 400 {
				t.Fatalf("error %v (%T), want a 400 *RequestError", err, err)
			}
			return
		}
		for i := range vs {
			if err := vs[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid violation: %v", err)
			}
		}
	})
}
