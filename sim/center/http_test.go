package center

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

func TestPostEventsAcceptsOnceAndCountsDuplicates(t *testing.T) {
	var s sink
	clock := t0.Add(time.Hour)
	c := startCenter(t, "", false, func(cfg *Config) {
		cfg.Scorer, cfg.Recorder = s.scorer(), s.recorder()
		cfg.TimeNow = func() time.Time { return clock }
	})
	url := c.EventsURL() + "/v1/events"
	steps := []struct {
		name string
		body []byte
		want string
	}{
		{"one event", mustJSON(t, event("e1")), `{"accepted":1,"duplicate":0}`},
		{"an array with one new, one known, one repeated inside", mustJSON(t, []wire.Event{event("e2"), event("e1"), event("e2")}), `{"accepted":1,"duplicate":2}`},
		{"the same again", mustJSON(t, event("e1")), `{"accepted":0,"duplicate":1}`},
	}
	for _, st := range steps {
		code, body := post(t, url, "tok-1", "application/json", st.body)
		if code != http.StatusAccepted || body != st.want {
			t.Fatalf("%s: %d %s, want 202 %s", st.name, code, body, st.want)
		}
	}
	st := c.Stats()
	if st.Events != 2 || st.EventsAccepted != 2 || st.EventsDuplicate != 3 {
		t.Fatalf("stats %+v", st)
	}
	// The scorer and the recorder each saw e1 and e2 once, with the center's clock.
	if n, _, _ := s.counts(); n != 4 {
		t.Fatalf("scorer+recorder got %d events, want 4", n)
	}
	if !s.recv[0].Equal(clock) {
		t.Fatalf("received %v, want the injected clock %v", s.recv[0], clock)
	}
	if v := metricValue(t, c, "trafficsim_center_events_accepted_total", map[string]string{"transport": "http"}); v != 2 {
		t.Fatalf("accepted metric %v", v)
	}
	if v := metricValue(t, c, "trafficsim_center_events_duplicate_total", nil); v != 3 {
		t.Fatalf("duplicate metric %v", v)
	}
}

func TestPostEventsRefusals(t *testing.T) {
	c := startCenter(t, "", false, func(cfg *Config) { cfg.MaxBodyBytes = 4096 })
	url := c.EventsURL() + "/v1/events"
	other := event("x")
	other.Source = "dev-2"
	noTime := event("x")
	noTime.Time = time.Time{}
	cases := []struct {
		name, token, ctype string
		body               []byte
		status             int
		reply              string
		reason             string
	}{
		{"no token", "", "application/json", mustJSON(t, event("a")), 401,
			`{"error":"missing bearer token (Authorization: Bearer \u003ctoken\u003e)"}`, wire.ReasonUnauthorized},
		{"unknown token", "nope", "application/json", mustJSON(t, event("a")), 401, `{"error":"unknown token"}`, wire.ReasonUnauthorized},
		{"truth token on the device listener", testTruthToken, "application/json", mustJSON(t, event("a")), 401, `{"error":"unknown token"}`, wire.ReasonUnauthorized},
		{"another device's source", "tok-1", "application/json", mustJSON(t, other), 403,
			`{"error":"source: the token belongs to device \"dev-1\", not \"dev-2\"","field":"source"}`, wire.ReasonForbidden},
		{"another device's source in an array", "tok-1", "application/json", mustJSON(t, []wire.Event{event("a"), other}), 403,
			`{"error":"[1].source: the token belongs to device \"dev-1\", not \"dev-2\"","field":"source","index":1}`, wire.ReasonForbidden},
		{"text/plain", "tok-1", "text/plain", []byte("hi"), 415,
			`{"error":"content type \"text/plain\": want application/json or multipart/form-data"}`, wire.ReasonMediaType},
		{"too large", "tok-1", "application/json", bytes.Repeat([]byte(" "), 5000), 413, `{"error":"body larger than 4096 bytes"}`, wire.ReasonTooLarge},
		{"missing time", "tok-1", "application/json", mustJSON(t, noTime), 400,
			`{"error":"time: required (RFC 3339)","field":"time"}`, wire.ReasonInvalid},
		{"missing time in an array", "tok-1", "application/json", mustJSON(t, []wire.Event{event("a"), noTime}), 400,
			`{"error":"[1].time: required (RFC 3339)","field":"time","index":1}`, wire.ReasonInvalid},
		{"not JSON", "tok-1", "application/json", []byte("{oops"), 400,
			`{"error":"invalid JSON at byte 2: invalid character 'o' looking for beginning of object key string"}`, wire.ReasonBadJSON},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := metricValue(t, c, "trafficsim_center_refused_total", map[string]string{"transport": "http", "reason": tc.reason})
			code, body := post(t, url, tc.token, tc.ctype, tc.body)
			if code != tc.status || body != tc.reply {
				t.Fatalf("got %d %s\nwant %d %s", code, body, tc.status, tc.reply)
			}
			after := metricValue(t, c, "trafficsim_center_refused_total", map[string]string{"transport": "http", "reason": tc.reason})
			if after != before+1 {
				t.Fatalf("refused{reason=%s} went %v -> %v", tc.reason, before, after)
			}
		})
	}
	if st := c.Stats(); st.Events != 0 || st.Refused != int64(len(cases)) {
		t.Fatalf("stats %+v: nothing may be accepted, every refusal counted", st)
	}
	if v := metricValue(t, c, "trafficsim_center_invalid_field_total", map[string]string{"field": "time"}); v != 2 {
		t.Fatalf("invalid_field{field=time} = %v, want 2", v)
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// jpeg is the start of a JPEG file; the center checks only the signature.
var jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}

