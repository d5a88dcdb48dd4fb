package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/trafficsim/trafficsim/results/threshold"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/wire"
)

// The control plane of a sharded run (docs/load-shards.md): core NATS on the coordinator's
// own embedded server, beside the center's (whose accounts carry events and truth only).
const (
	// SubjectRegister: a shard's request (Register), the coordinator's reply (Welcome).
	SubjectRegister = "trafficsim.load.register"
	// SubjectControl: the coordinator's broadcasts (Control): start, tick, abort, end.
	SubjectControl = "trafficsim.load.control"
	// SubjectReport is followed by .<shard index>: a shard's reports (Report), one a second.
	SubjectReport = "trafficsim.load.shard"
	// ShardUser is the NATS user of the control plane; its password is the shard token.
	ShardUser = "shard"
)

// Control kinds.
const (
	KindStart = "start" // T0: every shard's stage clock starts at this wall time
	KindTick  = "tick"  // the coordinator is alive (every second), T0 and elapsed again
	KindAbort = "abort" // drop the cameras now, keep reporting until end
	KindEnd   = "end"   // the run is over: send the last report (done) and exit
)

// Report kinds.
const (
	ReportTick = "tick" // samples of the last second
	ReportDone = "done" // the last samples; the shard exits
	ReportFail = "fail" // the shard stops on an error (Error)
)

// Register is a shard's registration.
type Register struct {
	Shard int    `json:"shard"`
	Of    int    `json:"of"`
	Host  string `json:"host"`
	PID   int    `json:"pid"`
	Plan  string `json:"plan"` // PlanDigest of the shard's plan
}

// Welcome is the coordinator's reply: where the center is, and the credentials of the shard's
// devices. Error set: the registration is refused and the shard exits with it.
type Welcome struct {
	Error string `json:"error,omitempty"`
	Run   string `json:"run,omitempty"`
	// Truth is the center's NATS (truth account): the farm's truth goes there.
	TruthURL  string `json:"truth_url,omitempty"`
	TruthUser string `json:"truth_user,omitempty"`
	TruthPass string `json:"truth_pass,omitempty"`
	// Devices are this shard's reference devices (id -> the center's events endpoint), in order.
	Devices []DeviceGrant `json:"devices,omitempty"`
	// Smart is the endpoint of the shard's smart cameras (source SmartSource).
	Smart wire.EventsEndpoint `json:"smart"`
}

// DeviceGrant is one reference device a shard may run.
type DeviceGrant struct {
	Scenario string              `json:"scenario"`
	ID       string              `json:"id"`
	Events   wire.EventsEndpoint `json:"events"`
}

// Control is a coordinator broadcast.
type Control struct {
	Kind    string        `json:"kind"`
	T0      time.Time     `json:"t0,omitzero"`
	Elapsed time.Duration `json:"elapsed_ns,omitempty"`
	Reason  string        `json:"reason,omitempty"`
	Passed  bool          `json:"passed,omitempty"`
}

// Report is what a shard sends each second.
type Report struct {
	Shard   int          `json:"shard"`
	Seq     int64        `json:"seq"` // 1, 2, ...: a gap is a lost report
	Kind    string       `json:"kind"`
	Online  int          `json:"online"`
	Samples []WireSample `json:"samples,omitempty"`
	Error   string       `json:"error,omitempty"`
}

// WireSample is a Sample on the wire.
type WireSample struct {
	Metric string            `json:"m"`
	Tags   map[string]string `json:"t,omitempty"`
	Value  float64           `json:"v"`
	Time   int64             `json:"at"` // unix microseconds
}

// PlanDigest identifies a plan's content: every shard must play the coordinator's plan.
func PlanDigest(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:8])
}

// ControlServer is the coordinator's embedded NATS server for the control plane.
type ControlServer struct {
	srv  *server.Server
	pass string
}

