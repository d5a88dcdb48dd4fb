package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/center"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/wire"
)

// coordinate runs the center and the control plane, waits for every shard, starts them at
// one t0, aggregates their samples with the center's, judges the thresholds and ends the run.
func (r *runner) coordinate(ctx context.Context) (*Result, error) {
	cc := r.cfg.Coordinator
	if cc.Shards < 1 {
		return nil, fmt.Errorf("load: --shards %d: want at least 1", cc.Shards)
	}
	if cc.Listen == "" {
		cc.Listen = "127.0.0.1:0"
	}
	if cc.Token == "" {
		cc.Token = token()
	}
	if cc.RegisterTimeout == 0 {
		cc.RegisterTimeout = 2 * time.Minute
	}
	if cc.Silence == 0 {
		cc.Silence = 10 * time.Second
	}
	if cc.StartLead == 0 {
		cc.StartLead = 2 * time.Second
	}
	host, port, err := net.SplitHostPort(cc.Listen)
	if err != nil {
		return nil, fmt.Errorf("load: --listen %q: %w", cc.Listen, err)
	}
	// the center's listeners: the three ports after the control plane's (a Service can name
	// them), or free ports when the control plane takes a free one
	ports := [3]string{"0", "0", "0"}
	if p, err := strconv.Atoi(port); err == nil && p > 0 && p < 65533 {
		for k := range ports {
			ports[k] = strconv.Itoa(p + 1 + k)
		}
	}
	if err := r.p.shardable(); err != nil {
		return nil, err
	}
	// the shards' devices: ids and tokens the coordinator mints, the same for every shard
	tokens := map[string]string{}
	grants := make([][]DeviceGrant, cc.Shards)
	smartTok := make([]string, cc.Shards)
	for _, s := range r.p.cameraScenarios() {
		r.scens = append(r.scens, &scen{s: s, r: r, online: map[string]*camState{}, prefix: r.p.prefixFor(s)})
		for i := range cc.Shards {
			if s.SmartShare > 0 && smartTok[i] == "" {
				smartTok[i] = token()
				tokens[smartTok[i]] = smartSource(i)
			}
			if s.Device != "reference" {
				continue
			}
			for k := range shardGroups(s, simrun.Shard{Index: i, Count: cc.Shards}) {
				id := groupID(s.Name, i, k)
				tokens[token()] = id
				grants[i] = append(grants[i], DeviceGrant{Scenario: s.Name, ID: id})
			}
		}
	}
	if len(r.scens) == 0 {
		return nil, errors.New("load: the plan has no camera scenario")
	}
	if cc.PrepareClips {
		for _, sc := range r.scens {
			if _, err := r.makeClips(ctx, sc.s); err != nil {
				return nil, err
			}
		}
	}
	counts := &shardCounts{r: r, n: cc.Shards, truths: make([]int64, cc.Shards), events: make([]int64, cc.Shards)}
	r.live = results.NewLive(results.Config{Window: r.p.Options.Window, Grace: r.p.Options.Grace})
	r.live.OnMatch(r.onMatch)
	cen, err := center.New(center.Config{DataDir: filepath.Join(r.dir, "center"), Tokens: tokens, TruthToken: token(),
		Scorer: r.live, Recorder: counts, TimeNow: r.now, HTTPListen: net.JoinHostPort(host, ports[0]), TruthListen: net.JoinHostPort(host, ports[1]),
		NATS: center.NATSConfig{Listen: net.JoinHostPort(host, ports[2])}})
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = cen.Start(sctx)
	cancel()
	if err != nil {
		return nil, err
	}
	r.cen = cen
	ctl, err := StartControlServer(cc.Listen, cc.Token)
	if err != nil {
		return nil, err
	}
	defer ctl.Close()
	truthUser, truthPass := cen.TruthCredentials()
	welcome := func(i int) (Welcome, error) {
		w := Welcome{Run: filepath.Base(r.dir), TruthURL: cen.NATSURL(), TruthUser: truthUser, TruthPass: truthPass}
		for _, g := range grants[i] {
			ep, _ := cen.Endpoint(g.ID)
			g.Events = ep
			w.Devices = append(w.Devices, g)
		}
		if smartTok[i] != "" {
			w.Smart, _ = cen.Endpoint(smartSource(i))
			w.Smart.NATS, w.Smart.User, w.Smart.Pass = "", "", ""
		}
		return w, nil
	}
	onSamples := func(_ int, ss []Sample) {
		r.mu.Lock()
		r.buf = append(r.buf, ss...)
		r.mu.Unlock()
	}
	r.coord, err = dialCoord(onHost(ctl.URL(), "nats://127.0.0.1"), cc.Shards, r.p.Digest, r.now, r.cfg.Logf, welcome, onSamples)
	if err != nil {
		return nil, err
	}
	defer r.coord.close()
	if cc.OnListen != nil {
		cc.OnListen(ctl.URL())
	}
	api, err := r.serveControl()
	if err != nil {
		return nil, err
	}
	defer api.Close()
	if r.cfg.OnStart != nil {
		r.cfg.OnStart("http://"+api.Addr().String(), r.cfg.ControlToken, "")
	}
	if err := r.coord.waitRegistered(ctx, cc.RegisterTimeout); err != nil {
		r.coord.publish(Control{Kind: KindAbort, Reason: err.Error()}) // the shards that came exit
		r.coord.publish(Control{Kind: KindEnd, Reason: err.Error()})
		return nil, err
	}
	t0 := r.now().Add(cc.StartLead)
	if err := r.coord.publish(Control{Kind: KindStart, T0: t0}); err != nil {
		return nil, fmt.Errorf("load: the start: %w", err)
	}
	r.cfg.Logf("load: all %d shards registered; start at %s", cc.Shards, t0.UTC().Format(time.RFC3339Nano))
	time.Sleep(max(0, t0.Sub(r.now())))
	res := r.coordLoop(ctx, t0)
	counts.fill(res.Shards)
	return res, nil
}

