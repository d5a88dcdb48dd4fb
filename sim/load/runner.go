package load

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/threshold"
	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/farm"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/wire"
)

// Config configures a load run.
type Config struct {
	Plan *Plan // required
	// ID is the run id; the run goes into Plan.Options.Out/ID [UTC time and "load"].
	ID string
	// Outputs receive every sample (--out) [none].
	Outputs []Output
	// Control is the control API's listen address [127.0.0.1:0]; ControlToken its bearer
	// token [random].
	Control, ControlToken string
	// OnStart is called once the cameras can start, with the control API's URL and token and
	// the path of cameras.json [none].
	OnStart func(controlURL, token, camerasJSON string)
	// OnTick is called every second from the aggregation loop with the progress [none].
	OnTick func(Progress)
	// WarmUp: truth of a camera's first seconds online (and after each clip loop's cut) is not
	// scored, the device must see the scene first [5s].
	WarmUp time.Duration
	// Logf logs [discarded].
	Logf func(format string, args ...any)
	// TimeNow is the clock [time.Now].
	TimeNow func() time.Time
	// Shard or Coordinator: one process of a sharded run (shard.go) [neither: the whole run].
	Shard       *ShardConfig
	Coordinator *CoordinatorConfig
}

// Progress is the state of a run at one tick.
type Progress struct {
	Elapsed, Length time.Duration
	Stage           int // of the first scenario; -1 before its start
	Stages          int
	Cameras         int // online, all scenarios
	Readers         int // probe readers running, all scenarios
	Failed          []string
}

// Failure is when a threshold first failed.
type Failure struct {
	Elapsed time.Duration `json:"elapsed_ns"`
	Cameras int           `json:"cameras"`
	Readers int           `json:"readers,omitempty"` // probe readers running
	Stage   int           `json:"stage"`
	Value   float64       `json:"value"`
}

// ThresholdResult is the verdict of one threshold.
type ThresholdResult struct {
	Selector    string   `json:"selector"`
	Threshold   string   `json:"threshold"`
	AbortOnFail bool     `json:"abort_on_fail,omitempty"`
	Passed      bool     `json:"passed"`
	Value       float64  `json:"value"`
	FirstFailed *Failure `json:"first_failed,omitempty"`
	// FirstFailedStage is the first stage whose own samples failed it (-1: none).
	FirstFailedStage int    `json:"first_failed_stage"`
	StagePassed      []bool `json:"stage_passed"`
}

// StageRow is what the device did during one stage of the first scenario.
type StageRow struct {
	Stage     int           `json:"stage"`
	Cameras   int           `json:"cameras"`           // online at the stage's end
	Readers   int           `json:"readers,omitempty"` // probe readers running at the stage's end
	Start     time.Duration `json:"start_ns"`
	End       time.Duration `json:"end_ns"`
	Delivered float64       `json:"frames_delivered"`
	Lost      float64       `json:"frames_lost"`
	DecodeFPS float64       `json:"decode_fps_avg"` // per camera
	LateP95   float64       `json:"farm_lateness_p95_ms"`
	LatP95    float64       `json:"latency_p95_ms"`
	Detected  float64       `json:"detected_rate"`
	EventsPS  float64       `json:"events_per_s"`
	Cores     float64       `json:"cpu_cores"` // CPU of this process (farm, devices, center) over the stage
	// FramesPerCPU is frames decoded per CPU-second of this process: cameras per core at 25
	// fps is FramesPerCPU/25, whatever else the machine runs.
	FramesPerCPU float64 `json:"frames_per_cpu_s"`
	// probe readers (reader scenarios)
	ReaderFrames   float64 `json:"reader_frames,omitempty"`
	ReaderLateP95  float64 `json:"reader_lateness_p95_ms,omitempty"`
	ReaderFailures float64 `json:"reader_failures,omitempty"`
}

// Result is what a load run produced.
type Result struct {
	Dir         string                   `json:"dir"`
	Started     time.Time                `json:"started"`
	Duration    time.Duration            `json:"duration_ns"`
	Aborted     string                   `json:"aborted,omitempty"` // why the run stopped early
	Thresholds  []ThresholdResult        `json:"thresholds"`
	Stages      []StageRow               `json:"stages"`
	PeakReaders int                      `json:"peak_readers,omitempty"`
	Metrics     map[string]MetricSummary `json:"metrics"`
	Score       results.Score            `json:"score"`
	PeakCameras int                      `json:"peak_cameras"`
	Shards      []ShardRow               `json:"shards,omitempty"` // a sharded run's shards (coordinator)
}

// MetricSummary is a metric's totals, k6's end-of-test shape.
type MetricSummary struct {
	Kind   string             `json:"type"`
	Unit   string             `json:"unit,omitempty"`
	Values map[string]float64 `json:"values"`
}

