package devicetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/wire"
)

// Names and credentials of a case's parts.
const (
	deviceID   = "devicetest-dut"
	token      = "tok-devicetest"
	truthToken = "truth-devicetest"
	clusterID  = "devicetest-cluster"
	leafPass   = "leaf-devicetest"
)

// Env is one case's world: a farm, a center (and a cluster for a vendor's format), the
// cameras.json of the device under test and the device itself.
type Env struct {
	ctx  context.Context
	opts Options
	dut  Device
	dir  string
	id   string

	farm *farm.Farm

	mu    sync.Mutex
	truth []wire.Violation
	held  *held // what the running center holds
	dev   Running

	centerDir, centerAddr, leafAddr string
	center                          *center.Center
	clusterDir, clusterAddr         string
	cluster                         *cluster.Cluster
	vendor                          *adapt.Vendor

	camerasPath, stateDir string
	log                   *logBuffer
}

func newEnv(ctx context.Context, opts Options, dut Device, faults string) (*Env, error) {
	dir, err := opts.TempDir()
	if err != nil {
		return nil, err
	}
	e := &Env{ctx: ctx, opts: opts, dut: dut, dir: dir, id: deviceID, log: &logBuffer{},
		camerasPath: filepath.Join(dir, "cameras.json"), stateDir: filepath.Join(dir, "device"),
		centerDir: filepath.Join(dir, "center"), clusterDir: filepath.Join(dir, "cluster")}
	if opts.Vendor != nil {
		v := *opts.Vendor // Check fills defaults: each case its own copy
		e.vendor, e.id = &v, v.Device
	}
	if err := os.MkdirAll(e.stateDir, 0o755); err != nil {
		return nil, err
	}
	fs, err := farm.ParseFaults(faults)
	if err != nil {
		return nil, fmt.Errorf("devicetest: %w", err)
	}
	e.farm = farm.New(farm.Config{Library: opts.Library, Faults: fs, DeliveryEvery: -1,
		Sink: farm.FuncSink{OnViolation: func(v wire.Violation) { e.mu.Lock(); e.truth = append(e.truth, v); e.mu.Unlock() }}})
	if err := e.farm.Start(ctx); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			e.close()
		}
	}()
	if e.centerAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	if e.vendor != nil {
		if e.leafAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		if e.clusterAddr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	if err := e.startCenter(); err != nil {
		return nil, err
	}
	if e.vendor != nil {
		if err := e.startCluster(); err != nil {
			return nil, err
		}
	}
	ok = true
	return e, nil
}

