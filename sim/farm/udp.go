package farm

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
	"github.com/bluenviron/gortsplib/v5/pkg/ntp"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// The UDP path: cameras whose transport is udp are served by gortsplib's Server (which speaks
// TCP too). One pacing goroutine per camera writes each frame to the camera's ServerStream.

type udpServer struct {
	f          *Farm
	srv        *gortsplib.Server
	writeDrops atomic.Int64
	wg         sync.WaitGroup
}

type udpCamera struct {
	mu     sync.Mutex
	stream *gortsplib.ServerStream
	media  *description.Media
	ssrc   uint32
	stop   chan struct{}
}

func (f *Farm) startUDP() error {
	rtpPort := f.cfg.UDPPorts
	// RTP leaves from the RTSP listener's address: a device behind a real link (a veth of a
	// network namespace, sim/netem) reaches both there
	host, _, err := net.SplitHostPort(f.cfg.UDPListen)
	if err != nil || host == "" {
		host = "127.0.0.1"
	}
	for try := 0; try < 20; try++ {
		if f.cfg.UDPPorts == 0 {
			rtpPort = freeEvenPort(f, host)
		}
		u := &udpServer{f: f}
		u.srv = &gortsplib.Server{
			Handler:        u,
			RTSPAddress:    f.cfg.UDPListen,
			UDPRTPAddress:  net.JoinHostPort(host, strconv.Itoa(rtpPort)),
			UDPRTCPAddress: net.JoinHostPort(host, strconv.Itoa(rtpPort+1)),
			// The farm sends its own sender reports (wall clock of the frame, skew faults).
			DisableRTCPSenderReports: true,
			AuthMethods:              digestOnly,
			WriteQueueSize:           512,
		}
		if err = u.srv.Start(); err == nil {
			f.udp = u
			return nil
		}
		if f.cfg.UDPPorts != 0 {
			break
		}
	}
	return fmt.Errorf("farm: udp server: %w", err)
}

// freeEvenPort picks an even UDP port whose successor looks free too.
func freeEvenPort(f *Farm, host string) int {
	for {
		p := 20000 + 2*f.portRng.IntN(20000)
		a, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		b, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(p+1)))
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p
	}
}

func (u *udpServer) addr() net.Addr { return u.srv.NetListener().Addr() }

func (u *udpServer) close() {
	u.srv.Close()
	u.wg.Wait()
}

// add starts serving a camera and its pacing goroutine.
func (u *udpServer) add(c *camera) error {
	uc := &udpCamera{stop: make(chan struct{})}
	c.udpCam = uc
	if err := uc.open(u, c); err != nil {
		return err
	}
	u.wg.Add(1)
	go u.pace(c, uc)
	return nil
}

func (uc *udpCamera) open(u *udpServer, c *camera) error {
	desc := sessionDescription(c.clip.format())
	st := &gortsplib.ServerStream{Server: u.srv, Desc: desc}
	if err := st.Initialize(); err != nil {
		return fmt.Errorf("farm: camera %s: %w", c.id, err)
	}
	var ssrc uint32
	for _, m := range st.Stats().Medias {
		for _, fs := range m.Formats {
			ssrc = fs.LocalSSRC
		}
	}
	uc.mu.Lock()
	uc.stream, uc.media, uc.ssrc = st, desc.Medias[0], ssrc
	uc.mu.Unlock()
	return nil
}

func (uc *udpCamera) closeStream() {
	uc.mu.Lock()
	st := uc.stream
	uc.stream = nil
	uc.mu.Unlock()
	if st != nil {
		st.Close()
	}
}

