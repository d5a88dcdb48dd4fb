package main

import "github.com/trafficsim/trafficsim/results/conform"

// verdictExit is the exit status of a set of verdicts: 0 when every check passes, 1 when one
// fails, 3 when none fails but some are not decided (no data, too small a sample).
func verdictExit(vs []conform.Verdict) error {
	switch conform.Overall(vs) {
	case conform.DoesNot:
		return exitError(1)
	case conform.NotDecided:
		return exitError(3)
	}
	return nil
}
