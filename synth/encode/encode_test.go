package encode

import (
	"image"
	"testing"
)

func TestEncodeKeyframesCarryParameterSets(t *testing.T) {
	e, err := New(Options{Width: 320, Height: 240, FPS: 25, GOP: 10, BitrateKbps: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	keys := 0
	for i := 0; i < 30; i++ {
		for p := range img.Pix {
			img.Pix[p] = byte(i*7 + p%251)
		}
		au, key, err := e.Encode(img)
		if err != nil {
			t.Fatal(err)
		}
		if key {
			keys++
			if !HasSPS(au) {
				t.Errorf("frame %d: keyframe without SPS/PPS (types %v)", i, NALTypes(au))
			}
		}
		if i == 0 && !key {
			t.Error("first frame must be a keyframe")
		}
	}
	if keys != 3 {
		t.Errorf("keyframes = %d, want 3 for GOP 10 over 30 frames", keys)
	}
}

func TestOptionErrors(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Width: 321, Height: 240}, "encode: frame size 321x240 must be positive and even"},
		{Options{Width: 320, Height: 240, Profile: "ultra"}, `encode: unknown profile "ultra" (want baseline, main or high)`},
	} {
		_, err := New(c.o)
		if err == nil || err.Error() != c.want {
			t.Errorf("New(%+v) = %v, want %q", c.o, err, c.want)
		}
	}
}
