package decode_test

import (
	"math"
	"testing"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

// The decoder gives back every frame of a real x264 clip at its size, and the picture is the
// one that was encoded: the librarytest pattern (gradient plus a white square moving 4 px/frame).
func TestDecodeClip(t *testing.T) {
	clip := librarytest.MakeClip(t, t.TempDir(), librarytest.Spec{Frames: 30, Width: 320, Height: 240})
	stream, err := clip.Stream()
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode.New(decode.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var f decode.Frame
	n := 0
	for i := range clip.Index.Frames {
		ok, err := d.Decode(clip.AccessUnit(stream, i), &f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !ok {
			t.Fatalf("frame %d: no picture (decoder should not delay with LOW_DELAY)", i)
		}
		if f.Width != 320 || f.Height != 240 || len(f.Y) != 320*240 || len(f.Cb) != 160*120 {
			t.Fatalf("frame %d: size %dx%d planes %d/%d", i, f.Width, f.Height, len(f.Y), len(f.Cb))
		}
		// the white square: x in [4i, 4i+20), y in [110, 130)
		sq := (i * 4) % 300
		if y := f.Y[120*320+sq+10]; y < 200 {
			t.Errorf("frame %d: square centre luma %d, want bright", i, y)
		}
		// the gradient elsewhere: BT.601 limited-range luma of (x+i, y, 128+i)
		var sum float64
		cnt := 0
		for yy := 20; yy < 100; yy += 7 {
			for x := 0; x < 320; x += 11 {
				r, g, b := float64(uint8(x+i)), float64(yy), float64(128+i)
				want := 16 + 0.257*r + 0.504*g + 0.098*b
				sum += math.Abs(float64(f.Y[yy*320+x]) - want)
				cnt++
			}
		}
		if mae := sum / float64(cnt); mae > 6 {
			t.Errorf("frame %d: mean luma error %.1f against the source pattern", i, mae)
		}
		n++
	}
	if n != 30 {
		t.Fatalf("decoded %d frames, want 30", n)
	}
}

func TestDecodeErrors(t *testing.T) {
	d, err := decode.New(decode.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var f decode.Frame
	cases := []struct {
		name string
		au   []byte
		want string
	}{
		{"empty", nil, "decode: empty access unit"},
	}
	for _, c := range cases {
		_, err := d.Decode(c.au, &f)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
	// garbage is not a picture and not a crash
	if ok, _ := d.Decode([]byte{0, 0, 0, 1, 0x65, 1, 2, 3, 4, 5}, &f); ok {
		t.Error("garbage produced a picture")
	}
	d.Close()
	d.Close()
	if _, err := d.Decode([]byte{0, 0, 1}, &f); err != decode.ErrClosed {
		t.Errorf("after close: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	clip := librarytest.MakeClip(f, f.TempDir(), librarytest.Spec{Frames: 2, Width: 64, Height: 48})
	stream, _ := clip.Stream()
	f.Add(clip.AccessUnit(stream, 0))
	f.Add([]byte{0, 0, 0, 1, 0x67})
	d, err := decode.New(decode.Options{})
	if err != nil {
		f.Fatal(err)
	}
	var fr decode.Frame
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = d.Decode(b, &fr)
	})
}
