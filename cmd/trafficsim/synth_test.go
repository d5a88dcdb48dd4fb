package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render"
)

func TestSynthFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "synth: --scenario is required"},
		{[]string{"--scenario", "x", "--cameras", "0"}, "synth: --cameras 0 must be at least 1"},
		{[]string{"--scenario", "x", "--duration", "-1s"}, "synth: --duration -1s must not be negative"},
		{[]string{"--scenario", "x", "extra"}, "synth: unexpected arguments [extra]"},
	} {
		_, err := parseSynth(c.args, io.Discard)
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: got %v, want %s", c.args, err, c.want)
		}
	}
}

// Without an X server the command fails before ebiten starts, saying what to install.
func TestSynthWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	err := runSynth(context.Background(), []string{"--scenario", "intersection-day"})
	want := "render: no X display (DISPLAY is not set); the renderer needs an X server: run 'make setup' (installs Xvfb and Mesa and starts Xvfb on :99) and set DISPLAY=:99, or install them yourself: apt-get install -y " + render.Packages
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if !strings.Contains(want, "xvfb") || !strings.Contains(want, "libgl1-mesa-dri") {
		t.Error("the message must name xvfb and libgl1-mesa-dri")
	}
}
