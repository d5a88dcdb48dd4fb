package encode

import (
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// libx265 through libavcodec gives one access unit per frame, a keyframe every GOP with its
// parameter sets, and a stream Debian's ffprobe reads as HEVC at the frame size, every frame.
func TestHEVC(t *testing.T) {
	e, err := New(Options{Width: 320, Height: 240, FPS: 25, GOP: 10, BitrateKbps: 500, Codec: "h265"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	var stream []byte
	for i := 0; i < 30; i++ {
		for y := 0; y < 240; y++ {
			for x := 0; x < 320; x++ {
				img.SetRGBA(x, y, color.RGBA{uint8(x + i), uint8(y), 128, 255})
			}
		}
		au, key, err := e.Encode(img)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if key != (i%10 == 0) {
			t.Errorf("frame %d: key %v", i, key)
		}
		if key && !strings.Contains(string(au), "\x00\x00\x01\x40\x01") { // VPS NAL header
			t.Errorf("frame %d: keyframe without VPS", i)
		}
		stream = append(stream, au...)
	}
	p := filepath.Join(t.TempDir(), "s.h265")
	os.WriteFile(p, stream, 0o644)
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", p).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hevc,320,240,30" {
		t.Fatalf("ffprobe: %v %q", err, out)
	}
}

func TestUnknownCodec(t *testing.T) {
	if _, err := New(Options{Width: 2, Height: 2, Codec: "vp9"}); err == nil || err.Error() != `encode: unknown codec "vp9" (want h264 or h265)` {
		t.Fatal(err)
	}
}
