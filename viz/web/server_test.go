package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/report"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/viz/web"
	"github.com/trafficsim/trafficsim/wire"
)

// replayRun writes a finished run folder by hand: one camera on a 50-frame test clip whose
// truth has one object, one violation the device found and one false alarm.
func replayRun(t *testing.T) (dir string, clip *library.Clip, t0 time.Time) {
	t.Helper()
	root := t.TempDir()
	tr := &wire.Truth{Version: wire.TruthVersion, Scenario: "test", Camera: "c", FPS: 25, Width: 320, Height: 240}
	for i := range 50 {
		tr.Frames = append(tr.Frames, wire.Frame{Index: i, T: float64(i) / 25,
			Objects: []wire.ObjectState{{ID: 7, Box: wire.Box{float64(4 * i), 110, float64(4*i + 20), 130}, Visible: 1}}})
	}
	clip = librarytest.MakeClip(t, filepath.Join(root, "clips"), librarytest.Spec{Truth: tr})
	dir = filepath.Join(root, "runs", "r1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t0 = time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	write := func(name string, lines ...any) {
		var b strings.Builder
		for _, l := range lines {
			j, _ := json.Marshal(l)
			b.Write(append(j, '\n'))
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("run.json", map[string]any{"id": "r1", "scenario": "test", "start": t0, "end": t0.Add(time.Minute)})
	j, _ := json.Marshal([]farm.Playhead{{ID: "cam-001", Clip: clip.Dir, FPS: 25, Frames: 50, Zero: t0}})
	os.WriteFile(filepath.Join(dir, web.PlayheadsFile), j, 0o644)
	v := wire.Violation{ID: "v1", Type: "red_light", Camera: "cam-001", Frame: 10, T: 0.4, Wall: t0.Add(400 * time.Millisecond), Object: 7, Box: wire.Box{40, 110, 60, 130}}
	write("truth.jsonl", v)
	ev := func(id string, at time.Time) map[string]any {
		return map[string]any{"event_id": id, "camera_id": "cam-001", "type": "red_light", "time": at, "confidence": 0.9, "source": "d", "received_at": at,
			"evidence": map[string]any{"jpeg": []byte{0xff, 0xd8, 0xff, 0xd9}}}
	}
	write("events.jsonl", ev("e1", v.Wall.Add(100*time.Millisecond)), ev("e2", t0.Add(30*time.Second)))
	return dir, clip, t0
}

func get(t testing.TB, srv *httptest.Server, path string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// A replayed run scores its record when it has no matches.jsonl: the violation the event
// found is TP, the other event FP, and the wall at the run's end counts them.
func TestReplayScoresTheRecord(t *testing.T) {
	dir, _, t0 := replayRun(t)
	s, err := web.New(web.Config{Dir: dir, ThumbDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	_, body, _ := get(t, srv, "/api/timeline?cam=cam-001")
	var tl struct {
		Truths []struct{ ID, Outcome, Event string }
		Events []struct {
			ID, Outcome string
			Evidence    bool
		}
	}
	json.Unmarshal([]byte(body), &tl)
	if len(tl.Truths) != 1 || tl.Truths[0].Outcome != "tp" || tl.Truths[0].Event != "e1" {
		t.Errorf("truths %+v, want v1 TP by e1", tl.Truths)
	}
	if len(tl.Events) != 2 || tl.Events[0].Outcome != "tp" || tl.Events[1].Outcome != "fp" || !tl.Events[0].Evidence {
		t.Errorf("events %+v, want e1 TP with evidence, e2 FP", tl.Events)
	}
	_, body, _ = get(t, srv, "/api/status?t="+itoa(t0.Add(10*time.Second).UnixMilli()))
	if !strings.Contains(body, `"events":1,"tp":1,"fp":0,"fn":0`) {
		t.Errorf("status 10 s in: %s", body)
	}
	_, body, _ = get(t, srv, "/api/status")
	if !strings.Contains(body, `"events":2,"tp":1,"fp":1,"fn":0,"last_bad":`+itoa(t0.Add(30*time.Second).UnixMilli())) {
		t.Errorf("status at the end: %s", body)
	}
}

// The video is the clip's own H.264 in fragmented MP4, not re-encoded: ffprobe (FFmpeg, an
// independent reader) finds every frame, and the truth overlay has every frame's boxes.
func TestVideoIsTheClipPassedThrough(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed (scripts/setup.sh installs ffmpeg)")
	}
	dir, clip, _ := replayRun(t)
	s, err := web.New(web.Config{Dir: dir, ThumbDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	code, body, h := get(t, srv, "/api/clip/"+clip.Meta.ID+"/video.mp4")
	if code != 200 || !strings.HasPrefix(h.Get("X-Codec"), "avc1.") {
		t.Fatalf("video: %d, codec %q", code, h.Get("X-Codec"))
	}
	f := filepath.Join(t.TempDir(), "v.mp4")
	os.WriteFile(f, []byte(body), 0o644)
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", f).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "h264,320,240,50" {
		t.Errorf("ffprobe: %q %v; want h264,320,240,50", out, err)
	}
	// the samples are the clip's slices byte for byte (SPS and PPS go into the init segment)
	stream, _ := clip.Stream()
	au := clip.AccessUnit(stream, 7)
	if !strings.Contains(body, string(au[len(au)-200:])) {
		t.Error("frame 7's slice data is not in the MP4: re-encoded?")
	}
	_, body, _ = get(t, srv, "/api/clip/"+clip.Meta.ID+"/truth.json")
	var tj struct{ Frames [][][]float64 }
	if err := json.Unmarshal([]byte(body), &tj); err != nil || len(tj.Frames) != 50 || len(tj.Frames[10]) != 1 || tj.Frames[10][0][1] != 40 {
		t.Errorf("truth.json: %v, %d frames; want 50, frame 10 with object 7 at x 40", err, len(tj.Frames))
	}
}

// Bad requests get exact messages.
func TestBadRequests(t *testing.T) {
	dir, clip, _ := replayRun(t)
	s, err := web.New(web.Config{Dir: dir, ThumbDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, c := range []struct {
		path string
		code int
		msg  string
	}{
		{"/api/status?t=noon", 400, `t "noon" is not a unix time in milliseconds`},
		{"/api/clip/nope/video.mp4", 404, `no clip "nope" in this run`},
		{"/api/clip/" + clip.Meta.ID + "/thumb/x.jpg", 400, `thumbnail "x.jpg" is not a number`},
		{"/api/clip/" + clip.Meta.ID + "/thumb/99.jpg", 404, "clip " + clip.Meta.ID + " has 4 thumbnails"},
		{"/api/evidence/e9", 404, `event "e9" has no evidence picture`},
		{"/api/crop/v9", 404, `no truth "v9" on a camera of this run`},
	} {
		code, body, _ := get(t, srv, c.path)
		if code != c.code || strings.TrimSpace(body) != c.msg {
			t.Errorf("%s: %d %q, want %d %q", c.path, code, strings.TrimSpace(body), c.code, c.msg)
		}
	}
	if _, err := web.New(web.Config{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "is not a run folder") {
		t.Errorf("an empty folder: %v", err)
	}
}

// report.html links its misses and false alarms to where trafficsim viz listens by default.
func TestReportLinksHere(t *testing.T) {
	if report.VizURL != "http://"+web.DefaultAddr+"/" {
		t.Errorf("report.VizURL %q, viewer at %s", report.VizURL, web.DefaultAddr)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Thumbnails are made once per clip and kept in ThumbDir for the next process.
func TestThumbnailsAreCached(t *testing.T) {
	dir, clip, _ := replayRun(t)
	cache := t.TempDir()
	var first string
	for i := range 2 {
		s, err := web.New(web.Config{Dir: dir, ThumbDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		code, body, h := get(t, srv, "/api/clip/"+clip.Meta.ID+"/thumb/3.jpg")
		srv.Close()
		if code != 200 || h.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(body, "\xff\xd8") {
			t.Fatalf("thumbnail: %d %s", code, h.Get("Content-Type"))
		}
		if i == 0 {
			first = body
			files, _ := filepath.Glob(filepath.Join(cache, clip.Meta.ID+"-*.thumbs"))
			if len(files) != 1 {
				t.Fatalf("cache files %v", files)
			}
			// a damaged cache is made again, not served
			os.WriteFile(files[0], []byte{0, 0, 0, 9, 1}, 0o644)
		} else if body != first {
			t.Error("the thumbnail made again differs")
		}
	}
}

// BenchmarkThumbnails is the one-off cost of a clip's wall thumbnails: decode every frame
// (720p), keep a 320-px JPEG every half second.
func BenchmarkThumbnails(b *testing.B) {
	root := b.TempDir()
	clip, err := librarytest.Make(root, librarytest.Spec{Frames: 100, Width: 1280, Height: 720, GOP: 50, BitrateKbps: 2000})
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "run")
	os.MkdirAll(dir, 0o755)
	j, _ := json.Marshal([]farm.Playhead{{ID: "cam-001", Clip: clip.Dir, FPS: 25, Frames: 100, Zero: time.Now()}})
	os.WriteFile(filepath.Join(dir, web.PlayheadsFile), j, 0o644)
	os.WriteFile(filepath.Join(dir, "run.json"), []byte(`{"id":"b"}`), 0o644)
	b.ResetTimer()
	for range b.N {
		s, err := web.New(web.Config{Dir: dir, ThumbDir: "-"})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		if code, _, _ := get(b, srv, "/api/clip/"+clip.Meta.ID+"/thumb/0.jpg"); code != 200 {
			b.Fatal(code)
		}
		srv.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*100), "ms/frame")
}

// A regional cluster's evidence reference resolves to the file it keeps in the run folder, and
// to nothing outside it.
func TestEvidencePath(t *testing.T) {
	for _, c := range []struct {
		ref, path string
		ok        bool
	}{
		{"cluster://cluster-1/evidence/cam-002/sha256-ab.jpg", "run/cluster-1/evidence/cam-002/sha256-ab.jpg", true},
		{"cluster://cluster-1/evidence/../../../etc/passwd.jpg", "", false},
		{"cluster://cluster-1/other/cam-002/x.jpg", "", false},
		{"cluster://cluster-1/evidence/cam-002/x.png", "", false},
		{"https://example.org/x.jpg", "", false},
	} {
		path, ok := web.EvidencePath("run", c.ref)
		if path != c.path || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.ref, path, ok, c.path, c.ok)
		}
	}
}

// A bare farm's record (trafficsim cameras --record: truth, no run.json, no events) shows its
// truth but scores nothing: with no device there is nothing to call a miss.
func TestBareFarmIsNotScored(t *testing.T) {
	dir, clip, t0 := replayRun(t)
	os.Remove(filepath.Join(dir, "run.json"))
	os.Remove(filepath.Join(dir, "events.jsonl"))
	heads := []farm.Playhead{{ID: "cam-001", Clip: clip.Dir, FPS: 25, Frames: 50, Zero: t0}}
	s, err := web.New(web.Config{Dir: dir, Playheads: func() []farm.Playhead { return heads }, ThumbDir: "-", Poll: 10 * time.Millisecond,
		TimeNow: func() time.Time { return t0.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go s.Run(ctx)
	defer cancel()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	time.Sleep(100 * time.Millisecond)
	_, body, _ := get(t, srv, "/api/timeline?cam=cam-001")
	if !strings.Contains(body, `"id":"v1"`) || strings.Contains(body, `"outcome"`) {
		t.Errorf("timeline %s: want v1 without a verdict", body)
	}
	_, body, _ = get(t, srv, "/api/status")
	if !strings.Contains(body, `"fn":0`) {
		t.Errorf("status %s: want no FN", body)
	}
}
