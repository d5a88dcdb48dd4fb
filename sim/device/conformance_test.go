package device_test

import (
	"os"
	"testing"

	"github.com/trafficsim/trafficsim/sim/devicetest"
)

// The reference device passes the conformance kit (sim/devicetest) as a vendor's box would:
// started as its own process (this test binary again) on cameras.json, stopped with SIGTERM,
// killed with SIGKILL, judged only by what reaches the center and what the farm saw.
func TestConformance(t *testing.T) {
	if os.Getenv("DEVICETEST_REFERENCE") != "" {
		os.Exit(devicetest.ChildMain(devicetest.Reference(nil)))
	}
	box := devicetest.Command{Argv: []string{os.Args[0], "-test.run=^TestConformance$"}, Env: []string{"DEVICETEST_REFERENCE=1"}}
	devicetest.Run(t, box, devicetest.Options{})
}
