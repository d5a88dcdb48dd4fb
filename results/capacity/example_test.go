package capacity_test

import (
	"fmt"
	"os"

	"github.com/trafficsim/trafficsim/results/capacity"
)

func ExampleCompute() {
	m, _ := capacity.Lookup("hanoi")
	p, _ := capacity.Compute(m, []capacity.Knee{{Device: "reference", CamerasPerDevice: 14}}, capacity.Options{Draws: 100, Year: 2030})
	for _, f := range p.Levels[len(p.Levels)-1].Figures[:2] {
		fmt.Printf("%s: %.0f\n", f.Label, f.P50)
	}
	if os.Getenv("CAPACITY_HTML") != "" {
		f, _ := os.Create(os.Getenv("CAPACITY_HTML"))
		capacity.WriteHTML(f, p)
		f.Close()
	}
	// Output:
	// cameras: 27102
	// cameras to analyse (no analytics on board): 10322
}
