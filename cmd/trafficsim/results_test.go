package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/record/recordtest"
)

// capture runs the command line and returns its exit code and standard output.
func capture(t *testing.T, args ...string) (int, string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = f
	code := run(context.Background(), args)
	os.Stdout = old
	b, _ := os.ReadFile(f.Name())
	return code, string(b)
}

func TestReportCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.html")
	code, text := capture(t, "report", "--out", out, filepath.Join("..", "..", "results", "testdata", "run"))
	if code != 3 || !strings.Contains(text, "(not decided: 0 of 14 checks fail, 11 not decided)") {
		t.Errorf("report of the testdata run: exit %d, output\n%s\nwant exit 3, not decided", code, text)
	}
	for _, name := range []string{"r.html", "junit.xml"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(out), name)); err != nil {
			t.Error(err)
		}
	}
	prof := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(prof, []byte("checks:\n  - {metric: plate_accuracy.day, op: \">=\", value: 0.93}\n"), 0o644)
	if code, _ := capture(t, "report", "--out", out, "--profile", prof, filepath.Join("..", "..", "results", "testdata", "run")); code != 0 {
		t.Errorf("report with a passing profile: exit %d, want 0", code)
	}
	if code, _ := capture(t, "report"); code != 2 {
		t.Errorf("report without a folder: exit %d, want 2", code)
	}
}

func TestCompareCommand(t *testing.T) {
	d := t.TempDir()
	base, worse := filepath.Join(d, "base"), filepath.Join(d, "worse")
	if _, err := recordtest.Write(base, recordtest.Options{ID: "base"}); err != nil {
		t.Fatal(err)
	}
	if _, err := recordtest.Write(worse, recordtest.Options{ID: "worse", Skill: 0.9, ExtraLatency: 400 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	code, text := capture(t, "compare", base, base, "--max-drop", "f1=0.01")
	if code != 0 || !strings.Contains(text, "compare: no limit broken") {
		t.Errorf("a run against itself: exit %d\n%s", code, text)
	}
	html, junit := filepath.Join(d, "c.html"), filepath.Join(d, "c.xml")
	// The worse build reads 8 points fewer plates (significant, paired: same scenario and
	// seeds) and loses 3 points of F1 on 288 truths (within noise at alpha 0.05).
	code, text = capture(t, "compare", "--max-drop", "f1=0.01,plate_accuracy=0.05", "--max-rise", "latency_p95=200ms",
		"--html", html, "--junit", junit, base, worse)
	if code != 1 || !strings.Contains(text, "compare: 2 limit(s) broken") || !strings.Contains(text, "f1.camera:cam-06") ||
		!strings.Contains(text, "ok (not significant)") || !strings.Contains(text, "gate: rate drops must be significant at alpha 0.05, paired by camera and truth") {
		t.Errorf("a worse build: exit %d\n%s", code, text)
	}
	if code, text := capture(t, "compare", "--alpha", "0.2", "--max-drop", "f1=0.01", base, worse); code != 1 {
		t.Errorf("at alpha 0.2 the F1 drop (p 0.09) is significant: exit %d\n%s", code, text)
	}
	if code, _ := capture(t, "compare", "--alpha", "1.5", base, worse); code != 1 {
		t.Errorf("alpha 1.5: exit %d, want 1", code)
	}
	x, _ := os.ReadFile(junit)
	if !strings.Contains(string(x), `<testsuite name="regression" tests="3" failures="2" skipped="0">`) {
		t.Errorf("junit:\n%s", x)
	}
	if code, _ := capture(t, "compare", "--max-drop", "f9=1", base, worse); code != 2 {
		t.Errorf("bad limit: exit %d, want 2 (bad usage)", code)
	}
	if code, _ := capture(t, "compare", base); code != 2 {
		t.Errorf("one folder: exit %d, want 2", code)
	}
}
