package main

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// 'trafficsim device' end to end: a farm camera plays a clip whose square goes the wrong way
// down a calibrated lane, the command reads cameras.json (the farm's deployment, events from
// the center's endpoint) and the center receives the device's wrong_way events.
func TestDeviceCommandFarmToCenter(t *testing.T) {
	lib := t.TempDir()
	writeWrongWayClip(t, lib)
	fm := farm.New(farm.Config{Library: lib})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer fm.Close()
	if _, err := fm.AddCamera(farm.CameraSpec{Clip: "ww"}); err != nil {
		t.Fatal(err)
	}
	ctr, err := center.New(center.Config{DataDir: t.TempDir(), Tokens: map[string]string{"tok-d1": "d1"}, TruthToken: "truth-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer ctr.Close()
	dep := fm.Deployment()
	ep, _ := ctr.Endpoint("d1")
	dep.Events = &ep
	cams := filepath.Join(t.TempDir(), "cameras.json")
	b, _ := json.Marshal(dep)
	if err := os.WriteFile(cams, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runDevCmd(dctx, []string{"--cameras", cams, "--id", "d1", "--queue", t.TempDir(), "--stats", "0"})
	}()
	for ctr.Stats().Events == 0 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("device command: %v", err)
	}
	if s := ctr.Stats(); s.Events == 0 || s.Refused != 0 {
		t.Fatalf("center stats %+v", s)
	}
}

// writeWrongWayClip stores clip "ww": a white square running east at 100 px/s over a textured
// road, with a calibration (20 px per metre, top-down) whose only lane runs west under it.
func writeWrongWayClip(t *testing.T, root string) {
	t.Helper()
	const w, h = 320, 240
	enc, err := encode.New(encode.Options{Width: w, Height: h, FPS: 25, GOP: 25, BitrateKbps: 800})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	wr, err := library.Create(root, library.Meta{ID: "ww", Scenario: "test", Camera: "cam1", Renderer: "test", Width: w, Height: h, FPS: 25, GOP: 25})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range 75 {
		for y := range h {
			for x := range w {
				v := uint8(80 + (x*7+y*13)%16)
				img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			}
		}
		for y := 110; y < 130; y++ {
			for x := 4 * i; x < 4*i+20; x++ {
				img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
		au, key, err := enc.Encode(img)
		if err != nil {
			t.Fatal(err)
		}
		if err := wr.WriteFrame(au, key); err != nil {
			t.Fatal(err)
		}
	}
	lane := wire.Polygon{{0, 4}, {16, 4}, {16, 7}, {0, 7}}
	cal := wire.Calibration{ID: "cam1", Width: w, Height: h, FPS: 25,
		RoadToImage: [9]float64{20, 0, 0, 0, -20, 240, 0, 0, 1}, ImageToRoad: [9]float64{0.05, 0, 0, 0, -0.05, 12, 0, 0, 1},
		Lanes: []wire.LaneRegion{{ID: "west", Road: lane, Direction: wire.Point{-1, 0}, Allowed: wire.Classes}}}
	if err := wr.WriteJSON(library.TruthFile, &wire.Truth{Version: wire.TruthVersion, Scenario: "test", Camera: "cam1", FPS: 25, Width: w, Height: h}); err != nil {
		t.Fatal(err)
	}
	if err := wr.WriteJSON(library.CameraFile, &cal); err != nil {
		t.Fatal(err)
	}
	if _, err := wr.Close(); err != nil {
		t.Fatal(err)
	}
}
