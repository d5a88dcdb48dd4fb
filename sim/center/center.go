package center

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/trafficsim/trafficsim/sim/center/natsbox"
	"github.com/trafficsim/trafficsim/sim/center/wal"
	"github.com/trafficsim/trafficsim/wire"
)

// Scorer takes what the center accepts and scores it live (results.Live implements it).
// Calls are serialised by the center.
type Scorer interface {
	AddTruth(wire.Violation)
	AddFault(wire.Fault)
	AddEvent(e wire.Event, received time.Time)
}

// Recorder writes everything the center accepts into the run record (the run record writer of
// results implements it). Calls are serialised by the center. Items replayed from disk at a
// restart are not handed to the Recorder again, unless it is a ResumedRecorder.
type Recorder interface {
	Event(e wire.Event, received time.Time)
	Truth(wire.Violation)
	Fault(wire.Fault)
}

// ResumedRecorder is optional: a Recorder that holds the run record of an earlier start on the
// same data folder (record.Resume) and keeps each item once. When Resumed is true the center
// hands it every item its log and streams replay at Start as well: an item stored and
// acknowledged just before a crash (or retried after it and answered as a duplicate) may never
// have reached the record, and only the record can tell.
type ResumedRecorder interface{ Resumed() bool }

// DeliveryScorer and DeliveryRecorder are optional: a Scorer or Recorder that implements one
// also gets the farm's frame-delivery counts.
type (
	DeliveryScorer   interface{ AddDelivery(wire.Delivery) }
	DeliveryRecorder interface{ Delivery(wire.Delivery) }
)

// NATSConfig configures event and truth ingest over NATS JetStream.
type NATSConfig struct {
	// Disable turns NATS ingest off. Default false: an embedded server runs (file store under
	// DataDir/jetstream) unless URL is set.
	Disable bool
	// Listen is host:port of the embedded server's client listener. Default "127.0.0.1:0".
	Listen string
	// URL of an external NATS server with JetStream; when set no server is embedded and the
	// center connects with the users below, creating the EVENTS and TRUTH streams if missing.
	// Default "" (embedded).
	URL        string
	EventsUser string // external: a user of the devices' account allowed to manage streams
	EventsPass string
	TruthUser  string // external: a user of the truth account allowed to manage streams
	TruthPass  string
	// SyncAlways makes the embedded JetStream fsync every write. Default false: every write
	// reaches the file before the publish ack, so a killed center loses nothing acknowledged;
	// only a power loss could.
	SyncAlways bool
	// LeafListen is host:port of the embedded server's leaf node listener, where regional
	// clusters (sim/cluster) connect their own servers. Default "": none.
	LeafListen string
	// Leafs maps a leaf node password to the regional cluster (NATS user) it belongs to; a
	// cluster is bound to the devices' account with a device's rights (publish
	// traffic.events.>). Same characters as Tokens; a cluster id may not be a device id.
	Leafs map[string]string
}

// Config of a Center.
type Config struct {
	// DataDir holds the append-only log (events.log) and the JetStream store. Required.
	DataDir string
	// HTTPListen is the device-facing listener (POST /v1/events, GET /metrics).
	// Default "127.0.0.1:0".
	HTTPListen string
	// TruthListen is the truth listener (POST /v1/truth, /v1/faults, /v1/delivery,
	// GET /v1/score, GET /metrics, all with the truth token); device tokens are refused there. Default "127.0.0.1:0".
	TruthListen string
	// Tokens maps a bearer token to the device id it belongs to. A device may only post events
	// whose source is its own id (403 otherwise). Tokens and device ids must match
	// [A-Za-z0-9._@-]+: they are also the NATS password and user of the device.
	Tokens map[string]string
	// TruthToken is the bearer token of the truth listener and the password of NATS user
	// "truth" in the TRUTH account. Required, same characters as Tokens.
	TruthToken string
	// NATS ingest. Default: embedded server.
	NATS NATSConfig
	// Scorer receives accepted events and truth; nil: none.
	Scorer Scorer
	// Score returns the live score served by GET /v1/score (JSON-encoded); nil: the endpoint
	// answers 404.
	Score func(now time.Time) any
	// Recorder receives accepted events and truth; nil: none.
	Recorder Recorder
	// MaxBodyBytes bounds one HTTP request body (413 above). Default 16 MiB.
	MaxBodyBytes int64
	// BodyTimeout bounds the time to read one request body, from the end of its headers
	// (408 after; a body trickled a byte at a time cannot hold a connection and its buffer).
	// Default 30 s.
	BodyTimeout time.Duration
	// Cameras maps a camera id to the device that owns it (cameras.json of that device, or
	// wire.Deployment). When set, an event for a camera the sending device does not own is
	// refused (403), on HTTP and NATS. Default nil: any camera.
	Cameras map[string]string
	// SyncEach fsyncs every request on its own instead of group commit: the plain approach,
	// for benchmark ratios. Default false.
	SyncEach bool
	// TimeNow is the one clock of received times, for HTTP requests and NATS messages alike,
	// and of GET /v1/score. Default time.Now. A NATS event's received time is logged
	// (events.log) when the center takes the message, so reading the stream again after a
	// restart gives it back; only a message whose time never reached the log (the center died
	// first) falls back to JetStream's store time.
	TimeNow func() time.Time

	logRetry time.Duration             // tests: wal.Options.RetryFor
	logWrap  func(io.Writer) io.Writer // tests: wal.Options.WrapWriter (a full disk)
}

