package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/wire"
)

// ShardConfig makes Run shard Shard.Index of Shard.Count of a sharded run: it serves its
// slice of every camera scenario's cameras (slot j when j mod Count = Index, so a ramp never
// moves a camera between shards), runs the reference devices of those cameras, publishes
// truth to the center and its samples to the coordinator, and follows the coordinator's
// start, abort and end (docs/load-shards.md).
type ShardConfig struct {
	Shard simrun.Shard
	// Center is the coordinator's control plane URL, nats://shard:TOKEN@host:port.
	Center string
	// RegisterTimeout bounds the wait for a coordinator to take the registration and for its
	// start [2m].
	RegisterTimeout time.Duration
	// Silence: the coordinator said nothing for this long, the shard stops with an error [15s].
	Silence time.Duration
}

// CoordinatorConfig makes Run the coordinator of Shards shards: it runs the center and the
// control plane, waits for every shard to register, gives one start time, judges the
// thresholds over all shards' samples and ends the run (coordinator.go).
type CoordinatorConfig struct {
	Shards int
	// Listen is the control plane's host:port [127.0.0.1:0]; the center listens on its host,
	// events (HTTP) on port+1, truth (HTTP) on port+2, NATS on port+3 (free ports for port 0).
	Listen string
	// Token is the shards' password on the control plane [random].
	Token string
	// RegisterTimeout bounds the wait for every shard to register [2m].
	RegisterTimeout time.Duration
	// Silence: a shard that sent no report for this long is counted lost [10s].
	Silence time.Duration
	// StartLead is how far ahead of the start broadcast the common start time lies [2s].
	StartLead time.Duration
	// OnListen is called with the URL the shards are to be given (--center) [none].
	OnListen func(url string)
	// PrepareClips makes the plan's clips in the library before the shards may register,
	// for shards that share the library (one machine, a shared volume) [false: each shard
	// makes or finds its own].
	PrepareClips bool
}

// shardSuffix keeps the default run ids of a machine's shards apart.
func shardSuffix(cfg Config) string {
	if cfg.Shard == nil {
		return ""
	}
	return fmt.Sprintf("-shard%d", cfg.Shard.Shard.Index)
}

// slotIDs are the cameras a scenario has online at target n: slots 0..n-1, this shard's only.
func (r *runner) slotIDs(sc *scen, n int) []string {
	sh := r.slots
	if sh.Count == 0 {
		sh = simrun.Shard{Index: 0, Count: 1}
	}
	ids := make([]string, 0, n/sh.Count+1)
	for j := sh.Index; j < n; j += sh.Count {
		ids = append(ids, sc.id(j))
	}
	return ids
}

// smartSlot reports whether slot j of a scenario is a smart camera: smartShare of the slots,
// spread evenly (slot j is smart when floor((j+1)*share) > floor(j*share)).
func smartSlot(s *Scenario, j int) bool {
	return int(float64(j+1)*s.SmartShare) > int(float64(j)*s.SmartShare)
}

// slotOf is the slot of a camera id of the scenario (-1: not one of its ids).
func (sc *scen) slotOf(id string) int {
	n, ok := strings.CutPrefix(id, sc.prefix)
	if !ok {
		return -1
	}
	j, err := strconv.Atoi(n)
	if err != nil {
		return -1
	}
	return j - 1
}

// smartCam reports whether a camera of the scenario is a smart camera (no device reads it).
func (sc *scen) smartCam(id string) bool {
	j := sc.slotOf(id)
	return j >= 0 && smartSlot(sc.s, j)
}

// shardGroups is how many reference devices shard sh runs for a scenario: its slots up to
// the scenario's most cameras that are not smart, CamerasPerDevice a device, and one spare.
func shardGroups(s *Scenario, sh simrun.Shard) int {
	plain := 0
	for j := sh.Index; j < s.maxCameras(); j += sh.Count {
		if !smartSlot(s, j) {
			plain++
		}
	}
	return (plain+s.CamerasPerDevice-1)/s.CamerasPerDevice + 1
}

// groupID names reference device k of a scenario on shard i.
func groupID(scenario string, shard, k int) string {
	return fmt.Sprintf("ref-%s-s%d-%d", scenario, shard, k+1)
}

// smartSource is the device id of shard i's smart cameras.
func smartSource(shard int) string {
	if shard < 0 {
		return "smartcam" // the whole run in one process
	}
	return fmt.Sprintf("smartcam-s%d", shard)
}

// cameraScenarios lists the scenarios that drive cameras, by start time.
func (p *Plan) cameraScenarios() []*Scenario {
	var out []*Scenario
	for _, n := range p.Names() {
		if s := p.Scenarios[n]; s.CamerasExecutor() {
			out = append(out, s)
		}
	}
	return out
}

