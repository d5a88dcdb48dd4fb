package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/load"
	"github.com/trafficsim/trafficsim/sim/netem"
)

// removeShardLib removes the clip library of the sharded-run tests (TestMain, after the
// tests; a shard or the coordinator is this binary started with TRAFFICSIM_TEST_MAIN=1).
func removeShardLib() {
	if shardLib != "" {
		os.RemoveAll(shardLib)
	}
}

// shardLib is the clip library the sharded-run tests share (the first renders the clip).
var shardLib string

func sharedLib(t *testing.T) string {
	if shardLib == "" {
		d, err := os.MkdirTemp("", "trafficsim-shard-clips-")
		if err != nil {
			t.Fatal(err)
		}
		shardLib = d
	}
	return shardLib
}

// shardedPlanFile writes a plan of smart cameras only, ramping 2 -> `peak` over the dense test
// scenario, with the thresholds given.
func shardedPlanFile(t *testing.T, dir, lib string, peak int, hold time.Duration, thresholds string) string {
	t.Helper()
	scen, err := filepath.Abs("../../sim/load/testdata/dense.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan := fmt.Sprintf(`scenarios:
  dense:
    executor: ramping-cameras
    scenario: %s
    clips: 1
    clipDuration: 8s
    smartShare: 1
    startCameras: 2
    stages:
      - {duration: 3s, target: 2}
      - {duration: 0s, target: %d}
      - {duration: %s, target: %d}
thresholds:
%soptions:
  library: %s
  out: %s
  tail: 3s
  warmUp: 1s
`, scen, peak, hold, peak, thresholds, lib, filepath.Join(dir, "runs"))
	p := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(p, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// proc is this binary started as `trafficsim ARGS`.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	code           int
}

func start(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	cmd.Env = append(os.Environ(), "TRAFFICSIM_TEST_MAIN=1")
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.code = ee.ExitCode()
		} else if err != nil {
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not end within %v; stderr:\n%s", p.name, d, p.stderr.String())
		return 0
	}
}

var startLine = regexp.MustCompile(`load: shard (\d)/(\d) starts at (\S+)`)

// The sharded load run across machines, here network namespaces: the coordinator (center,
// NATS, control plane) in one namespace, each shard process in its own, joined to the
// center's by a veth pair. Both shards register, start at the coordinator's one t0, serve
// their slices of the ramp (smart cameras: truth and events to the one center over the
// links), and the coordinator judges the thresholds over both: cameras max==4 holds only
// when both shards' cameras are counted; a failing threshold makes the coordinator exit 99
// and the shards stop (exit 0). Every namespace is removed.
func TestShardedLoadAcrossNetworkNamespaces(t *testing.T) {
	if why := netem.Available(); why != "" {
		t.Skip(why)
	}
	dir := t.TempDir()
	plan := shardedPlanFile(t, dir, sharedLib(t), 4, 8*time.Second,
		"  cameras{scenario:dense}: [\"max==4\"]\n  harness_cpu: [\"count>0\"]\n  center_ingest_errors: [\"count<0\"]\n")
	pid := os.Getpid()
	base := (pid % 80) * 3
	center, err := netem.Create(fmt.Sprintf("tsl%d", pid%100000), base)
	if err != nil {
		t.Fatal(err)
	}
	var nss []*netem.Namespace
	defer func() {
		for _, ns := range append(nss, center) {
			ns.Close()
			if netem.Exists(ns.Name) {
				t.Errorf("namespace %s left behind", ns.Name)
			}
		}
	}()
	for i := range 2 {
		ns, err := center.Child(fmt.Sprintf("%s-%d", center.Name, i), base+1+i)
		if err != nil {
			t.Fatal(err)
		}
		nss = append(nss, ns)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	export := filepath.Join(dir, "summary.json")
	coord := start(t, "the coordinator", center.Command(ctx, os.Args[0], "load", plan, "--shards", "2", "--listen", "0.0.0.0:4250",
		"--shard-token", "tok-e2e", "--prepare-clips", "--id", "coord", "--quiet", "--summary-export", export, "--register-timeout", "3m"))
	var shards []*proc
	for i, ns := range nss {
		url := "nats://shard:tok-e2e@" + ns.HostIP + ":4250" // the center's end of this shard's link
		shards = append(shards, start(t, fmt.Sprintf("shard %d", i), ns.Command(ctx, os.Args[0], "load", plan, "--shard", fmt.Sprintf("%d/2", i),
			"--center", url, "--quiet", "--register-timeout", "3m")))
	}
	code := coord.wait(t, 4*time.Minute)
	t.Logf("coordinator (exit %d):\n%s\n%s", code, coord.stdout.String(), coord.stderr.String())
	if code != load.ExitThresholds {
		t.Errorf("the coordinator exited %d, want %d (center_ingest_errors count<0 fails)", code, load.ExitThresholds)
	}
	t0s := map[string]bool{}
	for i, s := range shards {
		if c := s.wait(t, time.Minute); c != 0 {
			t.Errorf("shard %d exited %d:\n%s", i, c, s.stderr.String())
		}
		m := startLine.FindStringSubmatch(s.stderr.String())
		if m == nil || m[1] != fmt.Sprint(i) {
			t.Errorf("shard %d never started:\n%s", i, s.stderr.String())
			continue
		}
		t0s[m[3]] = true
		if !strings.Contains(s.stderr.String(), "the coordinator ended the run (thresholds passed: false)") {
			t.Errorf("shard %d was not ended by the coordinator:\n%s", i, s.stderr.String())
		}
	}
	if len(t0s) != 1 {
		t.Errorf("the shards started at %v, want one t0", t0s)
	}
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	var res load.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Thresholds {
		want := tr.Selector != "center_ingest_errors"
		if tr.Passed != want {
			t.Errorf("threshold %s %s passed=%v (value %v), want %v", tr.Selector, tr.Threshold, tr.Passed, tr.Value, want)
		}
	}
	if len(res.Shards) != 2 {
		t.Fatalf("shard rows %+v", res.Shards)
	}
	for _, row := range res.Shards {
		if row.State != load.StateDone || row.Peak != 2 || row.Truths == 0 || row.Events == 0 {
			t.Errorf("shard row %+v: want done with 2 cameras, truth and events at the center", row)
		}
	}
	for _, s := range []string{"█ SHARDS", "✓ 'max==4' max=4"} {
		if !strings.Contains(coord.stdout.String(), s) {
			t.Errorf("the coordinator's summary lacks %q", s)
		}
	}
}

// No shard registers: the coordinator gives up after --register-timeout with the exact error
// (exit 1), naming the missing shards.
func TestShardedLoadShardThatNeverRegisters(t *testing.T) {
	dir := t.TempDir()
	plan := shardedPlanFile(t, dir, sharedLib(t), 4, 4*time.Second, "  cameras{scenario:dense}: [\"max==4\"]\n")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	coord := start(t, "the coordinator", exec.CommandContext(ctx, os.Args[0], "load", plan, "--shards", "2", "--listen", "127.0.0.1:0",
		"--shard-token", "tok-x", "--quiet", "--register-timeout", "3s"))
	if code := coord.wait(t, time.Minute); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "trafficsim: load: shards 0, 1 of 2 did not register within 3s\n"; !strings.HasSuffix(coord.stderr.String(), want) {
		t.Errorf("stderr ends %q, want %q", tail(coord.stderr.String()), want)
	}
}

func tail(s string) string {
	if i := strings.LastIndex(strings.TrimSuffix(s, "\n"), "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// A shard that dies mid-run (SIGKILL) is counted lost after --silence and reported: the
// coordinator finishes the plan with the other shard and exits 1 naming the lost shard, and
// does not hang.
func TestShardedLoadShardKilledMidRun(t *testing.T) {
	dir := t.TempDir()
	plan := shardedPlanFile(t, dir, sharedLib(t), 4, 6*time.Second, "  cameras{scenario:dense}: [\"max>=2\"]\n")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	coord := start(t, "the coordinator", exec.CommandContext(ctx, os.Args[0], "load", plan, "--shards", "2", "--listen", "127.0.0.1:14251",
		"--shard-token", "tok-k", "--prepare-clips", "--quiet", "--silence", "3s", "--register-timeout", "3m"))
	var shards []*proc
	for i := range 2 {
		shards = append(shards, start(t, fmt.Sprintf("shard %d", i), exec.CommandContext(ctx, os.Args[0], "load", plan, "--shard", fmt.Sprintf("%d/2", i),
			"--center", "nats://shard:tok-k@127.0.0.1:14251", "--quiet", "--register-timeout", "3m")))
	}
	for deadline := time.Now().Add(3 * time.Minute); !startLine.MatchString(shards[1].stderr.String()); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("shard 1 did not start:\n%s", shards[1].stderr.String())
		}
	}
	time.Sleep(2 * time.Second)
	shards[1].cmd.Process.Kill()
	code := coord.wait(t, 2*time.Minute)
	t.Logf("coordinator (exit %d):\n%s\n%s", code, coord.stdout.String(), coord.stderr.String())
	if code != 1 {
		t.Errorf("the coordinator exited %d, want 1", code)
	}
	if !regexp.MustCompile(`trafficsim: load: 1 of 2 shards did not finish: shard 1 lost at \d+s \(no report for 3s\)\n$`).MatchString(coord.stderr.String()) {
		t.Errorf("stderr ends %q", tail(coord.stderr.String()))
	}
	if !strings.Contains(coord.stderr.String(), "load: shard 1/2 lost at ") {
		t.Error("the loss was not logged when it happened")
	}
	if c := shards[0].wait(t, time.Minute); c != 0 {
		t.Errorf("shard 0 exited %d:\n%s", c, shards[0].stderr.String())
	}
}

// TestShardedLoadBench is the sharded run at size (make bench-shards): TRAFFICSIM_BENCH_SHARDS
// = SHARDSxCAMERASxHOLD (e.g. 4x400x60s) smart cameras ramped over 20 s and held, each shard in
// its own network namespace on a veth link to the center's, thresholds judged at the
// coordinator. It logs the figures of docs/bench/scale.md: truths and events per shard, the
// score, latency, CPU time and peak RSS of every process.
func TestShardedLoadBench(t *testing.T) {
	spec := os.Getenv("TRAFFICSIM_BENCH_SHARDS")
	if spec == "" {
		t.Skip("set TRAFFICSIM_BENCH_SHARDS=SHARDSxCAMERASxHOLD, e.g. 4x400x60s (make bench-shards)")
	}
	if why := netem.Available(); why != "" {
		t.Skip(why)
	}
	var n, cams int
	var holdS string
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, "x", " "), "%d %d %s", &n, &cams, &holdS); err != nil {
		t.Fatalf("TRAFFICSIM_BENCH_SHARDS=%q: want SHARDSxCAMERASxHOLD: %v", spec, err)
	}
	hold, err := time.ParseDuration(holdS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scen, _ := filepath.Abs("../../sim/load/testdata/dense.yaml")
	lib, _ := filepath.Abs("../../.cache/clips")
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(plan, []byte(fmt.Sprintf(`scenarios:
  dense:
    executor: ramping-cameras
    scenario: %s
    clips: 2
    clipDuration: 20s
    smartShare: 1
    stages:
      - {duration: 20s, target: %d}
      - {duration: %s, target: %d}
thresholds:
  cameras{scenario:dense}: ["max==%d"]
  detected: ["rate>0.9"]
  latency: ["p(95)<6000"]
  center_ingest_errors: ["count==0"]
options:
  library: %s
  out: %s
  warmUp: 2s
  tail: 8s
`, scen, cams, hold, cams, cams, lib, filepath.Join(dir, "runs"))), 0o644)
	pid := os.Getpid()
	base := (pid % 40) * 6
	center, err := netem.Create(fmt.Sprintf("tsb%d", pid%100000), base)
	if err != nil {
		t.Fatal(err)
	}
	var nss []*netem.Namespace
	defer func() {
		for _, ns := range append(nss, center) {
			ns.Close()
			if netem.Exists(ns.Name) {
				t.Errorf("namespace %s left behind", ns.Name)
			}
		}
	}()
	for i := range n {
		ns, err := center.Child(fmt.Sprintf("%s-%d", center.Name, i), base+1+i)
		if err != nil {
			t.Fatal(err)
		}
		nss = append(nss, ns)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	export := filepath.Join(dir, "summary.json")
	began := time.Now()
	coord := start(t, "the coordinator", center.Command(ctx, os.Args[0], "load", plan, "--shards", fmt.Sprint(n), "--listen", "0.0.0.0:4250",
		"--shard-token", "tok-bench", "--prepare-clips", "--id", "coord", "--quiet", "--summary-export", export, "--register-timeout", "20m"))
	var shards []*proc
	for i, ns := range nss {
		shards = append(shards, start(t, fmt.Sprintf("shard %d", i), ns.Command(ctx, os.Args[0], "load", plan, "--shard", fmt.Sprintf("%d/%d", i, n),
			"--center", "nats://shard:tok-bench@"+ns.HostIP+":4250", "--quiet", "--register-timeout", "20m")))
	}
	code := coord.wait(t, 25*time.Minute)
	wall := time.Since(began)
	t.Logf("coordinator (exit %d):\n%s", code, coord.stdout.String())
	if code != 0 {
		t.Errorf("the coordinator exited %d:\n%s", code, tail(coord.stderr.String()))
	}
	usage := func(p *proc) (cpu time.Duration, rssMB float64) {
		ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			return 0, 0
		}
		// ip netns exec execs the program: the rusage is the program's
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), float64(ru.Maxrss) / 1024
	}
	for i, s := range shards {
		if c := s.wait(t, 2*time.Minute); c != 0 {
			t.Errorf("shard %d exited %d:\n%s", i, c, tail(s.stderr.String()))
		}
	}
	var res load.Result
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &res)
	var truths, events int64
	for i, row := range res.Shards {
		cpu, rss := usage(shards[i])
		truths += row.Truths
		events += row.Events
		t.Logf("shard %d: %s, peak %d cameras, %d truths, %d events at the center, %d reports (%d missing); CPU %v, max RSS %.0f MB",
			i, row.State, row.Peak, row.Truths, row.Events, row.Reports, row.Gaps, cpu.Round(10*time.Millisecond), rss)
	}
	cpu, rss := usage(coord)
	o := res.Score.Overall
	t.Logf("coordinator: CPU %v, max RSS %.0f MB; wall %v (run %v)", cpu.Round(10*time.Millisecond), rss, wall.Round(time.Second), res.Duration.Round(time.Second))
	t.Logf("BENCH shards=%d cameras=%d hold=%v: truths %d events %d TP %d FP %d FN %d F1 %.4f latency p50/p95/p99 %.0f/%.0f/%.0f ms; thresholds passed %v",
		n, cams, hold, truths, events, o.TP, o.FP, o.FN, o.F1, o.LatencyP50Ms, o.LatencyP95Ms, o.LatencyP99Ms, res.Passed())
	var shardCPU time.Duration
	for _, s := range shards {
		c, _ := usage(s)
		shardCPU += c
	}
	// the plain approach in the same session: the whole plan in one process
	export1 := filepath.Join(dir, "single.json")
	single := start(t, "the single process", center.Command(ctx, os.Args[0], "load", plan, "--id", "single", "--quiet", "--summary-export", export1))
	if code := single.wait(t, 25*time.Minute); code != 0 {
		t.Errorf("the single process exited %d:\n%s", code, tail(single.stderr.String()))
	}
	var res1 load.Result
	b1, _ := os.ReadFile(export1)
	json.Unmarshal(b1, &res1)
	cpu1, rss1 := usage(single)
	o1 := res1.Score.Overall
	t.Logf("BENCH one process, same plan: TP %d FP %d FN %d F1 %.4f latency p50/p95/p99 %.0f/%.0f/%.0f ms; CPU %v, max RSS %.0f MB; sharded: CPU %v (shards %v + coordinator %v) = %.2fx",
		o1.TP, o1.FP, o1.FN, o1.F1, o1.LatencyP50Ms, o1.LatencyP95Ms, o1.LatencyP99Ms, cpu1.Round(10*time.Millisecond), rss1,
		(shardCPU + cpu).Round(10*time.Millisecond), shardCPU.Round(10*time.Millisecond), cpu.Round(10*time.Millisecond), float64(shardCPU+cpu)/float64(max(cpu1, 1)))
}
