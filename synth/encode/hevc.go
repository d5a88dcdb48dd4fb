package encode

// #cgo pkg-config: libavcodec libavutil
// #include <stdio.h>
// #include <libavcodec/avcodec.h>
// #include <libavutil/opt.h>
// #include <libavutil/frame.h>
//
// static AVCodecContext *hevc_open(int w, int h, int fps, int gop, int kbps, const char *preset, int *err) {
//   const AVCodec *c = avcodec_find_encoder_by_name("libx265");
//   if (!c) { *err = AVERROR_ENCODER_NOT_FOUND; return NULL; }
//   AVCodecContext *ctx = avcodec_alloc_context3(c);
//   if (!ctx) { *err = AVERROR(ENOMEM); return NULL; }
//   ctx->width = w; ctx->height = h;
//   ctx->time_base = (AVRational){1, fps}; ctx->framerate = (AVRational){fps, 1};
//   ctx->pix_fmt = AV_PIX_FMT_YUV420P; ctx->gop_size = gop; ctx->max_b_frames = 0;
//   ctx->bit_rate = (int64_t)kbps * 1000;
//   av_opt_set(ctx->priv_data, "preset", preset, 0);
//   av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
//   char params[160];
//   snprintf(params, sizeof params, "keyint=%d:min-keyint=%d:scenecut=0:repeat-headers=1:frame-threads=1:log-level=error", gop, gop);
//   av_opt_set(ctx->priv_data, "x265-params", params, 0);
//   int r = avcodec_open2(ctx, c, NULL);
//   if (r < 0) { *err = r; avcodec_free_context(&ctx); return NULL; }
//   return ctx;
// }
// static int hevc_eagain(int r) { return r == AVERROR(EAGAIN); }
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

// hevcEncoder is libx265 through libavcodec: H.265 Annex B, one access unit per frame
// (zerolatency: no B-frames, no lookahead), parameter sets before every keyframe.
type hevcEncoder struct {
	ctx   *C.AVCodecContext
	frame *C.AVFrame
	pkt   *C.AVPacket
	pts   int64
}

func newHEVC(o Options) (*hevcEncoder, error) {
	preset := C.CString(o.Preset)
	defer C.free(unsafe.Pointer(preset))
	var cerr C.int
	ctx := C.hevc_open(C.int(o.Width), C.int(o.Height), C.int(o.FPS), C.int(o.GOP), C.int(o.BitrateKbps), preset, &cerr)
	if ctx == nil {
		return nil, fmt.Errorf("encode: libx265 through libavcodec: %s", avErr(cerr))
	}
	e := &hevcEncoder{ctx: ctx, frame: C.av_frame_alloc(), pkt: C.av_packet_alloc()}
	if e.frame == nil || e.pkt == nil {
		e.close()
		return nil, errors.New("encode: out of memory")
	}
	e.frame.width, e.frame.height, e.frame.format = C.int(o.Width), C.int(o.Height), C.AV_PIX_FMT_YUV420P
	if r := C.av_frame_get_buffer(e.frame, 0); r < 0 {
		e.close()
		return nil, fmt.Errorf("encode: %s", avErr(r))
	}
	return e, nil
}

func avErr(r C.int) string {
	buf := make([]C.char, 128)
	C.av_strerror(r, &buf[0], C.size_t(len(buf)))
	return C.GoString(&buf[0])
}

// encode converts img to YUV 4:2:0 (BT.601, limited range) and returns its access unit.
func (e *hevcEncoder) encode(img image.Image) ([]byte, bool, error) {
	if r := C.av_frame_make_writable(e.frame); r < 0 {
		return nil, false, fmt.Errorf("encode: %s", avErr(r))
	}
	w, h := int(e.frame.width), int(e.frame.height)
	ys, us, vs := int(e.frame.linesize[0]), int(e.frame.linesize[1]), int(e.frame.linesize[2])
	Y := unsafe.Slice((*byte)(unsafe.Pointer(e.frame.data[0])), ys*h)
	U := unsafe.Slice((*byte)(unsafe.Pointer(e.frame.data[1])), us*((h+1)/2))
	V := unsafe.Slice((*byte)(unsafe.Pointer(e.frame.data[2])), vs*((h+1)/2))
	b := img.Bounds()
	rgba, _ := img.(*image.RGBA)
	at := func(x, y int) (int, int, int) {
		if rgba != nil {
			i := rgba.PixOffset(b.Min.X+x, b.Min.Y+y)
			return int(rgba.Pix[i]), int(rgba.Pix[i+1]), int(rgba.Pix[i+2])
		}
		r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return int(r >> 8), int(g >> 8), int(bb >> 8)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl := at(x, y)
			Y[y*ys+x] = byte((66*r + 129*g + 25*bl + 128 + 16<<8) >> 8)
			if x%2 == 0 && y%2 == 0 {
				U[y/2*us+x/2] = byte((-38*r - 74*g + 112*bl + 128 + 128<<8) >> 8)
				V[y/2*vs+x/2] = byte((112*r - 94*g - 18*bl + 128 + 128<<8) >> 8)
			}
		}
	}
	e.frame.pts = C.int64_t(e.pts)
	e.pts++
	if r := C.avcodec_send_frame(e.ctx, e.frame); r < 0 {
		return nil, false, fmt.Errorf("encode: %s", avErr(r))
	}
	r := C.avcodec_receive_packet(e.ctx, e.pkt)
	if C.hevc_eagain(r) != 0 {
		return nil, false, errors.New("encode: encoder delayed a frame (zero latency expected)")
	}
	if r < 0 {
		return nil, false, fmt.Errorf("encode: %s", avErr(r))
	}
	defer C.av_packet_unref(e.pkt)
	out := C.GoBytes(unsafe.Pointer(e.pkt.data), e.pkt.size)
	return out, e.pkt.flags&C.AV_PKT_FLAG_KEY != 0, nil
}

func (e *hevcEncoder) close() {
	if e.pkt != nil {
		C.av_packet_free(&e.pkt)
	}
	if e.frame != nil {
		C.av_frame_free(&e.frame)
	}
	if e.ctx != nil {
		C.avcodec_free_context(&e.ctx)
	}
}