// coordLoop is the coordinator's aggregation loop: loop's, with the shards' cameras.
func (r *runner) coordLoop(ctx context.Context, t0 time.Time) *Result {
	cc := r.cfg.Coordinator
	r.start = t0
	res := &Result{Dir: r.dir, Started: t0.UTC()}
	r.result = res
	length := r.p.Length()
	primary := r.p.Primary()
	stages := max(len(primary.Stages), 1) // a constant scenario is one stage
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastScore := time.Time{}
	var stopAt time.Time
	for {
		now := r.now()
		el := r.elapsed(now)
		r.coord.publish(Control{Kind: KindTick, T0: t0, Elapsed: el})
		for _, i := range r.coord.checkLost(now, el, cc.Silence) {
			r.cfg.Logf("load: shard %d/%d lost at %v: no report for %v", i, cc.Shards, el.Round(time.Second), cc.Silence)
		}
		if stopAt.IsZero() && (el >= length || res.Aborted != "") {
			r.cfg.Logf("load: stages done after %v; %v for late events", el.Round(time.Second), r.p.Options.Tail)
			stopAt = now.Add(r.p.Options.Tail)
			r.stagesDone = now
		}
		_, stage := primary.Target(el)
		if !stopAt.IsZero() {
			stage = stages
		}
		online := r.onlineCount()
		res.PeakCameras = max(res.PeakCameras, online)
		if n := len(r.stageLog); n == 0 || r.stageLog[n-1].stage != stage || r.stageLog[n-1].cameras != online {
			r.stageLog = append(r.stageLog, stageMark{at: now, stage: stage, cameras: online})
		}
		r.coordSample(now, now.Sub(lastScore) >= 5*time.Second)
		if now.Sub(lastScore) >= 5*time.Second {
			lastScore = now
		}
		if why := r.judge(now, el); why != "" && res.Aborted == "" && stopAt.IsZero() {
			res.Aborted = why
			r.cfg.Logf("load: %s", why)
			r.coord.publish(Control{Kind: KindAbort, T0: t0, Reason: why})
			continue
		}
		sum := r.summarize(el)
		r.mu.Lock()
		r.published = sum
		r.mu.Unlock()
		if r.cfg.OnTick != nil {
			pr := Progress{Elapsed: min(el, length), Length: length, Stage: min(stage, stages-1), Stages: stages, Cameras: online}
			for _, j := range r.judged {
				if j.first != nil {
					pr.Failed = append(pr.Failed, j.sel.String()+" "+j.spec.Threshold)
				}
			}
			r.cfg.OnTick(pr)
		}
		if !stopAt.IsZero() && !now.Before(stopAt) {
			break
		}
		select {
		case <-ctx.Done():
			if res.Aborted == "" {
				res.Aborted = "interrupted"
				r.coord.publish(Control{Kind: KindAbort, T0: t0, Reason: "the coordinator was interrupted"})
			}
			if stopAt.IsZero() {
				continue
			}
			stopAt = now
		case <-tick.C:
		}
	}
	// the verdict so far goes to the shards with the end; their last reports come in after
	passed := true
	for _, j := range r.judged {
		if j.first != nil {
			passed = false
		}
	}
	r.coord.publish(Control{Kind: KindEnd, T0: t0, Passed: passed})
	r.coord.waitDone(cc.Silence)
	r.coordSample(r.now(), false)
	r.finish(res)
	res.Shards = r.coord.rows(true, r.elapsed(r.now()))
	return res
}

