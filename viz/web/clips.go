package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// ThumbWidth is the width of wall thumbnails in pixels (the height keeps the aspect).
const ThumbWidth = 320

// clipView is what the UI serves of one library clip; each part is made once, on first use,
// and kept: thumbnails cost one decode of the clip, video one remux, truth one read.
type clipView struct {
	key      string // folder name, the clip id
	lc       *library.Clip
	thumbDir string // cache of thumbnails across processes; "" for none

	thumbOnce sync.Once
	thumbs    [][]byte // JPEG of frame k*every
	every     int
	thumbErr  error

	mp4Once sync.Once
	mp4     []byte
	codec   string // avc1.PPCCLL for MediaSource.isTypeSupported
	mp4Err  error

	truthOnce sync.Once
	truth     []byte // compact JSON: per frame [id, x0, y0, x1, y1, visible%] of each object
	truthErr  error

	cropMu sync.Mutex
	crops  map[string][]byte
}

func openClip(dir, thumbDir string) (*clipView, error) {
	lc, err := library.Open(dir)
	if err != nil {
		return nil, err
	}
	fps := lc.Index.FPS
	if fps <= 0 {
		fps = lc.Meta.FPS
	}
	lc.Index.FPS = fps
	return &clipView{key: lc.Meta.ID, lc: lc, thumbDir: thumbDir, every: max(int(math.Round(fps/2)), 1), crops: map[string][]byte{}}, nil
}

// frames returns the number of frames of the clip.
func (c *clipView) frames() int { return len(c.lc.Index.Frames) }

// thumbnails decodes the whole clip once and keeps a small JPEG every half second.
func (c *clipView) thumbnails() ([][]byte, error) {
	c.thumbOnce.Do(func() {
		if c.thumbs = readThumbs(c.thumbFile()); c.thumbs != nil {
			return
		}
		defer func() {
			if c.thumbErr == nil {
				writeThumbs(c.thumbFile(), c.thumbs)
			}
		}()
		c.thumbErr = c.decodeEach(func(i int, f *decode.Frame) error {
			if i%c.every != 0 {
				return nil
			}
			b, err := encodeJPEG(scale(f, ThumbWidth), 70)
			c.thumbs = append(c.thumbs, b)
			return err
		}, 0, c.frames()-1)
	})
	return c.thumbs, c.thumbErr
}

// decodeEach decodes frames from the keyframe at or before from up to to, calling f with
// the frames in [from, to].
func (c *clipView) decodeEach(f func(i int, fr *decode.Frame) error, from, to int) error {
	stream, err := c.lc.Stream()
	if err != nil {
		return err
	}
	start := from
	for start > 0 && !c.lc.Index.Frames[start].Key {
		start--
	}
	d, err := decode.New(decode.Options{Codec: c.lc.Meta.Codec})
	if err != nil {
		return err
	}
	defer d.Close()
	var fr decode.Frame
	for i := start; i <= to; i++ {
		ok, err := d.Decode(c.lc.AccessUnit(stream, i), &fr)
		if err != nil {
			return fmt.Errorf("web: clip %s frame %d: %w", c.key, i, err)
		}
		if !ok {
			return fmt.Errorf("web: clip %s frame %d: the decoder held the frame back", c.key, i)
		}
		if i >= from {
			if err := f(i, &fr); err != nil {
				return err
			}
		}
	}
	return nil
}

// crop returns the truth crop of a clip frame: the box with a margin, as JPEG.
func (c *clipView) crop(frame int, box wire.Box) ([]byte, error) {
	k := fmt.Sprintf("%d:%v", frame, box)
	c.cropMu.Lock()
	b, ok := c.crops[k]
	c.cropMu.Unlock()
	if ok {
		return b, nil
	}
	if frame < 0 || frame >= c.frames() {
		return nil, fmt.Errorf("web: clip %s has no frame %d", c.key, frame)
	}
	err := c.decodeEach(func(_ int, f *decode.Frame) error {
		img := f.YCbCr()
		w, h := box[2]-box[0], box[3]-box[1]
		r := image.Rect(int(box[0]-w/4), int(box[1]-h/4), int(box[2]+w/4), int(box[3]+h/4)).Intersect(img.Rect)
		if r.Empty() {
			return fmt.Errorf("web: box %v is outside the picture", box)
		}
		var err error
		b, err = encodeJPEG(img.SubImage(r), 85)
		return err
	}, frame, frame)
	if err != nil {
		return nil, err
	}
	c.cropMu.Lock()
	c.crops[k] = b
	c.cropMu.Unlock()
	return b, nil
}

// video remuxes the clip's H.264 into one fragmented MP4 (a fragment per GOP): the bytes the
// camera sends, not re-encoded.
func (c *clipView) video() ([]byte, string, error) {
	c.mp4Once.Do(func() { c.mp4, c.codec, c.mp4Err = c.remux() })
	return c.mp4, c.codec, c.mp4Err
}