// StartControlServer listens on listen (host:port, port 0 = free) with one user, ShardUser,
// whose password is pass.
func StartControlServer(listen, pass string) (*ControlServer, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("load: control plane listen %q: %w", listen, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("load: control plane listen %q: bad port", listen)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	opts := &server.Options{Host: host, Port: p, Username: ShardUser, Password: pass, NoSigs: true, NoLog: true,
		MaxPayload: 8 << 20, HTTPPort: 0}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("load: control plane: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("load: control plane: server not ready after 10s")
	}
	return &ControlServer{srv: srv, pass: pass}, nil
}

// URL is what shards are given (--center): nats://shard:PASS@host:port.
func (c *ControlServer) URL() string {
	a := c.srv.Addr().(*net.TCPAddr)
	return (&url.URL{Scheme: "nats", User: url.UserPassword(ShardUser, c.pass), Host: net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))}).String()
}

// Close stops the server.
func (c *ControlServer) Close() { c.srv.Shutdown(); c.srv.WaitForShutdown() }

// ShardRow is one shard in the coordinator's summary.
type ShardRow struct {
	Shard      int           `json:"shard"`
	Host       string        `json:"host"`
	PID        int           `json:"pid"`
	State      string        `json:"state"` // registered, running, done, lost, failed
	Error      string        `json:"error,omitempty"`
	LostAt     time.Duration `json:"lost_at_ns,omitempty"` // elapsed when it fell silent
	Peak       int           `json:"peak_cameras"`
	Reports    int64         `json:"reports"`
	Gaps       int64         `json:"reports_missing"`
	Samples    int64         `json:"samples"`
	Truths     int64         `json:"truths"` // truth the center took from the shard's cameras
	Events     int64         `json:"events"` // events the center took for the shard's cameras
	Frames     float64       `json:"frames_delivered"`
	FramesLost float64       `json:"frames_lost"`
	CPU        float64       `json:"cpu_s"`
}

// Shard states.
const (
	StateRegistered = "registered"
	StateRunning    = "running"
	StateDone       = "done"
	StateLost       = "lost"
	StateFailed     = "failed"
)

type shardState struct {
	row      ShardRow
	lastSeen time.Time
	online   int
	gauges   map[string]Sample // metric + tags -> the latest value
}

// coordLink is the coordinator's end of the control plane.
type coordLink struct {
	nc      *nats.Conn
	n       int
	plan    string
	now     func() time.Time
	logf    func(string, ...any)
	welcome func(shard int) (Welcome, error)
	// samples receives the non-gauge samples of every report (from NATS goroutines).
	samples func(shard int, ss []Sample)

	mu      sync.Mutex
	shards  map[int]*shardState
	regd    chan struct{} // a shard registered
	started bool
	subs    []*nats.Subscription
}

func dialCoord(url string, n int, plan string, now func() time.Time, logf func(string, ...any),
	welcome func(int) (Welcome, error), samples func(int, []Sample)) (*coordLink, error) {
	nc, err := nats.Connect(url, nats.Name("trafficsim-coordinator"))
	if err != nil {
		return nil, fmt.Errorf("load: control plane: %w", err)
	}
	c := &coordLink{nc: nc, n: n, plan: plan, now: now, logf: logf, welcome: welcome, samples: samples,
		shards: map[int]*shardState{}, regd: make(chan struct{}, 1)}
	s1, err := nc.Subscribe(SubjectRegister, c.onRegister)
	if err != nil {
		nc.Close()
		return nil, err
	}
	s2, err := nc.Subscribe(SubjectReport+".*", c.onReport)
	if err != nil {
		nc.Close()
		return nil, err
	}
	c.subs = []*nats.Subscription{s1, s2}
	s1.SetPendingLimits(-1, -1)
	s2.SetPendingLimits(-1, -1)
	return c, nc.Flush()
}

