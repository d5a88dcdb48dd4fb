package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/trafficsim/trafficsim/scenarios"
)

func init() {
	register(command{name: "scenarios", summary: "list the shipped scenarios, or validate a scenario file", run: runScenarios})
}

func runScenarios(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("scenarios", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim scenarios              list the shipped scenarios")
		fmt.Fprintln(fs.Output(), "       trafficsim scenarios validate FILE  check a scenario file")
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return exitError(2)
	}
	switch {
	case fs.NArg() == 0:
		return listScenarios(os.Stdout)
	case fs.Arg(0) == "validate" && fs.NArg() == 2:
		s, err := scenarios.Lookup(fs.Arg(1))
		if err != nil {
			return err
		}
		fmt.Printf("%s: ok (scenario %s, %s template, %s at %g fps, violations: %s)\n", fs.Arg(1), s.Name, s.Scene.Template, s.Duration, s.FPS, strings.Join(s.Enabled(), ", "))
		return nil
	}
	fs.Usage()
	return exitError(2)
}

func listScenarios(w io.Writer) error {
	fmt.Fprintf(w, "%-24s %-13s %-9s %s\n", "NAME", "TEMPLATE", "DURATION", "VIOLATIONS")
	for _, n := range scenarios.Names() {
		s, err := scenarios.Lookup(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-24s %-13s %-9s %s\n", n, s.Scene.Template, s.Duration, strings.Join(s.Enabled(), ", "))
	}
	return nil
}
