package farm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// Transports a camera can be served with.
const (
	TransportTCP = "tcp" // the fast path: RTP interleaved in RTSP over TCP, one write per frame
	TransportUDP = "udp" // gortsplib's Server: RTP over UDP (it accepts TCP as well)
)

// Config configures a Farm.
type Config struct {
	// Library is the clip library folder (required unless every camera names a clip folder).
	Library string
	// Listen is the address of the fast-path RTSP server [127.0.0.1:0].
	Listen string
	// UDPListen is the RTSP address of gortsplib's server for UDP cameras [127.0.0.1:0].
	UDPListen string
	// UDPPorts is the even RTP port of gortsplib's server (RTCP is the next one) [a free pair].
	UDPPorts int
	// Host replaces the listener's host in camera URLs, for devices on other machines
	// [the listen address].
	Host string
	// Seed drives credentials, SSRCs, offsets, phases, loss and jitter [1].
	Seed uint64
	// Faults apply to the cameras they target (ParseFaults) [none].
	Faults []Fault
	// Sink receives the truth timeline and the fault records [none].
	Sink TruthSink
	// TruthAhead is how far ahead of its frame a truth item is emitted [2s].
	TruthAhead time.Duration
	// DeliveryEvery is how often frames and bytes sent per camera go to a Sink that is also a
	// DeliverySink [10s; negative: never].
	DeliveryEvery time.Duration
	// WriteTimeout drops a reader whose socket does not take a frame for this long [5s].
	WriteTimeout time.Duration
	// LateSkip is how far behind a reader may fall before it skips to the current frame [200ms].
	LateSkip time.Duration
	// NoAuth serves cameras without credentials [false: digest authentication per camera].
	NoAuth bool
	// MaxConns caps the fast path's open RTSP connections; one over it is closed at once
	// [1024 + 4 per camera].
	MaxConns int
	// SetupTimeout drops a connection that has not set a camera up this long after its last
	// request (half-open and idle connections) [10s]; from SETUP to PLAY the limit is 60 s.
	SetupTimeout time.Duration
	// TimeNow is the clock [time.Now].
	TimeNow func() time.Time
}

// CameraSpec describes a camera added to a farm.
type CameraSpec struct {
	ID        string         // URL path /cam/<ID> [cam-001, cam-002, ... in the order added]
	Clip      string         // clip id in the library, or a clip folder (required)
	Transport string         // tcp or udp [tcp]
	Username  string         // digest user [<ID>]
	Password  string         // digest password [seeded, 12 characters]
	Offset    *time.Duration // start position in the clip [seeded, uniform over the clip]
	Phase     *time.Duration // delay of the camera's frame grid after its start [seeded in one frame]
}

// Farm serves N cameras over RTSP, each replaying a library clip in real time.
type Farm struct {
	cfg     Config
	rng     *rand.Rand // identities: credentials, offsets, phases, SSRCs
	portRng *rand.Rand // UDP port choice, apart so it does not shift identities
	mu      sync.Mutex
	clips   map[string]*clip
	cams    map[string]*camera
	order   []string
	next    int // ordinal of the next camera

	ln     net.Listener
	udp    *udpServer
	start  time.Time
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	conns  map[net.Conn]struct{}

	rejected     atomic.Int64  // requests refused: bad request, auth, unknown camera
	refusedConns atomic.Int64  // connections closed at once: over MaxConns
	poke         chan struct{} // wakes the timeline when a camera is added or removed
	pending      []wire.Fault  // records of removed cameras, sent by the timeline goroutine
}

