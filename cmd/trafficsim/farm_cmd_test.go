package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/probe"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// `trafficsim cameras` serves a library and writes cameras.json; `trafficsim probe --json`
// reads it and reports every frame without loss.
func TestCamerasAndProbeCommands(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib")
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "a", Frames: 25})
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "b", Frames: 25})
	out := filepath.Join(dir, "cameras.json")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"cameras", "--library", lib, "--cameras", "4", "--udp", "1", "--out", out, "--faults", "loss:1%@cam-004",
			"--record", filepath.Join(dir, "record")})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("cameras exited %d", code)
		}
	}()
	var d wire.Deployment
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(out)
		if err == nil && json.Unmarshal(b, &d) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cameras.json was not written")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(d.Cameras) != 4 || d.Cameras[0].ID != "cam-001" || d.Cameras[0].Password == "" || d.Cameras[3].Transport != "udp" || d.Cameras[0].Width != 320 {
		t.Fatalf("cameras.json: %+v", d)
	}
	report := filepath.Join(dir, "report.json")
	f, err := os.Create(report)
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = f
	code := run(context.Background(), []string{"probe", out, "--readers", "3", "--duration", "2500ms", "--warmup", "1s", "--json"})
	os.Stdout = stdout
	f.Close()
	if code != 0 {
		t.Fatalf("probe exited %d", code)
	}
	var rep probe.Report
	b, _ := os.ReadFile(report)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	// The record folder reads back with the run record's strict reader.
	fh, err := os.Open(filepath.Join(dir, "record", "faults.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	faults, cut, err := record.ReadJSONL[wire.Fault](fh, "faults.jsonl")
	fh.Close()
	if err != nil || cut || len(faults) != 1 || faults[0].Camera != "cam-004" || faults[0].Kind != "loss" {
		t.Fatalf("faults.jsonl: %+v cut %v err %v", faults, cut, err)
	}
	// Frames of the 1.5 s after the warm-up (each reader waits at most a second for a keyframe).
	if rep.Measured < 1.4 || rep.Measured > 1.8 {
		t.Fatalf("measured %v s, want 1.5", rep.Measured)
	}
	if rep.Overall.Readers != 3 || rep.Overall.Frames < 3*30 || rep.Overall.Lost != 0 || len(rep.Streams) != 3 {
		t.Fatalf("report: %s", b)
	}
}

func TestCommandErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"cameras"}, 2},
		{[]string{"cameras", "--library", t.TempDir()}, 1},
		{[]string{"cameras", "--library", "x", "--faults", "boom"}, 1},
		{[]string{"probe"}, 2},
		{[]string{"probe", "http://x"}, 1},
	} {
		if got := run(context.Background(), c.args); got != c.code {
			t.Errorf("%v exited %d, want %d", c.args, got, c.code)
		}
	}
}
