package farm

import (
	"errors"
	"hash"
	"hash/fnv"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/ntp"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// watched is what an independent RTSP client (gortsplib's) saw of a camera.
type watched struct {
	mu       sync.Mutex
	frames   []seenFrame          // one per RTP packet with the marker bit
	packets  int                  // RTP packets
	lost     uint64               // packets the client counted as lost
	srWall   map[uint32]time.Time // RTCP sender reports: RTP time -> wall clock
	ssrcs    map[uint32]bool
	sessions int     // sessions that played
	errs     []error // why sessions ended
	cur      hash.Hash64
	curBytes int
}

type seenFrame struct {
	ts      uint32
	seq     uint16
	arrived time.Time
	hash    uint64 // of the frame's RTP payloads
	bytes   int
}

// watch reads a camera with gortsplib's client for d, reconnecting when the session ends.
func watch(t *testing.T, rawURL, user, pass string, proto gortsplib.Protocol, d time.Duration) *watched {
	t.Helper()
	w := &watched{srWall: map[uint32]time.Time{}, ssrcs: map[uint32]bool{}, cur: fnv.New64a()}
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		err := w.session(rawURL, user, pass, proto, end)
		if err != nil {
			w.mu.Lock()
			w.errs = append(w.errs, err)
			w.mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	}
	return w
}

func (w *watched) session(rawURL, user, pass string, proto gortsplib.Protocol, end time.Time) error {
	u, err := base.ParseURL(rawURL)
	if err != nil {
		return err
	}
	u.User = nil
	if user != "" {
		u, _ = base.ParseURL(rawURL[:7] + user + ":" + pass + "@" + rawURL[7:])
	}
	c := gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &proto, ReadTimeout: 2 * time.Second,
		OnPacketsLost: func(n uint64) { w.mu.Lock(); w.lost += n; w.mu.Unlock() }}
	if err := c.Start(); err != nil {
		return err
	}
	defer c.Close()
	desc, _, err := c.Describe(u)
	if err != nil {
		return err
	}
	if err := c.SetupAll(desc.BaseURL, desc.Medias); err != nil {
		return err
	}
	c.OnPacketRTPAny(func(_ *description.Media, _ format.Format, p *rtp.Packet) {
		now := time.Now()
		w.mu.Lock()
		defer w.mu.Unlock()
		w.packets++
		w.ssrcs[p.SSRC] = true
		w.cur.Write(p.Payload)
		w.curBytes += len(p.Payload)
		if p.Marker {
			w.frames = append(w.frames, seenFrame{ts: p.Timestamp, seq: p.SequenceNumber, arrived: now, hash: w.cur.Sum64(), bytes: w.curBytes})
			w.cur.Reset()
			w.curBytes = 0
		}
	})
	c.OnPacketRTCPAny(func(_ *description.Media, p rtcp.Packet) {
		if sr, ok := p.(*rtcp.SenderReport); ok {
			w.mu.Lock()
			w.srWall[sr.RTPTime] = ntp.Decode(sr.NTPTime)
			w.mu.Unlock()
		}
	})
	if _, err := c.Play(nil); err != nil {
		return err
	}
	w.mu.Lock()
	w.sessions++
	w.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			err = errors.New("session ended")
		}
		return err
	case <-time.After(time.Until(end)):
		return nil
	}
}
