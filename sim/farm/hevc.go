package farm

import (
	"fmt"

	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/pion/rtp"

	"github.com/trafficsim/trafficsim/synth/library"
)

// packetizer is gortsplib's RTP packetizer for the clip's codec (RFC 6184 or RFC 7798).
type packetizer interface {
	Encode(nalus [][]byte) ([]*rtp.Packet, error)
}

func (cl *clip) packetizer(codec string, ssrc *uint32, seq *uint16) (packetizer, error) {
	switch codec {
	case "", library.CodecH264:
		e := &rtph264.Encoder{PayloadType: 96, SSRC: ssrc, InitialSequenceNumber: seq, PacketizationMode: 1, PayloadMaxSize: rtpPayloadMax}
		return e, e.Init()
	case library.CodecH265:
		cl.h265 = true
		e := &rtph265.Encoder{PayloadType: 96, SSRC: ssrc, InitialSequenceNumber: seq, PayloadMaxSize: rtpPayloadMax}
		return e, e.Init()
	}
	return nil, fmt.Errorf("codec %q: the farm serves h264 and h265", codec)
}

// keepHEVC notes the parameter sets of an H.265 NAL unit (for the SDP) and says whether it is
// sent (access unit delimiters are not).
func (cl *clip) keepHEVC(n []byte) bool {
	switch h265.NALUType((n[0] >> 1) & 0x3f) {
	case h265.NALUType_VPS_NUT:
		if cl.vps == nil {
			cl.vps = append([]byte(nil), n...)
		}
	case h265.NALUType_SPS_NUT:
		if cl.sps == nil {
			cl.sps = append([]byte(nil), n...)
		}
	case h265.NALUType_PPS_NUT:
		if cl.pps == nil {
			cl.pps = append([]byte(nil), n...)
		}
	case h265.NALUType_AUD_NUT:
		return false
	}
	return true
}