// Passed reports whether every threshold passed.
func (r *Result) Passed() bool {
	for _, t := range r.Thresholds {
		if !t.Passed {
			return false
		}
	}
	return true
}

// ErrThresholds is returned (wrapped) by nothing: callers check Result.Passed; exit code 99.
const ExitThresholds = 99

// runner is one load run.
type runner struct {
	cfg   Config
	p     *Plan
	now   func() time.Time
	dir   string
	start time.Time
	cen   *center.Center
	live  *results.Live
	nsink *farm.NATSSink
	scens []*scen
	// readers are the reader scenarios (probe swarms on the farms' cameras)
	readers []*readerScen
	ext     *wire.EventsEndpoint // the external device's endpoint (cameras.json)
	cjson   string

	// stagesDone is when the stages ended (the tail for late events began); clusterPending
	// the clusters' queues at the last sample, all scenarios (loop only)
	stagesDone     time.Time
	clusterPending float64

	mu        sync.Mutex // guards what the control API touches, and the sample buffer
	paused    bool
	pausedAt  time.Time
	pausedFor time.Duration
	buf       []Sample                 // network goroutines only append here; the loop drains it
	published map[string]MetricSummary // GET /v1/metrics: totals at the last tick

	card     cardinality
	judged   []*judged
	totals   map[string]*threshold.Sink
	stageAgg map[int]map[string]*threshold.Sink
	stageLog []stageMark
	prev     map[string]camPrev
	prevCen  center.Stats
	prevCPU  time.Duration
	result   *Result

	slots    simrun.Shard   // the camera slots this process serves (shard.go)
	coord    *coordLink     // the coordinator's control plane
	publish  func([]Sample) // a shard hands each tick's samples to the coordinator
	abortReq string         // the operator's PATCH {"abort": ...}, guarded by mu
}

type stageMark struct {
	at      time.Time
	stage   int
	cameras int
	readers int
}

type camPrev struct {
	frames, skipped, lost, decoded int64
	lateTotal                      float64
}

// judged is one threshold with its sinks.
type judged struct {
	sel    threshold.Selector
	spec   ThresholdSpec
	def    MetricDef
	total  *threshold.Sink
	stages map[int]*threshold.Sink
	first  *Failure
}

// Run plays a plan and judges its thresholds. A failed threshold is not an error: see
// Result.Passed. It stops early when ctx ends or an abortOnFail threshold fails.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Plan == nil {
		return nil, errors.New("load: no plan")
	}
	if cfg.TimeNow == nil {
		cfg.TimeNow = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.WarmUp == 0 {
		cfg.WarmUp = cmp.Or(cfg.Plan.Options.WarmUp, 5*time.Second)
	}
	if cfg.ID == "" {
		cfg.ID = cfg.TimeNow().UTC().Format("20060102-150405") + "-load" + shardSuffix(cfg)
	}
	if cfg.ControlToken == "" {
		cfg.ControlToken = token()
	}
	r := &runner{cfg: cfg, p: cfg.Plan, now: cfg.TimeNow, dir: filepath.Join(cfg.Plan.Options.Out, cfg.ID),
		card: cardinality{}, totals: map[string]*threshold.Sink{}, stageAgg: map[int]map[string]*threshold.Sink{}, prev: map[string]camPrev{}}
	if _, err := os.Stat(r.dir); err == nil {
		return nil, fmt.Errorf("load: %s exists already", r.dir)
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, err
	}
	for sel, specs := range r.p.Thresholds {
		s, _ := threshold.ParseSelector(sel)
		for _, sp := range specs {
			def := Metrics[s.Metric]
			r.judged = append(r.judged, &judged{sel: s, spec: sp, def: def, total: threshold.NewSink(def.Kind), stages: map[int]*threshold.Sink{}})
		}
	}
	sort.Slice(r.judged, func(i, j int) bool {
		a, b := r.judged[i], r.judged[j]
		return a.sel.String() < b.sel.String() || a.sel.String() == b.sel.String() && a.spec.Threshold < b.spec.Threshold
	})
	defer r.closeAll()
	switch {
	case cfg.Shard != nil && cfg.Coordinator != nil:
		return nil, errors.New("load: a process is a shard or the coordinator, not both")
	case cfg.Shard != nil:
		return r.runShard(ctx)
	case cfg.Coordinator != nil:
		return r.coordinate(ctx)
	}
	if err := r.setUp(ctx); err != nil {
		return nil, err
	}
	ctl, err := r.serveControl()
	if err != nil {
		return nil, err
	}
	defer ctl.Close()
	if cfg.OnStart != nil {
		cfg.OnStart("http://"+ctl.Addr().String(), cfg.ControlToken, r.cjson)
	}
	res := r.loop(ctx)
	return res, nil
}