// Stats counts what the center did since Start.
type Stats struct {
	Events             int   // distinct events held (replayed at start + accepted since)
	EventsAccepted     int64 // since Start, both transports
	EventsDuplicate    int64
	Refused            int64 // refused requests and messages, both transports
	TruthAccepted      int64 // violations
	FaultsAccepted     int64
	DeliveriesAccepted int64
	Log                wal.Stats
}

// Log record kinds.
const (
	recEvents   byte = 1 // JSON object or array of wire.Event, as accepted (duplicates re-detected at replay)
	recTruth    byte = 2 // JSON wire.Violation
	recFault    byte = 3 // JSON wire.Fault
	recDelivery byte = 4 // JSON wire.Delivery
	recNATSRecv byte = 5 // decimal sequence of an EVENTS stream message; Time: when the center took it
)

// Center is the ingest end of a run. Create with New, then Start; Close stops it.
type Center struct {
	cfg     Config
	now     func() time.Time
	devices map[string]bool
	m       *metrics

	log *wal.Log

	mu         sync.Mutex             // guards the seen maps
	seenEvents map[string]*wal.Commit // eventKey -> the commit that stores it (done once on disk)
	seenTruth  map[string]*wal.Commit
	natsRecv   map[uint64]time.Time // EVENTS sequence -> received, read from the log until the stream replays it

	outMu sync.Mutex // serialises Scorer and Recorder calls

	accepted, duplicate, refused   atomic.Int64
	truthN, faultN, deliveryN      atomic.Int64
	eventsListener, truthListener  net.Listener
	eventsServer, truthServer      *http.Server
	box                            *natsbox.Box
	ncEvents, ncTruth              *nats.Conn
	consumers                      []jetstream.ConsumeContext
	drains                         []func(context.Context) error // wait until a consumer has handed on all its stream holds
	handlerMu                      sync.RWMutex                  // handlers hold it shared; Close exclusively
	handlersOff                    bool                          // set by Close: handlers return at once
	centerEventsPass, centerTruthP string
	wg                             sync.WaitGroup
	started, closed                bool
}

var safeCred = regexp.MustCompile(`^[A-Za-z0-9._@-]+$`)

