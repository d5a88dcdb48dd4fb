package wire

import (
	"bytes"
	"reflect"
	"testing"
)

// slowDecode is the reference: encoding/json with unknown fields refused.
func slowDecode(b []byte) ([]Event, bool, error) {
	t := skipSpace(b)
	if len(t) > 0 && t[0] == '{' {
		var e Event
		err := decodeStrict(t, &e)
		return []Event{e}, true, err
	}
	var evs []Event
	err := decodeStrict(t, &evs)
	return evs, false, err
}

var fastCases = []struct {
	name    string
	body    string
	handled bool
}{
	{"object", okEvent, true},
	{"array with spaces", " [ " + okEvent + " ,\n" + okEvent + " ] ", true},
	{"box and class", `{"event_id":"a","box":[1,2.5,3e2,-4E-1],"vehicle_class":"car","plate":"29A-123.45"}`, true},
	{"empty object", `{}`, true},
	{"speed", `{"event_id":"a","type":"speeding","speed_kmh":97.4}`, true},
	{"escape in a string", `{"event_id":"a\"b"}`, false},
	{"non-ASCII plate", `{"plate":"29Đ-123.45"}`, false},
	{"evidence", `{"evidence":{"ref":"x"}}`, false},
	{"upper-case key", `{"EVENT_ID":"a"}`, false},
	{"null", `{"plate":null}`, false},
	{"leading zero", `{"confidence":01}`, false},
	{"box of 5", `{"box":[1,2,3,4,5]}`, false},
	{"trailing comma", `[` + okEvent + `,]`, false},
	{"trailing data", okEvent + `x`, false},
	{"bad time", `{"time":"2026-13-01T00:00:00Z"}`, false},
}

func TestFastDecodeEventsAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range fastCases {
		t.Run(tc.name, func(t *testing.T) {
			evs, single, ok := fastDecodeEvents([]byte(tc.body))
			if ok != tc.handled {
				t.Fatalf("handled = %v, want %v", ok, tc.handled)
			}
			if !ok {
				return
			}
			want, wantSingle, err := slowDecode([]byte(tc.body))
			if err != nil || single != wantSingle || !reflect.DeepEqual(evs, want) {
				t.Fatalf("fast %+v (single %v)\nslow %+v (single %v, %v)", evs, single, want, wantSingle, err)
			}
		})
	}
}

// FuzzFastDecodeEvents checks the fast decoder against encoding/json: whatever it accepts,
// encoding/json accepts too, with the same result.
func FuzzFastDecodeEvents(f *testing.F) {
	for _, tc := range fastCases {
		f.Add([]byte(tc.body))
	}
	for _, tc := range parseCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, single, ok := fastDecodeEvents(b)
		if !ok {
			return
		}
		want, wantSingle, err := slowDecode(b)
		if err != nil {
			t.Fatalf("fast accepted what encoding/json refuses (%v): %q", err, b)
		}
		if single != wantSingle || !reflect.DeepEqual(evs, want) {
			t.Fatalf("disagree on %q:\nfast %+v\nslow %+v", b, evs, want)
		}
		if bytes.Contains(b, []byte(`\`)) {
			t.Fatalf("fast path took an escape: %q", b)
		}
	})
}
