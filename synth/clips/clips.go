package clips

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

// Job is one clip to make.
type Job struct {
	Root        string            // library folder, required
	ID          string            // clip id (folder name), required: see Key
	Truth       *wire.Truth       // what to draw, required
	Calibration *wire.Calibration // written as camera.json; default: derived from the truth (FromTruth)
	Encode      encode.Options    // size and fps come from the truth; other fields default as in encode
	Preview     string            // when set, every frame is also written there as PNG (slow)
}

// Progress is told the frames done so far; it is called from Make's goroutine.
type Progress func(done, total int)

// Key is a clip's content hash: the scenario file's bytes, the seed, the duration, the camera
// index, the renderer and world versions and the encoder settings. Same inputs, same key, same clip.
func Key(scenario []byte, seed uint64, durationS float64, camera int, enc encode.Options) string {
	settings := fmt.Sprintf("%d/%d/%d/%s/%s", enc.BitrateKbps, enc.GOP, enc.FPS, enc.Profile, enc.Preset)
	if enc.Codec != "" && enc.Codec != "h264" {
		settings += "/" + enc.Codec // H.264 keys stay as they were: the cache keeps its clips
	}
	return library.Key(string(scenario), fmt.Sprint(seed), fmt.Sprint(durationS), fmt.Sprint(camera), render.Version, world.Version, settings)
}

// Cached returns the clip with this id if the library holds it complete.
func Cached(root, id string) (*library.Clip, bool) {
	c, err := library.Open(filepath.Join(root, id))
	return c, err == nil
}

// Make renders, encodes and stores a clip, streaming frame by frame; an existing complete clip
// with the same id is returned as it is (reused = true).
func Make(ctx context.Context, job Job, progress Progress) (clip *library.Clip, reused bool, err error) {
	if job.Root == "" || job.ID == "" || job.Truth == nil {
		return nil, false, errors.New("clips: job needs Root, ID and Truth")
	}
	if c, ok := Cached(job.Root, job.ID); ok {
		return c, true, nil
	}
	t := job.Truth
	if len(t.Frames) == 0 {
		return nil, false, errors.New("clips: truth has no frames")
	}
	eo := job.Encode
	eo.Width, eo.Height = t.Width, t.Height
	eo.FPS = int(t.FPS + 0.5)
	if float64(eo.FPS) != t.FPS {
		return nil, false, fmt.Errorf("clips: fps %v is not a whole number", t.FPS)
	}
	enc, err := encode.New(eo)
	if err != nil {
		return nil, false, err
	}
	defer enc.Close()
	eo = enc.Options()
	cal := job.Calibration
	if cal == nil {
		if cal, err = FromTruth(t); err != nil {
			return nil, false, err
		}
	}
	if job.Preview != "" {
		if err := os.MkdirAll(job.Preview, 0o755); err != nil {
			return nil, false, err
		}
	}
	w, err := library.Create(job.Root, library.Meta{
		ID: job.ID, Scenario: t.Scenario, Seed: t.Seed, Camera: t.Camera, Renderer: render.Version,
		Width: t.Width, Height: t.Height, FPS: t.FPS, BitrateKbps: eo.BitrateKbps, GOP: eo.GOP, Profile: eo.Profile,
		Conditions: Conditions(t.Conditions), Codec: codecOf(eo),
	})
	if err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := render.Start(ctx, t, render.Options{})
	if err != nil {
		w.Abort()
		return nil, false, err
	}
	mid := len(t.Frames) / 2
	var preview *image.RGBA
	fail := func(e error) (*library.Clip, bool, error) {
		cancel()
		for f := range st.Frames() { // let the renderer finish its current tick
			f.Release()
		}
		w.Abort()
		return nil, false, e
	}
	done := 0
	for f := range st.Frames() {
		if f.Index == mid {
			preview = image.NewRGBA(f.Image.Rect)
			copy(preview.Pix, f.Image.Pix)
		}
		if job.Preview != "" {
			if err := writePNG(filepath.Join(job.Preview, fmt.Sprintf("%s-%06d.png", job.ID, f.Index)), f.Image); err != nil {
				f.Release()
				return fail(err)
			}
		}
		au, key, err := enc.Encode(f.Image)
		f.Release()
		if err != nil {
			return fail(err)
		}
		if err := w.WriteFrame(au, key); err != nil {
			return fail(err)
		}
		done++
		if progress != nil {
			progress(done, len(t.Frames))
		}
	}
	if err := st.Err(); err != nil {
		w.Abort()
		return nil, false, err
	}
	if done != len(t.Frames) {
		w.Abort()
		return nil, false, fmt.Errorf("clips: rendered %d of %d frames", done, len(t.Frames))
	}
	for _, e := range []error{w.WriteJSON(library.TruthFile, t), w.WriteJSON(library.CameraFile, cal), w.WritePreview(preview)} {
		if e != nil {
			w.Abort()
			return nil, false, e
		}
	}
	c, err := w.Close()
	return c, false, err
}

