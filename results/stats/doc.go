// Package stats provides the interval estimates and tests behind trafficsim's verdicts: Wilson
// intervals for proportions, seeded bootstrap intervals for F1 and latency percentiles, the
// sample size at which an interval decides a limit, and the one-sided tests of the regression
// gate. It sits between results (the counts of a run) and conform and report (the verdicts).
// Everything random takes an explicit seed, so a summary is the same for the same inputs.
package stats
