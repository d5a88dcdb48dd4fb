// Package librarytest makes small real clips (x264-encoded moving patterns with a given truth)
// for tests of the farm, the device and the center, before or without the renderer.
package librarytest

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"testing"

	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// Spec describes a test clip; zero fields take the defaults in brackets.
type Spec struct {
	ID            string      // folder name [test-<frames>-<w>x<h>]
	Frames        int         // [50]
	Width, Height int         // [320x240]
	FPS           int         // [25]
	GOP           int         // [25]
	BitrateKbps   int         // [500]
	Truth         *wire.Truth // written as truth.json when set [a truth with no objects]
}

// MakeClip encodes a moving gradient with a bright square travelling across it into root.
func MakeClip(tb testing.TB, root string, s Spec) *library.Clip {
	tb.Helper()
	c, err := Make(root, s)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Make is MakeClip without a testing.TB.
func Make(root string, s Spec) (*library.Clip, error) {
	if s.Frames == 0 {
		s.Frames = 50
	}
	if s.Width == 0 {
		s.Width, s.Height = 320, 240
	}
	if s.FPS == 0 {
		s.FPS = 25
	}
	if s.GOP == 0 {
		s.GOP = s.FPS
	}
	if s.BitrateKbps == 0 {
		s.BitrateKbps = 500
	}
	if s.ID == "" {
		s.ID = fmt.Sprintf("test-%d-%dx%d", s.Frames, s.Width, s.Height)
	}
	enc, err := encode.New(encode.Options{Width: s.Width, Height: s.Height, FPS: s.FPS, GOP: s.GOP, BitrateKbps: s.BitrateKbps})
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	o := enc.Options()
	w, err := library.Create(root, library.Meta{ID: s.ID, Scenario: "test", Camera: s.ID, Renderer: "librarytest",
		Width: s.Width, Height: s.Height, FPS: float64(s.FPS), BitrateKbps: o.BitrateKbps, GOP: o.GOP, Profile: o.Profile})
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, s.Width, s.Height))
	for i := 0; i < s.Frames; i++ {
		for y := 0; y < s.Height; y++ {
			for x := 0; x < s.Width; x++ {
				img.SetRGBA(x, y, color.RGBA{uint8(x + i), uint8(y), uint8(128 + i), 255})
			}
		}
		sq := (i * 4) % (s.Width - 20)
		for y := s.Height/2 - 10; y < s.Height/2+10; y++ {
			for x := sq; x < sq+20; x++ {
				img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
		au, key, err := enc.Encode(img)
		if err != nil {
			w.Abort()
			return nil, err
		}
		if err := w.WriteFrame(au, key); err != nil {
			w.Abort()
			return nil, err
		}
	}
	t := s.Truth
	if t == nil {
		t = &wire.Truth{Version: wire.TruthVersion, Scenario: "test", Camera: s.ID, FPS: float64(s.FPS), Width: s.Width, Height: s.Height}
	}
	cal := wire.Calibration{ID: s.ID, Width: s.Width, Height: s.Height, FPS: float64(s.FPS), Pinhole: t.Pinhole}
	if err := w.WriteJSON(library.TruthFile, t); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.WriteJSON(library.CameraFile, cal); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.WritePreview(img); err != nil {
		w.Abort()
		return nil, err
	}
	return w.Close()
}

// FromEnv lists the clips of the library in TRAFFICSIM_CLIPS for a benchmark that scores
// rendered clips (`make bench-accuracy` makes them and sets it); nil, logged, when it is not
// set or holds none.
func FromEnv(tb testing.TB) []*library.Clip {
	root := os.Getenv("TRAFFICSIM_CLIPS")
	if root == "" {
		tb.Log("TRAFFICSIM_CLIPS is not set: nothing to measure (make bench-accuracy makes the clips and sets it)")
		return nil
	}
	clips, _ := library.List(root)
	if len(clips) == 0 {
		tb.Logf("no clips in %s: nothing to measure", root)
	}
	return clips
}
