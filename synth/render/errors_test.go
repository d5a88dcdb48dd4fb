package render_test

import (
	"context"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

func TestStartRejectsBadTruth(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*wire.Truth)
		opts render.Options
		want string
	}{
		{"odd size", func(t *wire.Truth) { t.Width = 641 }, render.Options{}, "render: frame size 641x360 must be positive and even"},
		{"no fps", func(t *wire.Truth) { t.FPS = 0 }, render.Options{}, "render: fps 0 must be positive"},
		{"no focal", func(t *wire.Truth) { t.Pinhole.FocalPx = 0 }, render.Options{}, "render: pinhole focal_px 0 must be positive"},
		{"bad colour", func(t *wire.Truth) { t.Objects[0].Color = "red" }, render.Options{}, `render: object 1: color "red" is not #rrggbb`},
		{"bad class", func(t *wire.Truth) { t.Objects[0].Class = "tank" }, render.Options{}, `render: object 1: unknown class "tank"`},
		{"zero size", func(t *wire.Truth) { t.Objects[1].HeightM = 0 }, render.Options{}, "render: object 2: size 1.9x0.72x0 must be positive"},
		{"twice", func(t *wire.Truth) { t.Objects[1].ID = 1 }, render.Options{}, "render: object 1 appears twice"},
		{"unknown state", func(t *wire.Truth) { t.Frames[1].Objects[0].ID = 99 }, render.Options{}, "render: frame 1: object 99 is not in objects"},
		{"frame index", func(t *wire.Truth) { t.Frames[1].Index = 5 }, render.Options{}, "render: frame 1 has index 5"},
		{"time of day", func(t *wire.Truth) { t.Conditions.TimeOfDay = "noon" }, render.Options{}, `render: unknown time_of_day "noon" (want day, dusk or night)`},
		{"weather", func(t *wire.Truth) { t.Conditions.Weather = "snow" }, render.Options{}, `render: unknown weather "snow" (want clear, rain or fog)`},
		{"noise", func(t *wire.Truth) { t.Conditions.Noise = 2 }, render.Options{}, "render: noise 2 out of range 0-1"},
		{"start", func(t *wire.Truth) { t.Conditions.Start = "8 am" }, render.Options{}, `render: conditions.start "8 am" is not RFC 3339`},
		{"range", func(*wire.Truth) {}, render.Options{From: 2, To: 9}, "render: frames [2, 9) outside the truth's 3 frames"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := rendertest.Truth(rendertest.Spec{Frames: 3})
			c.edit(tr)
			_, err := render.Start(context.Background(), tr, c.opts)
			if err == nil || err.Error() != c.want {
				t.Errorf("got %v\nwant %s", err, c.want)
			}
		})
	}
}

func TestDecodeID(t *testing.T) {
	for _, c := range []struct {
		r, g, b uint8
		id      int
		plate   bool
		ok      bool
	}{
		{0, 0, 0, 0, false, false},
		{1, 0, 0, 0, false, true},
		{2, 0, 255, 1, true, true},
		{0, 1, 0, 255, false, true},
		{0xe9, 0x03, 0, 1000, false, true},
	} {
		id, plate, ok := render.DecodeID(c.r, c.g, c.b)
		if id != c.id || plate != c.plate || ok != c.ok {
			t.Errorf("DecodeID(%d,%d,%d) = %d %v %v, want %d %v %v", c.r, c.g, c.b, id, plate, ok, c.id, c.plate, c.ok)
		}
	}
}

func TestPlateFontCoversPlates(t *testing.T) {
	for _, r := range "0123456789ABCDEFGHKLMNPSTUVXYZ-. " {
		g, ok := render.Glyph(r)
		if !ok {
			t.Errorf("no glyph for %q", r)
			continue
		}
		for _, row := range g {
			if len(row) != render.GlyphW {
				t.Errorf("glyph %q row %q is not %d wide", r, row, render.GlyphW)
			}
		}
	}
}
