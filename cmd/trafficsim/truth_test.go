package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/wire"
)

func TestTruthCommandWritesFiles(t *testing.T) {
	dir := t.TempDir()
	if err := runTruth(context.Background(), []string{"--scenario", "arterial", "--duration", "3s", "--seed", "9", "--out", dir}); err != nil {
		t.Fatal(err)
	}
	var tr wire.Truth
	var cal wire.Calibration
	for name, v := range map[string]any{"truth.json": &tr, "camera.json": &cal} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if tr.Scenario != "arterial" || tr.Seed != 9 || len(tr.Frames) != 75 || cal.ID != "cam-01" || len(cal.Lanes) == 0 {
		t.Errorf("truth %s seed %d frames %d, camera %s lanes %d", tr.Scenario, tr.Seed, len(tr.Frames), cal.ID, len(cal.Lanes))
	}
}

func TestTruthCommandErrors(t *testing.T) {
	if err := runTruth(context.Background(), []string{"--out", t.TempDir()}); err != exitError(2) {
		t.Errorf("without --scenario: %v", err)
	}
	err := runTruth(context.Background(), []string{"--scenario", "nowhere", "--out", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `scenario "nowhere" is neither a shipped name`) {
		t.Errorf("unknown scenario: %v", err)
	}
}

func TestSummaryTable(t *testing.T) {
	tr := &wire.Truth{Scenario: "x", FPS: 25, Frames: make([]wire.Frame, 50),
		Objects:    []wire.Object{{ID: 1, Class: wire.Car}, {ID: 2, Class: wire.Motorbike}, {ID: 3, Class: wire.Motorbike}},
		Violations: []wire.Violation{{Type: wire.NoHelmet}, {Type: wire.RedLight}, {Type: wire.NoHelmet}}}
	var b bytes.Buffer
	printSummary(&b, tr, 0)
	out := b.String()
	for _, want := range []string{"motorbike                     2", "car                           1", "total                         3", "no_helmet                     2", "red_light                     1", "50 frames (2s at 25 fps)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestScenariosCommand(t *testing.T) {
	var b bytes.Buffer
	if err := listScenarios(&b); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"intersection-day", "intersection-night-rain", "arterial", "expressway"} {
		if !strings.Contains(b.String(), n) {
			t.Errorf("list lacks %s:\n%s", n, b.String())
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\nwheels: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runScenarios(context.Background(), []string{"validate", bad}); err == nil || !strings.Contains(err.Error(), "bad.yaml:2: wheels: unknown field") {
		t.Errorf("validate bad file: %v", err)
	}
}
