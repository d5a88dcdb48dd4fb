package devicetest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/devicetest"
	"github.com/trafficsim/trafficsim/wire"
)

// acmeYAML is how the vendor box of these tests reports: its own JSON, a list of events per
// push, its own names of violation types, Unix milliseconds.
const acmeYAML = `
name: acme
device: acme-box-1
fields: {events: events, event_id: id, camera_id: cam, type: kind, time: ts_ms, plate: plate}
types: {WRONG_WAY: wrong_way, RED: red_light, SPEED: speeding}
time_format: unix_ms
`

func TestMain(m *testing.M) {
	if os.Getenv("DEVICETEST_ACME_BOX") != "" {
		os.Exit(devicetest.ChildMain(acmeBox()))
	}
	os.Exit(m.Run())
}

// A vendor's box, run as its own process, reporting in its own format to a regional cluster
// that maps it (sim/cluster/adapt), passes the kit like the reference device: the path a
// vendor walks with 'trafficsim devicetest --cmd ... --vendor acme.yaml'.
func TestVendorBoxThroughTheClusterAdapter(t *testing.T) {
	v, err := adapt.LoadVendor([]byte(acmeYAML))
	if err != nil {
		t.Fatal(err)
	}
	box := devicetest.Command{Argv: []string{os.Args[0]}, Env: []string{"DEVICETEST_ACME_BOX=1"}}
	devicetest.Run(t, box, devicetest.Options{Vendor: v})
}

// acmeBox is the reference device's pipeline dressed as the acme box: it posts its events as
// acme JSON to <events.http>/v1/vendor/acme with HTTP Basic (device id, token).
func acmeBox() devicetest.Device {
	return devicetest.Reference(func(c *device.Config) {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: acmeTransport{id: c.ID}}
	})
}

// acmeTransport rewrites the device's POST /v1/events into the acme format.
type acmeTransport struct{ id string }

var acmeTypes = map[wire.ViolationType]string{wire.WrongWay: "WRONG_WAY", wire.RedLight: "RED", wire.Speeding: "SPEED"}

func (a acmeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	var evs []wire.Event
	if err := json.Unmarshal(body, &evs); err != nil {
		return nil, err
	}
	type item struct {
		ID    string `json:"id"`
		Cam   string `json:"cam"`
		Kind  string `json:"kind"`
		TsMs  int64  `json:"ts_ms"`
		Plate string `json:"plate,omitempty"`
	}
	var push struct {
		Box    string `json:"box"`
		Events []item `json:"events"`
	}
	push.Box = a.id
	for _, e := range evs {
		kind, ok := acmeTypes[e.Type]
		if !ok {
			kind = strings.ToUpper(string(e.Type))
		}
		push.Events = append(push.Events, item{ID: e.EventID, Cam: e.CameraID, Kind: kind, TsMs: e.Time.UnixMilli(), Plate: e.Plate})
	}
	b, err := json.Marshal(push)
	if err != nil {
		return nil, err
	}
	url := strings.TrimSuffix(r.URL.String(), "/v1/events") + "/v1/vendor/acme"
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, fmt.Errorf("acme box: no token")
	}
	req.SetBasicAuth(a.id, tok)
	return http.DefaultTransport.RoundTrip(req)
}
