package detect

import (
	"bytes"
	"image"
	"image/jpeg"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// evidenceJPEG crops the frame around box (half a box of margin), shrinks it to at most 320 px
// wide by whole-pixel subsampling, and encodes it at quality 75.
func evidenceJPEG(f *decode.Frame, b wire.Box) ([]byte, error) {
	mw, mh := (b[2]-b[0])/2, (b[3]-b[1])/2
	r := image.Rect(int(b[0]-mw), int(b[1]-mh), int(b[2]+mw), int(b[3]+mh)).Intersect(image.Rect(0, 0, f.Width, f.Height))
	k := (r.Dx() + 319) / 320
	src := f.YCbCr()
	var img image.Image = src.SubImage(r)
	if k > 1 {
		dst := image.NewYCbCr(image.Rect(0, 0, r.Dx()/k, r.Dy()/k), image.YCbCrSubsampleRatio444)
		for y := 0; y < dst.Rect.Dy(); y++ {
			for x := 0; x < dst.Rect.Dx(); x++ {
				sx, sy := r.Min.X+x*k, r.Min.Y+y*k
				dst.Y[y*dst.YStride+x] = src.Y[src.YOffset(sx, sy)]
				ci := src.COffset(sx, sy)
				dst.Cb[y*dst.CStride+x], dst.Cr[y*dst.CStride+x] = src.Cb[ci], src.Cr[ci]
			}
		}
		img = dst
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