// setUp makes the clips, starts the center, the truth path and one farm per camera scenario.
func (r *runner) setUp(ctx context.Context) error {
	names := r.p.Names()
	nCam := 0
	for _, n := range names {
		if r.p.Scenarios[n].CamerasExecutor() || r.p.Scenarios[n].Executor == ExternallyControlled {
			nCam++
		}
	}
	tokens := map[string]string{}
	for _, n := range names {
		s := r.p.Scenarios[n]
		if !s.CamerasExecutor() && s.Executor != ExternallyControlled {
			continue // reader scenarios: setUpReaders
		}
		sc := &scen{s: s, r: r, online: map[string]*camState{}}
		sc.prefix = "cam-"
		if nCam > 1 {
			sc.prefix = n + "-cam-"
		}
		cl, err := r.makeClips(ctx, s)
		if err != nil {
			return err
		}
		sc.clips = cl
		if s.Device == "reference" {
			groups := (s.maxCameras()+s.CamerasPerDevice-1)/s.CamerasPerDevice + 1
			for k := range groups {
				id := fmt.Sprintf("ref-%s-%d", n, k+1)
				tok := token()
				tokens[tok] = id
				sc.groups = append(sc.groups, &group{id: id, tok: tok})
			}
		}
		r.scens = append(r.scens, sc)
	}
	if len(r.scens) == 0 {
		return errors.New("load: the plan has no camera scenario")
	}
	smartTok := r.smartToken(tokens)
	extTok := ""
	for _, sc := range r.scens {
		if sc.s.Device == "external" && extTok == "" {
			extTok = token()
			tokens[extTok] = "external"
		}
	}
	r.live = results.NewLive(results.Config{Window: r.p.Options.Window, Grace: r.p.Options.Grace})
	r.live.OnMatch(r.onMatch)
	cen, err := center.New(center.Config{DataDir: filepath.Join(r.dir, "center"), Tokens: tokens, TruthToken: token(),
		Scorer: r.live, TimeNow: r.now, NATS: r.leafNATS()})
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = cen.Start(sctx)
	cancel()
	if err != nil {
		return err
	}
	r.cen = cen
	user, pass := cen.TruthCredentials()
	if r.nsink, err = farm.DialNATSSink(farm.NATSSinkConfig{URL: cen.NATSURL(), User: user, Password: pass}); err != nil {
		return fmt.Errorf("load: truth to the center: %w", err)
	}
	if extTok != "" {
		ep, _ := cen.Endpoint("external")
		r.ext = &ep
		r.cjson = filepath.Join(r.dir, "cameras.json")
	}
	for _, sc := range r.scens {
		faults, err := farm.ParseFaults(sc.s.Faults)
		if err != nil {
			return fmt.Errorf("load: scenario %s: %w", sc.s.Name, err)
		}
		sc.sink = &warmSink{next: r.truthNext(sc, cen, smartTok), warm: r.cfg.WarmUp, since: map[string]time.Time{}}
		sc.farm = farm.New(farm.Config{Seed: sc.s.seed, Faults: faults, Sink: sc.sink, TimeNow: r.now})
		// load and packetize every clip now, not while a stage adds cameras (that would cost
		// the device under test CPU time at each step)
		for k, c := range sc.clips {
			id := fmt.Sprintf("preload-%d", k)
			if _, err := sc.farm.AddCamera(farm.CameraSpec{ID: id, Clip: c}); err != nil {
				return err
			}
			sc.farm.RemoveCamera(id)
		}
		if err := sc.farm.Start(context.Background()); err != nil {
			return err
		}
		if err := r.startCluster(ctx, sc); err != nil {
			return err
		}
		for _, g := range sc.groups {
			ep, _ := cen.Endpoint(g.id)
			if sc.cl != nil {
				ep, _ = sc.cl.EventsEndpoint(g.id)
			}
			ep.NATS, ep.User, ep.Pass = "", "", ""
			g.ep = ep
		}
	}
	r.setUpReaders()
	return r.writeCamerasJSON()
}

// makeClips finds or synthesises a scenario's clips, keyed as `trafficsim run` keys them so
// both share the cache.
func (r *runner) makeClips(ctx context.Context, s *Scenario) ([]string, error) {
	// runs in one process share the cache: one makes a clip, the others then find it
	clipMu.Lock()
	defer clipMu.Unlock()
	sc, err := scenarios.Lookup(s.Scenario)
	if err != nil {
		return nil, err
	}
	s.seed = sc.SeedOr(s.Seed)
	dirs, err := simrun.FindClips(ctx, simrun.ClipsConfig{Scenario: s.Scenario, Seed: s.seed, Duration: s.ClipDuration, Clips: s.Clips,
		Library: r.p.Options.Library, Logf: func(f string, a ...any) { r.cfg.Logf("load: "+f, a...) }})
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return dirs, nil
}

