package device

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtp"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// runCamera keeps a session to one camera until ctx ends, reconnecting with back-off. The
// analyzer keeps its state across reconnects (tracks simply age out).
func (d *Device) runCamera(ctx context.Context, cal wire.Calibration, an Analyzer) {
	decs := &decoders{opts: d.cfg.Decode}
	defer decs.close()
	// on the way out, events still waiting in the analyzer (for a better plate) go to the edge
	// queue: they are sent at the next start
	defer func() {
		if f, ok := an.(interface{ Flush() []wire.Event }); ok {
			if evs := f.Flush(); len(evs) > 0 {
				d.enqueue(evs)
			}
		}
	}()
	attempt := 0
	var clk cameraClock // learnt in one session, used at the start of the next
	for ctx.Err() == nil {
		played, err := d.session(ctx, cal, an, decs, &clk)
		if ctx.Err() != nil {
			return
		}
		d.camStat(cal.ID, func(c *CameraStats) {
			c.Connected = false
			c.ConnectErrs++
			if err != nil {
				c.LastError = err.Error()
			}
		})
		if played {
			attempt = 0
		}
		attempt++
		if attempt == 1 || attempt%10 == 0 {
			d.cfg.Logf("device: camera %s: %v (reconnecting, attempt %d)", cal.ID, err, attempt)
		}
		sleep(ctx, Backoff(attempt, d.cfg.RetryMin, d.cfg.RetryMax))
	}
}

// cameraClock is how far a camera's wall clock (its RTCP sender reports) is ahead of ours.
type cameraClock struct {
	skew  time.Duration
	known bool
}

// session runs one RTSP session: DESCRIBE, SETUP, PLAY, then decode and analyse every access
// unit in the client's reader goroutine until the session fails. played tells whether PLAY
// succeeded (a later failure then restarts the back-off). Frames before the session's first
// sender report are timed by our clock plus the camera's skew from earlier sessions, so the
// analyzer's clock does not jump at a reconnect; before the camera's first report ever they are
// decoded but not analysed.
func (d *Device) session(ctx context.Context, cal wire.Calibration, an Analyzer, decs *decoders, clk *cameraClock) (played bool, err error) {
	u, err := base.ParseURL(cal.URL)
	if err != nil {
		return false, fmt.Errorf("url: %w", err)
	}
	if cal.Username != "" {
		u.User = url.UserPassword(cal.Username, cal.Password)
	}
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, ReadTimeout: d.cfg.ReadTimeout, WriteTimeout: d.cfg.ReadTimeout,
		// counted, not logged: gortsplib's default logs every loss, which floods under load
		OnPacketsLost: func(n uint64) { d.camStat(cal.ID, func(s *CameraStats) { s.PacketsLost += int64(n) }) },
		OnDecodeError: func(error) { d.camStat(cal.ID, func(s *CameraStats) { s.RTPErrors++ }) },
	}
	switch cal.Transport {
	case "tcp":
		p := gortsplib.ProtocolTCP
		c.Protocol = &p
	case "udp":
		p := gortsplib.ProtocolUDP
		c.Protocol = &p
	}
	if err := c.Start(); err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, c.Close)
	defer stop()
	defer c.Close()

	desc, _, err := c.Describe(u)
	if err != nil {
		return false, err
	}
	track, err := findTrack(desc)
	if err != nil {
		return false, err
	}
	dec, err := decs.get(track.codec)
	if err != nil {
		return false, err
	}
	medi, forma := track.media, track.forma
	if _, err := c.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		return false, err
	}
	var (
		frame     decode.Frame
		gotKey    bool
		clockBase time.Time // local clock for frames before the first sender report
		rtpBase   uint32
		analysed  int
	)
	c.OnPacketRTP(medi, forma, func(pkt *rtp.Packet) {
		au, err := track.depack(pkt)
		if err != nil {
			if !track.partial(err) {
				d.camStat(cal.ID, func(s *CameraStats) { s.DecodeErrors++ })
			}
			return
		}
		if !gotKey {
			if !track.randomAccess(au) {
				return
			}
			gotKey = true
			if ps := track.params(); ps != nil {
				au = append(ps, au...)
			}
		}
		annexb, err := h264.AnnexB(au).Marshal()
		if err != nil {
			d.camStat(cal.ID, func(s *CameraStats) { s.DecodeErrors++ })
			return
		}
		ok, err := dec.Decode(annexb, &frame)
		if err != nil {
			d.camStat(cal.ID, func(s *CameraStats) { s.DecodeErrors++ })
			return
		}
		if !ok {
			return
		}
		if frame.Width != cal.Width || frame.Height != cal.Height {
			d.camStat(cal.ID, func(s *CameraStats) {
				if s.SizeErrors == 0 {
					d.cfg.Logf("device: camera %s sends %dx%d, its calibration says %dx%d: frames not analysed", cal.ID, frame.Width, frame.Height, cal.Width, cal.Height)
				}
				s.SizeErrors++
			})
			return
		}
		t, hasNTP := c.PacketNTP(medi, pkt)
		if hasNTP {
			clk.skew, clk.known = t.Sub(d.cfg.TimeNow()), true
		} else if clk.known {
			if clockBase.IsZero() {
				clockBase, rtpBase = d.cfg.TimeNow().Add(clk.skew), pkt.Timestamp
			}
			t = clockBase.Add(time.Duration(int64(int32(pkt.Timestamp-rtpBase))) * time.Second / 90000)
		}
		d.camStat(cal.ID, func(s *CameraStats) {
			s.Frames++
			if !hasNTP {
				s.NoWallClock++
			}
		})
		if !hasNTP && !clk.known {
			return // the camera's clock is not known yet: an event would carry ours
		}
		if evs := an.Process(&frame, t); len(evs) > 0 {
			d.enqueue(evs)
		}
		if analysed++; analysed%25 == 0 {
			if jr, ok := an.(judgeReporter); ok {
				nj, as := jr.NotJudged(), jr.AnalysedS()
				d.camStat(cal.ID, func(s *CameraStats) { s.NotJudged, s.AnalysedS = nj, as })
			}
		}
	})
	if _, err := c.Play(nil); err != nil {
		return false, err
	}
	d.camStat(cal.ID, func(s *CameraStats) { s.Connected = true; s.Connects++ })
	return true, c.Wait()
}
