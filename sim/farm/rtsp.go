package farm

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/conn"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/headers"
	"github.com/bluenviron/gortsplib/v5/pkg/ntp"
)

// The fast path: RTSP signalling with gortsplib's protocol packages, then one goroutine per
// reader that copies each pre-packetized frame, patches sequence number, timestamp and SSRC,
// and sends the frame (with an RTCP sender report in front) in one write.

const realm = "trafficsim"

// maxSleep bounds how long a sender sleeps before it looks at its stop flags.
const maxSleep = 50 * time.Millisecond

var digestOnly = []auth.VerifyMethod{auth.VerifyMethodDigestMD5}

func (f *Farm) accept() {
	defer f.wg.Done()
	for {
		nc, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		if f.ctx.Err() != nil {
			f.mu.Unlock()
			nc.Close()
			return
		}
		limit := f.cfg.MaxConns
		if limit <= 0 {
			limit = 1024 + 4*len(f.cams)
		}
		if len(f.conns) >= limit {
			// thousands of half-open connections would otherwise each hold a goroutine and buffers
			f.mu.Unlock()
			f.refusedConns.Add(1)
			nc.Close()
			continue
		}
		f.conns[nc] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()
		go f.serveConn(nc)
	}
}

// session is one RTSP connection of the fast path (one camera per connection).
type session struct {
	f       *Farm
	conn    net.Conn
	wmu     sync.Mutex // serialises responses and frames
	nonce   string
	cam     *camera
	id      string
	ch      int // interleaved RTP channel; RTCP is ch+1
	stopped atomic.Bool
	done    chan struct{}
	played  bool
}

func (f *Farm) serveConn(nc net.Conn) {
	defer f.wg.Done()
	s := &session{f: f, conn: nc}
	defer func() {
		s.stopPlay()
		nc.Close()
		f.mu.Lock()
		delete(f.conns, nc)
		f.mu.Unlock()
	}()
	s.nonce, _ = auth.GenerateNonce()
	rc := conn.NewConn(bufio.NewReaderSize(nc, 4096), nc)
	for {
		switch {
		case s.cam == nil:
			// Before SETUP a silent client is dropped soon (half-open connections are cheap to make).
			nc.SetReadDeadline(time.Now().Add(f.cfg.SetupTimeout))
		case !s.played:
			nc.SetReadDeadline(time.Now().Add(60 * time.Second))
		default:
			// while playing over TCP the connection itself shows the reader is alive (many
			// clients send no keep-alive then)
			nc.SetReadDeadline(time.Time{})
		}
		msg, err := rc.Read()
		if err != nil {
			return
		}
		req, ok := msg.(*base.Request)
		if !ok {
			continue // RTCP receiver reports and anything else interleaved
		}
		cseq := req.Header["CSeq"]
		var res *base.Response
		closeAfter := false
		if len(cseq) != 1 || !digits(cseq[0]) {
			// RFC 2326 12.17: every request carries exactly one CSeq; without one there is
			// nothing to match an answer to
			f.rejected.Add(1)
			res, cseq = &base.Response{StatusCode: base.StatusBadRequest}, nil
		} else if res, closeAfter = s.handle(req); res == nil {
			return // a rebooting camera drops the connection
		}
		if res.Header == nil {
			res.Header = base.Header{}
		}
		if cseq != nil {
			res.Header["CSeq"] = cseq
		}
		res.Header["Server"] = base.HeaderValue{"trafficsim-farm"}
		if s.id != "" {
			res.Header["Session"] = headers.Session{Session: s.id, Timeout: ptr(uint(60))}.Marshal()
		}
		buf, _ := res.Marshal()
		s.wmu.Lock()
		nc.SetWriteDeadline(time.Now().Add(f.cfg.WriteTimeout))
		_, err = nc.Write(buf)
		s.wmu.Unlock()
		if err != nil || closeAfter {
			return
		}
		if req.Method == base.Play && res.StatusCode == base.StatusOK && !s.played {
			s.startPlay()
		}
	}
}

func ptr[T any](v T) *T { return &v }