// Conditions names a clip's conditions for its metadata, e.g. "night rain".
func Conditions(c wire.Conditions) string {
	parts := []string{c.TimeOfDay}
	if c.Weather != "" && c.Weather != "clear" {
		parts = append(parts, c.Weather)
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// FromTruth derives camera.json from a truth when the world gave none: camera, homographies and
// the painted regions projected into the image.
func FromTruth(t *wire.Truth) (*wire.Calibration, error) {
	ph := t.Pinhole
	ph.Width, ph.Height = t.Width, t.Height
	inv, err := ph.ImageToRoad()
	if err != nil {
		return nil, fmt.Errorf("clips: camera: %w", err)
	}
	h := ph.RoadToImage()
	img := func(pg wire.Polygon) wire.Polygon {
		out := make(wire.Polygon, 0, len(pg))
		for _, p := range pg {
			if q, ok := wire.Apply(h, p); ok {
				out = append(out, q)
			}
		}
		return out
	}
	c := &wire.Calibration{ID: t.Camera, Width: t.Width, Height: t.Height, FPS: t.FPS, Pinhole: ph,
		RoadToImage: h, ImageToRoad: inv, SpeedLimits: t.Scene.SpeedLimits}
	for _, l := range t.Scene.Lanes {
		c.Lanes = append(c.Lanes, wire.LaneRegion{ID: l.ID, Road: l.Polygon, Image: img(l.Polygon), Direction: l.Direction(),
			Allowed: l.Allowed, Signal: l.Signal, StopLine: l.StopLine})
	}
	for _, s := range t.Scene.StopLines {
		ln := img(wire.Polygon{s.A, s.B})
		if len(ln) == 2 {
			c.StopLines = append(c.StopLines, wire.LineRegion{ID: s.ID, Road: [2]wire.Point{s.A, s.B}, Image: [2]wire.Point{ln[0], ln[1]}, Signal: s.Signal, Lanes: s.Lanes})
		}
	}
	for _, s := range t.Scene.Signals {
		var boxes [3]wire.Box
		for i, l := range s.Lamps() {
			p, _, ok := ph.Project(l)
			r := 0.0
			if ok {
				_, d, _ := ph.Project(l)
				r = ph.FocalPx * wire.LampRadiusM / d
			}
			boxes[i] = wire.Box{p[0] - r, p[1] - r, p[0] + r, p[1] + r}
		}
		c.Signals = append(c.Signals, wire.SignalRegion{ID: s.ID, Red: boxes[0], Amber: boxes[1], Green: boxes[2], Lanes: s.Lanes})
	}
	for _, z := range t.Scene.Sidewalks {
		c.Sidewalks = append(c.Sidewalks, wire.ZoneRegion{ID: z.ID, Road: z.Polygon, Image: img(z.Polygon)})
	}
	for _, z := range t.Scene.NoParking {
		c.NoParking = append(c.NoParking, wire.ZoneRegion{ID: z.ID, Road: z.Polygon, Image: img(z.Polygon), ThresholdS: z.ThresholdS})
	}
	return c, nil
}

// codecOf is the library's name of the encoder's codec.
func codecOf(o encode.Options) string {
	if o.Codec == "h265" {
		return library.CodecH265
	}
	return ""
}
