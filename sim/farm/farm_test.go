package farm

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

// startFarm makes a clip, starts a farm with cameras of the given transports and closes it
// when the test ends.
func startFarm(t *testing.T, cfg Config, frames int, transports ...string) *Farm {
	t.Helper()
	if cfg.Library == "" {
		cfg.Library = t.TempDir()
		librarytest.MakeClip(t, cfg.Library, librarytest.Spec{ID: "clip", Frames: frames})
	}
	f := New(cfg)
	for _, tr := range transports {
		if _, err := f.AddCamera(CameraSpec{Clip: "clip", Transport: tr}); err != nil {
			t.Fatal(err)
		}
	}
	startFarmed(t, f)
	return f
}

// startFarmed starts a farm and closes it when the test ends.
func startFarmed(t *testing.T, f *Farm) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
}

// credURL puts a camera's credentials into its URL for ffmpeg.
func credURL(t *testing.T, f *Farm, i int) string {
	c := f.Deployment().Cameras[i]
	return strings.Replace(c.URL, "rtsp://", "rtsp://"+c.Username+":"+c.Password+"@", 1)
}

// Debian's ffmpeg reads a farm camera over TCP and over UDP and decodes 80 frames of a
// 50-frame clip (so across a loop) without an error message.
func TestFFmpegDecodes(t *testing.T) {
	t.Parallel()
	f := startFarm(t, Config{}, 50, TransportTCP, TransportUDP)
	t.Run("readers", func(t *testing.T) {
		for i, tr := range []string{"tcp", "udp"} {
			t.Run(tr, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				// A 1 MB socket buffer: with ffmpeg's default a keyframe burst over UDP can
				// overflow when the machine is too busy to schedule its reader in time.
				out, err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", tr,
					"-buffer_size", "1048576", "-i", credURL(t, f, i), "-frames:v", "80", "-f", "null", "-").CombinedOutput()
				if err != nil || len(out) > 0 {
					t.Fatalf("ffmpeg over %s: %v\n%s", tr, err, out)
				}
				// stdout only: a UDP reader of gortsplib's server joins mid-GOP, and the decoder
				// says so on stderr until the next keyframe (the ffmpeg check above is strict)
				probe, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", tr, "-show_entries",
					"stream=codec_name,width,height", "-of", "csv=p=0", credURL(t, f, i)).Output()
				if err != nil || strings.TrimSpace(string(probe)) != "h264,320,240" {
					t.Fatalf("ffprobe over %s: %v\n%s", tr, err, probe)
				}
			})
		}
	})
	if st := f.Stats(); st[0].Transport != TransportTCP || st[0].Frames < 80 || st[1].Transport != TransportUDP || st[1].Frames < 80 {
		t.Fatalf("stats: %+v", st)
	}
	if f.WriteDrops() != 0 || f.Rejected() != 4 { // the first DESCRIBE of ffmpeg and ffprobe on each camera is challenged
		t.Fatalf("write drops %d, rejected %d", f.WriteDrops(), f.Rejected())
	}
}

// Without the camera's credentials, DESCRIBE is refused.
func TestDigestAuthRequired(t *testing.T) {
	t.Parallel()
	f := startFarm(t, Config{}, 25, TransportTCP)
	url := f.Deployment().Cameras[0].URL
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range []string{url, strings.Replace(url, "rtsp://", "rtsp://cam-001:wrong@", 1)} {
		out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", u).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "401 Unauthorized") {
			t.Fatalf("ffprobe %s: err %v\n%s", u, err, out)
		}
	}
}
