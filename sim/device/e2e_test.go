package device_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

// The whole device with its real detector: a white 20 px square runs east at 100 px/s over a
// textured road; the calibration (20 px per metre, top-down) puts a westbound lane under it, so
// the square is a motorbike going the wrong way at 5 m/s, once per 3 s loop of the clip.
func TestRealDetectorReportsWrongWay(t *testing.T) {
	t.Parallel()
	clip := drawnClip(t, 75, 320, 240, func(i int, img *image.RGBA) {
		for y := range 240 {
			for x := range 320 {
				v := uint8(80 + (x*7+y*13)%16)
				img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			}
		}
		for y := 110; y < 130; y++ {
			for x := 4 * i; x < 4*i+20; x++ {
				img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
	})
	cam := startCamera(t, clip, "127.0.0.1:0", epoch)
	ctr := startCenter(t)
	lane := wire.Polygon{{0, 4}, {16, 4}, {16, 7}, {0, 7}}
	cal := wire.Calibration{ID: "cam1", URL: cam.url(), Username: "admin", Password: "s3cret", Transport: "tcp",
		Width: 320, Height: 240, FPS: 25,
		RoadToImage: [9]float64{20, 0, 0, 0, -20, 240, 0, 0, 1}, ImageToRoad: [9]float64{0.05, 0, 0, 0, -0.05, 12, 0, 0, 1},
		Lanes: []wire.LaneRegion{{ID: "west", Road: lane, Direction: wire.Point{-1, 0}, Allowed: wire.Classes}}}
	d, err := device.New(device.Config{ID: "dev1", Cameras: []wire.Calibration{cal}, Events: wire.EventsEndpoint{HTTP: ctr.url(), Token: "tok-1"},
		QueueDir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eventually(t, 15*time.Second, "a wrong_way event at the center", func() bool { return ctr.count() >= 1 })
	ctr.mu.Lock()
	defer ctr.mu.Unlock()
	for _, e := range ctr.events {
		if e.Type != wire.WrongWay || e.VehicleClass != wire.Motorbike || e.Box == nil || e.Evidence == nil {
			t.Fatalf("event %+v", e)
		}
		if _, err := jpeg.Decode(bytes.NewReader(e.Evidence.JPEG)); err != nil {
			t.Errorf("evidence is not a JPEG: %v", err)
		}
		if e.Box[1] > 115 || e.Box[3] < 125 {
			t.Errorf("box %v does not hold the square (rows 110-130)", *e.Box)
		}
	}
}
