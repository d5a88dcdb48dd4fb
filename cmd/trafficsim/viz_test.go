package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// --ui hooks the live wall into the run; without it the run has no viewer.
func TestRunUIFlag(t *testing.T) {
	cfg, _, err := parseRun([]string{"--scenario", "s", "--ui", "127.0.0.1:0"}, io.Discard)
	if err != nil || cfg.OnPlay == nil {
		t.Errorf("--ui: OnPlay set %v, err %v", cfg.OnPlay != nil, err)
	}
	if cfg, _, _ := parseRun([]string{"--scenario", "s"}, io.Discard); cfg.OnPlay != nil {
		t.Error("a run without --ui has a viewer")
	}
}

// trafficsim viz takes one run folder and says when it is not one.
func TestVizCommandErrors(t *testing.T) {
	if err := runViz(context.Background(), nil); err != exitError(2) {
		t.Errorf("no folder: %v, want exit 2", err)
	}
	if err := runViz(context.Background(), []string{"a", "b"}); err != exitError(2) {
		t.Errorf("two folders: %v, want exit 2", err)
	}
	dir := t.TempDir()
	err := runViz(context.Background(), []string{"--listen", "127.0.0.1:0", dir})
	if err == nil || !strings.HasPrefix(err.Error(), "web: "+dir+" is not a run folder: ") {
		t.Errorf("an empty folder: %v", err)
	}
}
