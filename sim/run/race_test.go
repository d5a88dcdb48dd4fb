//go:build race

package run_test

// raceEnabled: the race detector slows rendering about fivefold, so the end-to-end test runs a
// shorter scenario.
const raceEnabled = true
