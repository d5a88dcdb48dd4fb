package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
	"github.com/trafficsim/trafficsim/wire"
)

// Upstream is where the cluster forwards its events: the center's leaf node listener
// (LeafURL, with the cluster's leaf credentials) or an external NATS server (NATSURL, with a
// user of the devices' account). Exactly one URL is set.
type Upstream struct {
	LeafURL string // nats-leaf://host:port of the center (center.Center.LeafURL)
	NATSURL string // nats://host:port of an external NATS server with the EVENTS stream
	User    string
	Pass    string
}

// Worker analyses some cameras and reports their events to the endpoint it was given (the
// reference device, sim/device, is one).
type Worker interface {
	Start(ctx context.Context) error
	Close() error
}

// NewWorkerFunc creates the worker with device id id for cameras, reporting to events.
type NewWorkerFunc func(id string, cameras []wire.Calibration, events wire.EventsEndpoint) (Worker, error)

// Config of a Cluster.
type Config struct {
	// ID names the cluster: the JetStream domain of its server and the host of its evidence
	// references. Required; letters, digits, _ and -.
	ID string
	// DataDir holds the JetStream store (jetstream/) and the evidence (evidence/). Required.
	DataDir string
	// Listen is host:port of the ingest listener (POST /v1/events, GET /metrics). Default
	// "127.0.0.1:0".
	Listen string
	// Tokens maps a bearer token to the id of the device (external intermediate device or smart
	// camera) it belongs to; same rules as the center's. Workers get their own tokens.
	Tokens map[string]string
	// NATSListen is host:port of a client listener of the cluster's server where devices
	// publish events on traffic.events.<camera> (user: device id, password: token; JetStream
	// publish, message id = event_id), as they would to the center. Default "": HTTP only.
	NATSListen string
	// Upstream is the center (or external NATS). Required.
	Upstream Upstream
	// Cameras are analysed by device workers made by NewWorker, CamerasPerWorker each (in the
	// given order). Default none.
	Cameras []wire.Calibration
	// NewWorker creates a device worker. Default: the reference intermediate device
	// (sim/device), its edge queue under <DataDir>/queue/<worker id> (DeviceWorkers).
	NewWorker NewWorkerFunc
	// CamerasPerWorker is how many cameras one worker takes. Default 8.
	CamerasPerWorker int
	// Batch is how many events the forwarder has in flight to the center at most. Default 256.
	Batch int
	// PublishTimeout bounds the wait for the center's publish ack. Default 5 s.
	PublishTimeout time.Duration
	// Retry is the longest pause between forwarding attempts while the center cannot be
	// reached (the pause doubles from 50 ms up to it). Default 1 s.
	Retry time.Duration
	// LeafReconnect is the pause between the leaf node's reconnection attempts. Default 1 s.
	LeafReconnect time.Duration
	// MaxBodyBytes bounds one HTTP request body (413 above). Default 16 MiB.
	MaxBodyBytes int64
	// Vendors are boxes that post events in their own format (sim/cluster/adapt): over HTTP
	// at POST /v1/vendor/<name>, or over MQTT. Each vendor's device needs a token. Default none.
	Vendors []*adapt.Vendor
	// MQTTListen is host:port of nats-server's MQTT listener where vendors' boxes publish on
	// their mqtt_topic (user: device id, password: token). Default "": no MQTT.
	MQTTListen string
	// SyncAlways makes the cluster's JetStream fsync every write. Default false: an event is
	// in the file before its 202, so a killed cluster loses nothing; fsync every 2 minutes,
	// so a power cut could.
	SyncAlways bool
}

// Stats counts what the cluster did since Start.
type Stats struct {
	Received       int64  // events accepted into the local stream (new ones)
	Duplicate      int64  // events posted again (same event_id within the stream's window)
	Refused        int64  // refused requests
	Forwarded      int64  // events the center acknowledged
	ForwardErrors  int64  // failed publish attempts (center or uplink unreachable), retried
	Pending        uint64 // events stored and not yet acknowledged by the center
	EvidenceFiles  int64  // JPEG files written
	UplinkUp       bool   // the leaf node (or external NATS) connection is up
	WorkersRunning int
}

// Local stream and consumer of the cluster's server.
const (
	localStream   = "CLUSTER"
	localSubject  = "cluster.events" // + ".<camera>"
	localConsumer = "forward"
	dupWindow     = 2 * time.Minute
)

