package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/seal"
	"github.com/trafficsim/trafficsim/results/sign"
	"github.com/trafficsim/trafficsim/sim/suite"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/wire"
)

// lib is a clip library the package's tests share (clips are rendered once).
var lib string

func TestMain(m *testing.M) {
	if os.Getenv(fakeBoxEnv) != "" { // this binary plays the vendor's box (TestExternalDevice)
		os.Exit(fakeBox())
	}
	var err error
	if lib, err = os.MkdirTemp("", "trafficsim-suite-clips-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 0
	flag.Parse()
	// the parser's fuzzing and a machine without X run the tests that render nothing; the
	// suites of whole runs then fail with the display's error (needRender)
	noRender = render.CheckDisplay(os.Getenv, net.Dial)
	if f := flag.Lookup("test.fuzz"); noRender == nil && f != nil && f.Value.String() != "" {
		noRender = errors.New("fuzzing: no render loop")
	}
	if noRender != nil {
		code = m.Run()
	} else if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.RemoveAll(lib)
	os.Exit(code)
}

// noRender says why the render loop does not run (nil: it runs).
var noRender error

// needRender fails a test whose runs render clips when the loop does not run.
func needRender(t *testing.T) {
	t.Helper()
	if noRender != nil {
		t.Fatal(noRender)
	}
}

// TestSealedReferenceSuiteEndToEnd is a conformity test of the reference device at small size:
// seeds sealed and committed to, each cell a whole run (clips rendered from the world model,
// the camera farm over RTSP, the reference device decoding H.264, the regional cluster, the
// center), one scorecard signed, then the seeds revealed and the truth re-run from them.
// TRAFFICSIM_SUITE_CARD=dir keeps the scorecard folder to look at.
func TestSealedReferenceSuiteEndToEnd(t *testing.T) {
	needRender(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d := t.TempDir()
	s, src, err := suite.Load("testdata/reference.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seeds, err := seal.New(s.Slots(), "test")
	if err != nil {
		t.Fatal(err)
	}
	commitment := seal.Commit(seeds, src)
	if err := seal.Check(seeds, src, commitment); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := suite.RunWith(ctx, s, seeds.Seeds, suite.Shard{}, suite.Options{Runs: filepath.Join(d, "runs"), Library: lib, Grace: time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1 cell of 15 s on the reference device in %v", time.Since(start).Round(time.Millisecond))
	card := filepath.Join(d, "card")
	if keep := os.Getenv("TRAFFICSIM_SUITE_CARD"); keep != "" {
		card = keep
	}
	files, err := suite.Save(card, s, r)
	if err != nil {
		t.Fatal(err)
	}
	priv := filepath.Join(d, "operator")
	pub, err := sign.GenerateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := sign.LoadPrivate(priv + ".key")
	if err := sign.Sign(card, files, sign.Manifest{Version: "test", Commitment: commitment}, key); err != nil {
		t.Fatal(err)
	}
	if _, err := sign.Verify(card, pub); err != nil {
		t.Errorf("verify: %v", err)
	}
	// every cell ran the reference device on the seed's clips and was scored on what it sent
	for i, c := range r.Cells {
		rec, err := record.Open(c.Run)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Run.Seeds["scenario"] != seeds.Seeds[i] || !strings.Contains(rec.Run.Device.Name, "reference") {
			t.Errorf("cell %d ran seed %d on %q, want sealed seed %d on the reference device", i+1, rec.Run.Seeds["scenario"], rec.Run.Device.Name, seeds.Seeds[i])
		}
		if len(c.TruthHash) != 64 || c.Score == nil || c.Minutes != 0.25 {
			t.Errorf("cell %d: %d truths, hash %q, %v camera-minutes", i+1, c.Truths, c.TruthHash, c.Minutes)
		}
	}
	var b bytes.Buffer
	if err := suite.WriteScorecard(&b, s, r); err != nil {
		t.Fatal(err)
	}
	t.Logf("scorecard:\n%s", b.String())
	for _, want := range []string{"device reference", "speed-road.yaml", "speed 10-52 km/h read within tolerance", "verdict  "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("scorecard lacks %q", want)
		}
	}
	if r.SpeedCheck == nil || r.SpeedCheck.All.Truths != r.Score.ByType["speeding"].TP+r.Score.ByType["speeding"].FN {
		t.Errorf("speed check %+v, speeding %+v", r.SpeedCheck, r.Score.ByType["speeding"])
	}
	// after the test: the revealed seeds re-run the truth the run played; other seeds do not
	back, err := suite.LoadResult(card)
	if err != nil {
		t.Fatal(err)
	}
	if err := suite.CheckTruth(s, seeds.Seeds, back); err != nil {
		t.Errorf("the revealed seeds: %v", err)
	}
	forged := append([]uint64(nil), seeds.Seeds...)
	forged[0]++
	if err := suite.CheckTruth(s, forged, back); err == nil || !strings.Contains(err.Error(), "ran seed") {
		t.Errorf("another seed: %v", err)
	}
	if back.Cells[0].Truths == 0 { // 15 s of speed-road hold 1-8 speeding truths at most seeds
		t.Logf("the sealed seed made no truth in 15 s: the forged truth check has nothing to tell apart")
		return
	}
	back.Cells[0].Seed = forged[0]
	if err := suite.CheckTruth(s, forged, back); err == nil || !strings.Contains(err.Error(), "is not the truth scored") {
		t.Errorf("another seed claimed for the cell: %v", err)
	}
}

const fakeBoxEnv = "TRAFFICSIM_TEST_FAKE_BOX"

// fakeBox is a vendor's box for the tests: it reads cameras.json ($TRAFFICSIM_CAMERAS), posts
// one speeding event with a speed for its first camera, and waits for SIGTERM.
func fakeBox() int {
	if err := postOne(os.Getenv("TRAFFICSIM_CAMERAS"), "box-cmd"); err != nil {
		fmt.Fprintln(os.Stderr, "fake box:", err)
		return 1
	}
	fmt.Println("fake box: posted; waiting")
	time.Sleep(time.Minute)
	return 0
}

func postOne(camerasJSON, id string) error {
	b, err := os.ReadFile(camerasJSON)
	if err != nil {
		return err
	}
	return postTo(b, id)
}

func postTo(camerasJSON []byte, id string) error {
	var dep wire.Deployment
	if err := json.Unmarshal(camerasJSON, &dep); err != nil {
		return err
	}
	if len(dep.Cameras) == 0 || dep.Events == nil {
		return fmt.Errorf("cameras.json without cameras or endpoint: %s", camerasJSON)
	}
	ev := wire.Event{EventID: id, CameraID: dep.Cameras[0].ID, Type: wire.Speeding, Time: time.Now().UTC().Truncate(time.Millisecond),
		Confidence: 0.9, SpeedKmh: 87.5, Source: "external"}
	body, _ := json.Marshal([]wire.Event{ev})
	req, _ := http.NewRequest(http.MethodPost, dep.Events.HTTP+"/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+dep.Events.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the center answered %s", resp.Status)
	}
	return nil
}

// A vendor's box gets each cell's cameras.json from the suite (a command started per cell, or
// a URL it listens on), and the suite scores what it sends, speed included.
func TestExternalDevice(t *testing.T) {
	needRender(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		go func() { // the box answers at once and posts when it has looked
			if err := postTo(buf.Bytes(), "box-url"); err != nil {
				t.Error(err)
			}
		}()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	t.Setenv(fakeBoxEnv, "1") // the command's environment: it plays the box
	for _, way := range []struct{ name, yaml, event string }{
		{"command", fmt.Sprintf("external: {command: [%q, '-test.run=^$', '{cameras}']}", self), "box-cmd"},
		{"url", fmt.Sprintf("external: {url: %q}", srv.URL), "box-url"},
	} {
		y := "name: box\ndevice: external\n" + way.yaml + "\ncameras: 1\nduration: 3s\nspeed: {min_kmh: 10, max_kmh: 180}\ncells:\n  - {scenario: intersection-day, condition: day}\n"
		s, err := suite.Parse(way.name+".yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		runs := filepath.Join(t.TempDir(), "runs")
		r, err := suite.RunWith(ctx, s, []uint64{7}, suite.Shard{}, suite.Options{Runs: runs, Library: lib, Grace: time.Second, Logf: t.Logf})
		if err != nil {
			t.Fatalf("%s: %v", way.name, err)
		}
		rec, err := record.Open(r.Cells[0].Run)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Events) != 1 || rec.Events[0].EventID != way.event || rec.Events[0].SpeedKmh != 87.5 {
			t.Errorf("%s: the record holds %+v, want the box's one event with its speed", way.name, rec.Events)
		}
		if r.Score.Overall.FP != 1 {
			t.Errorf("%s: the box's event was not scored: %+v", way.name, r.Score.Overall)
		}
		if way.name == "command" {
			if b, err := os.ReadFile(filepath.Join(r.Cells[0].Run, "external.log")); err != nil || !strings.Contains(string(b), "fake box: posted") {
				t.Errorf("external.log: %q %v", b, err)
			}
		}
	}
}
