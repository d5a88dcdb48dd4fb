package decode

// #cgo pkg-config: libavcodec libavutil
// #include <libavcodec/avcodec.h>
// #include <libavutil/frame.h>
// #include <libavutil/pixfmt.h>
//
// static int dec_send(AVCodecContext *c, uint8_t *data, int size) {
//   AVPacket *p = av_packet_alloc();
//   if (!p) return AVERROR(ENOMEM);
//   p->data = data;
//   p->size = size;
//   int r = avcodec_send_packet(c, p);
//   p->data = NULL; p->size = 0;
//   av_packet_free(&p);
//   return r;
// }
// static int is_eagain(int r) { return r == AVERROR(EAGAIN); }
// static int is_eof(int r) { return r == AVERROR_EOF; }
import "C"

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"unsafe"
)

// Frame is one decoded picture in planar YUV 4:2:0: Y at full size, Cb and Cr at half size
// (rounded up). Planes are tightly packed (stride = width). Buffers are reused by Decode.
type Frame struct {
	Width, Height int
	Y             []byte
	Cb, Cr        []byte
}

// CW and CH are the chroma plane sizes.
func (f *Frame) CW() int { return (f.Width + 1) / 2 }

// CH is the chroma plane height.
func (f *Frame) CH() int { return (f.Height + 1) / 2 }

// Options tune the decoder.
type Options struct {
	// Threads is libavcodec's thread count for this stream. Default 1: a device decodes many
	// streams, one goroutine each, so frame threading would only add latency.
	Threads int
	// SkipLoopFilter skips the deblocking filter (about 20-30% faster, slightly blockier
	// pictures). Default false.
	SkipLoopFilter bool
	// Codec is "h264" (default) or "h265" (libavcodec's HEVC decoder).
	Codec string
}

// Decoder decodes one H.264 stream. Not safe for concurrent use.
type Decoder struct {
	ctx   *C.AVCodecContext
	frame *C.AVFrame
}

// Errors returned by Decode.
var (
	ErrClosed = errors.New("decode: decoder closed")
	ErrFormat = errors.New("decode: unsupported pixel format (want yuv420p/yuvj420p)")
)

// New opens an H.264 (or, with Options.Codec, H.265) decoder.
func New(o Options) (*Decoder, error) {
	if o.Threads <= 0 {
		o.Threads = 1
	}
	id, name := uint32(C.AV_CODEC_ID_H264), "H.264"
	switch o.Codec {
	case "", "h264":
	case "h265":
		id, name = uint32(C.AV_CODEC_ID_HEVC), "H.265"
	default:
		return nil, fmt.Errorf("decode: codec %q: want h264 or h265", o.Codec)
	}
	codec := C.avcodec_find_decoder(id)
	if codec == nil {
		return nil, fmt.Errorf("decode: libavcodec has no %s decoder", name)
	}
	ctx := C.avcodec_alloc_context3(codec)
	if ctx == nil {
		return nil, errors.New("decode: avcodec_alloc_context3 failed")
	}
	ctx.thread_count = C.int(o.Threads)
	ctx.flags |= C.AV_CODEC_FLAG_LOW_DELAY
	if o.SkipLoopFilter {
		ctx.skip_loop_filter = C.AVDISCARD_ALL
	}
	if r := C.avcodec_open2(ctx, codec, nil); r < 0 {
		C.avcodec_free_context(&ctx)
		return nil, fmt.Errorf("decode: avcodec_open2: %s", avErr(r))
	}
	fr := C.av_frame_alloc()
	if fr == nil {
		C.avcodec_free_context(&ctx)
		return nil, errors.New("decode: av_frame_alloc failed")
	}
	return &Decoder{ctx: ctx, frame: fr}, nil
}

// Decode feeds one Annex-B access unit and, when a picture comes out, copies it into dst and
// returns true. A corrupt unit returns an error; the decoder stays usable (the next keyframe
// resynchronises it).
func (d *Decoder) Decode(au []byte, dst *Frame) (bool, error) {
	if d.ctx == nil {
		return false, ErrClosed
	}
	if len(au) == 0 {
		return false, errors.New("decode: empty access unit")
	}
	// libavcodec reads up to AV_INPUT_BUFFER_PADDING_SIZE bytes past the end: give it a padded copy.
	buf := (*C.uint8_t)(C.av_malloc(C.size_t(len(au) + C.AV_INPUT_BUFFER_PADDING_SIZE)))
	if buf == nil {
		return false, errors.New("decode: out of memory")
	}
	defer C.av_free(unsafe.Pointer(buf))
	b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), len(au)+C.AV_INPUT_BUFFER_PADDING_SIZE)
	copy(b, au)
	clear(b[len(au):])
	if r := C.dec_send(d.ctx, buf, C.int(len(au))); r < 0 && C.is_eagain(r) == 0 {
		return false, fmt.Errorf("decode: send packet: %s", avErr(r))
	}
	r := C.avcodec_receive_frame(d.ctx, d.frame)
	if r < 0 {
		if C.is_eagain(r) != 0 || C.is_eof(r) != 0 {
			return false, nil
		}
		return false, fmt.Errorf("decode: receive frame: %s", avErr(r))
	}
	defer C.av_frame_unref(d.frame)
	if d.frame.format != C.AV_PIX_FMT_YUV420P && d.frame.format != C.AV_PIX_FMT_YUVJ420P {
		return false, ErrFormat
	}
	w, h := int(d.frame.width), int(d.frame.height)
	dst.Width, dst.Height = w, h
	cw, ch := (w+1)/2, (h+1)/2
	dst.Y = copyPlane(dst.Y, d.frame.data[0], int(d.frame.linesize[0]), w, h)
	dst.Cb = copyPlane(dst.Cb, d.frame.data[1], int(d.frame.linesize[1]), cw, ch)
	dst.Cr = copyPlane(dst.Cr, d.frame.data[2], int(d.frame.linesize[2]), cw, ch)
	runtime.KeepAlive(d)
	return true, nil
}

func copyPlane(dst []byte, src *C.uint8_t, stride, w, h int) []byte {
	if cap(dst) < w*h {
		dst = make([]byte, w*h)
	}
	dst = dst[:w*h]
	s := unsafe.Slice((*byte)(unsafe.Pointer(src)), stride*(h-1)+w)
	for y := 0; y < h; y++ {
		copy(dst[y*w:(y+1)*w], s[y*stride:y*stride+w])
	}
	return dst
}

// Close frees the decoder; it is safe to call twice.
func (d *Decoder) Close() {
	if d.ctx == nil {
		return
	}
	C.av_frame_free(&d.frame)
	C.avcodec_free_context(&d.ctx)
	d.ctx = nil
}

func avErr(r C.int) string {
	var buf [128]C.char
	C.av_strerror(r, &buf[0], C.size_t(len(buf)))
	return fmt.Sprintf("%s (%d)", C.GoString(&buf[0]), int(r))
}

// YCbCr views the frame as an image (no copy), e.g. for JPEG evidence or cropping.
func (f *Frame) YCbCr() *image.YCbCr {
	return &image.YCbCr{Y: f.Y, Cb: f.Cb, Cr: f.Cr, YStride: f.Width, CStride: f.CW(),
		SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, f.Width, f.Height)}
}

// Clone returns a deep copy (Decode reuses the buffers of dst).
func (f *Frame) Clone() *Frame {
	return &Frame{Width: f.Width, Height: f.Height, Y: append([]byte(nil), f.Y...),
		Cb: append([]byte(nil), f.Cb...), Cr: append([]byte(nil), f.Cr...)}
}
