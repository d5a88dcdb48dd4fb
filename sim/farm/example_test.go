package farm_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// A farm as the run orchestrator or the k6 extension starts it: cameras from a library, the
// truth timeline to a sink, cameras.json for the devices.
func Example() {
	lib, _ := os.MkdirTemp("", "farm-example-")
	defer os.RemoveAll(lib)
	if _, err := librarytest.Make(lib, librarytest.Spec{ID: "clip", Frames: 25}); err != nil {
		panic(err)
	}
	faults, _ := farm.ParseFaults("loss:1%@cam-002")
	f := farm.New(farm.Config{Library: lib, Faults: faults, Sink: farm.FuncSink{
		OnViolation: func(v wire.Violation) { /* to the center */ },
		OnFault:     func(r wire.Fault) { /* to the run record */ },
	}})
	for range 2 {
		if _, err := f.AddCamera(farm.CameraSpec{Clip: "clip"}); err != nil {
			panic(err)
		}
	}
	if err := f.Start(context.Background()); err != nil {
		panic(err)
	}
	defer f.Close()
	for _, c := range f.Deployment().Cameras {
		fmt.Println(c.ID, c.Transport, strings.HasPrefix(c.URL, "rtsp://"+f.Addr().String()+"/cam/"), c.Username, len(c.Password))
	}
	// Output:
	// cam-001 tcp true cam-001 12
	// cam-002 tcp true cam-002 12
}