// pace writes the camera's frames to its stream at their due times until the camera is
// removed or the farm closes.
func (u *udpServer) pace(c *camera, uc *udpCamera) {
	defer u.wg.Done()
	defer uc.closeStream()
	f := u.f
	fps, frames := c.clip.fps, len(c.clip.frames)
	n := FramesDue(f.cfg.TimeNow().Sub(c.start), fps) - 1
	if n < 0 {
		n = 0
	}
	seq := c.seq
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var pkt rtp.Packet
	for {
		due := FrameDue(c.start, fps, n)
		st := faultsAt(c.faults, due.Sub(c.start))
		sendAt := due
		if st.jitter > 0 {
			sendAt = due.Add(time.Duration(hash01(c.seed, 1, uint64(n)) * float64(st.jitter)))
		}
		if wait := sendAt.Sub(f.cfg.TimeNow()); wait > 0 {
			timer.Reset(wait)
			select {
			case <-f.ctx.Done():
				return
			case <-c.done:
				return
			case <-timer.C:
			}
		}
		if now := f.cfg.TimeNow(); now.Sub(sendAt) > f.cfg.LateSkip {
			if m := FramesDue(now.Sub(c.start), fps) - 1; m > n {
				c.skipped.Add(m - n)
				n = m
				continue
			}
		}
		if st.down || st.reboot {
			uc.closeStream()
			n++
			continue
		}
		uc.mu.Lock()
		stream := uc.stream
		uc.mu.Unlock()
		if stream == nil {
			if err := uc.open(u, c); err != nil {
				return
			}
			uc.mu.Lock()
			stream = uc.stream
			uc.mu.Unlock()
		}
		_, fi := clipPos(n, c.offset, frames)
		if st.keep > 0 && !c.clip.kept(fi, st.keep) {
			n++
			continue
		}
		cf := &c.clip.frames[fi]
		if st.frozen {
			_, fw := clipPos(FramesDue(st.frozenFrom, fps)-1, c.offset, frames)
			cf = &c.clip.frames[c.clip.lastKey[fw]]
		}
		ts := rtpTime(c.ts, fps, n)
		wall := due.Add(st.skew)
		if n%int64(max(1, int(fps))) == 0 {
			stream.WritePacketRTCP(uc.media, &rtcp.SenderReport{SSRC: uc.ssrc, NTPTime: ntp.Encode(wall), RTPTime: ts})
		}
		var bytes int64
		for j := range cf.pkts {
			pkt = cf.pkts[j]
			pkt.SequenceNumber = seq
			pkt.Timestamp = ts
			seq++
			if st.loss > 0 && hash01(c.seed, 2, uint64(n), uint64(j)) < st.loss {
				continue
			}
			if err := stream.WritePacketRTPWithNTP(uc.media, &pkt, wall); err != nil {
				break
			}
			bytes += int64(12 + len(pkt.Payload))
		}
		r := c.readers.Load()
		c.frames.Add(r)
		c.bytes.Add(bytes * r)
		if r > 0 {
			c.noteLate(f.cfg.TimeNow().Sub(sendAt))
		}
		n++
	}
}

// OnConnOpen and the other handlers make udpServer a gortsplib.ServerHandler.
func (u *udpServer) OnConnOpen(*gortsplib.ServerHandlerOnConnOpenCtx) {}

// OnSessionClose keeps the reader count.
func (u *udpServer) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	if c, ok := ctx.Session.UserData().(*camera); ok {
		c.readers.Add(-1)
	}
}

// OnStreamWriteError counts dropped packets instead of logging each one.
func (u *udpServer) OnStreamWriteError(*gortsplib.ServerHandlerOnStreamWriteErrorCtx) {
	u.writeDrops.Add(1)
}

func (u *udpServer) lookup(req *base.Request, sc *gortsplib.ServerConn, path string) (*base.Response, *camera, *gortsplib.ServerStream, error) {
	f := u.f
	c := f.cameraByPath(path)
	if c == nil || c.transport != TransportUDP {
		f.rejected.Add(1)
		if !f.cfg.NoAuth {
			// challenged like a wrong password: a 404 would list the cameras to anyone
			return &base.Response{StatusCode: base.StatusUnauthorized}, nil, nil, liberrors.ErrServerAuth{}
		}
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil, nil
	}
	st := faultsAt(c.faults, f.cfg.TimeNow().Sub(c.start))
	if st.reboot {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil, nil, fmt.Errorf("camera %s is rebooting", c.id)
	}
	if st.down {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil, nil, nil
	}
	if !f.cfg.NoAuth && !sc.VerifyCredentials(req, c.user, c.pass) {
		f.rejected.Add(1)
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, nil, liberrors.ErrServerAuth{}
	}
	c.udpCam.mu.Lock()
	stream := c.udpCam.stream
	c.udpCam.mu.Unlock()
	if stream == nil {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, c, stream, nil
}

// OnDescribe serves the camera's stream description.
func (u *udpServer) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	res, _, st, err := u.lookup(ctx.Request, ctx.Conn, "/"+trimSlash(ctx.Path))
	return res, st, err
}

// OnSetup attaches the session to the camera's stream.
func (u *udpServer) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	res, c, st, err := u.lookup(ctx.Request, ctx.Conn, "/"+trimSlash(ctx.Path))
	if c != nil && ctx.Session.UserData() == nil {
		ctx.Session.SetUserData(c)
		c.readers.Add(1)
	}
	return res, st, err
}

// OnPlay starts playing.
func (u *udpServer) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func trimSlash(p string) string {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return p
}