// digits reports whether s is a non-empty run of at most 9 decimal digits (a CSeq).
func digits(s string) bool {
	if len(s) == 0 || len(s) > 9 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// handle answers one request; a nil response drops the connection.
func (s *session) handle(req *base.Request) (*base.Response, bool) {
	f := s.f
	switch req.Method {
	case base.Options:
		return &base.Response{StatusCode: base.StatusOK, Header: base.Header{
			"Public": base.HeaderValue{"OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"}}}, false
	case base.GetParameter, base.SetParameter:
		return &base.Response{StatusCode: base.StatusOK}, false
	case base.Teardown:
		return &base.Response{StatusCode: base.StatusOK}, true
	case base.Describe, base.Setup, base.Play:
	default:
		f.rejected.Add(1)
		return &base.Response{StatusCode: base.StatusNotImplemented}, false
	}
	if req.URL == nil {
		f.rejected.Add(1)
		return &base.Response{StatusCode: base.StatusBadRequest}, true
	}
	c := f.cameraByPath(req.URL.Path)
	known := c != nil && (s.cam == nil || c == s.cam) && c.transport == TransportTCP
	if known {
		// a camera that is down or rebooting answers nobody, with or without credentials
		st := faultsAt(c.faults, f.cfg.TimeNow().Sub(c.start))
		if st.reboot {
			return nil, true
		}
		if st.down {
			return &base.Response{StatusCode: base.StatusServiceUnavailable}, true
		}
	}
	if !f.cfg.NoAuth {
		// An unknown path is challenged like a known one with wrong credentials: a 404 would
		// tell anyone without credentials which cameras exist. A digest answer replayed on the
		// same connection is accepted (that takes the connection itself); the nonce is per
		// connection, so it is refused on any other (docs/security.md).
		if !known || auth.Verify(req, c.user, c.pass, digestOnly, realm, s.nonce) != nil {
			f.rejected.Add(1)
			return &base.Response{StatusCode: base.StatusUnauthorized, Header: base.Header{
				"WWW-Authenticate": auth.GenerateWWWAuthenticate(digestOnly, realm, s.nonce)}}, false
		}
	}
	if !known {
		f.rejected.Add(1)
		return &base.Response{StatusCode: base.StatusNotFound}, false
	}
	switch req.Method {
	case base.Describe:
		sdp, err := sessionDescription(c.clip.format()).Marshal()
		if err != nil {
			return &base.Response{StatusCode: base.StatusInternalServerError}, true
		}
		return &base.Response{StatusCode: base.StatusOK, Header: base.Header{
			"Content-Base": base.HeaderValue{req.URL.String() + "/"},
			"Content-Type": base.HeaderValue{"application/sdp"},
		}, Body: sdp}, false
	case base.Setup:
		if tr := trackOf(req.URL.Path); tr != "" && tr != "trackID=0" {
			// one track per camera (sessionDescription); gortsplib's server refuses others too
			f.rejected.Add(1)
			return &base.Response{StatusCode: base.StatusBadRequest}, false
		}
		var ths headers.Transports
		if err := ths.Unmarshal(req.Header["Transport"]); err != nil {
			f.rejected.Add(1)
			return &base.Response{StatusCode: base.StatusBadRequest}, false
		}
		var th *headers.Transport
		for i := range ths {
			if ths[i].Protocol == headers.TransportProtocolTCP {
				th = &ths[i]
				break
			}
		}
		if th == nil {
			// UDP cameras are served by gortsplib's Server; a client falls back to TCP here.
			return &base.Response{StatusCode: base.StatusUnsupportedTransport}, false
		}
		s.ch = 0
		if ids := th.InterleavedIDs; ids != nil {
			// channels are one byte on the wire, RTCP on the next: 0-1 up to 254-255
			if ids[0] < 0 || ids[0] > 254 || ids[1] != ids[0]+1 {
				f.rejected.Add(1)
				return &base.Response{StatusCode: base.StatusUnsupportedTransport}, false
			}
			s.ch = ids[0]
		}
		s.cam = c
		if s.id == "" {
			s.id = strconv.FormatUint(c.seed^uint64(time.Now().UnixNano()), 16)
		}
		d := headers.TransportDeliveryUnicast
		out := headers.Transport{Protocol: headers.TransportProtocolTCP, Delivery: &d, InterleavedIDs: &[2]int{s.ch, s.ch + 1}, SSRC: ptr(c.ssrc)}
		return &base.Response{StatusCode: base.StatusOK, Header: base.Header{"Transport": out.Marshal()}}, false
	default: // PLAY
		if s.cam == nil {
			return &base.Response{StatusCode: base.StatusMethodNotValidInThisState}, false
		}
		return &base.Response{StatusCode: base.StatusOK, Header: base.Header{
			"Range": headers.Range{Value: &headers.RangeNPT{Start: 0}}.Marshal()}}, false
	}
}

// trackOf is what follows /cam/<id>/ in a path ("" for the camera itself).
func trackOf(path string) string {
	const prefix = "/cam/"
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return ""
	}
	_, tr, _ := strings.Cut(rest, "/")
	return tr
}

// sessionDescription is the SDP of a camera: one H.264 video track with its parameter sets.
func sessionDescription(fo format.Format) *description.Session {
	return &description.Session{Title: "trafficsim camera", Medias: []*description.Media{{
		Type: description.MediaTypeVideo, Control: "trackID=0", Formats: []format.Format{fo}}}}
}

func (s *session) startPlay() {
	s.played = true
	c := s.cam
	c.mu.Lock()
	c.sessions[s] = struct{}{}
	c.mu.Unlock()
	c.readers.Add(1)
	s.done = make(chan struct{})
	go s.play()
}

