package render_test

import (
	"fmt"
	"image"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

// TestConditionsRender renders the fixture in every condition; with -preview DIR the frames are
// written out to be looked at.
func TestConditionsRender(t *testing.T) {
	for _, c := range []wire.Conditions{
		{TimeOfDay: "day", Weather: "clear", Overlay: true},
		{TimeOfDay: "dusk", Weather: "clear", Overlay: true},
		{TimeOfDay: "night", Weather: "clear", Overlay: true, Noise: 0.02},
		{TimeOfDay: "night", Weather: "rain", Overlay: true, Noise: 0.03},
		{TimeOfDay: "day", Weather: "rain"},
		{TimeOfDay: "day", Weather: "fog", Noise: 0.01},
	} {
		name := c.TimeOfDay + "-" + c.Weather
		t.Run(name, func(t *testing.T) {
			tr := rendertest.Truth(rendertest.Spec{Frames: 3, Width: 1280, Height: 720, Conditions: c})
			renderAll(t, tr, render.Options{From: 2}, func(i int, img *image.RGBA) {
				savePNG(t, fmt.Sprintf("%s-%03d.png", name, i), img)
			})
		})
	}
}
