package render

import (
	"fmt"
	"math"

	"github.com/trafficsim/trafficsim/wire"
)

// env is the lighting and weather of a clip, derived from wire.Conditions only.
type env struct {
	skyTop, skyHorizon rgba
	ambient, sun       rgba
	sunDir             wire.Vec3
	hazeColor          rgba
	hazeDist           float64 // metres at which 63% of the colour is haze
	lightsOn           bool    // vehicle lights, street lights, lit windows
	night              bool
	wet                bool    // rain: darker, reflective road
	rain               bool    // streaks
	veil               float32 // alpha of a grey veil lowering contrast
	noise              float64 // sensor noise sigma, share of full scale
}

// Known condition values; anything else is an error (the scenario loader should have caught it).
var (
	timesOfDay = []string{"day", "dusk", "night"}
	weathers   = []string{"clear", "rain", "fog"}
)

func newEnv(c wire.Conditions) (env, error) {
	var e env
	switch c.TimeOfDay {
	case "day", "":
		e.skyTop, e.skyHorizon = rgba{0.47, 0.63, 0.85, 1}, rgba{0.82, 0.86, 0.9, 1}
		e.ambient, e.sun = rgba{0.6, 0.62, 0.66, 1}, rgba{0.55, 0.52, 0.47, 1}
		e.sunDir = norm(wire.Vec3{0.45, -0.35, 0.82})
		e.hazeColor, e.hazeDist = rgba{0.78, 0.81, 0.85, 1}, 420
	case "dusk":
		e.skyTop, e.skyHorizon = rgba{0.25, 0.28, 0.45, 1}, rgba{0.93, 0.6, 0.38, 1}
		e.ambient, e.sun = rgba{0.36, 0.32, 0.35, 1}, rgba{0.5, 0.32, 0.18, 1}
		e.sunDir = norm(wire.Vec3{-0.8, 0.35, 0.2})
		e.hazeColor, e.hazeDist = rgba{0.55, 0.45, 0.42, 1}, 260
		e.lightsOn = true
	case "night":
		e.skyTop, e.skyHorizon = rgba{0.01, 0.015, 0.035, 1}, rgba{0.07, 0.07, 0.1, 1}
		e.ambient, e.sun = rgba{0.12, 0.12, 0.155, 1}, rgba{0, 0, 0, 1}
		e.sunDir = wire.Vec3{0, 0, 1}
		e.hazeColor, e.hazeDist = rgba{0.05, 0.05, 0.07, 1}, 220
		e.lightsOn, e.night = true, true
	default:
		return e, fmt.Errorf("render: unknown time_of_day %q (want day, dusk or night)", c.TimeOfDay)
	}
	switch c.Weather {
	case "clear", "":
	case "rain":
		e.wet, e.rain = true, true
		e.sun = e.sun.scale(0.25)
		e.ambient = e.ambient.scale(0.85)
		grey := rgba{0.55, 0.57, 0.6, 1}
		if e.night {
			grey = rgba{0.06, 0.06, 0.08, 1}
		}
		e.skyTop, e.skyHorizon = grey.scale(0.85), grey
		e.hazeColor, e.hazeDist = grey, 140
		e.veil = 0.12
	case "fog":
		e.sun = e.sun.scale(0.2)
		fog := rgba{0.74, 0.76, 0.78, 1}
		if e.night {
			fog = rgba{0.11, 0.11, 0.13, 1}
		} else if c.TimeOfDay == "dusk" {
			fog = rgba{0.5, 0.46, 0.45, 1}
		}
		e.skyTop, e.skyHorizon = fog, fog
		e.hazeColor, e.hazeDist = fog, 38
	default:
		return e, fmt.Errorf("render: unknown weather %q (want clear, rain or fog)", c.Weather)
	}
	if c.Noise < 0 || c.Noise > 1 || math.IsNaN(c.Noise) {
		return e, fmt.Errorf("render: noise %v out of range 0-1", c.Noise)
	}
	e.noise = c.Noise
	return e, nil
}

// haze is the share of haze colour at a depth.
func (e *env) haze(depth float64) float32 {
	if depth <= 0 {
		return 0
	}
	return float32(1 - math.Exp(-depth/e.hazeDist))
}

// shade lights a surface colour with normal n (unit, world).
func (e *env) shade(c rgba, n wire.Vec3) rgba {
	hemi := float32(0.78 + 0.22*n[2])
	d := float32(max(0, dot(n, e.sunDir)))
	return rgba{
		c[0] * (e.ambient[0]*hemi + e.sun[0]*d),
		c[1] * (e.ambient[1]*hemi + e.sun[1]*d),
		c[2] * (e.ambient[2]*hemi + e.sun[2]*d),
		c[3],
	}
}

// hex parses #rrggbb (a bad or empty colour is mid grey: the truth's colour is decoration).
func hex(s string) rgba {
	var r, g, b int
	if len(s) == 7 && s[0] == '#' {
		if _, err := fmt.Sscanf(s[1:], "%02x%02x%02x", &r, &g, &b); err == nil {
			return rgba{float32(r) / 255, float32(g) / 255, float32(b) / 255, 1}
		}
	}
	return rgba{0.5, 0.5, 0.5, 1}
}
