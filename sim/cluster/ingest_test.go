package cluster

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The cluster refuses what the center refuses, with the same status and body: a device
// cannot tell whether it talks to a cluster or to the center.
func TestRefusalsMatchTheCenter(t *testing.T) {
	tc := newTestCenter(t, "dev-1", "dev-2")
	cl := startCluster(t, "", tc.upstream(), func(cfg *Config) {
		cfg.Tokens = map[string]string{"tok-dev-1": "dev-1", "tok-dev-2": "dev-2"}
	})
	ok := `{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.000Z","confidence":0.5,"source":"dev-1"}`
	ctMP, mp := multipartBody(t, ok, []byte("not a jpeg"))
	cases := []struct {
		name, method, token, ct, body string
		status                        int
	}{
		{"GET", http.MethodGet, "tok-dev-1", "application/json", ok, 405},
		{"no token", http.MethodPost, "", "application/json", ok, 401},
		{"unknown token", http.MethodPost, "nope", "application/json", ok, 401},
		{"text/plain", http.MethodPost, "tok-dev-1", "text/plain", ok, 415},
		{"not JSON", http.MethodPost, "tok-dev-1", "application/json", `{"event_id":`, 400},
		{"wrong type", http.MethodPost, "tok-dev-1", "application/json", `{"event_id":3}`, 400},
		{"no event_id", http.MethodPost, "tok-dev-1", "application/json", strings.Replace(ok, `"e1"`, `""`, 1), 400},
		{"bad element", http.MethodPost, "tok-dev-1", "application/json", "[" + ok + "," + strings.Replace(ok, `"red_light"`, `"jaywalking"`, 1) + "]", 400},
		{"other device", http.MethodPost, "tok-dev-2", "application/json", ok, 403},
		{"other device in an array", http.MethodPost, "tok-dev-2", "application/json", "[" + ok + "]", 403},
		{"evidence not a JPEG", http.MethodPost, "tok-dev-1", ctMP, string(mp), 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send := func(url string) (int, string) {
				req, _ := http.NewRequest(c.method, url+"/v1/events", strings.NewReader(c.body))
				req.Header.Set("Content-Type", c.ct)
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				resp, err := httpClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			cs, cb := send(cl.URL())
			ks, kb := send(tc.c.EventsURL())
			if cs != c.status || cs != ks || cb != kb {
				t.Fatalf("cluster %d %s\ncenter  %d %s\nwant status %d, the same at both", cs, cb, ks, kb, c.status)
			}
		})
	}
	if got := cl.Stats().Refused; got != int64(len(cases)) {
		t.Fatalf("Refused = %d, want %d", got, len(cases))
	}
}

// A camera id must be usable as a NATS subject token and a folder name to be forwarded.
func TestCameraIDsTheClusterCannotForward(t *testing.T) {
	tc := newTestCenter(t, "dev-1")
	cl := startCluster(t, "", tc.upstream(), nil)
	cases := []struct{ camera, body string }{
		{"cam 1", `{"error":"camera_id: \"cam 1\": the cluster forwards only camera ids of letters, digits, _ and - (dot-separated)","field":"camera_id"}`},
		{"..", `{"error":"camera_id: \"..\": the cluster forwards only camera ids of letters, digits, _ and - (dot-separated)","field":"camera_id"}`},
		{"a/b", `{"error":"camera_id: \"a/b\": the cluster forwards only camera ids of letters, digits, _ and - (dot-separated)","field":"camera_id"}`},
		{"cam.>", `{"error":"camera_id: \"cam.\u003e\": the cluster forwards only camera ids of letters, digits, _ and - (dot-separated)","field":"camera_id"}`},
	}
	for _, c := range cases {
		st, body := post(t, cl.URL(), "tok-dev-1", event("e", c.camera, "dev-1"))
		if st != 400 || body != c.body+"\n" {
			t.Errorf("camera %q: %d %s, want 400 %s", c.camera, st, body, c.body)
		}
	}
	st, body := post(t, cl.URL(), "tok-dev-1", event("e", "ok", "dev-1"), event("f", "x y", "dev-1"))
	if want := `{"error":"[1].camera_id: \"x y\": the cluster forwards only camera ids of letters, digits, _ and - (dot-separated)","field":"camera_id","index":1}`; st != 400 || body != want+"\n" {
		t.Errorf("array: %d %s, want 400 %s", st, body, want)
	}
}