func (c *coordLink) onRegister(m *nats.Msg) {
	var reg Register
	reply := func(w Welcome) {
		b, _ := json.Marshal(w)
		m.Respond(b)
	}
	if err := json.Unmarshal(m.Data, &reg); err != nil {
		reply(Welcome{Error: "load: registration: " + err.Error()})
		return
	}
	c.mu.Lock()
	err := ""
	switch old := c.shards[reg.Shard]; {
	case reg.Of != c.n:
		err = fmt.Sprintf("load: shard %d/%d: the coordinator runs %d shards", reg.Shard, reg.Of, c.n)
	case reg.Shard < 0 || reg.Shard >= c.n:
		err = fmt.Sprintf("load: shard %d/%d: index out of range", reg.Shard, reg.Of)
	case reg.Plan != c.plan:
		err = fmt.Sprintf("load: shard %d/%d: its plan (digest %s) is not the coordinator's (%s)", reg.Shard, reg.Of, reg.Plan, c.plan)
	case old != nil && (old.row.Host != reg.Host || old.row.PID != reg.PID):
		err = fmt.Sprintf("load: shard %d/%d is registered already (%s pid %d)", reg.Shard, reg.Of, old.row.Host, old.row.PID)
	case old == nil && c.started:
		err = fmt.Sprintf("load: shard %d/%d: the run has started", reg.Shard, reg.Of)
	}
	if err == "" && c.shards[reg.Shard] == nil {
		c.shards[reg.Shard] = &shardState{row: ShardRow{Shard: reg.Shard, Host: reg.Host, PID: reg.PID, State: StateRegistered},
			lastSeen: c.now(), gauges: map[string]Sample{}}
		c.logf("load: shard %d/%d registered from %s (pid %d); %d of %d", reg.Shard, c.n, reg.Host, reg.PID, len(c.shards), c.n)
	}
	c.mu.Unlock()
	if err != "" {
		c.logf("%s", err)
		reply(Welcome{Error: err})
		return
	}
	w, e := c.welcome(reg.Shard)
	if e != nil {
		w = Welcome{Error: e.Error()}
	}
	reply(w)
	select {
	case c.regd <- struct{}{}:
	default:
	}
}

func (c *coordLink) onReport(m *nats.Msg) {
	var rep Report
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		c.logf("load: a report on %s: %v", m.Subject, err)
		return
	}
	if m.Subject != SubjectReport+"."+strconv.Itoa(rep.Shard) {
		c.logf("load: a report of shard %d on %s: ignored", rep.Shard, m.Subject)
		return
	}
	var pass []Sample
	c.mu.Lock()
	st := c.shards[rep.Shard]
	if st == nil || st.row.State == StateLost {
		c.mu.Unlock()
		return // not registered, or counted as lost already: its samples are not mixed in late
	}
	st.lastSeen = c.now()
	if rep.Seq > st.row.Reports+st.row.Gaps+1 {
		st.row.Gaps += rep.Seq - (st.row.Reports + st.row.Gaps + 1)
	}
	st.row.Reports++
	st.online = rep.Online
	st.row.Peak = max(st.row.Peak, rep.Online)
	switch rep.Kind {
	case ReportDone:
		st.row.State = StateDone
	case ReportFail:
		st.row.State, st.row.Error = StateFailed, rep.Error
		st.online = 0
	default:
		if st.row.State == StateRegistered {
			st.row.State = StateRunning
		}
	}
	for _, ws := range rep.Samples {
		s := Sample{Metric: ws.Metric, Tags: ws.Tags, Value: ws.Value, Time: time.UnixMicro(ws.Time)}
		def, ok := Metrics[s.Metric]
		if !ok {
			continue
		}
		st.row.Samples++
		switch s.Metric {
		case mFramesSent.Name:
			st.row.Frames += s.Value
		case mFramesLost.Name:
			st.row.FramesLost += s.Value
		case mCPU.Name:
			st.row.CPU += s.Value
		}
		if def.Kind == threshold.Gauge {
			st.gauges[gaugeKey(s)] = s
			continue
		}
		pass = append(pass, s)
	}
	c.mu.Unlock()
	if rep.Kind == ReportFail {
		c.logf("load: shard %d/%d failed: %s", rep.Shard, c.n, rep.Error)
	}
	if len(pass) > 0 {
		c.samples(rep.Shard, pass)
	}
}

func gaugeKey(s Sample) string {
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(s.Metric)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + s.Tags[k])
	}
	return b.String()
}

