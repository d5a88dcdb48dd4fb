package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets a test run this binary as trafficsim itself (TRAFFICSIM_TEST_MAIN=1): commands
// that render need the main thread, which only a process of their own gives them.
func TestMain(m *testing.M) {
	if os.Getenv("TRAFFICSIM_TEST_MAIN") == "1" {
		main()
		return
	}
	code := m.Run()
	removeShardLib()
	os.Exit(code)
}

// trafficsim runs this test binary as trafficsim with args; it returns the exit code and
// what it printed.
func trafficsim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "TRAFFICSIM_TEST_MAIN=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}

func TestPlanArg(t *testing.T) {
	for _, c := range []struct {
		args       []string
		plan, rest string
		ok         bool
	}{
		{[]string{"--plan", "p.yaml"}, "p.yaml", "", true},
		{[]string{"--plan=p.yaml", "--out", "json=a"}, "p.yaml", "--out json=a", true},
		{[]string{"-plan", "p.yaml", "--quiet"}, "p.yaml", "--quiet", true},
		{[]string{"--quiet", "--plan"}, "", "--quiet", true},
		{[]string{"--scenario", "intersection-day"}, "", "--scenario intersection-day", false},
		{[]string{"--planet", "x"}, "", "--planet x", false},
		{[]string{"--", "--plan", "p.yaml"}, "", "-- --plan p.yaml", false},
	} {
		plan, rest, ok := planArg(c.args)
		if plan != c.plan || strings.Join(rest, " ") != c.rest || ok != c.ok {
			t.Errorf("planArg(%q) = %q, %q, %v; want %q, %q, %v", c.args, plan, rest, ok, c.plan, c.rest, c.ok)
		}
	}
}

// `trafficsim run --plan PLAN.yaml` plays the plan as `trafficsim load PLAN.yaml` does: a
// threshold that fails exits 99 and the summary says at which camera count it first failed;
// bad usage exits 2.
func TestRunPlanIsLoad(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "one.yaml")
	os.WriteFile(plan, []byte(fmt.Sprintf(`scenarios:
  one:
    executor: constant-cameras
    cameras: 1
    duration: 2s
    device: none          # nothing reads the camera: the run costs the farm alone
    clips: 1
    clipDuration: 1s
thresholds:
  cameras: ["max>1"]      # fails: one camera
options:
  library: %s
  out: %s
  tail: 1s
`, filepath.Join(dir, "clips"), filepath.Join(dir, "runs"))), 0o644)
	for _, args := range [][]string{
		{"run", "--plan", plan, "--quiet"},
		{"load", plan, "--quiet"},
	} {
		code, out, errs := trafficsim(t, args...)
		if code != 99 {
			t.Errorf("trafficsim %v: exit %d, want 99\n%s\n%s", args, code, out, errs)
			continue
		}
		for _, want := range []string{"✗ 'max>1' max=1", "T1 cameras max>1: whole run first failed at 1 cameras"} {
			if !strings.Contains(out, want) {
				t.Errorf("trafficsim %v: the summary lacks %q:\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{
		{"run", "--plan"},
		{"run", "--plan", filepath.Join(dir, "missing.yaml")},
		{"run", "--plan", plan, "--scenario", "intersection-day"}, // run's flags are not load's
	} {
		if code, _, errs := trafficsim(t, args...); code != 2 {
			t.Errorf("trafficsim %v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}
