package devicetest

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"

	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// ClipID is the kit's clip in its library: 3 s at 25 fps, 320x240, a white 20 px square (a
// motorbike for the calibration) running east at 100 px/s down a lane that runs west, one
// wrong_way violation per loop, stamped at the 2 s mark like the world model stamps it.
const ClipID = "devicetest-wrongway"

// Clip geometry and its truth.
const (
	clipW, clipH   = 320, 240
	clipFPS        = 25
	clipFrames     = 75
	violationFrame = 50 // the 2 s mark of the square's run
)

// WriteClip stores the kit's clip in the library folder root (once: an existing clip is kept).
// It draws and encodes frames without the world model or the renderer: a device under test
// gets pixels, the calibration (camera.json) and nothing else.
func WriteClip(root string) error {
	if _, err := library.Open(filepath.Join(root, ClipID)); err == nil {
		return nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("devicetest: %w", err)
	}
	enc, err := encode.New(encode.Options{Width: clipW, Height: clipH, FPS: clipFPS, GOP: clipFPS, BitrateKbps: 800})
	if err != nil {
		return fmt.Errorf("devicetest: clip: %w", err)
	}
	defer enc.Close()
	w, err := library.Create(root, library.Meta{ID: ClipID, Scenario: "devicetest", Camera: "cam", Renderer: "devicetest",
		Width: clipW, Height: clipH, FPS: clipFPS, GOP: clipFPS})
	if err != nil {
		return fmt.Errorf("devicetest: clip: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, clipW, clipH))
	for i := range clipFrames {
		drawFrame(img, i)
		au, key, err := enc.Encode(img)
		if err == nil {
			err = w.WriteFrame(au, key)
		}
		if err != nil {
			w.Abort()
			return fmt.Errorf("devicetest: clip frame %d: %w", i, err)
		}
	}
	x := float64(4 * violationFrame)
	truth := wire.Truth{Version: wire.TruthVersion, Scenario: "devicetest", Camera: "cam", FPS: clipFPS, Width: clipW, Height: clipH,
		Violations: []wire.Violation{{ID: "ww", Type: wire.WrongWay, Frame: violationFrame, T: float64(violationFrame) / clipFPS,
			Object: 1, Class: wire.Motorbike, Box: wire.Box{x, 110, x + 20, 130}}}}
	// 20 px per metre seen from above; the only lane runs west under the square's row
	lane := wire.Polygon{{0, 4}, {16, 4}, {16, 7}, {0, 7}}
	cal := wire.Calibration{ID: "cam", Width: clipW, Height: clipH, FPS: clipFPS,
		RoadToImage: [9]float64{20, 0, 0, 0, -20, clipH, 0, 0, 1}, ImageToRoad: [9]float64{0.05, 0, 0, 0, -0.05, 12, 0, 0, 1},
		Lanes: []wire.LaneRegion{{ID: "west", Road: lane, Direction: wire.Point{-1, 0}, Allowed: wire.Classes}}}
	if err := w.WriteJSON(library.TruthFile, &truth); err != nil {
		w.Abort()
		return fmt.Errorf("devicetest: clip: %w", err)
	}
	if err := w.WriteJSON(library.CameraFile, &cal); err != nil {
		w.Abort()
		return fmt.Errorf("devicetest: clip: %w", err)
	}
	if _, err := w.Close(); err != nil {
		return fmt.Errorf("devicetest: clip: %w", err)
	}
	return nil
}

// drawFrame draws frame i: a textured grey road and the square at x = 4i.
func drawFrame(img *image.RGBA, i int) {
	for y := range clipH {
		for x := range clipW {
			v := uint8(80 + (x*7+y*13)%16)
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	for y := 110; y < 130; y++ {
		for x := 4 * i; x < 4*i+20 && x < clipW; x++ {
			img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
		}
	}
}
