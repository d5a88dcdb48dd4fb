package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/viz/web"
)

func TestMain(m *testing.M) {
	if os.Getenv("DISPLAY") == "" { // the browser test skips itself; the rest needs no renderer
		os.Exit(m.Run())
	}
	code := 0
	if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// TestBrowserWallAndCamera runs two smart cameras of the e2e-junction scenario (frequent
// violations) for 6 s over a 4 s clip with the live UI attached, and looks at it in headless
// Chromium: the wall's thumbnails load and move on with the clip, one camera plays its H.264
// through Media Source Extensions with the truth boxes drawn over it; then the finished run is
// replayed at the moment of a truth, which is marked TP or FN as the matcher decided, and the
// evidence gallery lists it. TRAFFICSIM_SCREENSHOTS=docs/img saves the pictures of the README.
func TestBrowserWallAndCamera(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("rendering needs an X display: make setup, then DISPLAY=$(cat /tmp/trafficsim-display)")
	}
	b := startBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	urls := make(chan string, 1)
	type done struct {
		res *run.Result
		err error
	}
	finished := make(chan done, 1)
	go func() {
		res, err := run.Run(ctx, run.Config{Scenario: filepath.Join("..", "..", "sim", "run", "testdata", "e2e-junction.yaml"),
			Cameras: 2, SmartShare: 1, Clips: 1, Duration: 6 * time.Second, ClipDuration: 4 * time.Second, WarmUp: -1,
			Grace: time.Second, Out: filepath.Join(dir, "runs"), ID: "ui", Library: filepath.Join(dir, "clips"),
			OnPlay: func(runDir string, fm *farm.Farm) {
				srv, err := web.Start(ctx, "127.0.0.1:0", web.Config{Dir: runDir, Playheads: fm.Playheads, Stats: fm.Stats, Logf: t.Logf, ThumbDir: "-"})
				if err != nil {
					t.Error(err)
					urls <- ""
					return
				}
				t.Cleanup(func() { srv.Close() })
				urls <- srv.URL()
			}})
		finished <- done{res, err}
	}()
	var url string
	select {
	case url = <-urls:
	case d := <-finished:
		t.Fatalf("the run ended before it played: %v", d.err)
	}
	if url == "" {
		t.FailNow()
	}

	// the wall: every camera's thumbnail loads, and the pictures move on with the clip
	b.navigate(t, url)
	b.waitFor(t, "two thumbnails loaded", 20*time.Second, func(d map[string]string) bool { return atoi(d["thumbs"]) >= 2 })
	var widths []int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b.eval(t, `[...document.querySelectorAll('#grid img')].map(i => i.naturalWidth)`, &widths)
		if len(widths) == 2 && widths[0] == web.ThumbWidth && widths[1] == web.ThumbWidth {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("thumbnail widths %v, want two of %d", widths, web.ThumbWidth)
		}
	}
	var k1, k2 []string
	b.eval(t, `[...document.querySelectorAll('#grid img')].map(i => i.dataset.k)`, &k1)
	time.Sleep(1500 * time.Millisecond)
	b.eval(t, `[...document.querySelectorAll('#grid img')].map(i => i.dataset.k)`, &k2)
	if fmt.Sprint(k1) == fmt.Sprint(k2) {
		t.Errorf("thumbnails did not advance in 1.5 s: %v then %v", k1, k2)
	}
	var status string
	b.eval(t, `document.querySelector('#grid .st').textContent`, &status)
	t.Logf("wall: thumbnails %v then %v; first tile %q", k1, k2, status)
	b.screenshot(t, "viz-wall.png")

	// one camera: the video plays frame after frame, truth boxes are drawn over it
	b.eval(t, `location.hash = 'cam=cam-001'`, new(string))
	d1 := b.waitFor(t, "video frames shown with truth boxes", 20*time.Second, func(d map[string]string) bool {
		return atoi(d["videoFrames"]) >= 5 && atoi(d["truthBoxes"]) > 0
	})
	time.Sleep(time.Second)
	d2 := b.dataset(t)
	if atoi(d2["videoFrames"]) <= atoi(d1["videoFrames"]) || d2["videoTime"] == d1["videoTime"] {
		t.Errorf("the video did not advance: frames %s -> %s, time %s -> %s", d1["videoFrames"], d2["videoFrames"], d1["videoTime"], d2["videoTime"])
	}
	var drawn int
	b.eval(t, `(() => { const c = document.getElementById('overlay'); const p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0; for (let i = 3; i < p.length; i += 4) if (p[i]) n++; return n; })()`, &drawn)
	if drawn < 100 {
		t.Errorf("the overlay has %d drawn pixels; want the truth boxes", drawn)
	}
	t.Logf("camera: %s -> %s frames shown, truth frame %s with %s boxes, %d overlay pixels", d1["videoFrames"], d2["videoFrames"], d2["truthFrame"], d2["truthBoxes"], drawn)

	d := <-finished
	if d.err != nil {
		t.Fatal(d.err)
	}

	// replay: the moment of a truth, marked as the matcher decided
	rec, err := record.Open(d.res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Truth) == 0 || len(rec.Matches) == 0 {
		t.Fatalf("the run recorded %d truths and %d matches; the scenario should make some", len(rec.Truth), len(rec.Matches))
	}
	v := rec.Truth[0]
	var want string
	for _, m := range rec.Matches {
		if m.TruthID == v.ID {
			want = string(m.Outcome)
		}
	}
	srv, err := web.Start(ctx, "127.0.0.1:0", web.Config{Dir: d.res.Dir, Logf: t.Logf, ThumbDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b.navigate(t, srv.URL()+"#cam="+v.Camera+"&t="+strconv.FormatInt(v.Wall.UnixMilli(), 10))
	b.waitFor(t, "the truth marked on the replayed video", 20*time.Second, func(d map[string]string) bool {
		return atoi(d["videoFrames"]) >= 5 && atoi(d["marks"]) > 0
	})
	var marks []string
	b.eval(t, `[...document.querySelectorAll('#marks .mark')].map(m => m.className + ': ' + m.textContent)`, &marks)
	found := false
	for _, m := range marks {
		found = found || strings.HasPrefix(m, "mark "+want+": ") && strings.Contains(m, string(v.Type)+" (truth")
	}
	if !found {
		t.Errorf("marks %q: none is the %s of truth %s", marks, want, v.ID)
	}
	t.Logf("replay of %s %s at %v: %q", v.ID, v.Type, v.Wall, marks)
	b.waitFor(t, "the replay reaching the violation", 10*time.Second, func(d map[string]string) bool {
		return int64(atoi(d["cursor"])) >= v.Wall.UnixMilli()+100
	})
	b.screenshot(t, "viz-camera.png")

	b.eval(t, `location.hash = 'gallery'`, new(string))
	b.waitFor(t, "the evidence gallery", 10*time.Second, func(d map[string]string) bool { return atoi(d["galleryRows"]) > 0 })
	// the truth crops in view are decoded on demand
	b.eval(t, `Promise.all([...document.querySelectorAll('#galtable img')].filter(i => i.getBoundingClientRect().top < innerHeight)
		.map(i => i.complete ? 1 : new Promise(r => { i.onload = i.onerror = r; }))).then(() => 1)`, new(int))
	var crops int
	b.eval(t, `[...document.querySelectorAll('#galtable img')].filter(i => i.naturalWidth > 0).length`, &crops)
	if crops == 0 {
		t.Error("the evidence gallery shows no truth crop")
	}
	b.screenshot(t, "viz-evidence.png")
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
