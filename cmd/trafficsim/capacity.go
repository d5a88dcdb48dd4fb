package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/results/capacity"
	"github.com/trafficsim/trafficsim/sim/knee"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/synth/render"
)

func init() {
	register(command{name: "capacity", summary: "capacity planning: 'knee' measures cameras per device, 'plan' sizes a commune, a province, the country", run: runCapacity})
}

func runCapacity(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: trafficsim capacity knee|plan [flags]  ('trafficsim capacity knee -h' for the flags)")
		if len(args) == 0 {
			return exitError(2)
		}
		return nil
	}
	var err error
	switch args[0] {
	case "knee":
		err = runKnee(ctx, args[1:])
	case "plan":
		err = runPlan(args[1:])
	default:
		fmt.Fprintf(os.Stderr, "trafficsim: capacity: unknown subcommand %q (knee, plan)\n", args[0])
		return exitError(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// kneeFlags are the flags of 'trafficsim capacity knee'.
type kneeFlags struct {
	search      knee.Config
	run         simrun.Config
	device      string
	jsonOut     string
	camerasJSON string
	settle      time.Duration
}

func parseKnee(args []string, out io.Writer) (*kneeFlags, error) {
	f := &kneeFlags{}
	fs := flag.NewFlagSet("capacity knee", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&f.run.Scenario, "scenario", "intersection-day", "scenario name or YAML file")
	fs.StringVar(&f.device, "device", simrun.DeviceReference, "device under test: reference (run as its own process, CPU and memory measured), or external (a vendor's box reading --cameras-json)")
	fs.IntVar(&f.search.Start, "start", 4, "first camera count")
	fs.IntVar(&f.search.Max, "max", 64, "largest camera count tried")
	fs.IntVar(&f.search.Resolution, "resolution", 1, "stop bisecting when the last count that held and the first that broke are this close")
	fs.DurationVar(&f.run.Duration, "step-duration", time.Minute, "how long each camera count plays")
	fs.Float64Var(&f.search.Limits.FramesLost, "frames-lost", 0.001, "limit: share of frames the farm could not deliver")
	fs.DurationVar(&f.search.Limits.LatencyP95, "latency-p95", 2*time.Minute, "limit: p95 of received at the center - truth time (the regulation's precedent: 2 minutes)")
	fs.Float64Var(&f.search.Limits.F1Drop, "f1-drop", 0.1, "limit: overall F1 below its value at the lowest count by more than this")
	fs.Float64Var(&f.search.Limits.EventLoss, "event-loss", 0.001, "limit: share of the device's events not delivered by the end of a step")
	fs.IntVar(&f.search.Limits.MinTruths, "min-truths", 20, "judge F1 only on steps with at least this many truths")
	fs.StringVar(&f.run.Out, "out", "runs", "folder of run records (one per step)")
	fs.StringVar(&f.run.ID, "id", "", "prefix of the steps' run ids (default knee-<scenario>-<UTC time>)")
	fs.StringVar(&f.run.Library, "library", ".cache/clips", "clip library (missing clips are synthesised)")
	fs.IntVar(&f.run.Clips, "clips", 0, "distinct clips the cameras cycle over (default min(cameras, 4))")
	fs.DurationVar(&f.run.ClipDuration, "clip-duration", 0, "length of each clip, looped (default min(step duration, 60s))")
	fs.Uint64Var(&f.run.Seed, "seed", 0, "scenario seed (default: the scenario's)")
	fs.DurationVar(&f.run.Grace, "grace", 0, "wait for late events after each step (default 10s)")
	fs.StringVar(&f.jsonOut, "json", "", "write the knee (for 'capacity plan --knee') and every step here (default <out>/<id>.json)")
	fs.StringVar(&f.camerasJSON, "cameras-json", "", "external device: copy each step's cameras.json to this path (atomically) for the box to re-read")
	fs.DurationVar(&f.settle, "settle", 10*time.Second, "CPU is counted from this long after the cameras start")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim capacity knee [--scenario S] [--device reference|external] [--start 4] [--max 64] [--step-duration 1m]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return nil, usageError{fmt.Errorf("capacity knee: unexpected arguments %v", fs.Args())}
	case f.device != simrun.DeviceReference && f.device != simrun.DeviceExternal:
		return nil, usageError{fmt.Errorf("capacity knee: --device %q is neither reference nor external", f.device)}
	case f.run.Duration <= 0:
		return nil, usageError{fmt.Errorf("capacity knee: --step-duration %v must be positive", f.run.Duration)}
	case f.search.Start < 1 || f.search.Max < f.search.Start || f.search.Resolution < 1:
		return nil, usageError{fmt.Errorf("capacity knee: want 1 <= --start (%d) <= --max (%d) and --resolution (%d) >= 1", f.search.Start, f.search.Max, f.search.Resolution)}
	}
	if f.run.ID == "" {
		f.run.ID = fmt.Sprintf("knee-%s-%s", strings.TrimSuffix(filepath.Base(f.run.Scenario), ".yaml"), time.Now().UTC().Format("20060102-150405"))
	}
	if f.jsonOut == "" {
		f.jsonOut = filepath.Join(f.run.Out, f.run.ID+".json")
	}
	return f, nil
}

// kneeReport is the file 'capacity knee' writes: the knee for the plan, and the search.
type kneeReport struct {
	capacity.Knee
	Search *knee.Result `json:"search"`
}

func runKnee(ctx context.Context, args []string) error {
	f, err := parseKnee(args, os.Stderr)
	if err != nil {
		return err
	}
	logger := log.New(os.Stderr, "", 0)
	r := &knee.Runner{Base: f.run, CamerasJSON: f.camerasJSON, Settle: f.settle, Logf: logger.Printf}
	r.Base.Logf = func(string, ...any) {}
	if f.device == simrun.DeviceReference {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		r.DeviceCommand = []string{self, "device"}
	}
	f.search.Measure = r.Measure
	f.search.Logf = logger.Printf
	var res *knee.Result
	err = render.Main(func() error {
		var err error
		res, err = knee.Search(ctx, f.search)
		return err
	})
	if res == nil {
		return err
	}
	rep := kneeReport{Knee: res.ForPlan(f.device, runtime.NumCPU()), Search: res}
	rep.Scenario = f.run.Scenario
	rep.Date = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	rep.Command = "trafficsim capacity knee " + strings.Join(args, " ")
	writeKneeSummary(os.Stdout, rep)
	if werr := writeJSONFile(f.jsonOut, rep); werr != nil {
		return errors.Join(err, werr)
	}
	fmt.Printf("knee written to %s (give it to 'trafficsim capacity plan --knee')\n", f.jsonOut)
	return err
}

// writeKneeSummary prints the steps, each limit's knee and the costs per camera there.
func writeKneeSummary(w io.Writer, rep kneeReport) {
	res := rep.Search
	fmt.Fprintf(w, "\n%8s %12s %14s %7s %7s %10s %9s %9s %9s  %s\n", "cameras", "frames lost", "latency p95", "F1", "truths", "CPU cores", "mem MB", "Mbit/s", "events/s", "verdict")
	for _, s := range res.Steps {
		v := "held"
		if len(s.Broken) > 0 {
			v = "broke " + strings.Join(s.Broken, ", ")
		}
		fmt.Fprintf(w, "%8d %11.3f%% %11.0f ms %7.3f %7d %10.2f %9.0f %9.1f %9.2f  %s\n", s.Cameras, 100*s.FramesLostShare(), s.LatencyP95Ms, s.F1, s.Truths, s.CPUCores, s.MemMB, s.MbpsIn, s.EventsPerSec, v)
	}
	fmt.Fprintf(w, "\nknee: %d cameras per device", rep.CamerasPerDevice)
	if rep.Limit != "" {
		fmt.Fprintf(w, " (above it %s broke)\n", rep.Limit)
	} else {
		fmt.Fprintf(w, " (no limit broke up to the largest count tried)\n")
	}
	for _, l := range []string{knee.FramesLost, knee.Latency, knee.F1Drop, knee.EventLoss} {
		if n, ok := res.PerLimit[l]; ok {
			fmt.Fprintf(w, "  %-12s held up to %d cameras\n", l, n)
		} else {
			fmt.Fprintf(w, "  %-12s never broke\n", l)
		}
	}
	if c := rep.PerCamera; rep.CamerasPerDevice > 0 {
		fmt.Fprintf(w, "per camera at the knee: RTSP in %.2f Mbit/s, %.2f events/min, %.0f bytes per event", c.MbpsIn, c.EventsPerSec*60, c.EventBytes)
		if c.CPUCores > 0 {
			fmt.Fprintf(w, ", CPU %.1f %% of a core (%.1f cameras per core), memory %.1f MB", 100*c.CPUCores, 1/c.CPUCores, c.MemMB)
		}
		fmt.Fprintln(w)
	}
}

func runPlan(args []string) error {
	fs := flag.NewFlagSet("capacity plan", flag.ContinueOnError)
	model := fs.String("model", "hanoi", "rollout model: "+strings.Join(capacity.Names(), ", ")+", or a YAML file")
	var knees multiFlag
	fs.Var(&knees, "knee", "knee JSON from 'trafficsim capacity knee' (repeat for several device models); required")
	var o capacity.Options
	fs.IntVar(&o.Year, "year", 0, "year to plan for (default: the model's year; others need the model's growth figure)")
	fs.IntVar(&o.Draws, "draws", 2000, "Monte Carlo draws")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the draws")
	out := fs.String("out", "", "folder for plan.html, plan.csv and plan.json (default runs/plan-<model>-<year>)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim capacity plan --model hanoi|vietnam|FILE --knee knee.json [--year 2030] [--out DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("capacity plan: unexpected arguments %v", fs.Args())}
	}
	if len(knees) == 0 {
		return usageError{errors.New("capacity plan: --knee is required (measure one with 'trafficsim capacity knee')")}
	}
	m, err := capacity.Lookup(*model)
	if err != nil {
		return usageError{err}
	}
	var ks []capacity.Knee
	for _, path := range knees {
		k, err := capacity.ReadKnee(path)
		if err != nil {
			return usageError{err}
		}
		ks = append(ks, *k)
	}
	p, err := capacity.Compute(m, ks, o)
	if err != nil {
		return usageError{err}
	}
	if *out == "" {
		*out = filepath.Join("runs", fmt.Sprintf("plan-%s-%d", p.Model, p.Year))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer, *capacity.Plan) error{
		"plan.html": capacity.WriteHTML, "plan.csv": capacity.WriteCSV, "plan.json": capacity.WriteJSON,
	} {
		fh, err := os.Create(filepath.Join(*out, name))
		if err != nil {
			return err
		}
		err = errors.Join(write(fh, p), fh.Close())
		if err != nil {
			return err
		}
	}
	capacity.WriteText(os.Stdout, p)
	fmt.Printf("\nreport %s\n", filepath.Join(*out, "plan.html"))
	return nil
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
