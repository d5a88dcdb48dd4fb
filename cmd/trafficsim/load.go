package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/trafficsim/trafficsim/sim/load"
	"github.com/trafficsim/trafficsim/synth/render"
)

func init() {
	register(command{name: "load", summary: "play a load plan (k6's vocabulary: stages ramp cameras, thresholds exit 99)", run: runLoad})
}

type loadFlags struct {
	plan, id, summary, control, token string
	outs                              []string
	quiet                             bool
	sh                                shardFlags // load_shard.go
}

func parseLoad(args []string, out io.Writer) (f loadFlags, err error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&f.id, "id", "", "run id (default: UTC time and \"load\")")
	fs.StringVar(&f.summary, "summary-export", "", "write the end-of-test summary as JSON to this file")
	fs.StringVar(&f.control, "control", "127.0.0.1:0", "listen address of the control API")
	fs.StringVar(&f.token, "control-token", "", "bearer token of the control API (default: random, printed)")
	fs.Func("out", "stream samples: json=FILE, csv=FILE, opentelemetry[=URL], prometheus-rw=URL (repeatable)", func(s string) error {
		f.outs = append(f.outs, s)
		return nil
	})
	fs.BoolVar(&f.quiet, "quiet", false, "no progress")
	f.sh.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim load [flags] PLAN.yaml   (exit 99: a threshold failed; 2: bad usage)")
		fs.PrintDefaults()
	}
	// flags may follow the plan, as in `k6 run script.js --out ...`
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return f, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return f, fmt.Errorf("load: want one plan file, got %d arguments", len(pos))
	}
	f.plan = pos[0]
	return f, nil
}

func runLoad(ctx context.Context, args []string) error {
	f, err := parseLoad(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "trafficsim:", err)
		return exitError(2)
	}
	plan, err := load.LoadPlan(f.plan)
	if err != nil {
		fmt.Fprintln(os.Stderr, "trafficsim:", err)
		return exitError(2)
	}
	var outs []load.Output
	for _, o := range f.outs {
		out, err := load.ParseOutput(o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "trafficsim:", err)
			return exitError(2)
		}
		outs = append(outs, out)
	}
	logger := log.New(os.Stderr, "", log.Ltime)
	cfg := load.Config{Plan: plan, ID: f.id, Outputs: outs, Control: f.control, ControlToken: f.token, Logf: logger.Printf}
	if err := f.sh.apply(&cfg, logger); err != nil {
		fmt.Fprintln(os.Stderr, "trafficsim:", err)
		return exitError(2)
	}
	cfg.OnStart = func(url, token, cj string) {
		logger.Printf("load: control API %s (Authorization: Bearer %s)", url, token)
		if cj != "" {
			logger.Printf("load: cameras.json for the external device: %s", cj)
		}
	}
	if !f.quiet {
		cfg.OnTick = progress(ctx, plan)
	}
	var res *load.Result
	err = render.Main(func() error {
		var err error
		res, err = load.Run(ctx, cfg)
		return err
	})
	if cfg.OnTick != nil {
		cfg.OnTick(load.Progress{Stage: -2}) // ends the bars
	}
	if err != nil {
		return err
	}
	load.WriteSummary(os.Stdout, plan, res)
	load.WriteShards(os.Stdout, res)
	if f.summary != "" {
		if err := load.WriteSummaryExport(f.summary, res); err != nil {
			return err
		}
	}
	if !res.Passed() {
		return exitError(load.ExitThresholds)
	}
	return res.ShardProblem()
}

// progress shows mpb bars on a terminal (the run and the stage), plain lines otherwise.
func progress(ctx context.Context, plan *load.Plan) func(load.Progress) {
	fi, _ := os.Stderr.Stat()
	if fi == nil || fi.Mode()&os.ModeCharDevice == 0 {
		last := time.Duration(-1)
		return func(p load.Progress) {
			if p.Stage == -2 || p.Elapsed-last < 10*time.Second && last >= 0 {
				return
			}
			last = p.Elapsed
			fmt.Fprintf(os.Stderr, "load: %v/%v stage %d/%d, %s%s\n", p.Elapsed.Round(time.Second), p.Length, p.Stage+1, p.Stages, loadCounts(p), failedNote(p))
		}
	}
	pr := mpb.NewWithContext(ctx, mpb.WithOutput(os.Stderr), mpb.WithWidth(40), mpb.WithRefreshRate(250*time.Millisecond))
	var cur load.Progress
	run := pr.AddBar(int64(plan.Length()/time.Second),
		mpb.PrependDecorators(decor.Name("load   ", decor.WCSyncSpaceR), decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			return fmt.Sprintf("stage %d/%d  %s%s", cur.Stage+1, cur.Stages, loadCounts(cur), failedNote(cur))
		}, decor.WCSyncSpace)))
	return func(p load.Progress) {
		if p.Stage == -2 {
			run.SetCurrent(run.Current())
			run.Abort(false)
			pr.Wait()
			return
		}
		cur = p
		run.SetCurrent(int64(p.Elapsed / time.Second))
	}
}

func loadCounts(p load.Progress) string {
	if p.Readers == 0 {
		return fmt.Sprintf("%d cameras", p.Cameras)
	}
	return fmt.Sprintf("%d cameras, %d readers", p.Cameras, p.Readers)
}

func failedNote(p load.Progress) string {
	if len(p.Failed) == 0 {
		return ""
	}
	return "  failed: " + strings.Join(p.Failed, ", ")
}
