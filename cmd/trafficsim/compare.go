package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/report"
)

func init() {
	register(command{name: "compare", summary: "regression gate: compare a run with a baseline run, exit 1 when a limit breaks", run: runCompare})
}

func runCompare(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	drop := fs.String("max-drop", "", "largest allowed drops, e.g. f1=0.01,recall.*=0.02,plate_accuracy.night=0.02")
	rise := fs.String("max-rise", "", "largest allowed rises, e.g. latency_p95=500ms,fp=10")
	alpha := fs.Float64("alpha", report.DefaultAlpha, "significance level: a rate's drop breaks its limit only when significant at this level (one-sided)")
	brief := fs.Bool("brief", false, "print only overall metrics, limited metrics and changed rows")
	htmlOut := fs.String("html", "", "write the run's report with the comparison section to this file")
	junitOut := fs.String("junit", "", "write the comparison (and the run's conformity checks) as JUnit XML to this file")
	profile := fs.String("profile", "", "conformity profile for the HTML/JUnit (default: embedded)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim compare [flags] BASELINE_RUN RUN\n\nPrints every metric with its change. Exit status 1 when a --max-drop or --max-rise limit is broken (for rates: and the drop\nis significant at --alpha, paired by truth when both runs share scenario and seeds), 2 on bad usage.")
		fs.PrintDefaults()
	}
	// Flags may come after the two folders (trafficsim compare A B --max-drop f1=0.01).
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return exitError(2)
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != 2 {
		fs.Usage()
		return exitError(2)
	}
	if *alpha <= 0 || *alpha >= 1 {
		return fmt.Errorf("--alpha: %g is not within (0, 1)", *alpha)
	}
	l := report.Limits{Alpha: *alpha}
	var err error
	if l.MaxDrop, err = report.ParseLimits(*drop); err != nil {
		return usagef("--max-drop: %v", err)
	}
	if l.MaxRise, err = report.ParseLimits(*rise); err != nil {
		return usagef("--max-rise: %v", err)
	}
	base, err := record.Open(pos[0])
	if err != nil {
		return err
	}
	run, err := record.Open(pos[1])
	if err != nil {
		return err
	}
	bs, rs := summary(base), summary(run)
	var bm, rm []results.Match
	if paired(base.Run, run.Run) { // the same truths: pair them
		bm, rm = matches(base), matches(run)
	}
	rows := report.ComparePaired(bs, rs, bm, rm, l)
	if err := report.Table(os.Stdout, rows, !*brief); err != nil {
		return err
	}
	if *htmlOut != "" || *junitOut != "" {
		prof := conform.Default()
		if *profile != "" {
			if prof, err = conform.Load(*profile); err != nil {
				return err
			}
		}
		in := report.Prepare(run, prof)
		in.Compare, in.Baseline = rows, base.Run.ID
		if *htmlOut != "" {
			var b bytes.Buffer
			if err := report.Render(&b, in); err != nil {
				return err
			}
			if err := os.WriteFile(*htmlOut, b.Bytes(), 0o644); err != nil {
				return err
			}
		}
		if *junitOut != "" {
			var b bytes.Buffer
			if err := in.JUnit().Write(&b); err != nil {
				return err
			}
			if err := os.WriteFile(*junitOut, b.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	fmt.Print(gateNote(rows, *alpha, bm != nil))
	if n := report.Broken(rows); n > 0 {
		fmt.Printf("compare: %d limit(s) broken\n", n)
		return exitError(1)
	}
	fmt.Println("compare: no limit broken")
	return nil
}

// summary is the run's summary.json, or the run scored again when it has none.
func summary(r *record.Record) *results.Score {
	if r.Summary != nil {
		return r.Summary
	}
	s, _ := r.Score()
	return &s
}

// paired reports whether two runs played the same truths: same scenario and seeds.
func paired(a, b record.Run) bool {
	if a.Scenario == "" || a.Scenario != b.Scenario || len(a.Seeds) == 0 || len(a.Seeds) != len(b.Seeds) {
		return false
	}
	for k, v := range a.Seeds {
		if w, ok := b.Seeds[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// matches is the run's matches.jsonl, or the run scored again when it has none.
func matches(r *record.Record) []results.Match {
	if len(r.Matches) > 0 {
		return r.Matches
	}
	_, ms := r.Score()
	return ms
}

// gateNote says how the gate judged and the smallest drop of the overall rates it detects.
func gateNote(rows []report.Row, alpha float64, paired bool) string {
	how := "unpaired (the runs do not share scenario and seeds)"
	if paired {
		how = "paired by camera and truth (same scenario and seeds)"
	}
	s := fmt.Sprintf("gate: rate drops must be significant at alpha %g, %s; detectable with 80%% power:", alpha, how)
	for _, r := range rows {
		if r.Tested && !strings.Contains(r.Metric, ".") {
			s += fmt.Sprintf(" %s %s", r.Metric, conform.Format(r.Metric, r.MinDrop))
		}
	}
	return s + "\n"
}
