package onvif

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

var now = time.Date(2026, 12, 6, 2, 30, 0, 0, time.UTC)

// request is a SOAP 1.2 request for op (in ns) with children, signed by user/pass at created
// when user is not "".
func request(ns, op, children, user, pass string, created time.Time) string {
	hdr := ""
	if user != "" {
		nonce := []byte("0123456789abcdefghij")
		c := created.Format("2006-01-02T15:04:05.000Z")
		hdr = `<s:Header><wsse:Security xmlns:wsse="` + nsWSSE + `" xmlns:wsu="` + nsWSU + `"><wsse:UsernameToken>` +
			`<wsse:Username>` + user + `</wsse:Username><wsse:Password Type="` + passwordDigest + `">` + Digest(nonce, c, pass) +
			`</wsse:Password><wsse:Nonce>` + base64.StdEncoding.EncodeToString(nonce) + `</wsse:Nonce><wsu:Created>` + c +
			`</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>`
	}
	return `<s:Envelope xmlns:s="` + nsSOAP + `">` + hdr + `<s:Body><x:` + op + ` xmlns:x="` + ns + `">` + children +
		`</x:` + op + `></s:Body></s:Envelope>`
}

func startServer(t *testing.T, cams ...Camera) *Server {
	t.Helper()
	s, err := New(Config{Cameras: func() []Camera { return cams }, TimeNow: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func soap(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/soap+xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Length") == "" {
		t.Errorf("no Content-Length (libonvif needs it)")
	}
	return resp.StatusCode, string(b)
}

var cam1 = Camera{ID: "cam-001", URI: "rtsp://10.0.0.1:8554/cam/cam-001", Username: "cam-001", Password: "pw-1",
	Width: 1280, Height: 720, FPS: 25, Snapshot: func() ([]byte, error) { return []byte{0xff, 0xd8, 0xff, 0xd9}, nil }}

// Each operation answers as ONVIF Profile S says; what needs credentials is refused without
// a valid PasswordDigest; every refusal is a SOAP fault naming why.
func TestServices(t *testing.T) {
	s := startServer(t, cam1)
	dev := s.DeviceURL("cam-001")
	media := strings.Replace(dev, "device_service", "media_service", 1)
	base := s.base()
	good := func(ns, op, children string) string { return request(ns, op, children, "cam-001", "pw-1", now) }
	cases := []struct {
		name, url, body string
		status          int
		want            []string // substrings of the answer
	}{
		{"time before auth", dev, request(nsDevice, "GetSystemDateAndTime", "", "", "", now), 200,
			[]string{`<tt:UTCDateTime><tt:Time><tt:Hour>2</tt:Hour><tt:Minute>30</tt:Minute><tt:Second>0</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>12</tt:Month><tt:Day>6</tt:Day>`}},
		{"capabilities before auth", dev, request(nsDevice, "GetCapabilities", "<x:Category>All</x:Category>", "", "", now), 200,
			[]string{`<tt:Media><tt:XAddr>` + media + `</tt:XAddr>`, `<tt:Device><tt:XAddr>` + dev + `</tt:XAddr>`}},
		{"services", dev, request(nsDevice, "GetServices", "", "", "", now), 200,
			[]string{`<tds:Namespace>` + nsMedia + `</tds:Namespace><tds:XAddr>` + media + `</tds:XAddr>`}},
		{"device information needs credentials", dev, request(nsDevice, "GetDeviceInformation", "", "", "", now), 400,
			[]string{`<s:Value>ter:NotAuthorized</s:Value>`, `Sender not authorized: a WS-Security UsernameToken is required`}},
		{"wrong password", dev, request(nsDevice, "GetDeviceInformation", "", "cam-001", "nope", now), 400,
			[]string{`Sender not authorized: password digest does not match`}},
		{"wrong user", dev, request(nsDevice, "GetDeviceInformation", "", "admin", "pw-1", now), 400,
			[]string{`Sender not authorized: unknown user &#34;admin&#34;`}},
		{"stale token", dev, request(nsDevice, "GetDeviceInformation", "", "cam-001", "pw-1", now.Add(-10*time.Minute)), 400,
			[]string{`Sender not authorized: created 2026-12-06T02:20:00.000Z is more than 5m0s from the camera&#39;s clock`}},
		{"device information", dev, good(nsDevice, "GetDeviceInformation", ""), 200,
			[]string{`<tds:Manufacturer>trafficsim</tds:Manufacturer>`, `<tds:SerialNumber>cam-001</tds:SerialNumber>`}},
		{"profiles", media, good(nsMedia, "GetProfiles", ""), 200,
			[]string{`<trt:Profiles token="main" fixed="true">`, `<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1280</tt:Width><tt:Height>720</tt:Height>`, `<tt:FrameRateLimit>25</tt:FrameRateLimit>`}},
		{"profile", media, good(nsMedia, "GetProfile", "<x:ProfileToken>main</x:ProfileToken>"), 200,
			[]string{`<trt:Profile token="main"`}},
		{"stream uri", media, good(nsMedia, "GetStreamUri", "<x:ProfileToken>main</x:ProfileToken>"), 200,
			[]string{`<tt:Uri>rtsp://10.0.0.1:8554/cam/cam-001</tt:Uri>`}},
		{"snapshot uri", media, good(nsMedia, "GetSnapshotUri", "<x:ProfileToken>main</x:ProfileToken>"), 200,
			[]string{`<tt:Uri>` + base + `/onvif/cam-001/snapshot.jpg</tt:Uri>`}},
		{"no such profile", media, good(nsMedia, "GetStreamUri", "<x:ProfileToken>sub</x:ProfileToken>"), 400,
			[]string{`ter:NoProfile`, `no profile &#34;sub&#34; (the camera has &#34;main&#34;)`}},
		{"media op at the device service", dev, good(nsMedia, "GetProfiles", ""), 400,
			[]string{`ter:ActionNotSupported`, `GetProfiles {` + nsMedia + `} is not an operation of the device_service`}},
		{"unsupported", dev, good(nsDevice, "SystemReboot", ""), 400,
			[]string{`SystemReboot is not supported`}},
		{"not XML", dev, `<s:Envelope`, 400, []string{`ter:WellFormed`, `not a SOAP envelope: XML syntax error on line 1: unexpected EOF`}},
		{"SOAP 1.1", dev, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetHostname/></s:Body></s:Envelope>`, 400,
			[]string{`envelope namespace &#34;http://schemas.xmlsoap.org/soap/envelope/&#34;, want SOAP 1.2`}},
		{"empty body", dev, `<s:Envelope xmlns:s="` + nsSOAP + `"><s:Body></s:Body></s:Envelope>`, 400, []string{`empty SOAP body`}},
		{"unknown camera", base + "/onvif/cam-999/device_service", good(nsDevice, "GetDeviceInformation", ""), 404,
			[]string{`no camera &#34;cam-999&#34;`}},
		{"unknown service", base + "/onvif/cam-001/ptz_service", good(nsDevice, "GetDeviceInformation", ""), 404,
			[]string{`no service &#34;ptz_service&#34; (device_service, media_service)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := soap(t, c.url, c.body)
			if status != c.status {
				t.Errorf("status %d, want %d: %s", status, c.status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("answer lacks %s\n%s", w, body)
				}
			}
		})
	}
}

// GetSnapshotUri leads to a JPEG of the clip the farm camera plays, behind its credentials.
func TestSnapshotOfFarmCamera(t *testing.T) {
	lib := t.TempDir()
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 10})
	f := farm.New(farm.Config{Library: lib})
	if _, err := f.AddCamera(farm.CameraSpec{Clip: "clip"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, _ := New(Config{Cameras: FarmCameras(f)})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := f.Deployment().Cameras[0]
	status, body := soap(t, s.base()+"/onvif/"+c.ID+"/media_service",
		request(nsMedia, "GetSnapshotUri", "<x:ProfileToken>main</x:ProfileToken>", c.Username, c.Password, time.Now()))
	m := regexp.MustCompile(`<tt:Uri>([^<]+)</tt:Uri>`).FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("%d %s", status, body)
	}
	get := func(user, pass string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, m[1], nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := get("", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("snapshot without credentials: %s", resp.Status)
	}
	resp := get(c.Username, c.Password)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("snapshot is not a JPEG: %v", err)
	}
	if got := img.Bounds().Size(); got.X != c.Width || got.Y != c.Height {
		t.Fatalf("snapshot %v, camera %dx%d", got, c.Width, c.Height)
	}
}

// The two Probes libonvif sends (and one asking for printers) and what the responder answers.
func TestProbeMatches(t *testing.T) {
	s := startServer(t, cam1, Camera{ID: "cam-002", URI: "rtsp://x/cam/cam-002"})
	d := &discovery{s: s}
	probe := func(types, scopes string) string {
		return `<SOAP-ENV:Envelope xmlns:SOAP-ENV="` + nsSOAP + `" xmlns:a="` + nsWSA + `"><SOAP-ENV:Header><a:Action>` + actionProbe +
			`</a:Action><a:MessageID>urn:uuid:1234</a:MessageID></SOAP-ENV:Header><SOAP-ENV:Body><p:Probe xmlns:p="` + nsWSD +
			`"><d:Types xmlns:d="` + nsWSD + `" xmlns:dp0="` + nsNetwork + `">` + types + `</d:Types>` + scopes + `</p:Probe></SOAP-ENV:Body></SOAP-ENV:Envelope>`
	}
	cases := []struct {
		name, probe string
		cams        []string
	}{
		{"NetworkVideoTransmitter", probe("dp0:NetworkVideoTransmitter", ""), []string{"cam-001", "cam-002"}},
		{"Device", probe("dp0:Device", ""), []string{"cam-001", "cam-002"}},
		{"any type", probe("", ""), []string{"cam-001", "cam-002"}},
		{"printers", probe("wprt:PrintDeviceType", ""), nil},
		{"scope of one camera", probe("", `<d:Scopes xmlns:d="`+nsWSD+`">onvif://www.onvif.org/name/cam-002</d:Scopes>`), []string{"cam-002"}},
		{"scope of none", probe("", `<d:Scopes xmlns:d="`+nsWSD+`">onvif://www.onvif.org/location/hanoi</d:Scopes>`), nil},
		{"not a probe", `<s:Envelope xmlns:s="` + nsSOAP + `"><s:Body><d:Hello xmlns:d="` + nsWSD + `"/></s:Body></s:Envelope>`, nil},
		{"garbage", `hello`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := d.answer([]byte(c.probe))
			if len(ms) != len(c.cams) {
				t.Fatalf("%d matches, want %d", len(ms), len(c.cams))
			}
			for i, m := range ms {
				for _, want := range []string{
					`<a:RelatesTo>urn:uuid:1234</a:RelatesTo>`,
					`<d:XAddrs>` + s.DeviceURL(c.cams[i]) + `</d:XAddrs>`,
					`<a:Address>` + uuidOf(c.cams[i]) + `</a:Address>`,
					`onvif://www.onvif.org/name/` + c.cams[i],
				} {
					if !bytes.Contains(m, []byte(want)) {
						t.Errorf("match %d lacks %s:\n%s", i, want, m)
					}
				}
			}
		})
	}
}

func TestUUIDIsStable(t *testing.T) {
	if a, b := uuidOf("cam-001"), uuidOf("cam-001"); a != b || a == uuidOf("cam-002") || len(a) != len("urn:uuid:")+36 {
		t.Fatal(a, b)
	}
}

// One Probe for a farm of 3,000 cameras: a ProbeMatch each, every one a datagram well under
// the 8 KB a client like libonvif reads.
func TestProbeAtScale(t *testing.T) {
	cams := make([]Camera, 3000)
	for i := range cams {
		cams[i] = Camera{ID: fmt.Sprintf("cam-%04d", i+1), URI: "rtsp://x/cam"}
	}
	s := startServer(t, cams...)
	d := &discovery{s: s}
	ms := d.answer([]byte(`<s:Envelope xmlns:s="` + nsSOAP + `"><s:Body><d:Probe xmlns:d="` + nsWSD + `"/></s:Body></s:Envelope>`))
	if len(ms) != 3000 {
		t.Fatalf("%d matches", len(ms))
	}
	for i, m := range ms {
		if len(m) > 2048 {
			t.Fatalf("match %d: %d bytes", i, len(m))
		}
	}
}
