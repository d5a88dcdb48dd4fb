package encode

import (
	"bytes"
	"errors"
	"fmt"
	"image"

	"github.com/gen2brain/x264-go"
)

// Options configure the encoder; zero fields take the documented defaults.
type Options struct {
	Width, Height int    // frame size, required, even
	FPS           int    // frames per second; default 25
	BitrateKbps   int    // target average bitrate; default 2000
	GOP           int    // frames between keyframes; default 2 s worth (2*FPS)
	Profile       string // baseline, main or high; default main
	Preset        string // x264 (or x265) preset; default ultrafast
	// Codec is "h264" (x264, default) or "h265" (libx265 through libavcodec).
	Codec string
}

func (o *Options) defaults() error {
	if o.Width <= 0 || o.Height <= 0 || o.Width%2 != 0 || o.Height%2 != 0 {
		return fmt.Errorf("encode: frame size %dx%d must be positive and even", o.Width, o.Height)
	}
	if o.FPS == 0 {
		o.FPS = 25
	}
	if o.BitrateKbps == 0 {
		o.BitrateKbps = 2000
	}
	if o.GOP == 0 {
		o.GOP = 2 * o.FPS
	}
	if o.Profile == "" {
		o.Profile = "main"
	}
	if o.Preset == "" {
		o.Preset = "ultrafast"
	}
	switch o.Codec {
	case "", "h264":
	case "h265":
		if o.Profile != "main" {
			return fmt.Errorf("encode: H.265 profile %q: only main", o.Profile)
		}
		return nil
	default:
		return fmt.Errorf("encode: unknown codec %q (want h264 or h265)", o.Codec)
	}
	switch o.Profile {
	case "baseline", "main", "high":
	default:
		return fmt.Errorf("encode: unknown profile %q (want baseline, main or high)", o.Profile)
	}
	return nil
}

// Encoder encodes one stream. Not safe for concurrent use.
type Encoder struct {
	opts Options
	enc  *x264.Encoder
	buf  bytes.Buffer
	hdr  []byte // SPS/PPS written at open; x264 repeats them before every IDR as well
	n    int
	hevc *hevcEncoder // Codec h265 instead of x264
}

// New opens an encoder. Zero latency tuning: one access unit out for every frame in, no B-frames.
func New(opts Options) (*Encoder, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	e := &Encoder{opts: opts}
	if opts.Codec == "h265" {
		h, err := newHEVC(opts)
		if err != nil {
			return nil, err
		}
		e.hevc = h
		return e, nil
	}
	enc, err := x264.NewEncoder(&e.buf, &x264.Options{
		Width: opts.Width, Height: opts.Height, FrameRate: opts.FPS,
		Tune: "zerolatency", Preset: opts.Preset, Profile: opts.Profile,
		KeyInt: opts.GOP, RateControl: "abr", Bitrate: opts.BitrateKbps,
		RateMax: float32(opts.BitrateKbps) * 1.5, VbvBufferSize: opts.BitrateKbps,
		LogLevel: x264.LogError,
	})
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	e.enc = enc
	e.hdr = append([]byte(nil), e.buf.Bytes()...)
	e.buf.Reset()
	return e, nil
}

// Options returns the options in force (defaults filled in).
func (e *Encoder) Options() Options { return e.opts }

// Encode encodes one frame and returns its access unit in Annex B form (valid until the next
// call) and whether it is a keyframe (IDR, preceded by SPS and PPS).
func (e *Encoder) Encode(img image.Image) (au []byte, key bool, err error) {
	if b := img.Bounds(); b.Dx() != e.opts.Width || b.Dy() != e.opts.Height {
		return nil, false, fmt.Errorf("encode: frame %dx%d, encoder %dx%d", b.Dx(), b.Dy(), e.opts.Width, e.opts.Height)
	}
	if e.hevc != nil {
		e.n++
		return e.hevc.encode(img)
	}
	e.buf.Reset()
	if err := e.enc.Encode(img); err != nil {
		return nil, false, fmt.Errorf("encode: frame %d: %w", e.n, err)
	}
	e.n++
	out := e.buf.Bytes()
	if len(out) == 0 {
		return nil, false, errors.New("encode: encoder delayed a frame (zero latency expected)")
	}
	key = HasIDR(out)
	if key && !HasSPS(out) {
		// the first IDR follows the headers written at open
		out = append(append([]byte(nil), e.hdr...), out...)
	}
	return out, key, nil
}

// Close frees the encoder.
func (e *Encoder) Close() error {
	if e.hevc != nil {
		e.hevc.close()
		return nil
	}
	return e.enc.Close()
}

// NALTypes returns the NAL unit types of an Annex B buffer, in order.
func NALTypes(b []byte) []byte {
	var out []byte
	for i := 0; i+3 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && (b[i+2] == 1 || (b[i+2] == 0 && i+4 < len(b) && b[i+3] == 1)) {
			j := i + 3
			if b[i+2] == 0 {
				j = i + 4
			}
			if j < len(b) {
				out = append(out, b[j]&0x1f)
			}
			i = j
		}
	}
	return out
}

func has(b []byte, t byte) bool {
	for _, n := range NALTypes(b) {
		if n == t {
			return true
		}
	}
	return false
}

// HasIDR reports whether the access unit holds an IDR slice (NAL type 5).
func HasIDR(b []byte) bool { return has(b, 5) }

// HasSPS reports whether the access unit holds a sequence parameter set (NAL type 7).
func HasSPS(b []byte) bool { return has(b, 7) }
