package cluster

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzEvidenceName: whatever the event_id, its evidence file stays inside its camera's folder.
func FuzzEvidenceName(f *testing.F) {
	for _, s := range []string{"e-1", "../x", "..", ".", "a/b", "", "a\x00b", strings.Repeat("z", 128), "cam1.2026-11-27T10_00_00.123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		name := EvidenceName(id)
		dir := filepath.Join("data", "evidence", "cam-1")
		p := EvidencePath("data", "cam-1", id)
		if filepath.Dir(p) != dir || strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, ".") || name == "" {
			t.Fatalf("EvidenceName(%q) = %q, path %q", id, name, p)
		}
	})
}

// FuzzIngest posts arbitrary bodies to the ingest handler: the answer is 202 or a refusal the
// center would give (400, 403), never a server error or a panic, and Received counts exactly
// the events accepted.
func FuzzIngest(f *testing.F) {
	ok := `{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.000Z","confidence":0.5,"source":"dev-1"}`
	for _, s := range []string{ok, "[" + ok + "]", `{"event_id":`, `[]`, `null`, `{"event_id":"a","camera_id":"c d"}`,
		strings.Replace(ok, "dev-1", "dev-2", 1), strings.Replace(ok, `"cam-1"`, `"a.b"`, 1),
		`{"event_id":"x","camera_id":"c","type":"speeding","time":"2026-11-27T10:00:00Z","confidence":1,"source":"dev-1","evidence":{"jpeg":"/9j/4A=="}}`} {
		f.Add(s)
	}
	c := startCluster(f, "", Upstream{LeafURL: "nats-leaf://127.0.0.1:1"}, nil)
	f.Fuzz(func(t *testing.T, body string) {
		before := c.Stats().Received
		req := httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok-dev-1")
		w := httptest.NewRecorder()
		c.handleEvents(w, req)
		switch w.Code {
		case http.StatusAccepted, http.StatusBadRequest, http.StatusForbidden:
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		if w.Code != http.StatusAccepted && c.Stats().Received != before {
			t.Fatalf("refused %q but Received went %d -> %d", body, before, c.Stats().Received)
		}
	})
}
