package librarytest

import (
	"fmt"
	"image"
	"image/color"
	"os/exec"
	"testing"

	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// MakeHEVCClip makes an H.265 clip (Meta.Codec "h265") of s with Debian's ffmpeg (libx265, a
// test pattern), for tests of the H.265 path that do not need the world or the renderer.
func MakeHEVCClip(tb testing.TB, root string, s Spec) *library.Clip {
	tb.Helper()
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
	if s.ID == "" {
		s.ID = fmt.Sprintf("hevc-%d-%dx%d", s.Frames, s.Width, s.Height)
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i",
		fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", s.Width, s.Height, s.FPS), "-frames:v", fmt.Sprint(s.Frames),
		"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", fmt.Sprintf("aud=1:keyint=%d:min-keyint=%d:bframes=0:log-level=error", s.GOP, s.GOP),
		"-f", "hevc", "-").Output()
	if err != nil {
		tb.Fatalf("ffmpeg libx265: %v", err)
	}
	aus := SplitHEVC(out)
	if len(aus) != s.Frames {
		tb.Fatalf("ffmpeg made %d access units, want %d", len(aus), s.Frames)
	}
	w, err := library.Create(root, library.Meta{ID: s.ID, Scenario: "test", Camera: s.ID, Renderer: "librarytest-ffmpeg",
		Width: s.Width, Height: s.Height, FPS: float64(s.FPS), GOP: s.GOP, Profile: "main", Codec: library.CodecH265})
	if err != nil {
		tb.Fatal(err)
	}
	for _, au := range aus {
		if err := w.WriteFrame(au.Data, au.Key); err != nil {
			w.Abort()
			tb.Fatal(err)
		}
	}
	t := &wire.Truth{Version: wire.TruthVersion, Scenario: "test", Camera: s.ID, FPS: float64(s.FPS), Width: s.Width, Height: s.Height}
	cal := wire.Calibration{ID: s.ID, Width: s.Width, Height: s.Height, FPS: float64(s.FPS)}
	img := image.NewRGBA(image.Rect(0, 0, s.Width, s.Height))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	img.SetRGBA(0, 0, color.RGBA{255, 255, 255, 255})
	for _, err := range []error{w.WriteJSON(library.TruthFile, t), w.WriteJSON(library.CameraFile, cal), w.WritePreview(img)} {
		if err != nil {
			w.Abort()
			tb.Fatal(err)
		}
	}
	c, err := w.Close()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// AU is one access unit of an Annex B stream.
type AU struct {
	Data []byte
	Key  bool // holds an IRAP picture (IDR, CRA, BLA)
}

// SplitHEVC cuts an H.265 Annex B stream written with access unit delimiters into access units.
func SplitHEVC(b []byte) []AU {
	var starts []int
	for i := 0; i+5 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 && (b[i+3]>>1)&0x3f == 35 {
			s := i
			if s > 0 && b[s-1] == 0 {
				s--
			}
			starts = append(starts, s)
		}
	}
	var aus []AU
	for k, s := range starts {
		e := len(b)
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		au := AU{Data: b[s:e]}
		for i := s; i+3 < e; i++ {
			if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
				if t := (b[i+3] >> 1) & 0x3f; t >= 16 && t <= 21 {
					au.Key = true
				}
			}
		}
		aus = append(aus, au)
	}
	return aus
}