// Cluster is a running regional cluster. Create with New, then Start; Close stops it.
type Cluster struct {
	cfg     Config
	tokens  map[string]string // token -> device, workers included
	devices map[string]bool   // every device id of tokens
	workers []workerSpec

	srv       *server.Server
	localNC   *nats.Conn
	localJS   jetstream.JetStream
	upNC      *nats.Conn
	upJS      jetstream.JetStream
	stream    jetstream.Stream
	consumer  jetstream.Consumer
	listener  net.Listener
	httpSrv   *http.Server
	running   []Worker
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	evidence  string
	closeOnce sync.Once
	vend      *vendorIngest

	received, duplicate, refused, forwarded, forwardErrs, evidenceFiles atomic.Int64
}

type workerSpec struct {
	id, token string
	cameras   []wire.Calibration
}

var (
	safeID   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	safeCred = regexp.MustCompile(`^[A-Za-z0-9._@-]+$`)
)

// New checks cfg and returns a cluster that is not yet running.
func New(cfg Config) (*Cluster, error) {
	switch {
	case cfg.ID == "":
		return nil, errors.New("cluster: ID is required")
	case !safeID.MatchString(cfg.ID):
		return nil, fmt.Errorf("cluster: ID %q: use only letters, digits, _ and -", cfg.ID)
	case cfg.DataDir == "":
		return nil, errors.New("cluster: DataDir is required")
	case (cfg.Upstream.LeafURL == "") == (cfg.Upstream.NATSURL == ""):
		return nil, errors.New("cluster: Upstream needs exactly one of LeafURL and NATSURL")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.NewWorker == nil {
		cfg.NewWorker = DeviceWorkers(filepath.Join(cfg.DataDir, "queue"), nil)
	}
	if cfg.CamerasPerWorker <= 0 {
		cfg.CamerasPerWorker = 8
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.PublishTimeout <= 0 {
		cfg.PublishTimeout = 5 * time.Second
	}
	if cfg.Retry <= 0 {
		cfg.Retry = time.Second
	}
	if cfg.LeafReconnect <= 0 {
		cfg.LeafReconnect = time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	c := &Cluster{cfg: cfg, tokens: map[string]string{}, evidence: filepath.Join(cfg.DataDir, "evidence")}
	devices := map[string]bool{}
	for tok, dev := range cfg.Tokens {
		switch {
		case !safeCred.MatchString(tok):
			return nil, fmt.Errorf("cluster: token of device %q: use only letters, digits and . _ @ -", dev)
		case !safeCred.MatchString(dev):
			return nil, fmt.Errorf("cluster: device id %q: use only letters, digits and . _ @ -", dev)
		case devices[dev]:
			return nil, fmt.Errorf("cluster: device %q has two tokens", dev)
		case dev == "local" || dev == "uplink":
			return nil, fmt.Errorf("cluster: device id %q is reserved", dev)
		}
		devices[dev] = true
		c.tokens[tok] = dev
	}
	for i, cams := range splitCameras(cfg.Cameras, cfg.CamerasPerWorker) {
		id := WorkerID(cfg.ID, i)
		if devices[id] {
			return nil, fmt.Errorf("cluster: device id %q is taken by a worker", id)
		}
		w := workerSpec{id: id, token: randomToken(), cameras: cams}
		c.tokens[w.token] = id
		c.workers = append(c.workers, w)
	}
	c.devices = map[string]bool{}
	for _, d := range c.tokens {
		c.devices[d] = true
	}
	if err := c.checkVendors(); err != nil {
		return nil, err
	}
	return c, nil
}

// WorkerID is the device id of the cluster's i-th worker (from 0): "<cluster>-w<i+1>".
func WorkerID(cluster string, i int) string { return fmt.Sprintf("%s-w%d", cluster, i+1) }

// splitCameras cuts cameras into consecutive groups of at most n.
func splitCameras(cams []wire.Calibration, n int) [][]wire.Calibration {
	var out [][]wire.Calibration
	for len(cams) > 0 {
		k := min(n, len(cams))
		out = append(out, cams[:k:k])
		cams = cams[k:]
	}
	return out
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Devices lists the ids of every device that reports through the cluster (token holders and
// workers), sorted: the center must know each of them.
func (c *Cluster) Devices() []string {
	var out []string
	for _, d := range c.tokens {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// Start runs the embedded server, the local stream, the uplink, the forwarder, the ingest
// listener and the workers. ctx bounds start-up only; the cluster runs until Close.
func (c *Cluster) Start(ctx context.Context) error {
	if err := os.MkdirAll(c.evidence, 0o755); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if err := c.startNATS(ctx); err != nil {
		c.Close()
		return err
	}
	l, err := net.Listen("tcp", c.cfg.Listen)
	if err != nil {
		c.Close()
		return fmt.Errorf("cluster: listen: %w", err)
	}
	c.listener = l
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/events", c.handleEvents)
	mux.Handle("GET /metrics", c.metricsHandler())
	if err := c.startVendors(mux); err != nil {
		c.Close()
		return err
	}
	c.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.httpSrv.Serve(l)
	}()
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.forward(runCtx)
	}()
	for _, ws := range c.workers {
		w, err := c.cfg.NewWorker(ws.id, ws.cameras, c.endpoint(ws.token))
		if err != nil {
			c.Close()
			return fmt.Errorf("cluster: worker %s: %w", ws.id, err)
		}
		if err := w.Start(runCtx); err != nil {
			w.Close()
			c.Close()
			return fmt.Errorf("cluster: worker %s: %w", ws.id, err)
		}
		c.running = append(c.running, w)
	}
	return nil
}

// startNATS runs the embedded server (LOCAL account with JetStream; UPLINK account bound to
// the center by the leaf node remote), connects to both accounts and makes the local stream.
func (c *Cluster) startNATS(ctx context.Context) error {
	localPass, upPass := randomToken(), randomToken()
	var devs strings.Builder
	for tok, dev := range c.tokens { // checked by New: nothing to quote
		fmt.Fprintf(&devs, `, {user: %q, password: %q, permissions: {publish: {allow: %s}, subscribe: {allow: ["_INBOX.>"]}}}`, dev, tok, c.publishAllow(dev))
	}
	text := fmt.Sprintf(`accounts {
  LOCAL { jetstream: enabled, users: [ {user: "local", password: %q}%s ] }
  UPLINK { users: [ {user: "uplink", password: %q} ] }
}
`, localPass, devs.String(), upPass)
	opts := &server.Options{}
	if err := opts.ProcessConfigString(text); err != nil {
		return fmt.Errorf("cluster: server config: %w", err)
	}
	opts.ServerName = "cluster-" + c.cfg.ID
	if c.cfg.NATSListen == "" {
		opts.DontListen = true // in-process connections only
	} else {
		host, p, err := splitHostPort(c.cfg.NATSListen)
		if err != nil {
			return fmt.Errorf("cluster: NATSListen %q: want host:port", c.cfg.NATSListen)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
	}
	if err := c.mqttOptions(opts); err != nil {
		return err
	}
	opts.JetStream = true
	opts.JetStreamDomain = c.cfg.ID
	opts.StoreDir = filepath.Join(c.cfg.DataDir, "jetstream")
	opts.SyncAlways = c.cfg.SyncAlways
	opts.NoSigs, opts.NoLog = true, true
	up := c.cfg.Upstream
	if up.LeafURL != "" {
		u, err := url.Parse(up.LeafURL)
		if err != nil || u.Host == "" {
			return fmt.Errorf("cluster: Upstream.LeafURL %q is not a URL", up.LeafURL)
		}
		if up.User != "" {
			u.User = url.UserPassword(up.User, up.Pass)
		}
		opts.LeafNode.ReconnectInterval = c.cfg.LeafReconnect
		opts.LeafNode.Remotes = []*server.RemoteLeafOpts{{LocalAccount: "UPLINK", URLs: []*url.URL{u}}}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("cluster: server: %w", err)
	}
	c.srv = srv
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		return errors.New("cluster: server not ready after 10s")
	}
	if c.localNC, err = nats.Connect("", nats.InProcessServer(srv), nats.UserInfo("local", localPass),
		nats.Name("cluster-local"), nats.MaxReconnects(-1)); err != nil {
		return fmt.Errorf("cluster: local connection: %w", err)
	}
	if c.localJS, err = jetstream.New(c.localNC); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if up.LeafURL != "" {
		c.upNC, err = nats.Connect("", nats.InProcessServer(srv), nats.UserInfo("uplink", upPass),
			nats.Name("cluster-uplink"), nats.MaxReconnects(-1))
	} else {
		// No reconnect buffer: while the external server is away a publish fails at once and is
		// retried from the stream instead of waiting in memory.
		c.upNC, err = nats.Connect(up.NATSURL, nats.UserInfo(up.User, up.Pass), nats.Name("cluster-"+c.cfg.ID),
			nats.MaxReconnects(-1), nats.ReconnectWait(c.cfg.LeafReconnect), nats.ReconnectBufSize(-1),
			nats.RetryOnFailedConnect(true))
	}
	if err != nil {
		return fmt.Errorf("cluster: uplink connection: %w", err)
	}
	if c.upJS, err = jetstream.New(c.upNC, jetstream.WithPublishAsyncTimeout(c.cfg.PublishTimeout),
		jetstream.WithPublishAsyncMaxPending(c.cfg.Batch)); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	c.stream, err = c.localJS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: localStream, Subjects: []string{localSubject + ".>", wire.EventSubject + ".>"}, Storage: jetstream.FileStorage,
		Retention: jetstream.WorkQueuePolicy, Duplicates: dupWindow,
	})
	if err != nil {
		return fmt.Errorf("cluster: local stream: %w", err)
	}
	// The durable consumer's position is kept with the stream: a restarted cluster goes on
	// where it stopped, and what was in flight unacknowledged is delivered again.
	c.consumer, err = c.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: localConsumer, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 2*c.cfg.PublishTimeout + 10*time.Second, MaxAckPending: 4 * c.cfg.Batch,
	})
	if err != nil {
		return fmt.Errorf("cluster: forward consumer: %w", err)
	}
	return nil
}

func splitHostPort(hp string) (string, int, error) {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	return host, p, err
}

// ingestURL is the base URL of the ingest listener.
func (c *Cluster) ingestURL() string { return "http://" + c.listener.Addr().String() }

func (c *Cluster) endpoint(token string) wire.EventsEndpoint {
	ep := wire.EventsEndpoint{HTTP: c.ingestURL(), Token: token}
	if u := c.NATSURL(); u != "" {
		ep.NATS, ep.User, ep.Pass, ep.Subject = u, c.tokens[token], token, wire.EventSubject
	}
	return ep
}

// NATSURL is the client URL of the cluster's NATS listener ("" without NATSListen).
func (c *Cluster) NATSURL() string {
	if c.cfg.NATSListen == "" || c.srv == nil {
		return ""
	}
	return c.srv.ClientURL()
}

// EventsEndpoint is what a device or smart camera reporting through the cluster is told
// (cameras.json events section): the cluster's ingest URL and the device's token, and with
// NATSListen the cluster's NATS URL with the device's user and password.
func (c *Cluster) EventsEndpoint(device string) (wire.EventsEndpoint, bool) {
	for tok, dev := range c.tokens {
		if dev == device {
			return c.endpoint(tok), true
		}
	}
	return wire.EventsEndpoint{}, false
}

// URL is the base URL of the ingest listener (events go to URL()+"/v1/events").
func (c *Cluster) URL() string { return c.ingestURL() }

// Stats returns the counters; Pending asks the local stream (bounded by a second).
func (c *Cluster) Stats() Stats {
	s := Stats{
		Received: c.received.Load(), Duplicate: c.duplicate.Load(), Refused: c.refused.Load(),
		Forwarded: c.forwarded.Load(), ForwardErrors: c.forwardErrs.Load(),
		EvidenceFiles: c.evidenceFiles.Load(), WorkersRunning: len(c.running),
	}
	if c.stream != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if info, err := c.stream.Info(ctx); err == nil {
			s.Pending = info.State.Msgs
		}
	}
	if c.srv != nil && c.cfg.Upstream.LeafURL != "" {
		s.UplinkUp = c.srv.NumLeafNodes() > 0
	} else if c.upNC != nil {
		s.UplinkUp = c.upNC.IsConnected()
	}
	return s
}

// Close stops the workers, the ingest listener and the forwarder, then the server. What is
// stored and not yet forwarded stays in the data directory for the next Start.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		// Workers first: what they post while stopping still finds the listener.
		for _, w := range c.running {
			w.Close()
		}
		if c.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c.httpSrv.Shutdown(ctx)
			cancel()
		}
		if c.cancel != nil {
			c.cancel()
		}
		c.wg.Wait()
		for _, nc := range []*nats.Conn{c.upNC, c.localNC} {
			if nc != nil {
				nc.Close()
			}
		}
		if c.srv != nil {
			c.srv.Shutdown()
			c.srv.WaitForShutdown()
		}
	})
	return nil
}