// prefixFor is the camera id prefix of a scenario (cam-, or <name>-cam- beside others).
func (p *Plan) prefixFor(s *Scenario) string {
	if len(p.cameraScenarios()) > 1 {
		return s.Name + "-cam-"
	}
	return "cam-"
}

// runShard plays this shard's part: register, set up, wait for the start, follow the stages
// and the coordinator's abort and end.
func (r *runner) runShard(ctx context.Context) (*Result, error) {
	sc := r.cfg.Shard
	if sc.RegisterTimeout == 0 {
		sc.RegisterTimeout = 2 * time.Minute
	}
	if sc.Silence == 0 {
		sc.Silence = 15 * time.Second
	}
	r.slots = sc.Shard
	r.judged = nil // thresholds are judged at the coordinator
	if err := r.p.shardable(); err != nil {
		return nil, err
	}
	link, w, err := dialShard(ctx, sc.Center, sc.Shard, r.p.Digest, r.now, sc.RegisterTimeout)
	if err != nil {
		return nil, err
	}
	defer link.close()
	r.cfg.Logf("load: shard %s registered with run %s", sc.Shard, w.Run)
	fail := func(err error) (*Result, error) {
		link.report(ReportFail, 0, nil, err.Error())
		return nil, err
	}
	if err := r.shardSetUp(ctx, w, sc.Center); err != nil {
		return fail(err)
	}
	// the start barrier
	var t0 time.Time
	waitUntil := r.now().Add(sc.RegisterTimeout)
	for t0.IsZero() {
		select {
		case c := <-link.ctl:
			switch c.Kind {
			case KindStart, KindTick:
				t0 = c.T0
			case KindAbort, KindEnd:
				return fail(fmt.Errorf("load: shard %s: the coordinator ended the run before its start: %s", sc.Shard, c.Reason))
			}
		case <-ctx.Done():
			return fail(fmt.Errorf("load: shard %s: interrupted before the start", sc.Shard))
		case <-time.After(time.Second):
			link.report(ReportTick, 0, nil, "") // registered and waiting: alive
			if r.now().After(waitUntil) {
				return fail(fmt.Errorf("load: shard %s: no start from the coordinator within %v", sc.Shard, sc.RegisterTimeout))
			}
		}
	}
	r.start = t0
	r.cfg.Logf("load: shard %s starts at %s", sc.Shard, t0.UTC().Format(time.RFC3339Nano))
	if d := t0.Sub(r.now()); d > 0 {
		time.Sleep(d)
	}
	res := &Result{Dir: r.dir, Started: t0.UTC()}
	r.result = res
	var pending []Sample
	r.publish = func(ss []Sample) { pending = append(pending[:0], ss...) }
	length := r.p.Length()
	stopped := false
	stop := func() {
		if !stopped {
			for _, s := range r.scens {
				s.setOnline(nil)
			}
			stopped = true
		}
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	r.apply(0)
	for {
		now := r.now()
		el := r.elapsed(now)
		if !stopped && (el >= length || res.Aborted != "") {
			stop()
		}
		if !stopped {
			r.apply(el)
		}
		res.PeakCameras = max(res.PeakCameras, r.onlineCount())
		r.sample(now, false)
		if err := link.report(ReportTick, r.onlineCount(), pending, ""); err != nil {
			r.cfg.Logf("load: shard %s: report: %v", sc.Shard, err)
		}
		var end *Control
		for end == nil {
			select {
			case c := <-link.ctl:
				switch c.Kind {
				case KindAbort:
					if res.Aborted == "" {
						res.Aborted = c.Reason
						r.cfg.Logf("load: shard %s: abort from the coordinator: %s", sc.Shard, c.Reason)
					}
				case KindEnd:
					end = &c
				}
				continue
			default:
			}
			break
		}
		if end != nil {
			stop()
			if r.nsink != nil {
				r.nsink.Sync()
			}
			for _, s := range r.scens {
				if s.fleet != nil {
					s.fleetStop()
				}
			}
			r.sample(r.now(), false)
			if err := link.report(ReportDone, 0, pending, ""); err != nil {
				r.cfg.Logf("load: shard %s: last report: %v", sc.Shard, err)
			}
			r.cfg.Logf("load: shard %s: the coordinator ended the run (thresholds passed: %v)", sc.Shard, end.Passed)
			break
		}
		if d := link.silentFor(); d > sc.Silence {
			stop()
			return fail(fmt.Errorf("load: shard %s: no word from the coordinator for %v; stopping", sc.Shard, d.Round(time.Second)))
		}
		select {
		case <-ctx.Done():
			stop()
			return fail(fmt.Errorf("load: shard %s: interrupted", sc.Shard))
		case <-tick.C:
		}
	}
	res.Duration = r.now().Sub(r.start)
	res.Metrics = r.summarize(r.elapsed(r.now()))
	return res, nil
}

// shardSetUp makes the clips and farms of this shard's cameras, its reference devices with
// the credentials the coordinator granted, and the truth path to the center.
func (r *runner) shardSetUp(ctx context.Context, w *Welcome, centerURL string) error {
	var err error
	r.nsink, err = farm.DialNATSSink(farm.NATSSinkConfig{URL: onHost(w.TruthURL, centerURL), User: w.TruthUser, Password: w.TruthPass})
	if err != nil {
		return fmt.Errorf("load: shard %s: truth to the center: %w", r.slots, err)
	}
	smartEP := w.Smart
	smartEP.HTTP = onHost(smartEP.HTTP, centerURL)
	for _, s := range r.p.cameraScenarios() {
		sc := &scen{s: s, r: r, online: map[string]*camState{}, prefix: r.p.prefixFor(s)}
		if sc.clips, err = r.makeClips(ctx, s); err != nil {
			return err
		}
		for _, g := range w.Devices {
			if g.Scenario == s.Name && s.Device == "reference" {
				ep := g.Events
				ep.HTTP = onHost(ep.HTTP, centerURL)
				ep.NATS, ep.User, ep.Pass = "", "", ""
				sc.groups = append(sc.groups, &group{id: g.ID, ep: ep})
			}
		}
		if err := r.startScen(sc, smartEP, smartSource(r.slots.Index)); err != nil {
			return err
		}
		r.scens = append(r.scens, sc)
	}
	if len(r.scens) == 0 {
		return errors.New("load: the plan has no camera scenario")
	}
	return nil
}

// smartToken adds the smart cameras' device to tokens when a scenario has smart cameras.
func (r *runner) smartToken(tokens map[string]string) string {
	for _, s := range r.p.Scenarios {
		if s.SmartShare > 0 {
			tok := token()
			tokens[tok] = smartSource(-1)
			return tok
		}
	}
	return ""
}

// truthNext is where a scenario's truth goes after the warm-up cut: the center, and the
// scenario's smart cameras (started here) when it has any.
func (r *runner) truthNext(sc *scen, cen interface {
	Endpoint(string) (wire.EventsEndpoint, bool)
}, smartTok string) farm.TruthSink {
	if sc.s.SmartShare == 0 || smartTok == "" {
		return r.nsink
	}
	ep, _ := cen.Endpoint(smartSource(-1))
	ep.NATS, ep.User, ep.Pass = "", "", ""
	return r.startSmart(sc, ep, smartSource(-1))
}

// startSmart starts the smart cameras of this process's slots of a scenario; they post to ep
// as device source.
func (r *runner) startSmart(sc *scen, ep wire.EventsEndpoint, source string) farm.TruthSink {
	var ids []string
	for j := r.slots.Index; j < sc.s.maxCameras(); j += max(r.slots.Count, 1) {
		if smartSlot(sc.s, j) {
			ids = append(ids, sc.id(j))
		}
	}
	refused := func(status int, body string) {
		r.cfg.Logf("load: smart cameras: a batch was refused: %d %s", status, body)
	}
	sc.fleet = smartcam.NewFleet(ids, sc.s.seed, smartcam.Model{Source: source}, smartcam.HTTPSender(ep, refused), r.now)
	fctx, cancel := context.WithCancel(context.Background())
	sc.fleetStop = cancel
	go sc.fleet.Run(fctx)
	return farm.Sinks{r.nsink, sc.fleet}
}

// startScen starts a scenario's smart cameras (when it has any) and its farm.
func (r *runner) startScen(sc *scen, smartEP wire.EventsEndpoint, source string) error {
	var next farm.TruthSink = r.nsink
	if sc.s.SmartShare > 0 {
		next = r.startSmart(sc, smartEP, source)
	}
	faults, err := farm.ParseFaults(sc.s.Faults)
	if err != nil {
		return fmt.Errorf("load: scenario %s: %w", sc.s.Name, err)
	}
	sc.sink = &warmSink{next: next, warm: r.cfg.WarmUp, since: map[string]time.Time{}}
	sc.farm = farm.New(farm.Config{Seed: sc.s.seed, Faults: faults, Sink: sc.sink, TimeNow: r.now})
	for k, c := range sc.clips {
		id := fmt.Sprintf("preload-%d", k)
		if _, err := sc.farm.AddCamera(farm.CameraSpec{ID: id, Clip: c}); err != nil {
			return err
		}
		sc.farm.RemoveCamera(id)
	}
	return sc.farm.Start(context.Background())
}