// camera is one served camera.
type camera struct {
	id, user, pass, transport string
	url                       string
	clip                      *clip
	ordinal                   int
	offset                    int64     // frames into the clip at camera frame 0
	start                     time.Time // wall time of camera frame 0
	phase                     time.Duration
	faults                    []Fault
	ssrc                      uint32
	seq                       uint16
	ts                        uint32
	seed                      uint64
	done                      chan struct{} // closed when removed
	removed                   atomic.Bool   // set when removed (senders poll it)

	mu       sync.Mutex
	sessions map[*session]struct{}
	emitted  int64         // truth emitted for camera frames < emitted
	windows  map[int]int64 // fault item -> last window emitted
	udpCam   *udpCamera

	frames, bytes, lateNs, lateMaxNs, lateN, skipped atomic.Int64
	lastFrames, lastBytes                            int64 // at the last delivery record (timeline goroutine)
	readers                                          atomic.Int64
}

// New makes a farm; cameras can be added before or after Start.
func New(cfg Config) *Farm {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.UDPListen == "" {
		cfg.UDPListen = "127.0.0.1:0"
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.TruthAhead == 0 {
		cfg.TruthAhead = 2 * time.Second
	}
	if cfg.DeliveryEvery == 0 {
		cfg.DeliveryEvery = 10 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	if cfg.LateSkip == 0 {
		cfg.LateSkip = 200 * time.Millisecond
	}
	if cfg.SetupTimeout == 0 {
		cfg.SetupTimeout = 10 * time.Second
	}
	if cfg.TimeNow == nil {
		cfg.TimeNow = time.Now
	}
	return &Farm{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, wire.StreamFaults)), portRng: rand.New(rand.NewPCG(cfg.Seed, wire.StreamPorts)), clips: map[string]*clip{}, cams: map[string]*camera{}, conns: map[net.Conn]struct{}{}, poke: make(chan struct{}, 1)}
}

