package main

import (
	"io"
	"slices"
	"strings"
	"testing"

	simrun "github.com/trafficsim/trafficsim/sim/run"
)

// `trafficsim synth` fills the clip cache that `trafficsim run` plays from: the same clips get
// the same keys from the resolved seed and duration, whether or not --seed and --duration were
// given (the scenario's seed; the scenario's duration for synth, 60 s clips for a run).
func TestSynthAndRunShareTheClipCache(t *testing.T) {
	junction := "../../sim/run/testdata/e2e-junction.yaml"
	for _, c := range []struct {
		synth, run string
		same       bool
	}{
		{"--scenario intersection-day --duration 1m --cameras 4", "--scenario intersection-day", true},
		{"--scenario intersection-day --duration 1m --cameras 4", "--scenario intersection-day --seed 1001", true},
		{"--scenario intersection-day --seed 1001 --duration 1m --cameras 4", "--scenario intersection-day", true},
		{"--scenario intersection-day --cameras 2", "--scenario intersection-day --duration 10m --clip-duration 10m --cameras 2", true},
		{"--scenario " + junction + " --cameras 3", "--scenario " + junction + " --clip-duration 10m --cameras 3", true},
		{"--scenario intersection-day --seed 7 --duration 1m --cameras 4", "--scenario intersection-day", false},
		{"--scenario intersection-day --duration 30s --cameras 4", "--scenario intersection-day", false},
	} {
		sc, err := parseSynth(strings.Fields(c.synth), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		rc, _, err := parseRun(strings.Fields(c.run), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		sk, err := sc.Keys()
		if err != nil {
			t.Fatal(err)
		}
		rk, err := simrun.ClipKeys(rc)
		if err != nil {
			t.Fatal(err)
		}
		if same := slices.Equal(sk, rk); same != c.same {
			t.Errorf("synth %s: %v\nrun %s: %v\nsame %v, want %v", c.synth, sk, c.run, rk, same, c.same)
		}
	}
}
