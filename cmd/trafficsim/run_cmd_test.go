package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"testing"
	"time"
)

func TestRunFlags(t *testing.T) {
	cfg, gate, err := parseRun([]string{"--scenario", "intersection-day", "--cameras", "8", "--duration", "2m", "--device", "external", "--out", "x", "--gate"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Scenario != "intersection-day" || cfg.Cameras != 8 || cfg.Duration != 2*time.Minute || cfg.Device != "external" || cfg.Out != "x" || !gate {
		t.Errorf("parsed %+v gate %v", cfg, gate)
	}
	if cfg, _, _ := parseRun([]string{"--scenario", "s"}, io.Discard); cfg.Duration != 2*time.Minute || cfg.Device != "reference" || cfg.Out != "runs" || cfg.Library != ".cache/clips" {
		t.Errorf("defaults %+v", cfg)
	}
}

func TestRunFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "run: --scenario is required"},
		{[]string{"--scenario", "s", "extra"}, "run: unexpected arguments [extra]"},
		{[]string{"--scenario", "s", "--duration", "0s"}, "run: --duration 0s must be positive"},
		{[]string{"--scenario", "s", "--profile", "/nonexistent.yaml"}, "conform: open /nonexistent.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		_, _, err := parseRun(tt.args, io.Discard)
		if err == nil || err.Error() != tt.want {
			t.Errorf("parseRun(%q) = %v, want %q", tt.args, err, tt.want)
		}
	}
	if _, _, err := parseRun([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if err := runRun(context.Background(), []string{"--cameras", "2"}); err != exitError(2) {
		t.Errorf("runRun without --scenario = %v, want exit 2", err)
	}
}
