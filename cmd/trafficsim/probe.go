package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/trafficsim/trafficsim/sim/probe"
)

func init() {
	register(command{name: "probe", summary: "read RTSP cameras with a swarm of readers and report loss and lateness", run: runProbe})
}

func runProbe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim probe cameras.json|rtsp://user:pass@host/cam/cam-%03d [flags]")
		fs.PrintDefaults()
	}
	readers := fs.Int("readers", 0, "number of readers, round-robin over the streams [one per stream]")
	streams := fs.Int("streams", 0, "number of streams of a URL pattern [--readers]")
	duration := fs.Duration("duration", 10*time.Second, "how long to read")
	warmup := fs.Duration("warmup", 0, "time at the start not counted (connections, the wait for a keyframe)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	perStream := fs.Bool("streams-table", false, "print one line per stream as well")
	stop := fs.Float64("stop-reading", 0, "share of readers that stop reading after PLAY (isolation check)")
	// Flags may follow the positional argument.
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return exitError(2)
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitError(2)
	}
	n := *streams
	if n == 0 {
		n = *readers
	}
	targets, err := probe.LoadTargets(pos[0], n)
	if err != nil {
		return err
	}
	rep, err := probe.Run(ctx, probe.Config{Targets: targets, Readers: *readers, Duration: *duration, Warmup: *warmup, StopReading: *stop})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
		return rep.Failed()
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stream\treaders\tframes\tfps/reader\tlost\tMbit/s\tp50 ms\tp99 ms\tmax ms\treconnects\t")
	line := func(name string, s probe.StreamReport) {
		fps, mbps := 0.0, 0.0
		if s.Readers > 0 && rep.Measured > 0 {
			fps = float64(s.Frames) / rep.Measured / float64(s.Readers)
		}
		if rep.Measured > 0 {
			mbps = float64(s.Bytes) * 8 / rep.Measured / 1e6
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%d\t%.2f\t%.1f\t%.1f\t%.1f\t%d\t\n", name, s.Readers, s.Frames, fps, s.Lost, mbps,
			s.Late.P50, s.Late.P99, s.Late.Max, s.Reconnects)
	}
	if *perStream {
		for _, s := range rep.Streams {
			line(s.URL, s)
		}
	}
	line("overall", rep.Overall)
	tw.Flush()
	for _, e := range rep.Overall.Errors {
		fmt.Fprintln(os.Stderr, "probe: session ended:", e)
	}
	return rep.Failed()
}
