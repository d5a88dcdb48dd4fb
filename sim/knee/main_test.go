package knee

import (
	"fmt"
	"os"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render"
)

// The runs of this package's tests synthesise clips, which needs ebiten's loop on the main goroutine.
func TestMain(m *testing.M) {
	code := 0
	if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}