// New checks cfg and returns a center that is not yet running.
func New(cfg Config) (*Center, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("center: DataDir is required")
	}
	if cfg.TruthToken == "" {
		return nil, errors.New("center: TruthToken is required")
	}
	if !safeCred.MatchString(cfg.TruthToken) {
		return nil, errors.New("center: TruthToken: use only letters, digits and . _ @ -")
	}
	devices := map[string]bool{}
	for tok, dev := range cfg.Tokens {
		if !safeCred.MatchString(tok) {
			return nil, fmt.Errorf("center: token of device %q: use only letters, digits and . _ @ -", dev)
		}
		if !safeCred.MatchString(dev) {
			return nil, fmt.Errorf("center: device id %q: use only letters, digits and . _ @ -", dev)
		}
		if tok == cfg.TruthToken {
			return nil, fmt.Errorf("center: device %q has the truth token", dev)
		}
		if devices[dev] {
			return nil, fmt.Errorf("center: device %q has two tokens", dev)
		}
		if dev == "truth" || dev == "center-events" || dev == "center-truth" {
			return nil, fmt.Errorf("center: device id %q is reserved", dev)
		}
		devices[dev] = true
	}
	if (cfg.NATS.LeafListen != "" || len(cfg.NATS.Leafs) > 0) && (cfg.NATS.Disable || cfg.NATS.URL != "") {
		return nil, errors.New("center: NATS.LeafListen and Leafs need the embedded server (no Disable, no URL)")
	}
	for pass, id := range cfg.NATS.Leafs {
		switch {
		case !safeCred.MatchString(pass):
			return nil, fmt.Errorf("center: leaf password of cluster %q: use only letters, digits and . _ @ -", id)
		case !safeCred.MatchString(id):
			return nil, fmt.Errorf("center: cluster id %q: use only letters, digits and . _ @ -", id)
		case devices[id] || id == "truth" || id == "center-events" || id == "center-truth":
			return nil, fmt.Errorf("center: cluster id %q is taken by a device or reserved", id)
		}
	}
	if cfg.HTTPListen == "" {
		cfg.HTTPListen = "127.0.0.1:0"
	}
	if cfg.TruthListen == "" {
		cfg.TruthListen = "127.0.0.1:0"
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = 30 * time.Second
	}
	for cam, dev := range cfg.Cameras {
		if !devices[dev] {
			return nil, fmt.Errorf("center: camera %q belongs to %q, which has no token", cam, dev)
		}
	}
	now := cfg.TimeNow
	if now == nil {
		now = time.Now
	}
	c := &Center{cfg: cfg, now: now, devices: devices,
		seenEvents: map[string]*wal.Commit{}, seenTruth: map[string]*wal.Commit{}, natsRecv: map[uint64]time.Time{}}
	c.m = newMetrics(func() wal.Stats {
		if c.log == nil {
			return wal.Stats{}
		}
		return c.log.Stats()
	})
	return c, nil
}

// Start replays the log and the streams, then listens. ctx bounds start-up only; the center
// runs until Close.
func (c *Center) Start(ctx context.Context) error {
	if c.started {
		return errors.New("center: already started")
	}
	c.started = true
	if err := os.MkdirAll(c.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("center: %w", err)
	}
	log, err := wal.Open(filepath.Join(c.cfg.DataDir, "events.log"), wal.Options{SyncEach: c.cfg.SyncEach,
		RetryFor: c.cfg.logRetry, WrapWriter: c.cfg.logWrap}, c.replay)
	if err != nil {
		return fmt.Errorf("center: %w", err)
	}
	c.log = log
	if !c.cfg.NATS.Disable {
		if err := c.startNATS(ctx); err != nil {
			c.Close()
			return err
		}
	}
	if err := c.startHTTP(); err != nil {
		c.Close()
		return err
	}
	return nil
}

// replay rebuilds the de-duplication sets and the score from one log record.
func (c *Center) replay(r wal.Record) error {
	switch r.Kind {
	case recEvents:
		evs, err := wire.DecodeEvents(r.Data)
		if err != nil {
			return err
		}
		var fresh []wire.Event
		for _, e := range evs {
			if _, ok := c.seenEvents[eventKey(&e)]; !ok {
				c.seenEvents[eventKey(&e)] = nil
				fresh = append(fresh, e)
			}
		}
		if c.cfg.Scorer != nil {
			for _, e := range fresh {
				c.cfg.Scorer.AddEvent(e, r.Time)
			}
		}
		if c.resumed() {
			for _, e := range fresh {
				c.cfg.Recorder.Event(e, r.Time)
			}
		}
		return nil
	case recTruth, recFault, recDelivery:
		it, err := decodeTruthItem(r.Kind, r.Data)
		if err != nil {
			return err
		}
		if _, ok := c.seenTruth[it.key]; ok {
			return nil
		}
		c.seenTruth[it.key] = nil
		c.deliverTruth(it, false, c.resumed())
		return nil
	case recNATSRecv:
		seq, err := strconv.ParseUint(string(r.Data), 10, 64)
		if err != nil {
			return fmt.Errorf("NATS received time: sequence %q: %w", r.Data, err)
		}
		c.natsRecv[seq] = r.Time
		return nil
	}
	return fmt.Errorf("unknown record kind %d", r.Kind)
}

// resumed reports whether the Recorder wants replayed items too.
func (c *Center) resumed() bool {
	r, ok := c.cfg.Recorder.(ResumedRecorder)
	return ok && r.Resumed()
}

func randomPass() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// EventsURL is the base URL of the device listener (events go to EventsURL()+"/v1/events").
func (c *Center) EventsURL() string { return "http://" + c.eventsListener.Addr().String() }

// TruthURL is the base URL of the truth listener.
func (c *Center) TruthURL() string { return "http://" + c.truthListener.Addr().String() }

