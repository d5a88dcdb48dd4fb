package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/trafficsim/trafficsim/results/conform"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/synth/render"
)

func init() {
	register(command{name: "run", summary: "run a scenario end to end: clips, farm, device under test, center; prints the scorecard", run: runRun})
}

// parseRun reads the run command's flags into a simrun.Config.
func parseRun(args []string, out io.Writer) (cfg simrun.Config, gate bool, err error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.Scenario, "scenario", "", "scenario name or YAML file (required)")
	fs.IntVar(&cfg.Cameras, "cameras", 0, "number of cameras (default: the scenario's deployment)")
	fs.DurationVar(&cfg.Duration, "duration", 2*60e9, "how long the cameras play")
	fs.StringVar(&cfg.Device, "device", simrun.DeviceReference, "device under test: reference, or external (writes cameras.json and scores what arrives)")
	fs.StringVar(&cfg.Out, "out", "runs", "folder of run records; this run goes into <out>/<id>")
	fs.StringVar(&cfg.ID, "id", "", "run id (default: UTC time and scenario)")
	fs.StringVar(&cfg.Library, "library", ".cache/clips", "clip library (missing clips are synthesised)")
	fs.IntVar(&cfg.Clips, "clips", 0, "distinct clips the cameras cycle over (default min(cameras, 4))")
	fs.DurationVar(&cfg.ClipDuration, "clip-duration", 0, "length of each clip, looped (default min(duration, 60s))")
	fs.Float64Var(&cfg.SmartShare, "smart-share", 0, "share of smart cameras, 0-1 (default: the scenario's; negative: none)")
	fs.BoolVar(&cfg.Direct, "direct", false, "devices and smart cameras post to the center directly, not through a regional cluster")
	fs.IntVar(&cfg.Clusters, "clusters", 0, "regional clusters, cameras split among them by commune, each with its own leaf connection (default 1)")
	fs.IntVar(&cfg.CamerasPerDevice, "cameras-per-device", 0, "cameras per reference device (default: the scenario's)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "scenario seed; clip k uses seed+k (default: the scenario's)")
	fs.StringVar(&cfg.Faults, "faults", "", "camera faults, e.g. loss:1%@25%,disconnect:5s/40s (see trafficsim cameras)")
	fs.DurationVar(&cfg.Window, "window", 0, "matching window (default 2s)")
	fs.DurationVar(&cfg.Grace, "grace", 0, "wait for late events (default 10s)")
	fs.DurationVar(&cfg.WarmUp, "warmup", 0, "truth of the cameras' first seconds, and of the first seconds after each clip loop, is not scored: devices must see the scene first (default 5s; negative: none)")
	profile := fs.String("profile", "", "conformity profile YAML (default: the built-in one)")
	fs.StringVar(&cfg.ONVIF, "onvif", "", "serve the cameras as ONVIF cameras on host:port, with WS-Discovery (docs/vendors.md)")
	fs.StringVar(&cfg.ONVIFInterface, "onvif-iface", "", "network interface for WS-Discovery [the routing table's choice]")
	fs.BoolVar(&cfg.ONVIFNoDiscovery, "onvif-no-discovery", false, "ONVIF services without WS-Discovery multicast")
	var vendors vendorFlag
	fs.Var(&vendors, "vendor", "the external box's event mapping (YAML, docs/vendors.md), repeatable")
	fs.StringVar(&cfg.MQTTListen, "mqtt-listen", "", "MQTT listener of the regional cluster for the vendors' topics")
	fs.BoolVar(&gate, "gate", false, "exit 1 when a conformity check fails")
	linkFlags(fs, &cfg.Links)
	fs.String("plan", "", "play a load plan instead, same as trafficsim load PLAN.yaml (load's flags follow)")
	fs.Func("ui", "serve the live wall of cameras on this address (host:port), e.g. 127.0.0.1:8168", func(a string) error { cfg.OnPlay = uiHook(a); return nil })
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim run --scenario NAME|FILE [--cameras N] [--duration D] [--device reference|external] [--out runs/]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	cfg.Vendors = vendors.vendors
	switch {
	case fs.NArg() > 0:
		return cfg, false, fmt.Errorf("run: unexpected arguments %v", fs.Args())
	case cfg.Scenario == "":
		return cfg, false, errors.New("run: --scenario is required")
	case cfg.Duration <= 0:
		return cfg, false, fmt.Errorf("run: --duration %v must be positive", cfg.Duration)
	}
	if *profile != "" {
		if cfg.Profile, err = conform.Load(*profile); err != nil {
			return cfg, false, err
		}
	}
	return cfg, gate, nil
}

func runRun(ctx context.Context, args []string) error {
	if plan, rest, ok := planArg(args); ok { // runplan.go
		return runLoadPlan(ctx, plan, rest)
	}
	cfg, gate, err := parseRun(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "trafficsim:", err)
		return exitError(2)
	}
	cfg.Progress = os.Stderr
	logger := log.New(os.Stderr, "run: ", 0)
	cfg.Logf = logger.Printf
	cfg.ExternalReady = func(path string) {
		fmt.Fprintf(os.Stderr, "run: cameras.json for the device under test: %s (events endpoint and token inside)\n", path)
	}
	var res *simrun.Result
	err = render.Main(func() error {
		var err error
		res, err = simrun.Run(ctx, cfg)
		return err
	})
	if res != nil && res.Report != "" {
		fmt.Println()
		if werr := simrun.WriteScorecard(os.Stdout, res); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		return err
	}
	if gate && !res.Passed() {
		return exitError(1)
	}
	return nil
}
