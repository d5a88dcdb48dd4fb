package probe

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/headers"
	"github.com/bluenviron/gortsplib/v5/pkg/ntp"

	"github.com/trafficsim/trafficsim/wire"
)

// Target is one stream to read.
type Target struct {
	ID       string `json:"id,omitempty"` // the camera's id, when known (tags a swarm's samples)
	URL      string `json:"url"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// Config configures a swarm.
type Config struct {
	Targets  []Target      // streams to read (required)
	Readers  int           // readers, spread round-robin over Targets [len(Targets)]
	Duration time.Duration // how long to read [10s]
	Timeout  time.Duration // connect and handshake, and silence before a reconnect [5s]
	Retry    time.Duration // wait before reconnecting [500ms]
	// KeepAlive is the interval of GET_PARAMETER keep-alives while playing (servers drop
	// sessions silent for 60 s) [20s].
	KeepAlive time.Duration
	// StopReading is the share of readers that stop reading after PLAY without closing, to
	// check that a server isolates slow readers [0].
	StopReading float64
	// Warmup is the time after the start whose frames are not counted (connections, the
	// wait for a keyframe) [0].
	Warmup  time.Duration
	TimeNow func() time.Time // the clock [time.Now]
}

// Lateness is a distribution of frame lateness in milliseconds.
type Lateness struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// StreamReport is what the readers of one stream (or all of them) saw.
type StreamReport struct {
	URL        string   `json:"url,omitempty"`
	Readers    int      `json:"readers"`
	Frames     int64    `json:"frames"`
	Packets    int64    `json:"packets"`
	Lost       int64    `json:"lost"` // RTP packets missing from the sequence
	Bytes      int64    `json:"bytes"`
	Reconnects int64    `json:"reconnects"`
	Errors     []string `json:"errors,omitempty"` // distinct reasons sessions ended, first 5
	Late       Lateness `json:"lateness"`         // arrival of a frame's last packet - its RTCP wall clock
	Timed      int64    `json:"timed_frames"`     // frames with a sender report to time them
	hist       *hdrhistogram.Histogram
}

// Report is the result of a swarm run.
type Report struct {
	Duration float64        `json:"duration_s"`
	Measured float64        `json:"measured_s"` // Duration without the warm-up: the span counted
	Overall  StreamReport   `json:"overall"`
	Streams  []StreamReport `json:"streams"`
}

// Failed returns an error when no session of the run delivered a frame (every stream
// refused, unreachable or silent): a probe that measured nothing must not look like a pass.
func (r *Report) Failed() error {
	if r.Overall.Frames > 0 {
		return nil
	}
	why := "no reason recorded"
	if len(r.Overall.Errors) > 0 {
		why = r.Overall.Errors[0]
	}
	return fmt.Errorf("probe: every session failed: no stream of %d delivered a frame (%s)", len(r.Streams), why)
}

// TargetsFromDeployment lists the cameras of a cameras.json.
func TargetsFromDeployment(d wire.Deployment) []Target {
	out := make([]Target, len(d.Cameras))
	for i, c := range d.Cameras {
		out[i] = Target{ID: c.ID, URL: c.URL, Username: c.Username, Password: c.Password}
	}
	return out
}

// LoadTargets reads a cameras.json file, or expands a URL pattern: a URL containing a printf
// verb (rtsp://h/cam/cam-%03d) gives streams URLs for i = 1..streams; user:pass@ in the URL is
// used as credentials.
func LoadTargets(arg string, streams int) ([]Target, error) {
	if strings.HasSuffix(arg, ".json") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("probe: %w", err)
		}
		var d wire.Deployment
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("probe: %s: %w", arg, err)
		}
		if len(d.Cameras) == 0 {
			return nil, fmt.Errorf("probe: %s lists no cameras", arg)
		}
		return TargetsFromDeployment(d), nil
	}
	if !strings.HasPrefix(arg, "rtsp://") {
		return nil, fmt.Errorf("probe: %q is neither a cameras.json nor an rtsp:// URL", arg)
	}
	var urls []string
	if strings.Contains(arg, "%") {
		if streams <= 0 {
			return nil, fmt.Errorf("probe: URL pattern %q needs a stream count", arg)
		}
		for i := 1; i <= streams; i++ {
			u := fmt.Sprintf(arg, i)
			if strings.Contains(u, "%!") {
				return nil, fmt.Errorf("probe: URL pattern %q: want one integer verb such as %%03d", arg)
			}
			urls = append(urls, u)
		}
	} else {
		urls = []string{arg}
	}
	out := make([]Target, len(urls))
	for i, s := range urls {
		u, err := base.ParseURL(s)
		if err != nil {
			return nil, fmt.Errorf("probe: %q: %w", s, err)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("probe: %q has no host", s)
		}
		t := Target{URL: s}
		if u.User != nil {
			t.Username = u.User.Username()
			t.Password, _ = u.User.Password()
			t.URL = u.CloneWithoutCredentials().String()
		}
		out[i] = t
	}
	return out, nil
}

// Run reads the targets with the configured readers until Duration has passed or ctx ends.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("probe: no targets")
	}
	if cfg.Readers == 0 {
		cfg.Readers = len(cfg.Targets)
	}
	if cfg.Duration == 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Retry == 0 {
		cfg.Retry = 500 * time.Millisecond
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = 20 * time.Second
	}
	if cfg.TimeNow == nil {
		cfg.TimeNow = time.Now
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	start := cfg.TimeNow()
	readers := make([]*reader, cfg.Readers)
	var wg sync.WaitGroup
	stop := int(cfg.StopReading*float64(cfg.Readers) + 0.5)
	for i := range readers {
		r := &reader{cfg: &cfg, t: cfg.Targets[i%len(cfg.Targets)], hist: newHist(), stall: i < stop, from: start.Add(cfg.Warmup)}
		readers[i] = r
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(ctx)
		}()
	}
	wg.Wait()
	// The run ends at the deadline (or an earlier cancel); the readers' teardown after it is
	// not part of the measured span.
	end := cfg.TimeNow()
	if dl := start.Add(cfg.Duration); end.After(dl) {
		end = dl
	}
	rep := &Report{Duration: end.Sub(start).Seconds()}
	rep.Measured = max(0, rep.Duration-cfg.Warmup.Seconds())
	byURL := map[string]*StreamReport{}
	all := StreamReport{hist: newHist()}
	for _, r := range readers {
		if r.stall {
			continue // readers that stopped reading on purpose are not measured
		}
		s := byURL[r.t.URL]
		if s == nil {
			s = &StreamReport{URL: r.t.URL, hist: newHist()}
			byURL[r.t.URL] = s
		}
		for _, x := range []*StreamReport{s, &all} {
			x.Readers++
			x.Frames += r.frames
			x.Packets += r.packets
			x.Lost += r.lost
			x.Bytes += r.bytes
			x.Reconnects += r.reconnects
			x.Timed += r.timed
			x.hist.Merge(r.hist)
			for _, e := range r.errs {
				if len(x.Errors) < 5 && !contains(x.Errors, e) {
					x.Errors = append(x.Errors, e)
				}
			}
		}
	}
	for _, s := range byURL {
		s.Late = lateness(s.hist)
		rep.Streams = append(rep.Streams, *s)
	}
	sort.Slice(rep.Streams, func(i, j int) bool { return rep.Streams[i].URL < rep.Streams[j].URL })
	all.Late = lateness(all.hist)
	rep.Overall = all
	return rep, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// newHist holds lateness in microseconds from 0 to 60 s.
func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, 60_000_000, 2) }

func lateness(h *hdrhistogram.Histogram) Lateness {
	if h.TotalCount() == 0 {
		return Lateness{}
	}
	return Lateness{P50: float64(h.ValueAtQuantile(50)) / 1000, P99: float64(h.ValueAtQuantile(99)) / 1000, Max: float64(h.Max()) / 1000}
}

// reader is one RTSP session at a time on one target, reconnecting until the run ends.
type reader struct {
	cfg   *Config
	t     Target
	stall bool
	hist  *hdrhistogram.Histogram // nil: not kept (a swarm's readers report through live)
	from  time.Time               // frames before are not counted
	sw    *Swarm                  // the swarm that picks the stream of each session (nil: t, fixed)
	slot  int                     // the swarm's round-robin position
	live  *live                   // what a swarm reader did since the swarm's last Drain

	frames, packets, lost, bytes, reconnects, timed int64
	errs                                            []string
	sessions                                        int
}

func (r *reader) run(ctx context.Context) {
	for ctx.Err() == nil {
		sctx, cut := ctx, context.CancelFunc(func() {})
		if r.sw != nil {
			t, ok := r.sw.pick(r.t, r.slot)
			if !ok { // no stream online: wait, that is not the reader's failure
				select {
				case <-ctx.Done():
					return
				case <-time.After(r.cfg.Retry):
				}
				continue
			}
			r.t = t
			sctx, cut = context.WithCancel(ctx) // the swarm cuts it when the stream leaves
			r.live.session(t, cut)
		}
		err := r.session(sctx)
		cut()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !contains(r.errs, err.Error()) && len(r.errs) < 5 {
			r.errs = append(r.errs, err.Error())
		}
		// a session cut because its camera went offline is the plan's doing, not a failure
		if err != nil && r.sw != nil && r.sw.online(r.t.URL) {
			r.live.failed(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.cfg.Retry):
		}
	}
}

// session runs one RTSP session: DESCRIBE (digest), SETUP interleaved, PLAY, then reads.
func (r *reader) session(ctx context.Context) error {
	if r.sessions > 0 {
		r.reconnects++
	}
	r.sessions++
	u, err := base.ParseURL(r.t.URL)
	if err != nil {
		return err
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "554")
	}
	d := net.Dialer{Timeout: r.cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	br := bufio.NewReaderSize(nc, 16<<10)
	c := &rtspConn{nc: nc, br: br, timeout: r.cfg.Timeout, user: r.t.Username, pass: r.t.Password}
	res, err := c.do(&base.Request{Method: base.Describe, URL: u, Header: base.Header{"Accept": base.HeaderValue{"application/sdp"}}})
	if err != nil {
		return err
	}
	track := u.String() + "/trackID=0"
	if cb, ok := res.Header["Content-Base"]; ok && len(cb) == 1 {
		track = strings.TrimSuffix(cb[0], "/") + "/" + controlOf(res.Body)
	}
	tu, err := base.ParseURL(track)
	if err != nil {
		return err
	}
	d0 := headers.TransportDeliveryUnicast
	th := headers.Transport{Protocol: headers.TransportProtocolTCP, Delivery: &d0, InterleavedIDs: &[2]int{0, 1}}
	if res, err = c.do(&base.Request{Method: base.Setup, URL: tu, Header: base.Header{"Transport": th.Marshal()}}); err != nil {
		return err
	}
	var sh headers.Session
	if err := sh.Unmarshal(res.Header["Session"]); err != nil {
		return fmt.Errorf("SETUP: %w", err)
	}
	c.session = sh.Session
	if _, err = c.do(&base.Request{Method: base.Play, URL: u}); err != nil {
		return err
	}
	if r.stall {
		<-ctx.Done() // keep the connection open without reading
		return nil
	}
	return r.read(ctx, c)
}

// read parses interleaved packets until the connection ends; RTCP sender reports time frames.
func (r *reader) read(ctx context.Context, c *rtspConn) error {
	var (
		hdr             [4]byte
		buf             = make([]byte, 65536)
		srNTP           time.Time
		srTS            uint32
		haveSR, haveSeq bool
		lastSeq         uint16
		ssrc            uint32
		keepalive       = r.cfg.TimeNow().Add(r.cfg.KeepAlive)
	)
	for {
		c.nc.SetReadDeadline(time.Now().Add(r.cfg.Timeout))
		if _, err := io.ReadFull(c.br, hdr[:1]); err != nil {
			return readErr(ctx, err)
		}
		if hdr[0] != '$' {
			// An RTSP message in the middle of the stream (a keep-alive answer): skip it.
			c.br.UnreadByte()
			var res base.Response
			if err := res.Unmarshal(c.br); err != nil {
				return fmt.Errorf("reading stream: %w", err)
			}
			continue
		}
		if _, err := io.ReadFull(c.br, hdr[1:]); err != nil {
			return readErr(ctx, err)
		}
		n := int(binary.BigEndian.Uint16(hdr[2:]))
		if n > len(buf) {
			buf = make([]byte, n)
		}
		p := buf[:n]
		if _, err := io.ReadFull(c.br, p); err != nil {
			return readErr(ctx, err)
		}
		now := r.cfg.TimeNow()
		counting := !now.Before(r.from)
		if counting {
			r.bytes += int64(4 + n)
		}
		if hdr[1]%2 == 1 {
			// RTCP: find a sender report in the compound packet.
			for len(p) >= 8 {
				l := 4 * (int(binary.BigEndian.Uint16(p[2:])) + 1)
				if l > len(p) {
					break
				}
				if p[1] == 200 && l >= 28 {
					srNTP = ntp.Decode(binary.BigEndian.Uint64(p[8:]))
					srTS = binary.BigEndian.Uint32(p[16:])
					haveSR = true
				}
				p = p[l:]
			}
			continue
		}
		if n < 12 {
			continue
		}
		if counting {
			r.packets++
		}
		seq := binary.BigEndian.Uint16(p[2:])
		ts := binary.BigEndian.Uint32(p[4:])
		s := binary.BigEndian.Uint32(p[8:])
		if !haveSeq || s != ssrc {
			haveSeq, ssrc = true, s
		} else if gap := int64(uint16(seq - lastSeq - 1)); counting && gap > 0 && gap < 0x8000 {
			r.lost += gap
			if r.live != nil {
				r.live.addLost(gap)
			}
		}
		lastSeq = seq
		if p[1]&0x80 != 0 && counting { // marker: last packet of a frame
			r.frames++
			late := int64(-1)
			if haveSR {
				wall := srNTP.Add(time.Duration(int64(int32(ts-srTS)) * int64(time.Second) / 90000))
				late = min(max(now.Sub(wall).Microseconds(), 0), 60_000_000)
				if r.hist != nil {
					r.hist.RecordValue(late)
				}
				r.timed++
			}
			if r.live != nil {
				r.live.frame(late)
			}
		}
		if now.After(keepalive) {
			keepalive = now.Add(r.cfg.KeepAlive)
			if err := c.send(&base.Request{Method: base.GetParameter, URL: c.url}); err != nil {
				return err
			}
		}
	}
}

func readErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("reading stream: %w", err)
}

// controlOf returns the first a=control of a media in an SDP body [trackID=0].
func controlOf(sdp []byte) string {
	inMedia := false
	for _, l := range strings.Split(string(sdp), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "m=") {
			inMedia = true
		}
		if inMedia && strings.HasPrefix(l, "a=control:") {
			c := strings.TrimPrefix(l, "a=control:")
			if i := strings.LastIndex(c, "/"); strings.HasPrefix(c, "rtsp://") && i >= 0 {
				return c[i+1:]
			}
			return c
		}
	}
	return "trackID=0"
}

// rtspConn is the signalling half of a reader, using gortsplib's protocol packages.
type rtspConn struct {
	nc         net.Conn
	br         *bufio.Reader
	timeout    time.Duration
	user, pass string
	sender     *auth.Sender
	cseq       int
	session    string
	url        *base.URL
}

func (c *rtspConn) send(req *base.Request) error {
	if req.Header == nil { // the keep-alive GET_PARAMETER has none
		req.Header = base.Header{}
	}
	c.cseq++
	req.Header["CSeq"] = base.HeaderValue{fmt.Sprint(c.cseq)}
	req.Header["User-Agent"] = base.HeaderValue{"trafficsim-probe"}
	if c.session != "" {
		req.Header["Session"] = base.HeaderValue{c.session}
	}
	if c.sender != nil {
		c.sender.AddAuthorization(req)
	}
	b, err := req.Marshal()
	if err != nil {
		return err
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err = c.nc.Write(b)
	return err
}

// do sends a request and reads its response, answering one digest challenge.
func (c *rtspConn) do(req *base.Request) (*base.Response, error) {
	if req.Header == nil {
		req.Header = base.Header{}
	}
	if c.url == nil {
		c.url = req.URL
	}
	for try := 0; ; try++ {
		if err := c.send(req); err != nil {
			return nil, err
		}
		c.nc.SetReadDeadline(time.Now().Add(c.timeout))
		var res base.Response
		if err := res.Unmarshal(c.br); err != nil {
			return nil, fmt.Errorf("%s: %w", req.Method, err)
		}
		if res.StatusCode == base.StatusUnauthorized && try == 0 && c.user != "" {
			c.sender = &auth.Sender{WWWAuth: res.Header["WWW-Authenticate"], User: c.user, Pass: c.pass}
			if err := c.sender.Initialize(); err != nil {
				return nil, fmt.Errorf("%s: %w", req.Method, err)
			}
			continue
		}
		if res.StatusCode != base.StatusOK {
			return nil, fmt.Errorf("%s: %d %s", req.Method, res.StatusCode, res.StatusMessage)
		}
		return &res, nil
	}
}
