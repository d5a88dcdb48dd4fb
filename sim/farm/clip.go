package farm

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtp"

	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// rtpPayloadMax keeps an interleaved RTP packet under a typical MTU when the same packets go
// out over UDP.
const rtpPayloadMax = 1400

// clip is one library clip packetized once, shared read-only by every camera that plays it.
type clip struct {
	id     string
	dir    string // the library folder (preview.png)
	fps    float64
	sps    []byte
	pps    []byte
	vps    []byte // H.265 only
	h265   bool
	frames []clipFrame
	// cum[i] is the number of RTP packets in frames [0, i); cum[len(frames)] is per loop.
	cum        []int
	violations []wire.Violation
	cal        wire.Calibration
	bytes      int64 // payload bytes per loop
	lastKey    []int // index of the keyframe at or before each frame
	gopPos     []int // position of each frame in its GOP (0 at the keyframe)
	gopLen     []int // length of the GOP each frame belongs to
}

// index fills lastKey, gopPos and gopLen.
func (cl *clip) index() {
	n := len(cl.frames)
	cl.lastKey, cl.gopPos, cl.gopLen = make([]int, n), make([]int, n), make([]int, n)
	k := 0
	for i, f := range cl.frames {
		if f.key {
			k = i
		}
		cl.lastKey[i], cl.gopPos[i] = k, i-k
	}
	for i := n - 1; i >= 0; i-- {
		if i == n-1 || cl.frames[i+1].key {
			cl.gopLen[i] = cl.gopPos[i] + 1
		} else {
			cl.gopLen[i] = cl.gopLen[i+1]
		}
	}
}

// kept reports whether frame i is sent when only a share keep of each GOP goes out.
func (cl *clip) kept(i int, keep float64) bool {
	return float64(cl.gopPos[i]) < math.Ceil(keep*float64(cl.gopLen[i]))
}

// nextKey returns the first camera frame >= n that shows a keyframe of the clip.
func (cl *clip) nextKey(n, offset int64) int64 {
	for m := n; ; m++ {
		if _, fi := clipPos(m, offset, len(cl.frames)); cl.frames[fi].key {
			return m
		}
	}
}

// clipFrame is one access unit as ready interleaved RTP packets (channel 0, sequence number,
// timestamp and SSRC zero: each camera patches them while copying).
type clipFrame struct {
	wire []byte // $ ch len | RTP packet, repeated
	pkts []rtp.Packet
	key  bool
	offs []int // offset in wire of each packet's RTP header
}

// loadClip reads a clip, splits each access unit into NAL units and packetizes it with
// gortsplib's H.264 packetizer.
func loadClip(c *library.Clip) (*clip, error) {
	stream, err := c.Stream()
	if err != nil {
		return nil, err
	}
	fps := c.Index.FPS
	if fps <= 0 {
		fps = c.Meta.FPS
	}
	if fps <= 0 {
		return nil, fmt.Errorf("farm: clip %s: fps is %v", c.Meta.ID, fps)
	}
	ssrc := uint32(0)
	seq := uint16(0)
	cl := &clip{id: c.Meta.ID, dir: c.Dir, fps: fps, cum: make([]int, 0, len(c.Index.Frames)+1)}
	enc, err := cl.packetizer(c.Meta.Codec, &ssrc, &seq)
	if err != nil {
		return nil, fmt.Errorf("farm: clip %s: %w", c.Meta.ID, err)
	}
	total := 0
	for i, f := range c.Index.Frames {
		if f.Offset < 0 || f.Offset+int64(f.Size) > int64(len(stream)) {
			return nil, fmt.Errorf("farm: clip %s: frame %d lies outside stream.h264", c.Meta.ID, i)
		}
		var au h264.AnnexB
		if err := au.Unmarshal(c.AccessUnit(stream, i)); err != nil {
			return nil, fmt.Errorf("farm: clip %s: frame %d: %w", c.Meta.ID, i, err)
		}
		var nalus [][]byte
		for _, n := range au {
			if len(n) == 0 {
				continue
			}
			if cl.h265 {
				if cl.keepHEVC(n) {
					nalus = append(nalus, n)
				}
				continue
			}
			switch h264.NALUType(n[0] & 0x1f) {
			case h264.NALUTypeSPS:
				if cl.sps == nil {
					cl.sps = append([]byte(nil), n...)
				}
			case h264.NALUTypePPS:
				if cl.pps == nil {
					cl.pps = append([]byte(nil), n...)
				}
			case h264.NALUTypeAccessUnitDelimiter:
				continue
			}
			nalus = append(nalus, n)
		}
		pkts, err := enc.Encode(nalus)
		if err != nil {
			return nil, fmt.Errorf("farm: clip %s: frame %d: %w", c.Meta.ID, i, err)
		}
		cf := clipFrame{key: f.Key, pkts: make([]rtp.Packet, len(pkts))}
		size := 0
		for _, p := range pkts {
			size += 4 + p.MarshalSize()
		}
		cf.wire = make([]byte, 0, size)
		for j, p := range pkts {
			b, err := p.Marshal()
			if err != nil {
				return nil, err
			}
			cf.offs = append(cf.offs, len(cf.wire)+4)
			cf.wire = append(cf.wire, '$', 0, 0, 0)
			binary.BigEndian.PutUint16(cf.wire[len(cf.wire)-2:], uint16(len(b)))
			cf.wire = append(cf.wire, b...)
			pp := *p
			pp.Payload = cf.wire[cf.offs[j]+12 : cf.offs[j]+len(b)] // share the payload bytes
			cf.pkts[j] = pp
		}
		cl.cum = append(cl.cum, total)
		total += len(pkts)
		cl.bytes += int64(len(cf.wire))
		cl.frames = append(cl.frames, cf)
	}
	cl.cum = append(cl.cum, total)
	if cl.sps == nil || cl.pps == nil || cl.h265 && cl.vps == nil {
		return nil, fmt.Errorf("farm: clip %s: stream has no SPS/PPS", c.Meta.ID)
	}
	if !cl.frames[0].key {
		return nil, fmt.Errorf("farm: clip %s: first frame is not a keyframe", c.Meta.ID)
	}
	cl.index()
	tr, err := c.Truth()
	if err != nil {
		return nil, err
	}
	cl.violations = tr.Violations
	cal, err := c.Calibration()
	if err != nil {
		return nil, err
	}
	cl.cal = *cal
	if cl.cal.FPS == 0 {
		cl.cal.FPS = fps
	}
	return cl, nil
}

// format returns the SDP format of the clip, with its parameter sets.
func (cl *clip) format() format.Format {
	if cl.h265 {
		return &format.H265{PayloadTyp: 96, VPS: cl.vps, SPS: cl.sps, PPS: cl.pps}
	}
	return &format.H264{PayloadTyp: 96, SPS: cl.sps, PPS: cl.pps, PacketizationMode: 1}
}

// bitrate is the clip's mean bitrate in bits per second, RTP and framing included.
func (cl *clip) bitrate() float64 {
	return float64(cl.bytes*8) * cl.fps / float64(len(cl.frames))
}
