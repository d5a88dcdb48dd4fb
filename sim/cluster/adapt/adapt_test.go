package adapt

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

func mustVendor(t testing.TB, file string) *Vendor {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadVendor(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustRead(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var anprTime = time.Date(2026, 12, 6, 2, 15, 2, 250e6, time.UTC)

// A Hikvision ANPR alert maps to one event in XML and in JSON alike.
func TestISAPIMapsANPRAlert(t *testing.T) {
	v := mustVendor(t, "hik.yaml")
	for _, file := range []string{"anpr.xml", "anpr.json"} {
		t.Run(file, func(t *testing.T) {
			evs, err := v.Map("", mustRead(t, file))
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Fatalf("%d events, want 1", len(evs))
			}
			e := evs[0]
			if e.CameraID != "cam-001" || e.Type != wire.RedLight || !e.Time.Equal(anprTime) || e.Plate != "30A-123.45" ||
				e.VehicleClass != wire.Car || e.Confidence != 0.97 || e.Source != "hik-its-1" || !strings.HasPrefix(e.EventID, "hik-") {
				t.Errorf("event %+v", e)
			}
		})
	}
}

// The same payload posted twice gets the same event id (a duplicate at the cluster).
func TestHashedEventIDIsStable(t *testing.T) {
	v := mustVendor(t, "hik.yaml")
	a, _ := v.Map("", mustRead(t, "anpr.xml"))
	b, _ := v.Map("", mustRead(t, "anpr.xml"))
	if a[0].EventID != b[0].EventID {
		t.Fatalf("%s != %s", a[0].EventID, b[0].EventID)
	}
}

func TestJSONMapping(t *testing.T) {
	v := mustVendor(t, "acme.yaml")
	const ok = `{"id":"e1","cam":"cam-002","violation":{"kind":"SPEED"},"ts":1796523302250,"anpr":{"plate":"51F-999.99"},"vehicle":"Moto","score":88,"bbox":[10,20,110,220],"speed":97.4}`
	evs, err := v.Map("application/json", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	e := evs[0]
	want := wire.Event{EventID: "e1", CameraID: "cam-002", Type: wire.Speeding, Time: time.UnixMilli(1796523302250).UTC(),
		Plate: "51F-999.99", VehicleClass: wire.Motorbike, Confidence: 0.88, Box: &wire.Box{10, 20, 110, 220}, Source: "acme-box-1"}
	if e.SpeedKmh != 97.4 {
		t.Errorf("speed %v, want 97.4 km/h", e.SpeedKmh)
	}
	if e.EventID != want.EventID || e.CameraID != want.CameraID || e.Type != want.Type || !e.Time.Equal(want.Time) ||
		e.Plate != want.Plate || e.VehicleClass != want.VehicleClass || e.Confidence != want.Confidence || *e.Box != *want.Box || e.Source != want.Source {
		t.Errorf("got %+v\nwant %+v", e, want)
	}
}

// Every unmappable payload is refused with an error that names the field.
func TestUnmappableInputIsRefused(t *testing.T) {
	acme, hik := mustVendor(t, "acme.yaml"), mustVendor(t, "hik.yaml")
	cases := []struct {
		name    string
		v       *Vendor
		payload string
		err     string
	}{
		{"empty", acme, ``, `acme: empty payload`},
		{"not json", acme, `{"id":`, `acme: payload is not JSON: unexpected EOF`},
		{"trailing", acme, `{} {}`, `acme: payload is not JSON: text after the value`},
		{"no camera", acme, `{"id":"e1"}`, `acme: camera_id: path "cam" not in the payload`},
		{"camera not a string", acme, `{"id":"e1","cam":{"a":1}}`, `acme: camera_id: path "cam" holds an object, want a string`},
		{"unknown type", acme, `{"id":"e1","cam":"c","violation":{"kind":"U-TURN"}}`, `acme: type: "U-TURN" is not mapped to a trafficsim violation type (add it to types)`},
		{"bad time", acme, `{"id":"e1","cam":"c","violation":{"kind":"RED"},"ts":"noon"}`, `acme: time: "noon" is not a positive Unix time`},
		{"bad confidence", acme, `{"id":"e1","cam":"c","violation":{"kind":"RED"},"ts":1,"score":"high"}`, `acme: confidence: "high" is not a number`},
		{"confidence out of range", acme, `{"id":"e1","cam":"c","violation":{"kind":"RED"},"ts":1,"score":180}`, `acme: confidence: must be within 0..1`},
		{"speed not a number", acme, `{"id":"e1","cam":"c","violation":{"kind":"SPEED"},"ts":1,"speed":"fast"}`, `acme: speed_kmh: fast is not a number`},
		{"speed beyond any road", acme, `{"id":"e1","cam":"c","violation":{"kind":"SPEED"},"ts":1,"speed":1200}`, `acme: speed_kmh: must be within 0..400 km/h (0: not measured)`},
		{"bad box", acme, `{"id":"e1","cam":"c","violation":{"kind":"RED"},"ts":1,"bbox":[1,2]}`, `acme: box: path "bbox" holds a list, want [x0, y0, x1, y1]`},
		{"inverted box", acme, `{"id":"e1","cam":"c","violation":{"kind":"RED"},"ts":1,"bbox":[9,9,1,1]}`, `acme: box: must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0`},
		{"empty list", acme, `[]`, `acme: no event in the payload`},
		{"second of two bad", acme, `[{"id":"a","cam":"c","violation":{"kind":"RED"},"ts":1},{"id":"b"}]`, `acme: [1].camera_id: path "cam" not in the payload`},
		{"xml root", hik, `<Alert/>`, `hik: root element is <Alert>, want <EventNotificationAlert>`},
		{"xml broken", hik, `<EventNotificationAlert><a></EventNotificationAlert>`, `hik: payload is not XML: XML syntax error on line 1: element <a> closed by </EventNotificationAlert>`},
		{"xml empty", hik, `<EventNotificationAlert/>`, `hik: <EventNotificationAlert> is empty`},
		{"xml no time", hik, `<EventNotificationAlert><channelName>x</channelName><eventType>ANPR</eventType></EventNotificationAlert>`, `hik: time: path "dateTime" not in the payload`},
		{"xml local time", hik, `<EventNotificationAlert><channelName>x</channelName><eventType>ANPR</eventType><dateTime>2026-12-06 09:00</dateTime></EventNotificationAlert>`, `hik: time: "2026-12-06 09:00" is not an RFC 3339 time`},
		{"isapi json not object", hik, `[1]`, `hik: ISAPI payload is not an EventNotificationAlert object`},
		{"xml too deep", hik, `<EventNotificationAlert>` + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + `</EventNotificationAlert>`, `hik: payload is not XML: nested deeper than 32 elements`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.v.Map("", []byte(c.payload))
			if err == nil || err.Error() != c.err {
				t.Fatalf("error %v\nwant  %s", err, c.err)
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("error is %T, want *Error", err)
			}
		})
	}
}

// The loader is strict: unknown keys and impossible settings are errors.
func TestLoadVendorErrors(t *testing.T) {
	cases := []struct{ name, yaml, err string }{
		{"unknown key", "name: a\ndevice: d\nfields: {camera_id: c, type: t, time: x}\nhost: x\n", `vendor: [4:1] unknown field "host"`},
		{"no name", "device: d\n", `vendor: name is required`},
		{"bad name", "name: a/b\ndevice: d\n", `vendor "a/b": name: use only letters, digits, _ and -`},
		{"no device", "name: a\n", `vendor "a": device is required`},
		{"format", "name: a\ndevice: d\nformat: csv\n", `vendor "a": format "csv": want json or isapi`},
		{"no camera path", "name: a\ndevice: d\n", `vendor "a": fields.camera_id is required`},
		{"bad type", "name: a\ndevice: d\nformat: isapi\ntypes: {X: u_turn}\n", `vendor "a": types["X"]: "u_turn" is no trafficsim violation type`},
		{"bad class", "name: a\ndevice: d\nformat: isapi\nclasses: {X: tank}\n", `vendor "a": classes["X"]: "tank" is no trafficsim vehicle class`},
		{"topic", "name: a\ndevice: d\nformat: isapi\nmqtt_topic: traffic/events/x\n", `vendor "a": mqtt_topic "traffic/events/x": no spaces or dots, and not under traffic/events`},
		{"zone", "name: a\ndevice: d\nformat: isapi\ntime_zone: Mars/Base\n", `vendor "a": time_zone "Mars/Base": unknown time zone Mars/Base`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadVendor([]byte(c.yaml))
			if err == nil || err.Error() != c.err {
				t.Fatalf("error %v\nwant  %s", err, c.err)
			}
		})
	}
}
