package detect

import (
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/wire"
)

// readPlate locates and reads the plate inside a vehicle box. It returns "" when no plate is
// found; the reader is added once the renderer's plate font is known.
func (d *Detector) readPlate(f *decode.Frame, b wire.Box, c wire.Class) string {
	return ""
}