var clipMu sync.Mutex

// elapsed is the plan's clock: time since the start, paused time left out.
func (r *runner) elapsed(now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := now.Sub(r.start) - r.pausedFor
	if r.paused {
		e -= now.Sub(r.pausedAt)
	}
	return e
}

// loop is the one aggregation loop: every second it applies the targets, samples the
// farm, devices and center, drains the buffered match samples, judges thresholds.
func (r *runner) loop(ctx context.Context) *Result {
	r.start = r.now()
	res := &Result{Dir: r.dir, Started: r.start.UTC()}
	r.result = res
	length := r.p.Length()
	primary := r.p.Primary()
	stages := max(len(primary.Stages), 1) // a constant scenario is one stage
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastScore := time.Time{}
	r.apply(0)
	var stopAt time.Time
	for {
		now := r.now()
		el := r.elapsed(now)
		if stopAt.IsZero() && (el >= length || res.Aborted != "") {
			r.cfg.Logf("load: stages done after %v; %v for late events", el.Round(time.Second), r.p.Options.Tail)
			r.stopReaders()
			for _, sc := range r.scens {
				sc.setOnline(nil)
			}
			r.writeCamerasJSON()
			stopAt = now.Add(r.p.Options.Tail)
			r.stagesDone = now
		}
		if stopAt.IsZero() {
			r.apply(el)
			r.applyReaders(el)
		}
		stage, _ := primary.Target(el)
		_, stage = primary.Target(el)
		if !stopAt.IsZero() {
			stage = stages
		}
		online, readers := r.onlineCount(), r.readerCount()
		res.PeakCameras = max(res.PeakCameras, online)
		res.PeakReaders = max(res.PeakReaders, readers)
		if n := len(r.stageLog); n == 0 || r.stageLog[n-1].stage != stage || r.stageLog[n-1].cameras != online || r.stageLog[n-1].readers != readers {
			r.stageLog = append(r.stageLog, stageMark{at: now, stage: stage, cameras: online, readers: readers})
		}
		r.sample(now, now.Sub(lastScore) >= 5*time.Second)
		if now.Sub(lastScore) >= 5*time.Second {
			lastScore = now
		}
		if why := r.judge(now, el); why != "" && res.Aborted == "" && stopAt.IsZero() {
			res.Aborted = why
			r.cfg.Logf("load: %s", why)
			continue
		}
		sum := r.summarize(el)
		r.mu.Lock()
		r.published = sum
		r.mu.Unlock()
		if r.cfg.OnTick != nil {
			pr := Progress{Elapsed: min(el, length), Length: length, Stage: min(stage, stages-1), Stages: stages, Cameras: online, Readers: readers}
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
			}
			if stopAt.IsZero() {
				continue
			}
			stopAt = now // interrupted twice: stop now
		case <-tick.C:
		}
	}
	r.finish(res)
	return res
}

// apply brings every scenario to its target at el.
func (r *runner) apply(el time.Duration) {
	for _, sc := range r.scens {
		n, _ := sc.s.Target(el)
		ids := r.slotIDs(sc, n)
		r.mu.Lock()
		if sc.override >= 0 && sc.overridden {
			ids = r.slotIDs(sc, sc.override)
		}
		now := r.now()
		for id, until := range sc.leases {
			if now.After(until) {
				delete(sc.leases, id)
			} else if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		r.mu.Unlock()
		if sc.setOnline(ids) {
			if err := r.writeCamerasJSON(); err != nil {
				r.cfg.Logf("load: cameras.json: %v", err)
			}
		}
	}
}

func (r *runner) onlineCount() int {
	if r.coord != nil {
		return r.coord.online()
	}
	n := 0
	for _, sc := range r.scens {
		n += sc.count()
	}
	return n
}

// writeCamerasJSON re-writes cameras.json atomically (temp file + rename): an external device
// never reads half a file.
func (r *runner) writeCamerasJSON() error {
	if r.cjson == "" {
		return nil
	}
	dep := wire.Deployment{Cameras: []wire.Calibration{}, Events: r.ext}
	for _, sc := range r.scens {
		if sc.s.Device == "external" {
			dep.Cameras = append(dep.Cameras, sc.calibrations(nil)...)
		}
	}
	b, err := json.MarshalIndent(dep, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(r.cjson, append(b, '\n'))
}

func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".cameras-*.json")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// closeAll stops what setUp started.
func (r *runner) closeAll() {
	for _, sc := range r.scens {
		sc.close()
	}
	if r.nsink != nil {
		r.nsink.Sync()
		r.nsink.Close()
	}
	if r.cen != nil {
		r.cen.Close()
	}
	r.closeReaders()
	for _, o := range r.cfg.Outputs {
		o.Close()
	}
}

func token() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