// close stops the device, the cluster, the center and the farm.
func (e *Env) close() error {
	var errs []error
	if err := e.StopDevice(); err != nil {
		errs = append(errs, err)
	}
	if e.cluster != nil {
		e.cluster.Close()
	}
	if e.center != nil {
		e.center.Close()
	}
	e.farm.Close()
	return errors.Join(errs...)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// retry runs start until it succeeds: a port just closed can take a moment to free.
func retry(start func() error) error {
	var err error
	for range 50 {
		if err = start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func (e *Env) startCenter() error {
	h := &held{}
	cfg := center.Config{DataDir: e.centerDir, HTTPListen: e.centerAddr, Tokens: map[string]string{token: e.id},
		TruthToken: truthToken, Scorer: h, NATS: center.NATSConfig{Disable: true}}
	if e.vendor != nil {
		cfg.NATS = center.NATSConfig{LeafListen: e.leafAddr, Leafs: map[string]string{leafPass: clusterID}}
	}
	err := retry(func() error {
		c, err := center.New(cfg)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
		defer cancel()
		if err := c.Start(ctx); err != nil {
			c.Close()
			return err
		}
		e.mu.Lock()
		e.center, e.held = c, h
		e.mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("devicetest: center: %w", err)
	}
	return nil
}

func (e *Env) startCluster() error {
	cfg := cluster.Config{ID: clusterID, DataDir: e.clusterDir, Listen: e.clusterAddr, Tokens: map[string]string{token: e.id},
		Upstream: cluster.Upstream{LeafURL: "nats-leaf://" + e.leafAddr, User: clusterID, Pass: leafPass},
		Vendors:  []*adapt.Vendor{e.vendor}, LeafReconnect: 200 * time.Millisecond, Retry: 200 * time.Millisecond}
	err := retry(func() error {
		c, err := cluster.New(cfg)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
		defer cancel()
		if err := c.Start(ctx); err != nil {
			c.Close()
			return err
		}
		e.mu.Lock()
		e.cluster = c
		e.mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("devicetest: cluster: %w", err)
	}
	return nil
}

// endpoint is where the device reports: the center, or the cluster that maps its format.
func (e *Env) endpoint() wire.EventsEndpoint {
	if e.vendor != nil {
		return wire.EventsEndpoint{HTTP: "http://" + e.clusterAddr, Token: token}
	}
	return wire.EventsEndpoint{HTTP: "http://" + e.centerAddr, Token: token}
}

// UplinkDown takes away what the device reports to (the center, or the vendor's cluster), as
// a power cut would: it stops, and what it stored stays on disk.
func (e *Env) UplinkDown() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.vendor != nil {
		e.cluster.Close()
		e.cluster = nil
		return
	}
	e.center.Close()
	e.center = nil
}

// UplinkUp starts it again on the same address and data.
func (e *Env) UplinkUp() error {
	if e.vendor != nil {
		return e.startCluster()
	}
	return e.startCenter()
}

// AddCamera adds a farm camera playing the kit's clip.
func (e *Env) AddCamera(id string) error {
	_, err := e.farm.AddCamera(farm.CameraSpec{ID: id, Clip: ClipID})
	return err
}

// WriteCameras replaces cameras.json with the farm cameras ids (edit, when set, changes one
// camera's entry first: a broken camera), atomically.
func (e *Env) WriteCameras(ids []string, edit func(*wire.Calibration)) error {
	all := e.farm.Deployment()
	ep := e.endpoint()
	dep := wire.Deployment{Events: &ep}
	for _, id := range ids {
		i := slices.IndexFunc(all.Cameras, func(c wire.Calibration) bool { return c.ID == id })
		if i < 0 {
			return fmt.Errorf("devicetest: no farm camera %q", id)
		}
		c := all.Cameras[i]
		if edit != nil {
			edit(&c)
		}
		dep.Cameras = append(dep.Cameras, c)
	}
	b, err := json.MarshalIndent(dep, "", "  ")
	if err != nil {
		return err
	}
	tmp := e.camerasPath + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, e.camerasPath)
}

// StartDevice starts the device under test on cameras.json.
func (e *Env) StartDevice() error {
	r, err := e.dut.Start(e.ctx, Config{ID: e.id, Cameras: e.camerasPath, StateDir: e.stateDir, Log: e.log})
	if err != nil {
		return fmt.Errorf("the device did not start: %w", err)
	}
	e.mu.Lock()
	e.dev = r
	e.mu.Unlock()
	return nil
}

// StopDevice stops the device in order (nothing when it does not run).
func (e *Env) StopDevice() error {
	e.mu.Lock()
	r := e.dev
	e.dev = nil
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	if err := r.Stop(); err != nil {
		return fmt.Errorf("the device did not stop in order: %w", err)
	}
	return nil
}

// KillDevice kills the device.
func (e *Env) KillDevice() error {
	e.mu.Lock()
	r := e.dev
	e.dev = nil
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.Kill()
}

// Held returns the events the center holds now (each once: it de-duplicates by event id).
func (e *Env) Held() []wire.Event {
	e.mu.Lock()
	h := e.held
	e.mu.Unlock()
	return h.events()
}

// Lag is the longest time from an event's capture (its time) to the center so far.
func (e *Env) Lag() time.Duration {
	e.mu.Lock()
	h := e.held
	e.mu.Unlock()
	return h.lag()
}

// Truth returns the violations the farm played (or is about to) on camera cam.
func (e *Env) Truth(cam string) []wire.Violation {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []wire.Violation
	for _, v := range e.truth {
		if v.Camera == cam {
			out = append(out, v)
		}
	}
	return out
}

// Readers is the number of sessions playing camera cam at the farm now.
func (e *Env) Readers(cam string) int64 {
	for _, s := range e.farm.Stats() {
		if s.ID == cam {
			return s.Readers
		}
	}
	return 0
}

// CameraStart is the wall time of camera cam's first frame.
func (e *Env) CameraStart(cam string) time.Time {
	for _, s := range e.farm.Stats() {
		if s.ID == cam {
			return s.Start
		}
	}
	return time.Time{}
}

// Log is what the device logged so far.
func (e *Env) Log() string { return e.log.String() }

// Wait polls cond until it holds, for at most the kit's patience (plus extra).
func (e *Env) Wait(what string, extra time.Duration, cond func() bool) error {
	limit := e.opts.Patience + extra
	end := time.Now().Add(limit)
	for {
		if cond() {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("waited %v for %s", limit.Round(time.Second), what)
		}
		select {
		case <-e.ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, e.ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// sleepUntil waits until t (or the case's end).
func (e *Env) sleepUntil(t time.Time) error {
	select {
	case <-e.ctx.Done():
		return e.ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}

// held is the center's Scorer in the kit: every event the center holds, replayed ones too.
type held struct {
	mu   sync.Mutex
	evs  []wire.Event
	recv []time.Time
}

var _ center.Scorer = (*held)(nil)

func (h *held) AddEvent(ev wire.Event, received time.Time) {
	h.mu.Lock()
	h.evs, h.recv = append(h.evs, ev), append(h.recv, received)
	h.mu.Unlock()
}

// lag is the longest time from an event's capture to the center so far.
func (h *held) lag() time.Duration {
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var l time.Duration
	for i, ev := range h.evs {
		l = max(l, h.recv[i].Sub(ev.Time))
	}
	return l
}
func (h *held) AddTruth(wire.Violation) {}
func (h *held) AddFault(wire.Fault)     {}

func (h *held) events() []wire.Event {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.evs)
}

// logBuffer is the device's log, written from any goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }
