package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Bad usage of `trafficsim load` exits 2 (k6's convention), before anything starts.
func TestLoadBadUsageExits2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("scenarios:\n  a:\n    executor: ramping-vus\n"), 0o644)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("scenarios:\n  a:\n    executor: constant-cameras\n    cameras: 1\n    duration: 1s\n"), 0o644)
	for _, args := range [][]string{
		{"load"},
		{"load", filepath.Join(dir, "missing.yaml")},
		{"load", bad},
		{"load", good, "extra.yaml"},
		{"load", good, "--out", "influxdb=http://x"},
		{"load", good, "--out", "json="},
		{"load", "--no-such-flag", good},
	} {
		if code := run(context.Background(), args); code != 2 {
			t.Errorf("trafficsim %v: exit %d, want 2", args, code)
		}
	}
}

func TestLoadFlagsMayFollowThePlan(t *testing.T) {
	f, err := parseLoad([]string{"plan.yaml", "--out", "json=a.ndjson", "--summary-export", "s.json", "--out", "csv=b.csv"}, os.Stderr)
	if err != nil || f.plan != "plan.yaml" || len(f.outs) != 2 || f.summary != "s.json" {
		t.Errorf("%+v, %v", f, err)
	}
}
