package clips_test

import "github.com/trafficsim/trafficsim/wire"

var rendertestNightRain = wire.Conditions{TimeOfDay: "night", Weather: "rain", Noise: 0.02, Overlay: true}

// rendertestDay are intersection-day's conditions: day, clear, sensor noise 0.01, overlay.
var rendertestDay = wire.Conditions{TimeOfDay: "day", Weather: "clear", Noise: 0.01, Overlay: true}
