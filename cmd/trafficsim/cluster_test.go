package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

// TestClusterCommandForwardsToCenterCommand runs `trafficsim center` with a leaf node listener
// and `trafficsim cluster` connected to it; an event posted to the cluster reaches the center.
func TestClusterCommandForwardsToCenterCommand(t *testing.T) {
	dir := t.TempDir()
	cout, lout := &lockedBuffer{}, &lockedBuffer{}
	centerOut, clusterOut = cout, lout
	defer func() { centerOut, clusterOut = os.Stdout, os.Stdout }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waitOut := func(b *lockedBuffer, what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(b.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in:\n%s", what, b)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	centerDone, clusterDone := make(chan int, 1), make(chan int, 1)
	go func() {
		centerDone <- run(ctx, []string{"center", "--data", filepath.Join(dir, "center"), "--http", "127.0.0.1:0", "--truth", "127.0.0.1:0",
			"--nats-listen", "127.0.0.1:0", "--leaf-listen", "127.0.0.1:0", "--cluster", "c1=leaf-pw", "--device", "dev-1=tok-1", "--truth-token", "tt"})
	}()
	waitOut(cout, "center: devices")
	// One camera of a real farm for the cluster's reference device.
	lib := filepath.Join(dir, "lib")
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 25, Width: 320, Height: 240})
	f := farm.New(farm.Config{Library: lib})
	if _, err := f.AddCamera(farm.CameraSpec{ID: "cam-1", Clip: "clip"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := f.Deployment()
	// A test clip has no camera.json: a flat road 16 x 12 m seen from above will do.
	d.Cameras[0].ImageToRoad = [9]float64{0.05, 0, 0, 0, 0.05, 0, 0, 0, 1}
	d.Cameras[0].RoadToImage = [9]float64{20, 0, 0, 0, 20, 0, 0, 0, 1}
	dep, _ := json.Marshal(d)
	camerasJSON := filepath.Join(dir, "cameras.json")
	os.WriteFile(camerasJSON, dep, 0o644)
	leaf := regexp.MustCompile(`leaf   (\S+) `).FindStringSubmatch(cout.String())[1]
	go func() {
		clusterDone <- run(ctx, []string{"cluster", "--id", "c1", "--data", filepath.Join(dir, "cluster"), "--center-leaf", leaf,
			"--pass", "leaf-pw", "--listen", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0", "--device-token", "dev-1=ctok-1", "--stats-every", "50ms", "--cameras", camerasJSON})
	}()
	waitOut(lout, "cluster c1: devices c1-w1, dev-1 (the center must know each); 1 cameras on 1 reference devices")
	if !regexp.MustCompile(`cluster c1: nats nats://127\.0\.0\.1:\d+ `).MatchString(lout.String()) {
		t.Fatalf("no NATS URL in:\n%s", lout)
	}
	ingest := regexp.MustCompile(`ingest (\S+)/v1/events`).FindStringSubmatch(lout.String())[1]
	e := `{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.000Z","confidence":0.9,"source":"dev-1"}`
	req, _ := http.NewRequest("POST", ingest+"/v1/events", strings.NewReader(e))
	req.Header.Set("Authorization", "Bearer ctok-1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("post to the cluster: %d", resp.StatusCode)
	}
	waitOut(lout, "forwarded 1, pending 0, uplink up")
	cancel()
	for name, done := range map[string]chan int{"cluster": clusterDone, "center": centerDone} {
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("%s exit %d\n%s\n%s", name, code, cout, lout)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not stop", name)
		}
	}
	if !strings.Contains(cout.String(), "center: stopping: 1 events accepted, 0 duplicates") {
		t.Fatalf("center output:\n%s", cout)
	}
}

func TestClusterCommandErrors(t *testing.T) {
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"--data", "x", "--center-leaf", "nats-leaf://127.0.0.1:1"}, "cluster: ID is required"},
		{[]string{"--id", "c1", "--data", "x"}, "cluster: Upstream needs exactly one of LeafURL and NATSURL"},
		{[]string{"--id", "c1", "--center-leaf", "u", "extra"}, `cluster: unexpected argument "extra"`},
	}
	for _, c := range cases {
		if err := runCluster(context.Background(), c.args); err == nil || err.Error() != c.err {
			t.Errorf("%v: got %v, want %s", c.args, err, c.err)
		}
	}
	if err := runCluster(context.Background(), []string{"--device-token", "nope"}); err != exitError(2) {
		t.Errorf("bad --device-token: %v", err)
	}
}
