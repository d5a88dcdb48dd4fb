package farm

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

// An H.265 clip is served as H.265 (RFC 7798 packets, SDP with VPS/SPS/PPS): Debian's
// ffprobe sees hevc at the clip's size, ffmpeg decodes it without a complaint, and GStreamer's
// rtspsrc ! rtph265depay ! h265parse ! avdec_h265 makes a picture of it.
func TestServesHEVC(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	librarytest.MakeHEVCClip(t, lib, librarytest.Spec{ID: "clip", Frames: 50})
	f := startFarm(t, Config{Library: lib}, 0, TransportTCP)
	url := credURL(t, f, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hevc,320,240" {
		t.Fatalf("ffprobe: %v %q", err, out)
	}
	out, err = exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
		"-frames:v", "60", "-f", "null", "-").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}

	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		t.Skip("gst-launch-1.0 not installed (scripts/setup.sh installs gstreamer1.0-tools, -plugins-good, -libav)")
	}
	c := f.Deployment().Cameras[0]
	pic := filepath.Join(t.TempDir(), "frame.png")
	out, err = exec.CommandContext(ctx, "gst-launch-1.0", "-q", "rtspsrc", "location="+c.URL, "protocols=tcp",
		"user-id="+c.Username, "user-pw="+c.Password, "!", "rtph265depay", "!", "h265parse", "!", "avdec_h265",
		"!", "videoconvert", "!", "pngenc", "snapshot=true", "!", "filesink", "location="+pic).CombinedOutput()
	if err != nil {
		t.Fatalf("gst-launch: %v %s", err, out)
	}
	fh, err := os.Open(pic)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil || img.Bounds().Dx() != 320 || img.Bounds().Dy() != 240 {
		t.Fatalf("GStreamer's picture: %v %v", err, img)
	}
}