// shardCounts counts the truth and events the center takes, by the shard of their camera.
type shardCounts struct {
	r              *runner
	n              int
	mu             sync.Mutex
	truths, events []int64
}

func (c *shardCounts) shardOf(camera string) int {
	for _, sc := range c.r.scens {
		if j := sc.slotOf(camera); j >= 0 {
			return j % c.n
		}
	}
	return -1
}

func (c *shardCounts) Truth(v wire.Violation) {
	if i := c.shardOf(v.Camera); i >= 0 {
		c.mu.Lock()
		c.truths[i]++
		c.mu.Unlock()
	}
}

func (c *shardCounts) Event(e wire.Event, _ time.Time) {
	if i := c.shardOf(e.CameraID); i >= 0 {
		c.mu.Lock()
		c.events[i]++
		c.mu.Unlock()
	}
}

func (c *shardCounts) Fault(wire.Fault) {}

func (c *shardCounts) fill(rows []ShardRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range rows {
		rows[k].Truths, rows[k].Events = c.truths[rows[k].Shard], c.events[rows[k].Shard]
	}
}

// coordSample is sample at the coordinator: the center's counters and score, the sums of the
// shards' gauges, and the samples the shards and the scorer buffered.
func (r *runner) coordSample(now time.Time, score bool) {
	var ss []Sample
	add := func(d MetricDef, v float64, tags map[string]string) {
		ss = append(ss, Sample{Metric: d.Name, Tags: tags, Value: v, Time: now})
	}
	if cpu := processCPU(); r.prevCPU > 0 {
		add(mCPU, (cpu - r.prevCPU).Seconds(), nil)
		r.prevCPU = cpu
	} else {
		r.prevCPU = cpu
	}
	cs := r.cen.Stats()
	add(mEvents, float64(cs.EventsAccepted-r.prevCen.EventsAccepted), nil)
	add(mIngestErrors, float64(cs.Refused-r.prevCen.Refused), nil)
	r.prevCen = cs
	if score {
		sc := r.live.Score(now)
		add(mF1, sc.Overall.F1, nil)
		add(mPrecision, sc.Overall.Precision, nil)
		add(mRecall, sc.Overall.Recall, nil)
		add(mPlateAccuracy, sc.Overall.PlateAccuracy, nil)
		for t, m := range sc.ByType {
			tags := map[string]string{"type": t}
			add(mF1, m.F1, tags)
			add(mPrecision, m.Precision, maps.Clone(tags))
			add(mRecall, m.Recall, maps.Clone(tags))
			add(mPlateAccuracy, m.PlateAccuracy, maps.Clone(tags))
		}
	}
	ss = append(ss, r.coord.gaugeSums(now)...)
	r.mu.Lock()
	ss = append(ss, r.buf...)
	r.buf = r.buf[:0]
	r.mu.Unlock()
	for i := range ss {
		if ss[i].Tags == nil {
			ss[i].Tags = map[string]string{}
		}
		r.card.bound(&ss[i])
		r.feed(ss[i])
	}
	for _, o := range r.cfg.Outputs {
		if err := o.Add(ss); err != nil {
			r.cfg.Logf("load: output %s: %v", o.Name(), err)
		}
	}
	// the totals of the per-scenario gauges: judge feeds them (feedTotals)
}

