package cluster

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
)

const hikYAML = `
name: hik
device: hik-its-1
format: isapi
types: {ANPR: red_light}
cameras: {Lane-Cam-1: cam-001}
`

const anprXML = `<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress><channelID>1</channelID>
<dateTime>2026-12-06T09:15:02+07:00</dateTime><eventType>ANPR</eventType><eventState>active</eventState>
<channelName>Lane-Cam-1</channelName>
<ANPR><licensePlate>30A-123.45</licensePlate><confidenceLevel>97</confidenceLevel><vehicleType>car</vehicleType></ANPR>
</EventNotificationAlert>`

const acmeYAML = `
name: acme
device: acme-box-1
mqtt_topic: acme/+/events
fields: {event_id: id, camera_id: cam, type: kind, time: ts, plate: plate}
types: {RED: red_light}
`

func vendor(t testing.TB, y string) *adapt.Vendor {
	t.Helper()
	v, err := adapt.LoadVendor([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func push(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// A Hikvision-style box pushes ANPR alerts (XML, JSON, multipart with the picture) with its
// own credentials; the cluster maps them, keeps the original, forwards the events to the
// center; what it cannot map or whose credentials are wrong is refused, named and counted.
func TestVendorISAPIPush(t *testing.T) {
	tc := newTestCenter(t, "dev-1", "hik-its-1")
	cl := startCluster(t, "", tc.upstream(), func(cfg *Config) {
		cfg.Tokens["tok-hik"] = "hik-its-1"
		cfg.Vendors = []*adapt.Vendor{vendor(t, hikYAML)}
	})
	url := cl.URL() + "/v1/vendor/hik"
	req := func(ct string, body []byte, auth func(*http.Request)) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if auth != nil {
			auth(r)
		}
		return r
	}
	basic := func(r *http.Request) { r.SetBasicAuth("hik-its-1", "tok-hik") }
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok-hik") }

	status, body := push(t, req("application/xml", []byte(anprXML), basic))
	if status != http.StatusOK || !strings.Contains(body, `"accepted":1`) {
		t.Fatalf("XML push: %d %s", status, body)
	}
	jsonAlert := `{"EventNotificationAlert":{"channelName":"Lane-Cam-1","eventType":"ANPR","dateTime":"2026-12-06T09:16:00+07:00","ANPR":{"licensePlate":"51F-999.99"}}}`
	if status, body := push(t, req("application/json", []byte(jsonAlert), bearer)); status != http.StatusOK {
		t.Fatalf("JSON push: %d %s", status, body)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	part := func(name, ct string, b []byte) {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+name+`"; filename="`+name+`"`)
		h.Set("Content-Type", ct)
		w, _ := mw.CreatePart(h)
		w.Write(b)
	}
	part("anpr.xml", "application/xml", []byte(strings.Replace(anprXML, "09:15:02", "09:17:00", 1)))
	part("detectionPicture.jpg", "image/jpeg", jpeg)
	mw.Close()
	status, body = push(t, req(mw.FormDataContentType(), mp.Bytes(), basic))
	if status != http.StatusOK {
		t.Fatalf("multipart push: %d %s", status, body)
	}

	refusals := []struct {
		name   string
		r      *http.Request
		status int
		body   string
	}{
		{"no credentials", req("application/xml", []byte(anprXML), nil), 401,
			`{"error":"vendor hik: credentials of device \"hik-its-1\" required (Bearer token, or Basic hik-its-1:\u003ctoken\u003e)"}`},
		{"another device's token", req("application/xml", []byte(anprXML), func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok-dev-1") }), 401,
			`{"error":"vendor hik: credentials of device \"hik-its-1\" required (Bearer token, or Basic hik-its-1:\u003ctoken\u003e)"}`},
		{"unmapped event type", req("application/xml", []byte(strings.Replace(anprXML, "<eventType>ANPR", "<eventType>VMD", 1)), basic), 400,
			`{"error":"hik: type: \"VMD\" is not mapped to a trafficsim violation type (add it to types)","field":"type"}`},
		{"not XML", req("application/xml", []byte(`<EventNotificationAlert>`), basic), 400,
			`{"error":"hik: payload is not XML: XML syntax error on line 1: unexpected EOF"}`},
		{"camera id", req("application/xml", []byte(strings.Replace(anprXML, "Lane-Cam-1", "Lane Cam 2", 1)), basic), 400,
			`{"error":"hik: camera_id: \"Lane Cam 2\": the cluster forwards only camera ids of letters, digits, _ and - (dot-separated; map it with cameras)","field":"camera_id"}`},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			status, body := push(t, c.r)
			if status != c.status || body != c.body {
				t.Fatalf("%d %s\nwant %d %s", status, body, c.status, c.body)
			}
		})
	}
	waitFor(t, "three events at the center", 10*time.Second, func() bool { return tc.rec.distinct() == 3 })
	vs := cl.VendorStats()["hik"]
	if vs.Events != 3 || vs.Refused != int64(len(refusals)) || !strings.HasPrefix(vs.LastErr, "hik: camera_id") {
		t.Fatalf("VendorStats %+v", vs)
	}
	// The original alert is kept next to the evidence; the multipart push's picture is the JPEG.
	files, _ := filepath.Glob(filepath.Join(cl.cfg.DataDir, "evidence", "cam-001", "hik-*"))
	var xmls, jsons, jpgs int
	for _, f := range files {
		switch filepath.Ext(f) {
		case ".xml":
			xmls++
			if b, _ := os.ReadFile(f); !bytes.Contains(b, []byte("<licensePlate>30A-123.45</licensePlate>")) {
				t.Errorf("%s does not hold the original alert", f)
			}
		case ".json":
			jsons++
		case ".jpg":
			jpgs++
		}
	}
	if xmls != 2 || jsons != 1 || jpgs != 1 {
		t.Fatalf("evidence files %v", files)
	}
	resp, err := http.Get(cl.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`trafficsim_cluster_vendor_refused_total{cluster="c1",vendor="hik"} 5`,
		`trafficsim_cluster_vendor_events_total{cluster="c1",vendor="hik"} 3`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// A box publishing its own JSON over MQTT (Debian's mosquitto_pub against nats-server's MQTT
// listener) reaches the center; an unmappable message is counted, not dropped silently.
func TestVendorMQTT(t *testing.T) {
	if _, err := exec.LookPath("mosquitto_pub"); err != nil {
		t.Skip("mosquitto_pub not installed (scripts/setup.sh installs mosquitto-clients)")
	}
	tc := newTestCenter(t, "dev-1", "acme-box-1")
	cl := startCluster(t, "", tc.upstream(), func(cfg *Config) {
		cfg.Tokens["tok-acme"] = "acme-box-1"
		cfg.MQTTListen = "127.0.0.1:0"
		cfg.Vendors = []*adapt.Vendor{vendor(t, acmeYAML)}
	})
	host, port, _ := strings.Cut(cl.MQTTAddr(), ":")
	pub := func(user, pass, topic, msg string) (string, error) {
		out, err := exec.Command("mosquitto_pub", "-h", host, "-p", port, "-u", user, "-P", pass,
			"-q", "1", "-i", "acme-test", "-t", topic, "-m", msg).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := pub("acme-box-1", "tok-acme", "acme/cam-7/events",
		`{"id":"m-1","cam":"cam-7","kind":"RED","ts":"2026-12-06T02:00:00Z","plate":"29A-111.11"}`); err != nil {
		t.Fatalf("mosquitto_pub: %v %s", err, out)
	}
	if out, err := pub("acme-box-1", "tok-acme", "acme/cam-7/events", `{"id":"m-2","cam":"cam-7","kind":"PARKED"}`); err != nil {
		t.Fatalf("mosquitto_pub: %v %s", err, out)
	}
	if out, err := pub("acme-box-1", "wrong", "acme/cam-7/events", `{}`); err == nil {
		t.Fatalf("a wrong password was accepted: %s", out)
	}
	waitFor(t, "the event at the center", 10*time.Second, func() bool { return tc.rec.distinct() == 1 })
	tc.exactlyOnce(t, []string{"m-1"})
	waitFor(t, "the refusal counted", 10*time.Second, func() bool { return cl.VendorStats()["acme"].Refused == 1 })
	if vs := cl.VendorStats()["acme"]; vs.LastErr != `acme: type: "PARKED" is not mapped to a trafficsim violation type (add it to types)` {
		t.Fatalf("VendorStats %+v", vs)
	}
}

// New refuses vendor settings it cannot serve.
func TestVendorConfigErrors(t *testing.T) {
	up := Upstream{LeafURL: "nats-leaf://127.0.0.1:1"}
	cases := []struct {
		name string
		cfg  func(*Config)
		err  string
	}{
		{"no token", func(c *Config) { c.Vendors = []*adapt.Vendor{vendor(t, hikYAML)} },
			`cluster: vendor "hik": device "hik-its-1" has no token (Tokens)`},
		{"twice", func(c *Config) {
			c.Tokens["tok-hik"] = "hik-its-1"
			c.Vendors = []*adapt.Vendor{vendor(t, hikYAML), vendor(t, hikYAML)}
		}, `cluster: vendor "hik" twice`},
		{"mqtt without listener", func(c *Config) {
			c.Tokens["tok-acme"] = "acme-box-1"
			c.Vendors = []*adapt.Vendor{vendor(t, acmeYAML)}
		}, `cluster: vendor "acme" has an mqtt_topic but MQTTListen is not set`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{ID: "c1", DataDir: t.TempDir(), Upstream: up, Tokens: map[string]string{}}
			c.cfg(&cfg)
			if _, err := New(cfg); err == nil || err.Error() != c.err {
				t.Fatalf("error %v\nwant  %s", err, c.err)
			}
		})
	}
}
