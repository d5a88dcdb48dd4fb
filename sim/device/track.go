package device

import (
	"errors"

	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/pion/rtp"

	"github.com/trafficsim/trafficsim/sim/device/decode"
)

// videoTrack is a camera's video as the device reads it: H.264 or H.265, the same from the
// RTP packets to the Annex B access units the decoder takes.
type videoTrack struct {
	codec  string // decode.Options.Codec
	media  *description.Media
	forma  format.Format
	depack func(*rtp.Packet) ([][]byte, error)
	// partial says a depacketizer error only means "wait for more packets".
	partial      func(error) bool
	randomAccess func([][]byte) bool
	params       func() [][]byte // parameter sets to put before the first keyframe
}

// findTrack picks the H.264 track of a session, else the H.265 one.
func findTrack(desc *description.Session) (*videoTrack, error) {
	var f4 *format.H264
	if m := desc.FindFormat(&f4); m != nil {
		d, err := f4.CreateDecoder()
		if err != nil {
			return nil, err
		}
		return &videoTrack{codec: "h264", media: m, forma: f4, depack: d.Decode,
			partial: func(err error) bool {
				return errors.Is(err, rtph264.ErrMorePacketsNeeded) || errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious)
			},
			randomAccess: h264.IsRandomAccess,
			params: func() [][]byte {
				if f4.SPS != nil && f4.PPS != nil {
					return [][]byte{f4.SPS, f4.PPS}
				}
				return nil
			}}, nil
	}
	var f5 *format.H265
	if m := desc.FindFormat(&f5); m != nil {
		d, err := f5.CreateDecoder()
		if err != nil {
			return nil, err
		}
		return &videoTrack{codec: "h265", media: m, forma: f5, depack: d.Decode,
			partial: func(err error) bool {
				return errors.Is(err, rtph265.ErrMorePacketsNeeded) || errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious)
			},
			randomAccess: h265.IsRandomAccess,
			params: func() [][]byte {
				if f5.VPS != nil && f5.SPS != nil && f5.PPS != nil {
					return [][]byte{f5.VPS, f5.SPS, f5.PPS}
				}
				return nil
			}}, nil
	}
	return nil, errors.New("no H.264 or H.265 track")
}

// decoders keeps one decoder per codec for a camera (a camera may be re-configured).
type decoders struct {
	opts decode.Options
	by   map[string]*decode.Decoder
}

func (ds *decoders) get(codec string) (*decode.Decoder, error) {
	if d, ok := ds.by[codec]; ok {
		return d, nil
	}
	o := ds.opts
	o.Codec = codec
	d, err := decode.New(o)
	if err != nil {
		return nil, err
	}
	if ds.by == nil {
		ds.by = map[string]*decode.Decoder{}
	}
	ds.by[codec] = d
	return d, nil
}

func (ds *decoders) close() {
	for _, d := range ds.by {
		d.Close()
	}
}