func multipartBody(t *testing.T, parts ...[3]string) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+p[0]+`"`)
		if p[1] != "" {
			h.Set("Content-Type", p[1])
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(p[2]))
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func TestPostEventWithEvidenceKeepsTheJPEG(t *testing.T) {
	var s sink
	c := startCenter(t, "", false, func(cfg *Config) { cfg.Scorer = s.scorer() })
	ct, body := multipartBody(t,
		[3]string{"event", "application/json", string(mustJSON(t, []wire.Event{event("m1"), event("m2")}))},
		[3]string{"evidence.1", "image/jpeg", string(jpeg)})
	code, reply := post(t, c.EventsURL()+"/v1/events", "tok-1", ct, body)
	if code != 202 || reply != `{"accepted":2,"duplicate":0}` {
		t.Fatalf("%d %s", code, reply)
	}
	if s.events[0].Evidence != nil || s.events[1].Evidence == nil || !bytes.Equal(s.events[1].Evidence.JPEG, jpeg) {
		t.Fatalf("evidence not attached to the second event: %+v", s.events)
	}
	// Reopened from disk, the JPEG is still there.
	c.Close()
	var s2 sink
	startCenter(t, c.cfg.DataDir, false, func(cfg *Config) { cfg.Scorer = s2.scorer() })
	if len(s2.events) != 2 || !bytes.Equal(s2.events[1].Evidence.JPEG, jpeg) {
		t.Fatalf("after restart: %+v", s2.events)
	}
}

func TestRestartKeepsEventsAndDeduplication(t *testing.T) {
	dir := t.TempDir()
	var rec sink
	c := startCenter(t, dir, false, func(cfg *Config) { cfg.Recorder = rec.recorder() })
	for _, id := range []string{"r1", "r2", "r3"} {
		if code, _ := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, event(id))); code != 202 {
			t.Fatal(code)
		}
	}
	c.Close()

	var s, rec2 sink
	c2 := startCenter(t, dir, false, func(cfg *Config) { cfg.Scorer, cfg.Recorder = s.scorer(), rec2.recorder() })
	if st := c2.Stats(); st.Events != 3 || st.Log.Replayed != 3 {
		t.Fatalf("after restart: %+v", st)
	}
	if n, _, _ := s.counts(); n != 3 {
		t.Fatalf("scorer rebuilt with %d events, want 3", n)
	}
	if n, _, _ := rec2.counts(); n != 0 {
		t.Fatalf("recorder got %d replayed events, want 0 (it had them before)", n)
	}
	code, body := post(t, c2.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, []wire.Event{event("r2"), event("r4")}))
	if code != 202 || body != `{"accepted":1,"duplicate":1}` {
		t.Fatalf("%d %s", code, body)
	}
}

