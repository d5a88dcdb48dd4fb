package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/viz/web"
)

func init() {
	register(command{name: "viz", summary: "replay a run in the browser: wall of cameras, one camera with truth and events, evidence", run: runViz})
}

func runViz(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("viz", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim viz [--listen ADDR] runs/<id>")
		fmt.Fprintln(fs.Output(), "Serves the run's wall of cameras, each camera with its truth and events, and the evidence, from the run record and the clip library.")
		fs.PrintDefaults()
	}
	listen := fs.String("listen", web.DefaultAddr, "address to serve on (report.html links to the default)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitError(2)
	}
	srv, err := web.Start(ctx, *listen, web.Config{Dir: fs.Arg(0), Logf: logf})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "viz: %s on %s (Ctrl-C stops)\n", fs.Arg(0), srv.URL())
	<-ctx.Done()
	return srv.Close()
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// startUI serves the live UI until ctx ends.
func startUI(ctx context.Context, addr string, cfg web.Config) error {
	cfg.Logf = logf
	srv, err := web.Start(ctx, addr, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "ui: the wall of cameras is at %s\n", srv.URL())
	return nil
}

// uiHook is the run's OnPlay for --ui: the UI follows the run folder and the farm until the
// process ends (the wall stays up while the run scores).
func uiHook(addr string) func(dir string, fm *farm.Farm) {
	return func(dir string, fm *farm.Farm) {
		if err := startUI(context.Background(), addr, web.Config{Dir: dir, Playheads: fm.Playheads, Stats: fm.Stats}); err != nil {
			fmt.Fprintf(os.Stderr, "ui: %v\n", err)
		}
	}
}
