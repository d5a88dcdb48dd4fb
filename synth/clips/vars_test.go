package clips_test

import "github.com/trafficsim/trafficsim/sim/wire"

var rendertestNightRain = wire.Conditions{TimeOfDay: "night", Weather: "rain", Noise: 0.02, Overlay: true}
