package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/synth/clips"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

func init() {
	register(command{name: "synth", summary: "render scenario clips into the clip library (H.264 + truth + calibration)", run: runSynth})
}

// synthOptions are the synth command's flags.
type synthOptions struct {
	scenario string
	seed     uint64
	duration time.Duration
	cameras  int
	library  string
	preview  string
	enc      encode.Options
}

func parseSynth(args []string, out io.Writer) (synthOptions, error) {
	var o synthOptions
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.scenario, "scenario", "", "scenario name or YAML file (required)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the first camera, camera k uses seed+k (default: the scenario's)")
	fs.DurationVar(&o.duration, "duration", 0, "clip length (default: the scenario's)")
	fs.IntVar(&o.cameras, "cameras", 1, "number of distinct camera clips")
	fs.StringVar(&o.library, "library", ".cache/clips", "clip library folder")
	fs.StringVar(&o.preview, "preview", "", "also write every frame as PNG into this folder")
	fs.IntVar(&o.enc.BitrateKbps, "bitrate", 2000, "H.264 bitrate, kbit/s")
	fs.IntVar(&o.enc.GOP, "gop", 0, "frames between keyframes (default 2 s worth)")
	fs.StringVar(&o.enc.Profile, "profile", "main", "H.264 profile: baseline, main or high")
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
	case o.scenario == "":
		return o, usagef("synth: --scenario is required")
	case o.duration < 0:
		return o, usagef("synth: --duration %v must not be negative", o.duration)
	case o.cameras < 1:
		return o, usagef("synth: --cameras %d must be at least 1", o.cameras)
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
	return render.Main(func() error { return synth(ctx, o, os.Stderr) })
}

// synth makes the clips one after another (the renderer is one thread; each clip's encoder runs
// beside it) with a progress bar per clip and one for the total.
func synth(ctx context.Context, o synthOptions, out io.Writer) error {
	p := mpb.NewWithContext(ctx, mpb.WithOutput(out), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))
	// the total is an estimate until every truth is known
	total := p.AddBar(int64(o.cameras),
		mpb.PrependDecorators(decor.Name("total     ", decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d frames", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.AverageSpeed(nil, "%.0f fps", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
	var made []*library.Clip
	var runErr error
	known := 0
	for k := 0; k < o.cameras; k++ {
		src, err := scenarioSource(o.scenario)
		if err != nil {
			runErr = err
			break
		}
		// the cache is checked before the world runs: a 10-minute truth takes a while
		id := clips.Key(src, o.seed+uint64(k), o.duration.Seconds(), k, o.enc)
		if c, ok := clips.Cached(o.library, id); ok {
			known += c.Meta.Frames
			total.SetTotal(int64(known+c.Meta.Frames*(o.cameras-k-1)), false)
			total.IncrBy(c.Meta.Frames)
			made = append(made, c)
			continue
		}
		tr, cal, err := synthTruth(o.scenario, o.seed, o.duration, k)
		if err != nil {
			runErr = err
			break
		}
		n := len(tr.Frames)
		known += n
		total.SetTotal(int64(known+n*(o.cameras-k-1)), false)
		bar := p.AddBar(int64(n),
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-10s", tr.Camera), decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d frames", decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.AverageSpeed(nil, "%.0f fps", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
			mpb.BarRemoveOnComplete())
		last := 0
		c, _, err := clips.Make(ctx, clips.Job{Root: o.library, ID: id, Truth: tr, Calibration: cal, Encode: o.enc, Preview: o.preview},
			func(done, _ int) {
				bar.SetCurrent(int64(done))
				total.IncrBy(done - last)
				last = done
			})
		if err != nil {
			bar.Abort(true)
			runErr = err
			break
		}
		made = append(made, c)
	}
	if runErr != nil {
		total.Abort(false)
	}
	p.Wait()
	for _, c := range made {
		fmt.Fprintf(out, "%s  %s seed %d, %d frames %dx%d @ %g fps, %s\n", c.Dir, c.Meta.Scenario, c.Meta.Seed, c.Meta.Frames, c.Meta.Width, c.Meta.Height, c.Meta.FPS, c.Meta.Conditions)
	}
	return runErr
}

// scenarioSource returns the scenario file's bytes, part of the clips' content hash.
func scenarioSource(scenario string) ([]byte, error) {
	if slices.Contains(scenarios.Names(), scenario) {
		return fs.ReadFile(scenarios.Shipped(), scenario+".yaml")
	}
	b, err := os.ReadFile(scenario)
	if err != nil {
		return nil, fmt.Errorf("synth: scenario %q is neither a shipped name (%s) nor a readable file", scenario, strings.Join(scenarios.Names(), ", "))
	}
	return b, nil
}

// synthTruth makes the truth and calibration of camera k with the world model (seed+k; a zero
// seed is the scenario's, a zero duration the scenario's).
func synthTruth(scenario string, seed uint64, d time.Duration, camera int) (*wire.Truth, *wire.Calibration, error) {
	sc, err := scenarios.Lookup(scenario)
	if err != nil {
		return nil, nil, err
	}
	if seed == 0 {
		seed = sc.Seed
	}
	return world.Generate(sc, world.Options{Seed: seed + uint64(camera), Duration: d, Camera: fmt.Sprintf("cam-%02d", camera+1)})
}