func (c *clipView) remux() ([]byte, string, error) {
	if c.lc.Meta.Codec != "" && c.lc.Meta.Codec != library.CodecH264 {
		return nil, "", fmt.Errorf("web: clip %s is %s; the one-camera view plays H.264 clips only", c.key, c.lc.Meta.Codec)
	}
	stream, err := c.lc.Stream()
	if err != nil {
		return nil, "", err
	}
	const timescale = 90000
	dur := uint32(math.Round(timescale / c.lc.Index.FPS))
	var sps, pps []byte
	var parts []*fmp4.Part
	var cur *fmp4.PartTrack
	for i := range c.lc.Index.Frames {
		var au h264.AnnexB
		if err := au.Unmarshal(c.lc.AccessUnit(stream, i)); err != nil {
			return nil, "", fmt.Errorf("web: clip %s frame %d: %w", c.key, i, err)
		}
		var nalus [][]byte
		for _, n := range au {
			if len(n) == 0 {
				continue
			}
			switch h264.NALUType(n[0] & 0x1f) {
			case h264.NALUTypeSPS:
				if sps == nil {
					sps = n
				}
				continue
			case h264.NALUTypePPS:
				if pps == nil {
					pps = n
				}
				continue
			case h264.NALUTypeAccessUnitDelimiter:
				continue
			}
			nalus = append(nalus, n)
		}
		key := c.lc.Index.Frames[i].Key
		if key || cur == nil {
			cur = &fmp4.PartTrack{ID: 1, BaseTime: uint64(i) * uint64(dur)}
			parts = append(parts, &fmp4.Part{SequenceNumber: uint32(len(parts) + 1), Tracks: []*fmp4.PartTrack{cur}})
		}
		s := &fmp4.Sample{Duration: dur, IsNonSyncSample: !key}
		if err := s.FillH264(0, nalus); err != nil {
			return nil, "", err
		}
		cur.Samples = append(cur.Samples, s)
	}
	if len(sps) < 4 || pps == nil {
		return nil, "", fmt.Errorf("web: clip %s has no SPS/PPS", c.key)
	}
	var buf seekablebuffer.Buffer
	init := fmp4.Init{Tracks: []*fmp4.InitTrack{{ID: 1, TimeScale: timescale, Codec: &fmp4.CodecH264{SPS: sps, PPS: pps}}}}
	if err := init.Marshal(&buf); err != nil {
		return nil, "", err
	}
	out := bytes.Clone(buf.Bytes())
	for _, p := range parts {
		buf.Reset()
		if err := p.Marshal(&buf); err != nil {
			return nil, "", err
		}
		out = append(out, buf.Bytes()...)
	}
	return out, fmt.Sprintf("avc1.%02x%02x%02x", sps[1], sps[2], sps[3]), nil
}

// truthFrames is the clip's truth reduced to what the overlay draws.
func (c *clipView) truthFrames() ([]byte, error) {
	c.truthOnce.Do(func() {
		t, err := c.lc.Truth()
		if err != nil {
			c.truthErr = err
			return
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"fps":%g,"width":%d,"height":%d,"frames":[`, c.lc.Index.FPS, t.Width, t.Height)
		for i, f := range t.Frames {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			n := 0
			for _, o := range f.Objects {
				if o.Box.Area() == 0 || o.Visible <= 0 {
					continue
				}
				if n > 0 {
					b.WriteByte(',')
				}
				n++
				fmt.Fprintf(&b, "[%d,%.0f,%.0f,%.0f,%.0f,%.0f]", o.ID, o.Box[0], o.Box[1], o.Box[2], o.Box[3], o.Visible*100)
			}
			b.WriteByte(']')
		}
		b.WriteString("]}")
		c.truth = b.Bytes()
	})
	return c.truth, c.truthErr
}

// scale samples a frame down to width w (nearest neighbour on each plane: a thumbnail).
func scale(f *decode.Frame, w int) *image.YCbCr {
	h := f.Height * w / f.Width
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		sy := y * f.Height / h
		for x := range w {
			img.Y[y*img.YStride+x] = f.Y[sy*f.Width+x*f.Width/w]
		}
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := range ch {
		sy := min(y*f.CH()/ch, f.CH()-1)
		for x := range cw {
			sx := min(x*f.CW()/cw, f.CW()-1)
			img.Cb[y*img.CStride+x] = f.Cb[sy*f.CW()+sx]
			img.Cr[y*img.CStride+x] = f.Cr[sy*f.CW()+sx]
		}
	}
	return img
}

func encodeJPEG(img image.Image, q int) ([]byte, error) {
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q})
	return b.Bytes(), err
}

// thumbFile is the clip's thumbnail cache: clip ids are content hashes, so it never goes stale.
func (c *clipView) thumbFile() string {
	if c.thumbDir == "" {
		return ""
	}
	return filepath.Join(c.thumbDir, fmt.Sprintf("%s-%d-%d.thumbs", c.key, ThumbWidth, c.every))
}

// readThumbs reads a cache file: JPEGs each after its 4-byte big-endian length; nil when
// there is none or it is damaged.
func readThumbs(path string) [][]byte {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 || int(binary.BigEndian.Uint32(b)) > len(b)-4 {
			return nil
		}
		n := int(binary.BigEndian.Uint32(b))
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out
}

// writeThumbs writes a cache file (atomically: a temporary file renamed); failures only cost
// the next process a decode.
func writeThumbs(path string, thumbs [][]byte) {
	if path == "" || os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	var b []byte
	for _, t := range thumbs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(t)))
		b = append(b, t...)
	}
	tmp := path + ".tmp"
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, path)
	}
}
