package render

import "github.com/trafficsim/trafficsim/wire"

// glyphs is the plate and overlay font (wire.Glyphs): a condensed 5 x 7 bitmap of the narrow
// sans with tall figures of Vietnamese plates, shared with the reference device's plate reader.
var glyphs = wire.Glyphs

// Glyph columns and rows.
const (
	GlyphW = 5
	GlyphH = 7
)

// Glyph returns the bitmap of r (rows top to bottom, '#' lit) and whether the font has it.
// Lower-case letters map to upper case.
func Glyph(r rune) ([7]string, bool) {
	if r >= 'a' && r <= 'z' {
		r -= 'a' - 'A'
	}
	g, ok := glyphs[r]
	return g, ok
}

// run is a horizontal run of lit cells in a glyph: row, first and last column (inclusive).
type run struct{ row, c0, c1 int }

// glyphRuns returns the lit runs of r (unknown runes draw as a filled box, so they show).
func glyphRuns(r rune) []run {
	g, ok := Glyph(r)
	if !ok {
		g = [7]string{"#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####"}
	}
	var out []run
	for y, row := range g {
		for x := 0; x < len(row); x++ {
			if row[x] != '#' {
				continue
			}
			s := x
			for x+1 < len(row) && row[x+1] == '#' {
				x++
			}
			out = append(out, run{y, s, x})
		}
	}
	return out
}

// runCache is filled once at init and only read afterwards (builders run concurrently).
var runCache = func() map[rune][]run {
	m := map[rune][]run{}
	for r := range glyphs {
		m[r] = glyphRuns(r)
	}
	return m
}()

func cachedRuns(r rune) []run {
	if r >= 'a' && r <= 'z' {
		r -= 'a' - 'A'
	}
	if rs, ok := runCache[r]; ok {
		return rs
	}
	return glyphRuns(r)
}