// waitRegistered waits until every shard has registered; after timeout the error names the
// missing shards.
func (c *coordLink) waitRegistered(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		n := len(c.shards)
		c.mu.Unlock()
		if n == c.n {
			return nil
		}
		select {
		case <-c.regd:
		case <-ctx.Done():
			return fmt.Errorf("load: interrupted while waiting for shards (%s)", c.missing())
		case <-deadline.C:
			return fmt.Errorf("load: %s did not register within %v", c.missing(), timeout)
		}
	}
}

// missing is "shards 1, 3 of 4" (those not registered).
func (c *coordLink) missing() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var miss []string
	for i := range c.n {
		if c.shards[i] == nil {
			miss = append(miss, strconv.Itoa(i))
		}
	}
	word := "shards"
	if len(miss) == 1 {
		word = "shard"
	}
	return fmt.Sprintf("%s %s of %d", word, strings.Join(miss, ", "), c.n)
}

func (c *coordLink) publish(ctl Control) error {
	if ctl.Kind == KindStart {
		c.mu.Lock()
		c.started = true
		c.mu.Unlock()
	}
	b, _ := json.Marshal(ctl)
	if err := c.nc.Publish(SubjectControl, b); err != nil {
		return err
	}
	return c.nc.Flush()
}

// checkLost marks shards silent for longer than silence as lost and returns them.
func (c *coordLink) checkLost(now time.Time, el, silence time.Duration) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var lost []int
	for i, st := range c.shards {
		if (st.row.State == StateRunning || st.row.State == StateRegistered) && now.Sub(st.lastSeen) > silence {
			st.row.State, st.row.LostAt, st.online = StateLost, el, 0
			st.row.Error = fmt.Sprintf("no report for %v", silence)
			st.gauges = map[string]Sample{}
			lost = append(lost, i)
		}
	}
	sort.Ints(lost)
	return lost
}

// online is the cameras the shards reported online, lost shards left out.
func (c *coordLink) online() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, st := range c.shards {
		n += st.online
	}
	return n
}

// gaugeSums sums the shards' latest gauges, series by series, stamped now.
func (c *coordLink) gaugeSums(now time.Time) []Sample {
	c.mu.Lock()
	defer c.mu.Unlock()
	sums := map[string]*Sample{}
	var keys []string
	for _, st := range c.shards {
		for k, s := range st.gauges {
			if sums[k] == nil {
				sums[k] = &Sample{Metric: s.Metric, Tags: s.Tags, Time: now}
				keys = append(keys, k)
			}
			sums[k].Value += s.Value
		}
	}
	sort.Strings(keys)
	out := make([]Sample, 0, len(keys))
	for _, k := range keys {
		s := *sums[k]
		s.Tags = cloneTags(s.Tags)
		out = append(out, s)
	}
	return out
}

// waitDone waits until no shard is still running or registered.
func (c *coordLink) waitDone(timeout time.Duration) {
	deadline := c.now().Add(timeout)
	for c.now().Before(deadline) {
		c.mu.Lock()
		busy := 0
		for _, st := range c.shards {
			if st.row.State == StateRunning || st.row.State == StateRegistered {
				busy++
			}
		}
		c.mu.Unlock()
		if busy == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rows lists the shards by index; a shard still running at the end is reported lost.
func (c *coordLink) rows(final bool, el time.Duration) []ShardRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]ShardRow, 0, c.n)
	for i := range c.n {
		st := c.shards[i]
		if st == nil {
			out = append(out, ShardRow{Shard: i, State: "unregistered"})
			continue
		}
		if final && (st.row.State == StateRunning || st.row.State == StateRegistered) {
			st.row.State, st.row.LostAt, st.row.Error = StateLost, el, "no last report after the end"
		}
		out = append(out, st.row)
	}
	return out
}

func (c *coordLink) close() {
	for _, s := range c.subs {
		s.Unsubscribe()
	}
	c.nc.Close()
}

// shardLink is a shard's end of the control plane.
type shardLink struct {
	nc   *nats.Conn
	sh   simrun.Shard
	ctl  chan Control
	seq  int64
	mu   sync.Mutex
	last time.Time // the last control message
	now  func() time.Time
}

