package world

import (
	"math"
	"testing"

	"github.com/trafficsim/trafficsim/wire"
)

// A plate is readable when its characters are at least MinCharPx high and its strokes at
// least MinStrokePx wide. Seen square-on at focal f from d metres, a one-row plate's 66 mm
// characters are f*0.066/d pixels high and its 7.3 mm strokes f*0.0073/d wide; a two-row
// plate's 47.6 mm characters f*0.0476/d high and its 4.5 mm strokes f*0.0045/d wide.
func TestPlateCharPx(t *testing.T) {
	frontal := func(f, d, w, h float64) [4]wire.Point {
		W, H := f*w/d, f*h/d
		return [4]wire.Point{{100, 100}, {100 + W, 100}, {100 + W, 100 + H}, {100, 100 + H}}
	}
	cases := []struct {
		name         string
		pts          [4]wire.Point
		rows         int
		char, stroke float64
		readable     bool
	}{
		{"car plate at 10 m, focal 1600", frontal(1600, 10, 0.52, 0.11), 1, 10.56, 1.17, false},
		{"car plate at 5 m, focal 1600", frontal(1600, 5, 0.52, 0.11), 1, 21.12, 2.34, true},
		{"car plate 1 px short of 2 px strokes", frontal(1000, 1000*0.52*0.88/10*0.8/5/1.99, 0.52, 0.11), 1, 18.03, 1.99, false},
		{"car plate at 20 m, focal 6000", frontal(6000, 20, 0.52, 0.11), 1, 19.8, 2.2, true},
		{"motorbike plate at 5 m, focal 1600", frontal(1600, 5, 0.19, 0.14), 2, 15.23, 1.43, false},
		{"motorbike plate at 10 m, focal 6000", frontal(6000, 10, 0.19, 0.14), 2, 28.56, 2.68, true},
		// slanted: the far (right) edge is half as high; the shorter edges count
		{"slanted car plate", [4]wire.Point{{0, 0}, {300, 10}, {300, 30}, {0, 40}}, 1, 20 * 0.6, 300.17 * 0.0141, false},
	}
	for _, c := range cases {
		ch, sw := PlateCharPx(c.pts, c.rows)
		if math.Abs(ch-c.char) > 0.01*c.char || math.Abs(sw-c.stroke) > 0.01*c.stroke {
			t.Errorf("%s: characters %.2f px, strokes %.2f px, want %.2f, %.2f", c.name, ch, sw, c.char, c.stroke)
		}
		if got := ch >= MinCharPx && sw >= MinStrokePx; got != c.readable {
			t.Errorf("%s: readable %v, want %v", c.name, got, c.readable)
		}
	}
}
