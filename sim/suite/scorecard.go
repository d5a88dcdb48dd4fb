package suite

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/speed"
)

// Files of a suite's scorecard folder.
const (
	ScorecardFile = "scorecard.txt"
	SummaryFile   = "summary.json"
	CellsFile     = "cells.json"
)

// WriteScorecard prints one row per cell and requirement (leaving out requirements the cell
// has no data for, e.g. night plates in a day cell), then the requirements over all cells
// and the outcome.
func WriteScorecard(w io.Writer, s *Suite, r *Result) error {
	minutes := 0.0
	for _, c := range r.Cells {
		minutes += c.Minutes
	}
	fmt.Fprintf(w, "suite %s: %d cell runs, %.4g camera-minutes, device %s\n\n", s.Name, len(r.Cells), minutes, s.Device)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "cell\tscenario\tcondition\tseed slot\ttruths\trequirement\tmeasured [95% CI]\tresult")
	for _, c := range r.Cells {
		hidden := 0
		for _, v := range c.Verdicts {
			if v.Status == conform.NoData {
				hidden++
				continue
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s %s %s\t%s\t%s\n", c.Cell+1, c.Scenario, c.Condition, c.Slot+1, c.Truths,
				v.Metric, v.Op, conform.Format(v.Metric, v.Limit), measured(v), result(v))
		}
		if sp := c.Speed; sp != nil && sp.All.Status != conform.NoData {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", c.Cell+1, c.Scenario, c.Condition, c.Slot+1, c.Truths,
				speedRequirement(sp, sp.All), speedMeasured(sp.All), speedResult(sp.All))
		}
		if hidden > 0 {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t(%d without data here)\t\t\n", c.Cell+1, c.Scenario, c.Condition, c.Slot+1, c.Truths, hidden)
		}
	}
	for _, v := range r.Verdicts {
		fmt.Fprintf(tw, "all\t\t\t\t%d\t%s %s %s\t%s\t%s\n", v.Truths, v.Metric, v.Op, conform.Format(v.Metric, v.Limit), measured(v), result(v))
	}
	if c := r.Speed; c != nil {
		seen := "no speeding truth"
		if c.Status() != conform.NoData {
			seen = fmt.Sprintf("speeding truths %.0f-%.0f km/h, per bin %v", c.SeenMin, c.SeenMax, c.Counts)
		}
		res := strings.ToUpper(c.Status())
		if len(c.Missing) > 0 && c.Status() != conform.NoData {
			res += ": none in " + strings.Join(c.Missing, ", ")
		}
		fmt.Fprintf(tw, "all\t\t\t\t\tspeed range %.0f-%.0f km/h\t%s\t%s\n", c.MinKmh, c.MaxKmh, seen, res)
	}
	if sp := r.SpeedCheck; sp != nil {
		for _, b := range sp.Bins {
			fmt.Fprintf(tw, "all\t\t\t\t%d\t%s\t%s\t%s\n", b.Truths, speedRequirement(sp, b), speedMeasured(b), speedResult(b))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if sp := r.SpeedCheck; sp != nil {
		fmt.Fprintf(w, "\nspeed: a reading is right within %s of the truth's zone speed; an event without a speed is a wrong reading\n", sp.Tolerance)
	}
	_, err := fmt.Fprintf(w, "\nverdict  %s (over all cells; a check passes or fails on its whole 95%% interval)\n", strings.ToUpper(Outcome(r)))
	return err
}

// Outcome is the suite's outcome over all cells, the speed coverage included.
func Outcome(r *Result) string {
	o := conform.Overall(r.Verdicts)
	if r.Speed != nil && r.Speed.Status() != conform.Pass && o == conform.Conforms {
		o = conform.NotDecided
	}
	if r.SpeedCheck != nil {
		switch st := r.SpeedCheck.Status(); {
		case st == conform.Fail:
			o = conform.DoesNot
		case st != conform.Pass && o == conform.Conforms:
			o = conform.NotDecided
		}
	}
	return o
}

// speedRequirement is "speed 10-52 km/h read within tolerance >= 0.9500".
func speedRequirement(sp *speed.Result, b speed.Bin) string {
	return fmt.Sprintf("speed %s read within tolerance >= %.4f", b.Name(), sp.Limit)
}

// speedMeasured is "0.9750 [0.9130, 0.9931] of 40 readings, error mean +0.21 max 2.90 km/h".
func speedMeasured(b speed.Bin) string {
	if b.Status == conform.NoData {
		switch {
		case b.Truths == 1:
			return "no data (1 truth, not detected)"
		case b.Truths > 1:
			return fmt.Sprintf("no data (%d truths, none detected)", b.Truths)
		}
		return "no data"
	}
	s := fmt.Sprintf("%.4f [%.4f, %.4f] of %d readings, error mean %+.2f max %.2f km/h", b.Share, b.CI.Lo, b.CI.Hi, b.Readings, b.MeanError, b.MaxError)
	if b.Unread > 0 {
		s += fmt.Sprintf(", %d without a speed", b.Unread)
	}
	return s
}

func speedResult(b speed.Bin) string {
	s := strings.ToUpper(b.Status)
	if b.Status == conform.Insufficient {
		if b.More < 0 {
			s += " (on the limit: no sample size decides)"
		} else {
			s += fmt.Sprintf(" (~%d more readings)", b.More)
		}
	}
	return s
}

func measured(v conform.Verdict) string {
	if v.Status == conform.NoData {
		return "no data"
	}
	s := conform.Format(v.Metric, v.Value)
	if v.CI != nil {
		s += " [" + conform.Format(v.Metric, v.CI.Lo) + ", " + conform.Format(v.Metric, v.CI.Hi) + "]"
	}
	return s
}

func result(v conform.Verdict) string {
	s := strings.ToUpper(v.Status)
	if v.Status == conform.Insufficient {
		s += " (" + v.MoreText() + ")"
	}
	return s
}

// Save writes the scorecard folder: scorecard.txt, scorecard.html, summary.json (all cells' score and
// verdicts) and cells.json (every cell run with its seed and truth hash).
func Save(dir string, s *Suite, r *Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, ScorecardFile))
	if err != nil {
		return nil, err
	}
	if err := WriteScorecard(f, s, r); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	h, err := os.Create(filepath.Join(dir, HTMLFile))
	if err != nil {
		return nil, err
	}
	if err := WriteHTML(h, s, r); err != nil {
		h.Close()
		return nil, err
	}
	if err := h.Close(); err != nil {
		return nil, err
	}
	sum := struct {
		Suite    string            `json:"suite"`
		Outcome  string            `json:"outcome"`
		Score    any               `json:"score"`
		Verdicts []conform.Verdict `json:"verdicts"`
		Speed    *SpeedCoverage    `json:"speed,omitempty"`
		Check    *speed.Result     `json:"speed_check,omitempty"`
	}{s.Name, Outcome(r), r.Score, r.Verdicts, r.Speed, r.SpeedCheck}
	for name, v := range map[string]any{SummaryFile: sum, CellsFile: r} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
			return nil, err
		}
	}
	return []string{ScorecardFile, HTMLFile, SummaryFile, CellsFile}, nil
}

// LoadResult reads cells.json of a scorecard folder.
func LoadResult(dir string) (*Result, error) {
	b, err := os.ReadFile(filepath.Join(dir, CellsFile))
	if err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("suite: %s: %w", CellsFile, err)
	}
	return &r, nil
}