// NATSURL is the client URL of the NATS server ("" when NATS is disabled).
func (c *Center) NATSURL() string {
	switch {
	case c.cfg.NATS.Disable:
		return ""
	case c.cfg.NATS.URL != "":
		return c.cfg.NATS.URL
	case c.box != nil:
		return c.box.URL()
	}
	return ""
}

// DeviceCredentials returns the NATS user and password of a device (its id and its token).
func (c *Center) DeviceCredentials(device string) (user, pass string, ok bool) {
	for tok, dev := range c.cfg.Tokens {
		if dev == device {
			return dev, tok, true
		}
	}
	return "", "", false
}

// Endpoint is what a device is told about the center in cameras.json (wire.Deployment.Events):
// the HTTP base URL and its token, and the NATS URL with its user and password when NATS runs.
func (c *Center) Endpoint(device string) (wire.EventsEndpoint, bool) {
	user, tok, ok := c.DeviceCredentials(device)
	if !ok {
		return wire.EventsEndpoint{}, false
	}
	ep := wire.EventsEndpoint{HTTP: c.EventsURL(), Token: tok}
	if u := c.NATSURL(); u != "" {
		ep.NATS, ep.User, ep.Pass, ep.Subject = u, user, tok, wire.EventSubject
	}
	return ep, true
}

// LeafURL is the URL of the leaf node listener regional clusters dial ("" without one).
func (c *Center) LeafURL() string {
	if c.box == nil {
		return ""
	}
	return c.box.LeafURL()
}

// LeafCredentials returns the leaf node user and password of a regional cluster.
func (c *Center) LeafCredentials(cluster string) (user, pass string, ok bool) {
	for p, id := range c.cfg.NATS.Leafs {
		if id == cluster {
			return id, p, true
		}
	}
	return "", "", false
}

// TruthCredentials returns the NATS user and password of the truth publisher.
func (c *Center) TruthCredentials() (user, pass string) { return "truth", c.cfg.TruthToken }

// Score returns the live score (nil without a Score function).
func (c *Center) Score() any {
	if c.cfg.Score == nil {
		return nil
	}
	c.outMu.Lock()
	defer c.outMu.Unlock()
	return c.cfg.Score(c.now())
}

// Gatherer is the center's Prometheus registry, served on /metrics of the truth listener.
// The device listener serves DeviceGatherer.
func (c *Center) Gatherer() prometheus.Gatherer { return c.m.reg }

// DeviceGatherer is what /metrics of the device listener serves: event counts only, nothing
// that moves with truth (truth counts, log bytes and fsyncs, the process's memory and CPU), so
// a device cannot learn when violations happen.
func (c *Center) DeviceGatherer() prometheus.Gatherer { return c.m.devReg }

// Stats returns the counters.
func (c *Center) Stats() Stats {
	c.mu.Lock()
	n := len(c.seenEvents)
	c.mu.Unlock()
	s := Stats{Events: n, EventsAccepted: c.accepted.Load(), EventsDuplicate: c.duplicate.Load(), Refused: c.refused.Load(),
		TruthAccepted: c.truthN.Load(), FaultsAccepted: c.faultN.Load(), DeliveriesAccepted: c.deliveryN.Load()}
	if c.log != nil {
		s.Log = c.log.Stats()
	}
	return s
}

// DrainTimeout bounds how long Close waits for the NATS consumers to hand on what the streams
// hold (a publisher that never stops would otherwise keep it open).
const DrainTimeout = 15 * time.Second

// Close stops the listeners, waits for in-flight requests and for the NATS consumers to hand on
// what the streams hold (up to DrainTimeout), stops the consumers, then closes the log and the
// NATS server.
func (c *Center) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range []*http.Server{c.eventsServer, c.truthServer} {
		if s != nil {
			if err := s.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	c.wg.Wait()
	// what JetStream acknowledged is stored: hand it on before stopping, so a run's record
	// holds every event its devices were told was delivered
	dctx, dcancel := context.WithTimeout(context.Background(), DrainTimeout)
	defer dcancel()
	for _, d := range c.drains {
		if err := d(dctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, cc := range c.consumers {
		cc.Stop()
	}
	c.handlerMu.Lock() // waits for a message handler still running
	c.handlersOff = true
	c.handlerMu.Unlock()
	for _, nc := range []*nats.Conn{c.ncEvents, c.ncTruth} {
		if nc != nil {
			nc.Close()
		}
	}
	if c.box != nil {
		c.box.Close()
	}
	if c.log != nil {
		if err := c.log.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
