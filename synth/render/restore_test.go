package render_test

import (
	"bytes"
	"image"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

// A frame drawn in the middle of a stream (background restored only where the previous frame
// drew) is the same picture as that frame drawn first (background copied whole).
func TestIncrementalFramesEqualFreshFrames(t *testing.T) {
	for _, c := range []struct {
		name string
		cond wire.Conditions
		mode render.Mode
	}{
		{"day", wire.Conditions{TimeOfDay: "day", Weather: "clear", Noise: 0.01, Overlay: true}, render.Color},
		{"night", wire.Conditions{TimeOfDay: "night", Weather: "clear", Overlay: true}, render.Color},
		{"ids", wire.Conditions{TimeOfDay: "day", Weather: "clear"}, render.IDs},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := rendertest.Truth(rendertest.Spec{Frames: 20, Width: 640, Height: 360, Conditions: c.cond})
			streamed := map[int][]byte{}
			renderAll(t, tr, render.Options{Mode: c.mode}, func(i int, img *image.RGBA) {
				if i == 7 || i == 19 {
					streamed[i] = bytes.Clone(img.Pix)
				}
			})
			for _, i := range []int{7, 19} {
				renderAll(t, tr, render.Options{Mode: c.mode, From: i, To: i + 1}, func(_ int, img *image.RGBA) {
					if !bytes.Equal(img.Pix, streamed[i]) {
						t.Errorf("frame %d differs between the stream and a fresh render", i)
					}
				})
			}
		})
	}
}
