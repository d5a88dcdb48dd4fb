package detect

import "github.com/trafficsim/trafficsim/sim/wire"

// Plate layouts of Circular 24/2023 as our plates print them: 'D' a digit, 'L' a series
// letter, other bytes printed as they are.
var (
	carLayout  = []string{"DDL-DDD.DD"}
	motoLayout = []string{"DD-LD", "DDD.DD"}
)

const (
	digits  = "0123456789"
	letters = "ABCDEFGHKLMNPSTUVXYZ"
)

// templates holds each glyph as 35 zero-mean unit-norm values (ink = +1), for correlation.
var templates = func() map[byte][35]float64 {
	out := map[byte][35]float64{}
	for _, ch := range []byte(digits + letters) { // the plate characters of wire.Glyphs, the font our plates print
		g := wire.Glyphs[rune(ch)]
		var v [35]float64
		for r := range 7 {
			for c := range 5 {
				if g[r][c] == '#' {
					v[r*5+c] = 1
				}
			}
		}
		out[ch] = normalize(v)
	}
	return out
}()

func normalize(v [35]float64) [35]float64 {
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= 35
	n := 0.0
	for i := range v {
		v[i] -= m
		n += v[i] * v[i]
	}
	if n > 0 {
		n = 1 / sqrt(n)
		for i := range v {
			v[i] *= n
		}
	}
	return v
}
