package device_test

import (
	"context"
	"image"
	"image/color"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/wire"
)

// The device against the project's camera farm (sim/farm: its own RTSP fast path, digest auth
// per camera, an RTCP sender report per frame): three cameras play the drawn wrong-way clip,
// every camera connects at once, frames carry the farm's wall clock, and the real detector's
// events reach a center.
func TestAgainstTheRealFarm(t *testing.T) {
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
	fm := farm.New(farm.Config{Library: filepath.Dir(clip.Dir)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := fm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer fm.Close()
	for range 3 {
		if _, err := fm.AddCamera(farm.CameraSpec{Clip: filepath.Base(clip.Dir)}); err != nil {
			t.Fatal(err)
		}
	}
	dep := fm.Deployment()
	ctr := startCenter(t)
	lane := wire.Polygon{{0, 4}, {16, 4}, {16, 7}, {0, 7}}
	for i := range dep.Cameras {
		c := &dep.Cameras[i]
		c.Width, c.Height, c.FPS = 320, 240, 25
		c.RoadToImage = [9]float64{20, 0, 0, 0, -20, 240, 0, 0, 1}
		c.ImageToRoad = [9]float64{0.05, 0, 0, 0, -0.05, 12, 0, 0, 1}
		c.Lanes = []wire.LaneRegion{{ID: "west", Road: lane, Direction: wire.Point{-1, 0}, Allowed: wire.Classes}}
	}
	d, err := device.New(device.Config{ID: "dev1", Cameras: dep.Cameras, Events: wire.EventsEndpoint{HTTP: ctr.url(), Token: "tok-1"}, QueueDir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eventually(t, 20*time.Second, "wrong_way events from all 3 cameras", func() bool {
		ctr.mu.Lock()
		defer ctr.mu.Unlock()
		cams := map[string]bool{}
		for _, e := range ctr.events {
			cams[e.CameraID] = true
		}
		return len(cams) == 3
	})
	now := time.Now()
	ctr.mu.Lock()
	for _, e := range ctr.events {
		if e.Type != wire.WrongWay || e.Time.Before(now.Add(-time.Minute)) || e.Time.After(now) {
			t.Errorf("event %s %s at %v (now %v)", e.CameraID, e.Type, e.Time, now)
		}
	}
	ctr.mu.Unlock()
	for id, c := range d.Stats().Cameras {
		if c.Connects != 1 || c.DecodeErrors != 0 || c.NoWallClock > 1 {
			t.Errorf("camera %s: %+v", id, c)
		}
	}
}