// Start opens the listeners and starts serving; cameras added earlier start now.
func (f *Farm) Start(ctx context.Context) error {
	f.mu.Lock()
	started := f.ln != nil
	f.mu.Unlock()
	if started {
		return errors.New("farm: already started")
	}
	ln, err := net.Listen("tcp", f.cfg.Listen)
	if err != nil {
		return fmt.Errorf("farm: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ln = ln
	f.ctx, f.cancel = context.WithCancel(ctx)
	f.start = f.cfg.TimeNow()
	needUDP := false
	for _, c := range f.cams {
		c.start = f.start.Add(c.phase)
		needUDP = needUDP || c.transport == TransportUDP
	}
	if needUDP {
		if err := f.startUDP(); err != nil {
			ln.Close()
			return err
		}
	}
	for _, c := range f.cams {
		f.setURL(c)
		if c.transport == TransportUDP {
			if err := f.udp.add(c); err != nil {
				ln.Close()
				return err
			}
		}
	}
	f.wg.Add(2)
	go f.accept()
	go f.timeline()
	return nil
}

// Addr is the fast-path RTSP address (after Start).
func (f *Farm) Addr() net.Addr { return f.ln.Addr() }

// UDPAddr is the address of gortsplib's server, or nil when no UDP camera was started.
func (f *Farm) UDPAddr() net.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.udp == nil {
		return nil
	}
	return f.udp.addr()
}

// Close stops serving and waits for every goroutine of the farm.
func (f *Farm) Close() error {
	f.mu.Lock()
	if f.cancel == nil {
		f.mu.Unlock()
		return nil
	}
	f.cancel()
	err := f.ln.Close()
	for c := range f.conns {
		c.Close()
	}
	udp := f.udp
	f.mu.Unlock()
	if udp != nil {
		udp.close()
	}
	f.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// AddCamera adds a camera; after Start it is served at once. It returns the camera id.
func (f *Farm) AddCamera(spec CameraSpec) (string, error) {
	cl, err := f.loadClip(spec.Clip)
	if err != nil {
		return "", err
	}
	if spec.Transport == "" {
		spec.Transport = TransportTCP
	}
	if spec.Transport != TransportTCP && spec.Transport != TransportUDP {
		return "", fmt.Errorf("farm: camera %q: transport %q (want tcp or udp)", spec.ID, spec.Transport)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx != nil && f.ctx.Err() != nil {
		return "", errors.New("farm: closed")
	}
	ord := f.next
	if spec.ID == "" {
		spec.ID = fmt.Sprintf("cam-%03d", ord+1)
	}
	if _, ok := f.cams[spec.ID]; ok {
		return "", fmt.Errorf("farm: camera %q already exists", spec.ID)
	}
	for _, r := range spec.ID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "", fmt.Errorf("farm: camera id %q: only letters, digits, '-', '_' and '.' are allowed", spec.ID)
		}
	}
	f.next++
	c := &camera{id: spec.ID, clip: cl, ordinal: ord, transport: spec.Transport, user: spec.Username, pass: spec.Password,
		done: make(chan struct{}), sessions: map[*session]struct{}{}, windows: map[int]int64{}}
	if c.user == "" {
		c.user = spec.ID
	}
	if c.pass == "" {
		const letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
		b := make([]byte, 12)
		for i := range b {
			b[i] = letters[f.rng.IntN(len(letters))]
		}
		c.pass = string(b)
	}
	frameDur := frameOffset(cl.fps, 1)
	if spec.Offset != nil {
		c.offset = int64(FramesDue(*spec.Offset, cl.fps) - 1)
		c.offset %= int64(len(cl.frames))
	} else {
		c.offset = int64(f.rng.IntN(len(cl.frames)))
	}
	phase := time.Duration(f.rng.Int64N(int64(frameDur)))
	if spec.Phase != nil {
		phase = *spec.Phase
	}
	c.ssrc, c.seq, c.ts, c.seed = f.rng.Uint32(), uint16(f.rng.Uint32()), f.rng.Uint32(), f.rng.Uint64()
	for _, ft := range f.cfg.Faults {
		if ft.applies(c.id, ord) {
			c.faults = append(c.faults, ft)
		}
	}
	if f.cancel != nil {
		c.start = f.cfg.TimeNow().Add(phase)
		f.setURL(c)
		if c.transport == TransportUDP {
			if f.udp == nil {
				if err := f.startUDP(); err != nil {
					return "", err
				}
			}
			if err := f.udp.add(c); err != nil {
				return "", err
			}
		}
	} else {
		c.phase = phase // the camera starts with the farm
	}
	f.cams[c.id] = c
	f.order = append(f.order, c.id)
	select {
	case f.poke <- struct{}{}: // its first truth items go out now, not at the next tick
	default:
	}
	return c.id, nil
}

// RemoveCamera stops a camera and closes its readers' sessions.
func (f *Farm) RemoveCamera(id string) error {
	f.mu.Lock()
	c, ok := f.cams[id]
	if !ok {
		f.mu.Unlock()
		return fmt.Errorf("farm: no camera %q", id)
	}
	delete(f.cams, id)
	for i, o := range f.order {
		if o == id {
			f.order = append(f.order[:i:i], f.order[i+1:]...)
			break
		}
	}
	if f.cancel != nil {
		// Truth was sent up to TruthAhead beyond now for frames that will never play: record
		// the removal as a disconnect over that span so scoring does not count them as misses.
		c.mu.Lock()
		end := FrameDue(c.start, c.clip.fps, c.emitted)
		c.mu.Unlock()
		now := f.cfg.TimeNow()
		r := wire.Fault{Time: now, Camera: id, Kind: wire.FaultDisconnect, Duration: max(0, end.Sub(now)),
			Params: map[string]float64{"removed": 1}}
		f.pending = append(f.pending, r)
		select {
		case f.poke <- struct{}{}:
		default:
		}
	}
	f.mu.Unlock()
	c.removed.Store(true)
	close(c.done) // the sessions' senders and the UDP pacer stop on it
	c.closeSessions()
	return nil
}

func (f *Farm) setURL(c *camera) {
	addr := f.ln.Addr().String()
	if c.transport == TransportUDP {
		addr = f.udp.addr().String()
	}
	if f.cfg.Host != "" {
		_, port, _ := net.SplitHostPort(addr)
		addr = net.JoinHostPort(f.cfg.Host, port)
	}
	c.url = "rtsp://" + addr + "/cam/" + c.id
}

// loadClip opens and packetizes a clip once; later cameras share it.
func (f *Farm) loadClip(name string) (*clip, error) {
	if name == "" {
		return nil, errors.New("farm: camera spec names no clip")
	}
	f.mu.Lock()
	cl, ok := f.clips[name]
	f.mu.Unlock()
	if ok {
		return cl, nil
	}
	dir := name
	if f.cfg.Library != "" && filepath.Base(name) == name {
		dir = filepath.Join(f.cfg.Library, name)
	}
	lc, err := library.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("farm: clip %q: %w", name, err)
	}
	cl, err = loadClip(lc)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if prev, ok := f.clips[name]; ok {
		return prev, nil
	}
	f.clips[name] = cl
	return cl, nil
}

