package clips_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/clips"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
)

func TestMain(m *testing.M) {
	code := 0
	if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func makeClip(t *testing.T, root string, spec rendertest.Spec) (*library.Clip, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tr := rendertest.Truth(spec)
	id := clips.Key([]byte("fixture"), tr.Seed, float64(spec.Frames)/25, 0, encode.Options{})
	var last int
	c, reused, err := clips.Make(ctx, clips.Job{Root: root, ID: id, Truth: tr, Encode: encode.Options{GOP: 25}}, func(done, total int) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if !reused && last != spec.Frames {
		t.Errorf("progress ended at %d of %d frames", last, spec.Frames)
	}
	return c, reused
}

// ffprobe reads the stream as a decoder would and reports what it found.
type probe struct {
	Streams []struct {
		Codec        string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		RFrameRate   string `json:"r_frame_rate"`
		NbReadFrames string `json:"nb_read_frames"`
	} `json:"streams"`
}

func TestClipReadsInFFprobe(t *testing.T) {
	c, _ := makeClip(t, t.TempDir(), rendertest.Spec{Frames: 60, Width: 640, Height: 360})
	cmd := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", filepath.Join(c.Dir, library.StreamFile))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("ffprobe reported errors:\n%s", stderr.String())
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Streams) != 1 {
		t.Fatalf("ffprobe found %d streams", len(p.Streams))
	}
	s := p.Streams[0]
	got := fmt.Sprintf("%s %dx%d %s fps %s frames", s.Codec, s.Width, s.Height, s.RFrameRate, s.NbReadFrames)
	if want := "h264 640x360 25/1 fps 60 frames"; got != want {
		t.Errorf("ffprobe: %s, want %s", got, want)
	}
	// decode every frame: no errors
	dec := exec.Command("ffmpeg", "-v", "error", "-i", filepath.Join(c.Dir, library.StreamFile), "-f", "null", "-")
	if out, err := dec.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("ffmpeg decode: %v %s", err, out)
	}
	if c.Meta.Frames != 60 || len(c.Index.Frames) != 60 || !c.Index.Frames[0].Key || !c.Index.Frames[25].Key || c.Index.Frames[1].Key {
		t.Errorf("index: %d frames, keys at 0/1/25: %v %v %v", len(c.Index.Frames), c.Index.Frames[0].Key, c.Index.Frames[1].Key, c.Index.Frames[25].Key)
	}
	for _, f := range []string{library.TruthFile, library.CameraFile, library.PreviewFile, library.MetaFile, library.IndexFile} {
		if _, err := os.Stat(filepath.Join(c.Dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestSameInputsSameStreamAndReuse(t *testing.T) {
	spec := rendertest.Spec{Frames: 30, Width: 640, Height: 360, Conditions: rendertestNightRain}
	a, _ := makeClip(t, t.TempDir(), spec)
	root := t.TempDir()
	b, reused := makeClip(t, root, spec)
	if reused {
		t.Fatal("a fresh library reused a clip")
	}
	sa, _ := a.Stream()
	sb, _ := b.Stream()
	if sha256.Sum256(sa) != sha256.Sum256(sb) {
		t.Errorf("same scenario and seed gave different streams (%d and %d bytes)", len(sa), len(sb))
	}
	c, reused := makeClip(t, root, spec)
	if !reused || c.Dir != b.Dir {
		t.Errorf("second make in the same library: reused %v, dir %s (first %s)", reused, c.Dir, b.Dir)
	}
	other := spec
	other.Seed = 2
	d, _ := makeClip(t, root, other)
	if d.Meta.ID == b.Meta.ID {
		t.Error("a different seed gave the same clip id")
	}
}

func TestMakeErrors(t *testing.T) {
	ctx := context.Background()
	tr := rendertest.Truth(rendertest.Spec{Frames: 2})
	bad := *tr
	bad.FPS = 29.97
	odd := *tr
	odd.Width = 641
	for _, c := range []struct {
		name string
		job  clips.Job
		want string
	}{
		{"no root", clips.Job{ID: "x", Truth: tr}, "clips: job needs Root, ID and Truth"},
		{"no truth", clips.Job{Root: t.TempDir(), ID: "x"}, "clips: job needs Root, ID and Truth"},
		{"fractional fps", clips.Job{Root: t.TempDir(), ID: "x", Truth: &bad}, "clips: fps 29.97 is not a whole number"},
		{"odd width", clips.Job{Root: t.TempDir(), ID: "x", Truth: &odd}, "encode: frame size 641x360 must be positive and even"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := clips.Make(ctx, c.job, nil)
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
