//go:build race

package devicetest_test

// raceEnabled: the race detector slows the detector below real time, so the conformance kit,
// which judges a device playing cameras in real time, is skipped under -race.
const raceEnabled = true
