package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/synth/render"
)

func init() {
	register(command{name: "synth", summary: "render scenario clips into the clip library (H.264 + truth + calibration)", run: runSynth})
}

// parseSynth reads the synth command's flags; sim/run resolves the defaults.
func parseSynth(args []string, out io.Writer) (simrun.SynthConfig, error) {
	var o simrun.SynthConfig
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.Scenario, "scenario", "", "scenario name or YAML file (required)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the first camera, camera k uses seed+k (default: the scenario's)")
	fs.DurationVar(&o.Duration, "duration", 0, "clip length (default: the scenario's)")
	fs.IntVar(&o.Clips, "cameras", 1, "number of distinct camera clips")
	fs.StringVar(&o.Library, "library", ".cache/clips", "clip library folder")
	fs.StringVar(&o.Preview, "preview", "", "also write every frame as PNG into this folder")
	fs.IntVar(&o.Encode.BitrateKbps, "bitrate", 2000, "H.264 bitrate, kbit/s")
	fs.IntVar(&o.Encode.GOP, "gop", 0, "frames between keyframes (default 2 s worth)")
	fs.StringVar(&o.Encode.Profile, "profile", "main", "H.264 profile: baseline, main or high")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim synth --scenario NAME|FILE [--seed N] [--duration D] [--cameras K] [--library DIR] [--preview DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, exitError(2) // the flag package printed why
	}
	switch {
	case fs.NArg() > 0:
		return o, usagef("synth: unexpected arguments %v", fs.Args())
	case o.Scenario == "":
		return o, usagef("synth: --scenario is required")
	case o.Duration < 0:
		return o, usagef("synth: --duration %v must not be negative", o.Duration)
	case o.Clips < 1:
		return o, usagef("synth: --cameras %d must be at least 1", o.Clips)
	}
	return o, nil
}

func runSynth(ctx context.Context, args []string) error {
	o, err := parseSynth(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return render.Main(func() error { return simrun.Synth(ctx, o, os.Stderr) })
}