// dialShard connects to the coordinator's control plane and registers, retrying until
// timeout while the coordinator is not there yet.
func dialShard(ctx context.Context, centerURL string, sh simrun.Shard, plan string, now func() time.Time, timeout time.Duration) (*shardLink, *Welcome, error) {
	host, _ := os.Hostname()
	deadline := now().Add(timeout)
	var nc *nats.Conn
	var err error
	for {
		nc, err = nats.Connect(centerURL, nats.Name(fmt.Sprintf("trafficsim-shard-%s", sh)), nats.Timeout(2*time.Second),
			nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
		if err == nil {
			break
		}
		if !now().Before(deadline) || ctx.Err() != nil {
			return nil, nil, fmt.Errorf("load: shard %s: the coordinator at %s: %w", sh, redact(centerURL), err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	l := &shardLink{nc: nc, sh: sh, ctl: make(chan Control, 64), now: now}
	sub, err := nc.Subscribe(SubjectControl, func(m *nats.Msg) {
		var c Control
		if json.Unmarshal(m.Data, &c) != nil {
			return
		}
		l.mu.Lock()
		l.last = l.now()
		l.mu.Unlock()
		select {
		case l.ctl <- c:
		default: // a tick dropped while the shard is busy: the next one comes
			if c.Kind != KindTick {
				l.ctl <- c
			}
		}
	})
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	sub.SetPendingLimits(-1, -1)
	if err := nc.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	b, _ := json.Marshal(Register{Shard: sh.Index, Of: sh.Count, Host: host, PID: os.Getpid(), Plan: plan})
	for {
		m, err := nc.Request(SubjectRegister, b, 2*time.Second)
		if err == nil {
			var w Welcome
			if err := json.Unmarshal(m.Data, &w); err != nil {
				nc.Close()
				return nil, nil, fmt.Errorf("load: shard %s: the coordinator's reply: %w", sh, err)
			}
			if w.Error != "" {
				nc.Close()
				return nil, nil, errors.New(w.Error)
			}
			l.mu.Lock()
			l.last = now()
			l.mu.Unlock()
			return l, &w, nil
		}
		if !now().Before(deadline) || ctx.Err() != nil {
			nc.Close()
			return nil, nil, fmt.Errorf("load: shard %s: no coordinator answered at %s within %v: %w", sh, redact(centerURL), timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// silentFor is how long since the coordinator last spoke.
func (l *shardLink) silentFor() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now().Sub(l.last)
}

func (l *shardLink) report(kind string, online int, ss []Sample, errText string) error {
	l.seq++
	rep := Report{Shard: l.sh.Index, Seq: l.seq, Kind: kind, Online: online, Error: errText}
	for _, s := range ss {
		rep.Samples = append(rep.Samples, WireSample{Metric: s.Metric, Tags: s.Tags, Value: s.Value, Time: s.Time.UnixMicro()})
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	if err := l.nc.Publish(SubjectReport+"."+strconv.Itoa(l.sh.Index), b); err != nil {
		return err
	}
	if kind != ReportTick {
		return l.nc.FlushTimeout(5 * time.Second)
	}
	return nil
}

func (l *shardLink) close() { l.nc.Close() }

// redact hides the password of a URL in messages.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	if _, ok := p.User.Password(); ok {
		p.User = url.UserPassword(p.User.Username(), "xxx")
	}
	return p.String()
}

// onHost gives an endpoint URL the host of the coordinator's URL when it names no reachable
// host (the coordinator listens on 0.0.0.0 or ::): a shard reaches the center where it
// reached the coordinator.
func onHost(endpoint, centerURL string) string {
	if endpoint == "" {
		return ""
	}
	e, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	host, port, err := net.SplitHostPort(e.Host)
	if err != nil {
		return endpoint
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		return endpoint
	}
	c, err := url.Parse(centerURL)
	if err != nil {
		return endpoint
	}
	e.Host = net.JoinHostPort(c.Hostname(), port)
	return e.String()
}

func cloneTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}