func (s *session) stopPlay() {
	if !s.played {
		return
	}
	s.stopped.Store(true)
	<-s.done
	c := s.cam
	c.mu.Lock()
	delete(c.sessions, s)
	c.mu.Unlock()
	c.readers.Add(-1)
}

// play sends the camera's frames from the next keyframe on, each at its due time.
func (s *session) play() {
	defer close(s.done)
	c, f := s.cam, s.f
	fps, frames := c.clip.fps, len(c.clip.frames)
	now := f.cfg.TimeNow()
	n := c.clip.nextKey(FramesDue(now.Sub(c.start), fps), c.offset)
	seq := int64(c.seq) + c.clip.packetsBefore(n, c.offset)
	buf := make([]byte, 0, 16<<10) // grows to the largest frame
	var sent, octets uint32
	var deadline time.Time
	for {
		due := FrameDue(c.start, fps, n)
		st := faultsAt(c.faults, due.Sub(c.start))
		if st.down || st.reboot {
			s.conn.Close()
			return
		}
		sendAt := due
		if st.jitter > 0 {
			sendAt = due.Add(time.Duration(hash01(c.seed, 1, uint64(n)) * float64(st.jitter)))
		}
		// Sleep in steps of at most maxSleep and look at the stop flags after each: cheaper
		// per frame than a select over a timer and stop channels (the profile's 8%).
		for {
			wait := sendAt.Sub(f.cfg.TimeNow())
			if s.stopped.Load() || c.removed.Load() {
				return
			}
			if wait <= 0 {
				break
			}
			time.Sleep(min(wait, maxSleep))
		}
		now := f.cfg.TimeNow()
		if now.Sub(sendAt) > f.cfg.LateSkip {
			// Behind (a slow reader): jump to the frame due now; the gap shows as RTP loss.
			m := FramesDue(now.Sub(c.start), fps) - 1
			if m > n {
				c.skipped.Add(m - n)
				seq += c.clip.packetsBefore(m, c.offset) - c.clip.packetsBefore(n, c.offset)
				n = m
				continue
			}
		}
		_, fi := clipPos(n, c.offset, frames)
		if st.keep > 0 && !c.clip.kept(fi, st.keep) {
			n++ // a lower bitrate: the frame is never sent, so no sequence numbers are used
			continue
		}
		cf := &c.clip.frames[fi]
		if st.frozen {
			_, fw := clipPos(FramesDue(st.frozenFrom, fps)-1, c.offset, frames)
			cf = &c.clip.frames[c.clip.lastKey[fw]]
		}
		ssrc := c.ssrc + uint32(st.reboots)*0x9e3779b1
		ts := rtpTime(c.ts, fps, n)
		buf = buf[:0]
		buf = appendSR(buf, s.ch+1, ssrc, due.Add(st.skew), ts, sent, octets)
		for j, off := range cf.offs {
			end := len(cf.wire)
			if j+1 < len(cf.offs) {
				end = cf.offs[j+1] - 4
			}
			q := uint16(seq)
			seq++
			if st.loss > 0 && hash01(c.seed, 2, uint64(n), uint64(j)) < st.loss {
				continue
			}
			start := len(buf)
			buf = append(buf, cf.wire[off-4:end]...)
			buf[start+1] = byte(s.ch)
			h := buf[start+4:]
			binary.BigEndian.PutUint16(h[2:], q)
			binary.BigEndian.PutUint32(h[4:], ts)
			binary.BigEndian.PutUint32(h[8:], ssrc)
			sent++
			octets += uint32(end - off - 12)
		}
		s.wmu.Lock()
		if deadline.Sub(now) < f.cfg.WriteTimeout/2 {
			// Moving the deadline costs a timer update: do it every WriteTimeout/2, not per frame.
			deadline = now.Add(f.cfg.WriteTimeout)
			s.conn.SetWriteDeadline(deadline)
		}
		_, err := s.conn.Write(buf)
		s.wmu.Unlock()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.conn.Close()
			}
			return
		}
		c.frames.Add(1)
		c.bytes.Add(int64(len(buf)))
		c.noteLate(f.cfg.TimeNow().Sub(sendAt))
		n++
	}
}

// appendSR appends an interleaved RTCP sender report mapping RTP time ts to wall time wall.
func appendSR(buf []byte, ch int, ssrc uint32, wall time.Time, ts, packets, octets uint32) []byte {
	var b [4 + 28]byte
	b[0], b[1], b[3] = '$', byte(ch), 28
	r := b[4:]
	r[0], r[1], r[3] = 0x80, 200, 6
	binary.BigEndian.PutUint32(r[4:], ssrc)
	binary.BigEndian.PutUint64(r[8:], ntp.Encode(wall))
	binary.BigEndian.PutUint32(r[16:], ts)
	binary.BigEndian.PutUint32(r[20:], packets)
	binary.BigEndian.PutUint32(r[24:], octets)
	return append(buf, b[:]...)
}