// Clips lists the clip ids of a library folder, for adding cameras round-robin.
func Clips(dir string) ([]string, error) {
	cs, err := library.List(dir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.Meta.ID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("farm: library %s holds no clips", dir)
	}
	return ids, nil
}

// Deployment is cameras.json for the devices: ids, URLs, credentials and calibration; no truth.
// URLs are set once the farm has started.
func (f *Farm) Deployment() wire.Deployment {
	f.mu.Lock()
	defer f.mu.Unlock()
	var d wire.Deployment
	for _, id := range f.order {
		c := f.cams[id]
		cal := c.clip.cal
		cal.ID, cal.URL, cal.Transport = c.id, c.url, c.transport
		if !f.cfg.NoAuth {
			cal.Username, cal.Password = c.user, c.pass
		}
		d.Cameras = append(d.Cameras, cal)
	}
	return d
}

// CameraStats is what one camera has sent so far.
type CameraStats struct {
	ID        string
	Transport string        // tcp: the fast path; udp: gortsplib's Server
	Readers   int64         // sessions playing now
	Frames    int64         // frames sent, summed over readers
	Bytes     int64         // bytes sent, summed over readers
	Skipped   int64         // frames skipped because a reader fell behind
	LateMean  time.Duration // mean lateness of a frame's write after its due time
	LateMax   time.Duration
	// Start is the wall time of camera frame 0 and Offset the clip frame it shows: with the
	// clip's truth they say which violations the camera played, and when (FrameDue).
	Start  time.Time
	Offset int64
}

// Stats reports every camera, in the order added.
func (f *Farm) Stats() []CameraStats {
	f.mu.Lock()
	cams := make([]*camera, 0, len(f.order))
	starts := make([]time.Time, 0, len(f.order)) // set under f.mu
	for _, id := range f.order {
		cams = append(cams, f.cams[id])
		starts = append(starts, f.cams[id].start)
	}
	f.mu.Unlock()
	out := make([]CameraStats, len(cams))
	for i, c := range cams {
		s := CameraStats{ID: c.id, Transport: c.transport, Readers: c.readers.Load(), Frames: c.frames.Load(), Bytes: c.bytes.Load(),
			Skipped: c.skipped.Load(), LateMax: time.Duration(c.lateMaxNs.Load()), Offset: c.offset, Start: starts[i]}
		if n := c.lateN.Load(); n > 0 {
			s.LateMean = time.Duration(c.lateNs.Load() / n)
		}
		out[i] = s
	}
	return out
}

// Rejected counts refused requests (malformed, unauthorised, unknown camera).
func (f *Farm) Rejected() int64 { return f.rejected.Load() }

// RefusedConns is the number of RTSP connections closed at once because MaxConns were open.
func (f *Farm) RefusedConns() int64 { return f.refusedConns.Load() }

// WriteDrops counts RTP packets gortsplib's Server dropped (UDP cameras) because a reader's
// write queue was full; they are counted, not logged one by one.
func (f *Farm) WriteDrops() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.udp == nil {
		return 0
	}
	return f.udp.writeDrops.Load()
}

