package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an io.Writer the test reads while the command writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCenterCommandScoresAndRecords runs `trafficsim center` with a run record, feeds it one
// truth and the event that detects it, reads the live score, stops it and reads the record.
func TestCenterCommandScoresAndRecords(t *testing.T) {
	dir := t.TempDir()
	out := &lockedBuffer{}
	centerOut = out
	defer func() { centerOut = os.Stdout }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"center", "--data", filepath.Join(dir, "data"), "--record", filepath.Join(dir, "run"),
			"--http", "127.0.0.1:0", "--truth", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0",
			"--device", "dev-1=tok-1", "--truth-token", "tt"})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "center: devices") {
		if time.Now().After(deadline) {
			t.Fatalf("center did not start:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	events := regexp.MustCompile(`events (\S+)/v1/events`).FindStringSubmatch(out.String())[1]
	truth := regexp.MustCompile(`truth  (\S+) `).FindStringSubmatch(out.String())[1]

	wall := time.Now().Add(-30 * time.Second).UTC().Truncate(time.Millisecond)
	do := func(method, url, token, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprint(resp.StatusCode, " ", strings.TrimSpace(string(b)))
	}
	v := fmt.Sprintf(`{"id":"v1","type":"red_light","camera":"cam-1","wall":%q,"plate":"29A-123.45","class":"car"}`, wall.Format(time.RFC3339Nano))
	if got := do("POST", truth+"/v1/truth", "tt", v); got != `202 {"accepted":1,"duplicate":0}` {
		t.Fatalf("truth: %s", got)
	}
	e := fmt.Sprintf(`{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":%q,"plate":"29A12345","confidence":0.9,"source":"dev-1"}`,
		wall.Add(300*time.Millisecond).Format(time.RFC3339Nano))
	if got := do("POST", events+"/v1/events", "tok-1", e); got != `202 {"accepted":1,"duplicate":0}` {
		t.Fatalf("event: %s", got)
	}
	got := do("GET", truth+"/v1/score", "tt", "")
	var score struct {
		Overall struct {
			TP int `json:"tp"`
		} `json:"overall"`
	}
	if !strings.HasPrefix(got, "200 ") || json.Unmarshal([]byte(got[4:]), &score) != nil || score.Overall.TP != 1 {
		t.Fatalf("score: %s", got)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("center did not stop")
	}
	for name, want := range map[string]string{"events.jsonl": `"event_id":"e1"`, "truth.jsonl": `"id":"v1"`, "summary.json": `"tp": 1`} {
		b, err := os.ReadFile(filepath.Join(dir, "run", name))
		if err != nil || !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s: %v, want it to contain %s:\n%s", name, err, want, b)
		}
	}
}

// TestCenterCommandResumesItsRecordAndChecksOwners: started again on the same --data and
// --record, the center resumes the run record (each event once), and with --owners an event for
// a camera the device does not own is refused.
func TestCenterCommandResumesItsRecordAndChecksOwners(t *testing.T) {
	dir := t.TempDir()
	owners := filepath.Join(dir, "owners.json")
	os.WriteFile(owners, []byte(`{"cam-1": "dev-1"}`), 0o644)
	start := func() (events string, stop func()) {
		out := &lockedBuffer{}
		centerOut = out
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"center", "--data", filepath.Join(dir, "data"), "--record", filepath.Join(dir, "run"),
				"--http", "127.0.0.1:0", "--truth", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0",
				"--device", "dev-1=tok-1", "--truth-token", "tt", "--owners", owners})
		}()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "center: devices") {
			if time.Now().After(deadline) {
				t.Fatalf("center did not start:\n%s", out)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return regexp.MustCompile(`events (\S+)/v1/events`).FindStringSubmatch(out.String())[1], func() {
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d\n%s", code, out)
			}
			centerOut = os.Stdout
		}
	}
	post := func(url, body string) string {
		req, _ := http.NewRequest("POST", url+"/v1/events", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok-1")
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprint(resp.StatusCode, " ", strings.TrimSpace(string(b)))
	}
	ev := func(cam string) string {
		return `{"event_id":"e1","camera_id":"` + cam + `","type":"red_light","time":"2026-11-27T10:00:00Z","confidence":0.9,"source":"dev-1"}`
	}
	url, stop := start()
	if got := post(url, ev("cam-1")); got != `202 {"accepted":1,"duplicate":0}` {
		t.Fatalf("own camera: %s", got)
	}
	if got := post(url, ev("cam-2")); !strings.HasPrefix(got, `403 {"error":"camera_id: camera \"cam-2\" is not one of device \"dev-1\"'s cameras"`) {
		t.Fatalf("another camera: %s", got)
	}
	stop()
	url, stop = start()
	if got := post(url, ev("cam-1")); got != `202 {"accepted":0,"duplicate":1}` {
		t.Fatalf("after the restart: %s", got)
	}
	stop()
	b, _ := os.ReadFile(filepath.Join(dir, "run", "events.jsonl"))
	if n := bytes.Count(b, []byte(`"event_id":"e1"`)); n != 1 {
		t.Fatalf("events.jsonl holds e1 %d times:\n%s", n, b)
	}
}
