package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

func init() {
	register(command{name: "truth", summary: "run a scenario's world and write truth.json and camera.json (no rendering)", run: runTruth})
}

func runTruth(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("truth", flag.ContinueOnError)
	name := fs.String("scenario", "", "shipped scenario name or a scenario file (required)")
	seed := fs.Uint64("seed", 0, "seed (0: the scenario's)")
	dur := fs.Duration("duration", 0, "clip length (0: the scenario's)")
	camID := fs.String("camera", "cam-01", "camera id")
	out := fs.String("out", "", "output directory (required)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return exitError(2)
	}
	if *name == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "trafficsim truth: --scenario and --out are required")
		fs.Usage()
		return exitError(2)
	}
	sc, err := scenarios.Lookup(*name)
	if err != nil {
		return err
	}
	start := time.Now()
	tr, cal, err := world.Generate(sc, world.Options{Seed: *seed, Duration: *dur, Camera: *camID})
	if err != nil {
		return err
	}
	took := time.Since(start)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(*out, "truth.json"), tr); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(*out, "camera.json"), cal); err != nil {
		return err
	}
	printSummary(os.Stdout, tr, took)
	fmt.Printf("wrote %s and %s\n", filepath.Join(*out, "truth.json"), filepath.Join(*out, "camera.json"))
	return nil
}

func writeJSON(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// printSummary prints vehicles per class and violations per type.
func printSummary(w io.Writer, tr *wire.Truth, took time.Duration) {
	s := world.Summarize(tr)
	clip := time.Duration(float64(s.Frames) / tr.FPS * float64(time.Second))
	fmt.Fprintf(w, "scenario %s, seed %d, camera %s: %d frames (%s at %g fps), simulated in %s (%.0fx real time)\n",
		tr.Scenario, tr.Seed, tr.Camera, s.Frames, clip, tr.FPS, took.Round(time.Millisecond), clip.Seconds()/max(took.Seconds(), 1e-9))
	fmt.Fprintf(w, "\n%-22s %8s\n", "CLASS", "VEHICLES")
	total := 0
	for _, c := range wire.Classes {
		fmt.Fprintf(w, "%-22s %8d\n", c, s.Objects[c])
		total += s.Objects[c]
	}
	fmt.Fprintf(w, "%-22s %8d\n", "total", total)
	fmt.Fprintf(w, "\n%-22s %8s\n", "VIOLATION", "COUNT")
	total = 0
	for _, t := range wire.ViolationTypes {
		fmt.Fprintf(w, "%-22s %8d\n", t, s.Violations[t])
		total += s.Violations[t]
	}
	fmt.Fprintf(w, "%-22s %8d\n\n", "total", total)
}
