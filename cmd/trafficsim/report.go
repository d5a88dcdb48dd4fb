package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/report"
)

func init() {
	register(command{name: "report", summary: "render a run folder's report.html and junit.xml; exit 1 when a conformity check fails", run: runReport})
}

func runReport(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	profile := fs.String("profile", "", "conformity profile (YAML); default: the embedded draft-regulation profile")
	out := fs.String("out", "", "report file (default RUN_DIR/report.html)")
	rescore := fs.Bool("rescore", false, "score truth and events again and rewrite summary.json and matches.jsonl")
	printProfile := fs.Bool("print-profile", false, "print the default profile and exit")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim report [flags] RUN_DIR\n\nRe-renders the report of a run folder (runs/<id>/). Exits 1 when a check of the profile fails.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if *printProfile {
		_, err := os.Stdout.Write(conform.DefaultYAML())
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitError(2)
	}
	dir := fs.Arg(0)
	prof := conform.Default()
	if *profile != "" {
		var err error
		if prof, err = conform.Load(*profile); err != nil {
			return err
		}
	}
	rec, err := record.Open(dir)
	if err != nil {
		return err
	}
	if *rescore {
		s, ms := rec.Score()
		if err := record.WriteSummary(dir, s); err != nil {
			return err
		}
		if err := record.WriteMatches(dir, ms); err != nil {
			return err
		}
		rec.Summary, rec.Matches = &s, ms
	}
	in := report.Prepare(rec, prof)
	var b bytes.Buffer
	if err := report.Render(&b, in); err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = filepath.Join(dir, record.ReportFile)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	b.Reset()
	if err := in.JUnit().Write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), record.JUnitFile), b.Bytes(), 0o644); err != nil {
		return err
	}
	failed, undecided := 0, 0
	for _, v := range in.Verdicts {
		fmt.Println(v.String())
		switch {
		case v.Failed():
			failed++
		case !v.Passed():
			undecided++
		}
	}
	fmt.Printf("report: %s (%s: %d of %d checks fail, %d not decided)\n", path, conform.Overall(in.Verdicts), failed, len(in.Verdicts), undecided)
	return verdictExit(in.Verdicts)
}