func (c *camera) noteLate(d time.Duration) {
	if d < 0 {
		d = 0
	}
	c.lateNs.Add(int64(d))
	c.lateN.Add(1)
	for {
		m := c.lateMaxNs.Load()
		if int64(d) <= m || c.lateMaxNs.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

func (c *camera) closeSessions() {
	c.mu.Lock()
	ss := make([]*session, 0, len(c.sessions))
	for s := range c.sessions {
		ss = append(ss, s)
	}
	c.mu.Unlock()
	for _, s := range ss {
		s.conn.Close()
	}
}

// camera looks up a camera by the path of a request URL: /cam/<id>[/trackID=0].
func (f *Farm) cameraByPath(path string) *camera {
	const prefix = "/cam/"
	if len(path) <= len(prefix) || path[:len(prefix)] != prefix {
		return nil
	}
	id := path[len(prefix):]
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			id = id[:i]
			break
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cams[id]
}

// timeline emits truth and fault records ahead of their frames until the farm closes.
func (f *Farm) timeline() {
	defer f.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	ds, _ := f.cfg.Sink.(DeliverySink)
	lastDelivery := f.cfg.TimeNow()
	for {
		now := f.cfg.TimeNow()
		f.emitTimeline(now.Add(f.cfg.TruthAhead))
		if ds != nil && f.cfg.DeliveryEvery > 0 && now.Sub(lastDelivery) >= f.cfg.DeliveryEvery {
			f.emitDelivery(ds, lastDelivery, now)
			lastDelivery = now
		}
		select {
		case <-f.ctx.Done():
			return
		case <-t.C:
		case <-f.poke:
		}
	}
}

// emitDelivery reports what each camera sent in [from, to).
func (f *Farm) emitDelivery(ds DeliverySink, from, to time.Time) {
	f.mu.Lock()
	cams := make([]*camera, 0, len(f.order))
	for _, id := range f.order {
		cams = append(cams, f.cams[id])
	}
	f.mu.Unlock()
	for _, c := range cams {
		fr, by := c.frames.Load(), c.bytes.Load()
		d := wire.Delivery{Camera: c.id, From: from, To: to, Frames: fr - c.lastFrames, Bytes: by - c.lastBytes}
		c.lastFrames, c.lastBytes = fr, by
		ds.Delivery(d)
	}
}

// emitTimeline sends every truth item and fault window starting before horizon not yet sent.
func (f *Farm) emitTimeline(horizon time.Time) {
	if f.cfg.Sink == nil {
		return
	}
	f.mu.Lock()
	cams := make([]*camera, 0, len(f.order))
	for _, id := range f.order {
		cams = append(cams, f.cams[id])
	}
	pending := f.pending
	f.pending = nil
	f.mu.Unlock()
	for _, r := range pending {
		f.cfg.Sink.Fault(r)
	}
	for _, c := range cams {
		c.mu.Lock()
		to := FramesDue(horizon.Sub(c.start), c.clip.fps)
		items := violationsIn(c.clip.violations, len(c.clip.frames), c.offset, c.emitted, to)
		sort.SliceStable(items, func(i, j int) bool { return items[i].N < items[j].N })
		if to > c.emitted {
			c.emitted = to
		}
		var faults []wire.Fault
		for i, ft := range c.faults {
			if !ft.periodic() {
				if _, ok := c.windows[i]; !ok {
					c.windows[i] = 0
					faults = append(faults, ft.record(c.id, c.start))
				}
				continue
			}
			for k := c.windows[i] + 1; ; k++ {
				at := c.start.Add(time.Duration(k) * ft.Every)
				if at.After(horizon) {
					break
				}
				c.windows[i] = k
				faults = append(faults, ft.record(c.id, at))
			}
		}
		c.mu.Unlock()
		for _, fr := range faults {
			f.cfg.Sink.Fault(fr)
		}
		for _, it := range items {
			f.cfg.Sink.Violation(wallViolation(it, c.id, FrameDue(c.start, c.clip.fps, it.N)))
		}
	}
}