func TestTruthListener(t *testing.T) {
	var s sink
	c := startCenter(t, "", false, func(cfg *Config) {
		cfg.Scorer = s.scorer()
		cfg.Score = func(now time.Time) any {
			_, n, _ := s.counts()
			return map[string]any{"truth": n, "at": now.UTC().Format(time.RFC3339)}
		}
		cfg.TimeNow = func() time.Time { return t0 }
	})
	v := wire.Violation{ID: "v1", Type: wire.RedLight, Camera: "cam-1", Wall: t0, Class: wire.Car}
	f := wire.Fault{Time: t0, Camera: "cam-1", Kind: wire.FaultFreeze, Duration: time.Second}
	cases := []struct {
		name, path, token string
		body              []byte
		status            int
		reply             string
	}{
		{"violation", "/v1/truth", testTruthToken, mustJSON(t, v), 202, `{"accepted":1,"duplicate":0}`},
		{"violation again", "/v1/truth", testTruthToken, mustJSON(t, []wire.Violation{v}), 202, `{"accepted":0,"duplicate":1}`},
		{"fault", "/v1/faults", testTruthToken, mustJSON(t, f), 202, `{"accepted":1,"duplicate":0}`},
		{"device token", "/v1/truth", "tok-1", mustJSON(t, v), 401, `{"error":"unknown token"}`},
		{"violation without wall time", "/v1/truth", testTruthToken, []byte(`{"id":"v2","type":"red_light","camera":"c"}`), 400,
			`{"error":"wall: required (RFC 3339): truth sent to a center is wall-time truth","field":"wall"}`},
		{"unknown fault kind", "/v1/faults", testTruthToken, []byte(`[{"time":"2026-11-27T10:00:00Z","camera":"c","kind":"meteor"}]`), 400,
			`{"error":"[0].kind: unknown fault kind \"meteor\"","field":"kind","index":0}`},
	}
	for _, tc := range cases {
		code, body := post(t, c.TruthURL()+tc.path, tc.token, "application/json", tc.body)
		if code != tc.status || body != tc.reply {
			t.Fatalf("%s: got %d %s, want %d %s", tc.name, code, body, tc.status, tc.reply)
		}
	}
	// The truth paths do not exist on the device listener.
	if code, _ := post(t, c.EventsURL()+"/v1/truth", testTruthToken, "application/json", mustJSON(t, v)); code != 404 {
		t.Fatalf("device listener /v1/truth: %d, want 404", code)
	}
	get := func(url, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, strings.TrimSpace(b.String())
	}
	if code, body := get(c.TruthURL()+"/v1/score", testTruthToken); code != 200 || body != `{"at":"2026-11-27T10:00:00Z","truth":1}` {
		t.Fatalf("score: %d %s", code, body)
	}
	if code, _ := get(c.TruthURL()+"/v1/score", "tok-1"); code != 401 {
		t.Fatalf("score with a device token: %d, want 401", code)
	}
	if code, _ := get(c.TruthURL()+"/metrics", ""); code != 401 {
		t.Fatalf("truth metrics without the truth token: %d, want 401", code)
	}
	code, body := get(c.TruthURL()+"/metrics", testTruthToken)
	if code != 200 || !strings.Contains(body, `trafficsim_center_truth_accepted_total{kind="violation",transport="http"} 1`) {
		t.Fatalf("metrics: %d\n%s", code, body)
	}
	var sc map[string]any
	json.Unmarshal(mustJSON(t, c.Score()), &sc)
	if sc["truth"] != 1.0 {
		t.Fatalf("Score() = %v", sc)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no data dir", Config{TruthToken: "t"}, "center: DataDir is required"},
		{"no truth token", Config{DataDir: "d"}, "center: TruthToken is required"},
		{"device with the truth token", Config{DataDir: "d", TruthToken: "t", Tokens: map[string]string{"t": "dev"}}, `center: device "dev" has the truth token`},
		{"token with a space", Config{DataDir: "d", TruthToken: "t", Tokens: map[string]string{"a b": "dev"}}, `center: token of device "dev": use only letters, digits and . _ @ -`},
		{"reserved device id", Config{DataDir: "d", TruthToken: "t", Tokens: map[string]string{"x": "truth"}}, `center: device id "truth" is reserved`},
		{"cluster named like a device", Config{DataDir: "d", TruthToken: "t", Tokens: map[string]string{"x": "dev"},
			NATS: NATSConfig{Leafs: map[string]string{"y": "dev"}}}, `center: cluster id "dev" is taken by a device or reserved`},
		{"leaf listener without the embedded server", Config{DataDir: "d", TruthToken: "t", NATS: NATSConfig{URL: "nats://x:1", LeafListen: "127.0.0.1:0"}},
			"center: NATS.LeafListen and Leafs need the embedded server (no Disable, no URL)"},
		{"leaf password with a space", Config{DataDir: "d", TruthToken: "t", NATS: NATSConfig{Leafs: map[string]string{"a b": "c1"}}},
			`center: leaf password of cluster "c1": use only letters, digits and . _ @ -`},
	}
	for _, tc := range cases {
		if _, err := New(tc.cfg); err == nil || err.Error() != tc.err {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.err)
		}
	}
}
