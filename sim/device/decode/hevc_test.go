package decode_test

import (
	"testing"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

// libavcodec's HEVC decoder gives back every frame of an H.265 clip (libx265) at its size.
func TestDecodeHEVCClip(t *testing.T) {
	clip := librarytest.MakeHEVCClip(t, t.TempDir(), librarytest.Spec{Frames: 20, Width: 320, Height: 240})
	stream, err := clip.Stream()
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode.New(decode.Options{Codec: "h265"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var f decode.Frame
	got := 0
	for i := range clip.Index.Frames {
		ok, err := d.Decode(clip.AccessUnit(stream, i), &f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if ok {
			got++
			if f.Width != 320 || f.Height != 240 {
				t.Fatalf("frame %d: %dx%d", i, f.Width, f.Height)
			}
		}
	}
	if got != len(clip.Index.Frames) {
		t.Fatalf("%d pictures of %d access units", got, len(clip.Index.Frames))
	}
}

func TestUnknownCodec(t *testing.T) {
	if _, err := decode.New(decode.Options{Codec: "vp9"}); err == nil || err.Error() != `decode: codec "vp9": want h264 or h265` {
		t.Fatal(err)
	}
}