// shardable says why the plan cannot be sharded (nil: it can): the shards' control covers
// camera scenarios whose devices post to the center.
func (p *Plan) shardable() error {
	for _, n := range p.Names() {
		s := p.Scenarios[n]
		switch {
		case s.Executor == ExternallyControlled:
			return fmt.Errorf("load: scenario %s: an externally-controlled scenario cannot be sharded", n)
		case !s.CamerasExecutor():
			return fmt.Errorf("load: scenario %s: %s scenarios cannot be sharded yet (camera scenarios only)", n, s.Executor)
		case s.Via == "cluster":
			return fmt.Errorf("load: scenario %s: via: cluster cannot be sharded yet (the devices post to the center)", n)
		}
	}
	return nil
}

// patchAbort takes PATCH {"abort": reason}; in a sharded run only abort is taken (pause and a
// fixed camera count would need every shard's clock and slots).
func (r *runner) patchAbort(p StatusPatch) error {
	if r.coord != nil && (p.Paused != nil || p.Cameras != nil) {
		return errors.New("a sharded run takes only abort (pause and cameras apply to a run in one process)")
	}
	if p.Abort == "" {
		return nil
	}
	r.mu.Lock()
	if r.abortReq == "" {
		r.abortReq = p.Abort
	}
	r.mu.Unlock()
	return nil
}

// operatorAbort is why the operator asked to stop ("" when not).
func (r *runner) operatorAbort() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.abortReq == "" {
		return ""
	}
	return "aborted by the operator: " + r.abortReq
}

// shardsView is GET /v1/shards: who is there.
func (r *runner) shardsView() []ShardRow {
	if r.coord == nil {
		return []ShardRow{}
	}
	return r.coord.rows(false, r.elapsed(r.now()))
}

// ShardProblem says which shards did not finish (lost, failed), or nil.
func (res *Result) ShardProblem() error {
	var bad []string
	for _, s := range res.Shards {
		if s.State != StateDone {
			msg := fmt.Sprintf("shard %d %s", s.Shard, s.State)
			if s.State == StateLost {
				msg += fmt.Sprintf(" at %v", s.LostAt.Round(time.Second))
			}
			if s.Error != "" {
				msg += " (" + s.Error + ")"
			}
			bad = append(bad, msg)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("load: %d of %d shards did not finish: %s", len(bad), len(res.Shards), strings.Join(bad, "; "))
}

// WriteRunSummary prints the end-of-test summary: k6's (WriteSummary) with the shards' rows
// at a coordinator; at a shard one line (its coordinator judged the thresholds).
func WriteRunSummary(w io.Writer, p *Plan, res *Result) {
	if res.Shard != "" {
		verdict := "ended by the coordinator"
		if res.Aborted != "" {
			verdict = "aborted by the coordinator: " + res.Aborted
		}
		fmt.Fprintf(w, "  shard %s, run %s: %v, peak %d cameras; %s (thresholds are judged there)\n", res.Shard, res.Dir,
			res.Duration.Round(time.Second), res.PeakCameras, verdict)
		return
	}
	WriteSummary(w, p, res)
	WriteShards(w, res)
}

// WriteShards prints the per-shard rows of a sharded run's summary.
func WriteShards(w io.Writer, res *Result) {
	if len(res.Shards) == 0 {
		return
	}
	fmt.Fprintf(w, "  █ SHARDS\n\n")
	fmt.Fprintf(w, "    %-5s %-20s %-8s %-10s %7s %8s %8s %7s %7s %10s %9s %7s  %s\n", "shard", "host", "pid", "state", "peak", "reports", "missing", "truths", "events", "delivered", "lost", "cpu-s", "note")
	for _, s := range res.Shards {
		note := s.Error
		if s.State == StateLost {
			note = fmt.Sprintf("lost at %v: %s", s.LostAt.Round(time.Second), s.Error)
		}
		fmt.Fprintf(w, "    %-5d %-20s %-8d %-10s %7d %8d %8d %7d %7d %10.0f %9.0f %7.1f  %s\n", s.Shard, s.Host, s.PID, s.State, s.Peak, s.Reports, s.Gaps, s.Truths, s.Events, s.Frames, s.FramesLost, s.CPU, note)
	}
	fmt.Fprintln(w)
}
