package detect

import "github.com/trafficsim/trafficsim/wire"

// Plate layouts of Circular 24/2023 as our plates print them: 'D' a digit, 'N' a digit 1-9,
// 'L' a series letter, other bytes printed as they are. Text rows are split at the space.
var (
	carLayout  = []string{"DDL-DDD.DD"}
	motoLayout = []string{"DD-LN", "DDD.DD"}
)

// layoutFor is the plate layout of a motorbike (two rows) or of any other vehicle (one row).
func layoutFor(moto bool) []string {
	if moto {
		return motoLayout
	}
	return carLayout
}

const (
	digits  = "0123456789"
	digits1 = "123456789"
	letters = "ABCDEFGHKLMNPSTUVXYZ"
)

// candidates returns the glyphs allowed at a layout position ("" for printed punctuation).
func candidates(kind byte) string {
	switch kind {
	case 'D':
		return digits
	case 'N':
		return digits1
	case 'L':
		return letters
	}
	return ""
}

// rowBand is where one text row's glyphs sit on the plate, in plate coordinates (u across, v
// down, 0..1), exactly as the plates are printed (synth/render's plate drawing): the text band
// v0..v1 holds the 7 glyph rows; glyph i's cell starts at u0 + i*cw and the glyph covers 80% of
// the cell after a 10% gap.
type rowBand struct {
	v0, v1, u0, cw float64
}

// bands returns the text bands of a layout: one row from 20% to 80% of the height across 88%
// of the width; two rows 13-47% and 53-87%, centred, cells at most 16% of the width.
func bands(layout []string) []rowBand {
	out := make([]rowBand, len(layout))
	for ri, row := range layout {
		b := rowBand{v0: 0.2, v1: 0.8, u0: 0.06, cw: 0.88 / float64(len(row))}
		if len(layout) == 2 {
			b.v0, b.v1 = 0.13+0.4*float64(ri), 0.47+0.4*float64(ri)
			b.cw = min(b.cw, 0.16)
			b.u0 = 0.5 - b.cw*float64(len(row))/2
		}
		out[ri] = b
	}
	return out
}

// glyphBits returns the 5 x 7 bitmap of a plate character of wire.Glyphs (the font our plates
// print), 1 for ink, row by row.
func glyphBits(ch byte) (b [7][5]float64) {
	g := wire.Glyphs[rune(ch)]
	for r := range 7 {
		for c := range 5 {
			if g[r][c] == '#' {
				b[r][c] = 1
			}
		}
	}
	return b
}

// bitmaps holds the bitmap of every plate character, filled once at init and only read after.
var bitmaps = func() map[byte][7][5]float64 {
	m := map[byte][7][5]float64{}
	for _, ch := range []byte(digits + letters) {
		m[ch] = glyphBits(ch)
	}
	return m
}()
