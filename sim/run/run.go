package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/report"
	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/onvif"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/synth/clips"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

// Devices under test.
const (
	DeviceReference = "reference" // the reference intermediate device (sim/device)
	DeviceExternal  = "external"  // a vendor's box, given cameras.json
)

// Device ids the center knows in a run.
const (
	SmartcamID = "smartcam"  // the source of every smart camera's events
	ExternalID = "external"  // the external device under test
	ClusterID  = "cluster-1" // the regional cluster of a run
)

// Config configures a run.
type Config struct {
	// Scenario is a shipped scenario name or a YAML file. Required.
	Scenario string
	// Cameras is the number of cameras [the scenario's deployment.cameras].
	Cameras int
	// Duration is how long the cameras play [2m].
	Duration time.Duration
	// Device is the device under test, DeviceReference or DeviceExternal [reference].
	Device string
	// SmartShare is the share of cameras that are smart cameras, 0-1 [the scenario's
	// deployment.smart_share]; negative: none.
	SmartShare float64
	// CamerasPerDevice is how many cameras one reference device takes [the scenario's
	// deployment.cameras_per_device].
	CamerasPerDevice int
	// Direct makes the reference devices and the smart cameras post to the center directly
	// instead of through one regional cluster (sim/cluster: device workers and ingest, forwarded
	// to the center over a NATS leaf node) [false].
	Direct bool
	// Clusters is how many regional clusters share the cameras, by commune (Commune), each
	// with its own leaf connection to the center [1].
	Clusters int
	// Out is the folder of run records; the run goes into Out/<ID> [runs].
	Out string
	// ID is the run id [UTC time and scenario, e.g. 20261127-113000-intersection-day].
	ID string
	// Library is the clip library [.cache/clips].
	Library string
	// Clips is the number of distinct clips the cameras cycle over [min(Cameras, 4)].
	Clips int
	// ClipDuration is the length of each clip; cameras loop it [min(Duration, 60s)].
	ClipDuration time.Duration
	// Seed is the scenario seed; clip k uses Seed+k [the scenario's seed].
	Seed uint64
	// Faults is a farm fault spec (farm.ParseFaults) [none].
	Faults string
	// Window is the matching window [results.DefaultWindow].
	Window time.Duration
	// WarmUp is how long after the cameras start, and after each cut where a clip loops, their
	// truth is not scored: a device must see the scene before it can judge it (the reference
	// device learns its background for 4 s, after connecting) [5s]; negative: score from the
	// first frame.
	WarmUp time.Duration
	// Grace is how long the live score waits for late events; the run also waits
	// Window+Grace after the cameras stop [10s].
	Grace time.Duration
	// Profile holds the conformity thresholds [conform.Default()].
	Profile *conform.Profile
	// Progress receives the mpb progress bars [none].
	Progress io.Writer
	// Logf logs what happens (clips, start, stop, device reconnects); it is called from several
	// goroutines [discarded].
	Logf func(format string, args ...any)
	// ExternalReady is called with the path of cameras.json once an external device can
	// connect [none].
	ExternalReady func(camerasJSON string)
	// Vendor holds the ONVIF and vendor-format settings for an external box (vendor.go) [none].
	Vendor
	// Links puts the regional clusters' uplinks on shaped links in namespaces (links.go) [none].
	Links
	// TimeNow is the clock [time.Now].
	TimeNow func() time.Time
	// OnPlay is called once the cameras play, with the run folder and the farm (a viewer
	// attaches here) [none].
	OnPlay func(dir string, fm *farm.Farm)
}

// Result is what a run produced.
type Result struct {
	Dir         string            // the run record folder
	Report      string            // report.html
	JUnit       string            // junit.xml
	CamerasJSON string            // cameras.json (external device), else ""
	Score       results.Score     // summary.json
	Verdicts    []conform.Verdict // the profile's checks on Score
	Profile     string            // the profile's name
	Clips       []string          // clip folders used
	Cameras     int
	Smart       int          // of them, smart cameras
	Started     time.Time    // cameras started
	Stopped     time.Time    // cameras stopped
	Device      device.Stats // summed over reference devices
	Fleet       smartcam.Stats
	Center      center.Stats
	Cluster     ClusterStats   // zero without a cluster; summed over Clusters
	Clusters    []ClusterStats // per regional cluster
	FarmStats   []farm.CameraStats
	ClipTime    time.Duration // time spent making (or finding) clips
	Interrupted bool          // the context ended before Duration
	// Truths not scored: in the warm-up, or due at or after the end (emitted ahead of frames
	// the cameras did not play).
	WarmUpTruths, AfterEndTruths int
	// TruthFrom and TruthUntil bound the wall time of the truth scored (warm-up and end).
	TruthFrom, TruthUntil time.Time
	// TruthErrors counts truth items the farm failed to publish to the center.
	TruthErrors int64
}

// Passed reports whether every conformity check passed.
func (r *Result) Passed() bool {
	for _, v := range r.Verdicts {
		if !v.Passed() {
			return false
		}
	}
	return true
}

// resolved is a Config with its defaults filled in.
type resolved struct {
	Config
	sc  *scenarios.Scenario
	src []byte
}

func resolve(cfg Config) (*resolved, error) {
	if cfg.Scenario == "" {
		return nil, errors.New("run: scenario is required")
	}
	sc, err := scenarios.Lookup(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	src, err := scenarioSource(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	r := &resolved{Config: cfg, sc: sc, src: src}
	c := &r.Config
	if c.Cameras == 0 {
		c.Cameras = max(sc.Deployment.Cameras, 1)
	}
	if c.Duration == 0 {
		c.Duration = 2 * time.Minute
	}
	if c.Device == "" {
		c.Device = DeviceReference
	}
	switch {
	case c.SmartShare == 0:
		c.SmartShare = sc.Deployment.SmartShare
	case c.SmartShare < 0:
		c.SmartShare = 0
	}
	if c.CamerasPerDevice == 0 {
		c.CamerasPerDevice = sc.Deployment.CamerasPerDevice
	}
	if c.CamerasPerDevice <= 0 {
		c.CamerasPerDevice = 8
	}
	if c.Out == "" {
		c.Out = "runs"
	}
	if c.Library == "" {
		c.Library = filepath.Join(".cache", "clips")
	}
	if c.Clips == 0 {
		c.Clips = min(c.Cameras, 4)
	}
	if c.ClipDuration == 0 {
		c.ClipDuration = min(c.Duration, time.Minute)
	}
	c.Seed = sc.SeedOr(c.Seed)
	if c.Window == 0 {
		c.Window = results.DefaultWindow
	}
	if c.Grace == 0 {
		c.Grace = 10 * time.Second
	}
	if c.WarmUp == 0 {
		c.WarmUp = 5 * time.Second
	}
	c.WarmUp = max(c.WarmUp, 0)
	if c.Profile == nil {
		c.Profile = conform.Default()
	}
	if c.Clusters == 0 {
		c.Clusters = 1
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.TimeNow == nil {
		c.TimeNow = time.Now
	}
	if c.ID == "" {
		c.ID = c.TimeNow().UTC().Format("20060102-150405") + "-" + sc.Name
	}
	switch {
	case c.Cameras < 1:
		return nil, fmt.Errorf("run: cameras %d must be at least 1", c.Cameras)
	case c.Duration < 0:
		return nil, fmt.Errorf("run: duration %v must be positive", c.Duration)
	case c.Device != DeviceReference && c.Device != DeviceExternal:
		return nil, fmt.Errorf("run: device %q is neither %q nor %q", c.Device, DeviceReference, DeviceExternal)
	case c.SmartShare > 1:
		return nil, fmt.Errorf("run: smart share %g must be within 0-1", c.SmartShare)
	case c.Clips < 1 || c.Clips > c.Cameras:
		return nil, fmt.Errorf("run: clips %d must be within 1-%d (the cameras)", c.Clips, c.Cameras)
	case c.ClipDuration < time.Second:
		return nil, fmt.Errorf("run: clip duration %v must be at least 1s", c.ClipDuration)
	case c.Clusters < 1 || c.Clusters > c.Cameras:
		return nil, fmt.Errorf("run: clusters %d must be within 1-%d (the cameras)", c.Clusters, c.Cameras)
	case c.Clusters > 1 && c.Direct:
		return nil, fmt.Errorf("run: clusters %d: a direct run has no regional cluster", c.Clusters)
	case c.Clusters > 1 && c.Device == DeviceExternal:
		return nil, fmt.Errorf("run: clusters %d: an external device has one events endpoint; use one cluster", c.Clusters)
	}
	if err := c.Vendor.check(c.Device, c.Direct); err != nil {
		return nil, err
	}
	if err := c.Links.check(sc, c.Direct); err != nil {
		return nil, err
	}
	return r, nil
}

// scenarioSource returns the scenario file's bytes, part of the clips' content hash (as
// `trafficsim synth` computes it, so both share the cache).
func scenarioSource(scenario string) ([]byte, error) {
	if slices.Contains(scenarios.Names(), scenario) {
		return fs.ReadFile(scenarios.Shipped(), scenario+".yaml")
	}
	return os.ReadFile(scenario)
}

// Encode is the clip encoding of a run, the same as `trafficsim synth` by default so both share
// the clip cache.
var Encode = encode.Options{BitrateKbps: 2000, Profile: "main"}

// SmartCameras returns which of n cameras are smart cameras for a share: spread evenly (camera
// i is smart when floor((i+1)*share) > floor(i*share)), round(n*share) of them in all.
func SmartCameras(n int, share float64) []bool {
	smart := make([]bool, n)
	want := int(math.Round(float64(n) * share))
	for i, got := 0, 0; i < n && got < want; i++ {
		if math.Floor(float64(i+1)*share+1e-9) > math.Floor(float64(i)*share+1e-9) || n-i <= want-got {
			smart[i] = true
			got++
		}
	}
	return smart
}

// CameraID is the id of camera i (0-based) in a run.
func CameraID(i int) string { return fmt.Sprintf("cam-%03d", i+1) }

// ClipCamera is the camera name in the truth of clip k (0-based) of a scenario, for runs and
// for trafficsim synth alike, so both make the same truth and share the clip cache. (Clips are
// numbered apart from a run's cameras, which play them in turn; the name is part of truth.json.)
func ClipCamera(k int) string { return fmt.Sprintf("cam-%02d", k+1) }

// Run runs a scenario end to end and returns the scorecard. It stops early, in order, when
// ctx ends (the run record is still finished and scored). Call it inside render.Main when
// clips may have to be rendered.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	c, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	res := &Result{Dir: filepath.Join(c.Out, c.ID), Cameras: c.Cameras, Profile: c.Profile.Name}
	if _, err := os.Stat(res.Dir); err == nil {
		return nil, fmt.Errorf("run: %s exists already", res.Dir)
	}

	var p *mpb.Progress
	if c.Progress != nil {
		p = mpb.NewWithContext(ctx, mpb.WithOutput(c.Progress), mpb.WithWidth(32), mpb.WithRefreshRate(250*time.Millisecond))
	}
	waitBars := func() {
		if p != nil {
			p.Wait()
			p = nil
		}
	}
	defer waitBars()

	// 1. clips
	t0 := c.TimeNow()
	made, err := makeClips(ctx, c, p)
	res.ClipTime = c.TimeNow().Sub(t0)
	if err != nil {
		return nil, err
	}
	for _, m := range made {
		res.Clips = append(res.Clips, m.Dir)
	}
	c.Logf("%d clips of %v ready in %v (library %s)", len(made), c.ClipDuration, res.ClipTime.Round(100*time.Millisecond), c.Library)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// 2. run record and center
	smart := SmartCameras(c.Cameras, c.SmartShare)
	var smartIDs, plainIDs []string
	for i := range c.Cameras {
		if smart[i] {
			smartIDs = append(smartIDs, CameraID(i))
		} else {
			plainIDs = append(plainIDs, CameraID(i))
		}
	}
	res.Smart = len(smartIDs)
	nDevices := 0
	if c.Device == DeviceReference && len(plainIDs) > 0 {
		nDevices = (len(plainIDs) + c.CamerasPerDevice - 1) / c.CamerasPerDevice
	}
	tokens := map[string]string{token(): SmartcamID}
	deviceIDs := make([]string, nDevices)
	for k := range deviceIDs {
		deviceIDs[k] = fmt.Sprintf("ref-device-%d", k+1)
	}
	var regions []*region
	if !c.Direct {
		regions = planRegions(c, smart, cluster.WorkerID)
		deviceIDs = deviceIDs[:0]
		for _, r := range regions {
			deviceIDs = append(deviceIDs, r.workers...)
		}
		nDevices = len(deviceIDs)
	}
	for _, id := range deviceIDs {
		tokens[token()] = id
	}
	var extTok string
	if c.Device == DeviceExternal {
		extTok = token()
		tokens[extTok] = ExternalID
	}
	// Which device owns which camera: the center refuses an event for a camera its sender does
	// not own, so no device speaks for another's cameras (HTTP and NATS alike).
	owners := map[string]string{}
	for _, id := range smartIDs {
		owners[id] = SmartcamID
	}
	switch {
	case c.Device == DeviceExternal:
		for _, id := range plainIDs {
			owners[id] = ExternalID
		}
	case len(regions) > 0: // each cluster's workers take its plain cameras in blocks
		for _, r := range regions {
			for i, id := range r.plain {
				owners[id] = r.workers[i/c.CamerasPerDevice]
			}
		}
	default:
		for i, id := range plainIDs {
			owners[id] = deviceIDs[i/c.CamerasPerDevice]
		}
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	start := c.TimeNow().UTC()
	runInfo := record.Run{ID: c.ID, Scenario: c.sc.Name,
		Seeds:    map[string]uint64{"scenario": c.Seed, "farm": c.Seed},
		Versions: versions(),
		Device:   record.Device{Name: deviceName(c.Device, nDevices, c.Direct, c.Clusters)},
		Machine:  record.ThisMachine(), Start: start,
		WindowMs: float64(c.Window) / 1e6, GraceMs: float64(c.Grace) / 1e6, Cameras: c.Cameras,
		Notes: fmt.Sprintf("%d cameras (%d smart, %d on the device under test) over %d clips of %v, %v; truth of the first %v (warm-up) not scored",
			c.Cameras, len(smartIDs), len(plainIDs), len(made), c.ClipDuration, c.Duration, c.WarmUp)}
	rec, err := record.Create(res.Dir, runInfo)
	if err != nil {
		return nil, err
	}
	// final is scored once, at the end (never finalised early, so a late event is scored as
	// the batch scorer would); live shows the running score
	final := results.NewLive(results.Config{Window: c.Window, Grace: c.Grace})
	final.OnMatch(rec.Match)
	live := results.NewLive(results.Config{Window: c.Window, Grace: c.Grace})
	var natsCfg center.NATSConfig
	if !c.Direct {
		leafs := map[string]string{}
		for _, r := range regions {
			leafs[r.leafPass] = r.ID
		}
		natsCfg = leafNATS(leafs)
		if err := writeRegions(res.Dir, regions); err != nil {
			rec.Close()
			return nil, err
		}
	}
	cen, err := center.New(center.Config{DataDir: filepath.Join(res.Dir, "center"), Tokens: tokens, NATS: natsCfg,
		TruthToken: token(), Scorer: scorers{final, live}, Recorder: rec, Cameras: owners,
		Score: func(now time.Time) any { return live.Score(now) }, TimeNow: c.TimeNow})
	if err != nil {
		rec.Close()
		return nil, err
	}
	startCtx, cancelStart := context.WithTimeout(ctx, time.Minute)
	err = cen.Start(startCtx)
	cancelStart()
	if err != nil {
		rec.Close()
		return nil, err
	}
	// from here on everything is stopped in order by stop
	st := &stopper{c: c, res: res, cen: cen, rec: rec, live: live, final: final, extTok: extTok, regions: regions}
	defer st.closeAll()

	// 3. truth path and smart cameras
	user, pass := cen.TruthCredentials()
	nsink, err := farm.DialNATSSink(farm.NATSSinkConfig{URL: cen.NATSURL(), User: user, Password: pass})
	if err != nil {
		return nil, fmt.Errorf("run: truth to the center: %w", err)
	}
	st.nsink = nsink
	// every truth reaches the center (truth.jsonl is complete); scoring cuts (results.Cuts). The
	// end of scored truth is set once the cameras start: adding thousands of cameras takes
	// seconds, which the cameras then play (issue 14)
	plannedEnd := c.TimeNow().Add(c.Duration + 24*time.Hour)
	var smartSinks farm.Sinks
	if len(smartIDs) > 0 {
		var smartTok string
		for tok, id := range tokens {
			if id == SmartcamID {
				smartTok = tok
			}
		}
		st.smartTok = smartTok
		refused := func(status int, body string) { c.Logf("smart cameras: a batch was refused: %d %s", status, body) }
		send := smartcam.HTTPSender(wire.EventsEndpoint{HTTP: cen.EventsURL(), Token: smartTok}, refused)
		if !c.Direct {
			// the clusters start once the farm has its URLs; until then batches wait in the fleet
			ofCamera := map[string]*region{}
			for _, r := range regions {
				for _, id := range r.Cameras {
					ofCamera[id] = r
				}
			}
			send = regionSend(regions, ofCamera)
		}
		fleet := smartcam.NewFleet(smartIDs, c.Seed, smartcam.Model{Source: SmartcamID}, send, c.TimeNow)
		st.fleet = fleet
		fctx, cancel := context.WithCancel(context.Background())
		st.fleetStop = cancel
		st.wg.Add(1)
		go func() { defer st.wg.Done(); fleet.Run(fctx) }()
		smartSinks = append(smartSinks, fleet)
	}
	// the smart cameras see the truth the run scores: none in the warm-up, after each loop's
	// cut or of frames the cameras will not play (emitted ahead of its frame)
	sink := &untilSink{next: smartSinks, end: plannedEnd, warm: c.WarmUp}
	st.sink = sink

	// 4. farm
	faults, err := farm.ParseFaults(c.Faults)
	if err != nil {
		return nil, err
	}
	fm := farm.New(farm.Config{Seed: c.Seed, Faults: faults, Sink: farm.Sinks{nsink, sink}, TimeNow: c.TimeNow})
	for i := range c.Cameras {
		if _, err := fm.AddCamera(farm.CameraSpec{ID: CameraID(i), Clip: made[i%len(made)].Dir}); err != nil {
			return nil, err
		}
	}
	from := c.TimeNow().Add(c.WarmUp)
	sink.setFrom(from)
	st.setCuts(results.Cuts{From: from, Until: plannedEnd, LoopWarmUp: c.WarmUp})
	if err := fm.Start(ctx); err != nil {
		return nil, err
	}
	st.farm = fm
	if err := st.startONVIF(ctx); err != nil {
		return nil, err
	}
	res.Started = c.TimeNow()
	sink.setEnd(res.Started.Add(c.Duration))
	st.setCuts(results.Cuts{From: from, Until: res.Started.Add(c.Duration), LoopWarmUp: c.WarmUp})
	if err := writePlayheads(res.Dir, fm, c.OnPlay); err != nil {
		return nil, err
	}
	c.Logf("run %s: %d cameras (%d smart), %s, for %v", res.Dir, c.Cameras, len(smartIDs), runInfo.Device.Name, c.Duration)
	dep := fm.Deployment()
	var plainCams []wire.Calibration
	for _, cal := range dep.Cameras {
		if slices.Contains(plainIDs, cal.ID) {
			plainCams = append(plainCams, cal)
		}
	}

	// 5. devices under test
	for _, r := range regions {
		var cams []wire.Calibration
		for _, cal := range plainCams {
			if slices.Contains(r.plain, cal.ID) {
				cams = append(cams, cal)
			}
		}
		cl, err := startCluster(ctx, st, r, cams, refusedLog(c))
		if err != nil {
			return nil, err
		}
		r.cluster = cl
	}
	if c.Device == DeviceExternal {
		ep, _ := cen.Endpoint(ExternalID)
		if st.extEndpoint != nil {
			ep = *st.extEndpoint
		}
		res.CamerasJSON = filepath.Join(res.Dir, "cameras.json")
		b, err := json.MarshalIndent(wire.Deployment{Cameras: plainCams, Events: &ep}, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(res.CamerasJSON, append(b, '\n'), 0o600); err != nil {
			return nil, err
		}
		if c.ExternalReady != nil {
			c.ExternalReady(res.CamerasJSON)
		}
	}
	for k, id := range deviceIDs {
		if !c.Direct {
			break
		}
		lo, hi := k*c.CamerasPerDevice, min((k+1)*c.CamerasPerDevice, len(plainCams))
		ep, _ := cen.Endpoint(id)
		ep.NATS, ep.User, ep.Pass = "", "", ""
		d, err := device.New(device.Config{ID: id, Cameras: plainCams[lo:hi], Events: ep,
			QueueDir: filepath.Join(res.Dir, id, "queue"), Logf: c.Logf, TimeNow: c.TimeNow})
		if err != nil {
			return nil, err
		}
		st.devices = append(st.devices, d)
		if err := d.Start(context.Background()); err != nil {
			return nil, err
		}
	}

	// 6. play
	var bar *mpb.Bar
	if p != nil {
		bar = p.AddBar(int64(c.Duration/time.Second),
			mpb.PrependDecorators(decor.Name("run       ", decor.WCSyncSpaceR), decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return st.status() }, decor.WCSyncSpace)))
	}
	timer := time.NewTimer(c.Duration)
	tick := time.NewTicker(time.Second)
playing:
	for {
		select {
		case <-ctx.Done():
			res.Interrupted = true
			break playing
		case <-timer.C:
			break playing
		case <-tick.C:
			if bar != nil {
				bar.SetCurrent(int64(c.TimeNow().Sub(res.Started) / time.Second))
			}
		}
	}
	timer.Stop()
	tick.Stop()
	if bar != nil {
		if res.Interrupted {
			bar.Abort(false)
		} else {
			bar.SetCurrent(int64(c.Duration / time.Second))
		}
	}
	waitBars()

	// 7. stop in order and score
	return res, st.finish(ctx)
}

// ClusterStats are the counters of the regional cluster of a run.
type ClusterStats struct {
	ID            string // cluster-1, ... (per cluster only)
	Cameras       int    // cameras of its commune (per cluster only)
	Received      int64  // events accepted from devices and smart cameras
	Forwarded     int64  // events the center acknowledged
	Pending       uint64
	ForwardErrors int64
}

// regionalCluster is a running regional cluster (cluster.go).
type regionalCluster interface {
	Close() error
	stats() ClusterStats
}

// scorers feeds the center's input to several live scorers.
type scorers []*results.Live

func (ss scorers) AddTruth(v wire.Violation) {
	for _, s := range ss {
		s.AddTruth(v)
	}
}

func (ss scorers) AddFault(f wire.Fault) {
	for _, s := range ss {
		s.AddFault(f)
	}
}

func (ss scorers) AddEvent(e wire.Event, received time.Time) {
	for _, s := range ss {
		s.AddEvent(e, received)
	}
}

func (ss scorers) AddDelivery(d wire.Delivery) {
	for _, s := range ss {
		s.AddDelivery(d)
	}
}

var (
	_ center.Scorer         = scorers{}
	_ center.DeliveryScorer = scorers{}
)

// untilSink passes the truth timeline on to the smart cameras, without the violations the run
// does not score (results.Cuts: before from, the devices' warm-up; at or after end, emitted
// ahead of frames the cameras will not play; after each loop's cut); it counts them. The
// center gets every truth and the scorers apply the same cuts.
type untilSink struct {
	next       farm.Sinks
	end        time.Time
	warm       time.Duration // also not scored: this long after each clip loop's cut
	mu         sync.Mutex
	from       time.Time
	early, cut int
}

func (s *untilSink) Violation(v wire.Violation) {
	s.mu.Lock()
	// a loop starts the clip again: the scene cuts, and a device must see it anew (truth stamped
	// at a loop's first frame is the traffic already in view)
	cut := v.Loop > 0 && v.T < s.warm.Seconds()
	early, late := v.Wall.Before(s.from) || cut, !v.Wall.Before(s.end)
	if early {
		s.early++
	} else if late {
		s.cut++
	}
	s.mu.Unlock()
	if early || late {
		return
	}
	s.next.Violation(v)
}

// setFrom sets the start of scoring (the cameras' start plus the warm-up).
func (s *untilSink) setFrom(t time.Time) {
	s.mu.Lock()
	s.from = t
	s.mu.Unlock()
}

// counts returns the truths left out before from and at or after end.
func (s *untilSink) counts() (early, late int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.early, s.cut
}

func (s *untilSink) Fault(f wire.Fault)       { s.next.Fault(f) }
func (s *untilSink) Delivery(d wire.Delivery) { s.next.Delivery(d) }

// bounds returns the span of wall time whose truth is passed on.
func (s *untilSink) bounds() (from, end time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.from, s.end
}

// setEnd moves the end earlier (an interrupted run).
func (s *untilSink) setEnd(t time.Time) {
	s.mu.Lock()
	if t.Before(s.end) {
		s.end = t
	}
	s.mu.Unlock()
}

func token() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func deviceName(kind string, n int, direct bool, clusters int) string {
	if kind == DeviceExternal {
		return "external device (cameras.json)"
	}
	if !direct && clusters > 1 {
		return fmt.Sprintf("trafficsim reference regional clusters x%d, %d device workers", clusters, n)
	}
	if !direct {
		return fmt.Sprintf("trafficsim reference regional cluster, %d device workers", n)
	}
	return fmt.Sprintf("trafficsim reference intermediate device x%d", n)
}

func refusedLog(c *resolved) func(int, string) {
	return func(status int, body string) { c.Logf("smart cameras: a batch was refused: %d %s", status, body) }
}

func versions() map[string]string {
	v := map[string]string{"render": render.Version, "trafficsim": "devel"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v["go"] = bi.GoVersion
		if bi.Main.Version != "" {
			v["trafficsim"] = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v["trafficsim"] = s.Value
			}
		}
	}
	return v
}

// makeClips finds or synthesises the clips of a run, one after another, with a bar per clip
// that has to be rendered.
func makeClips(ctx context.Context, c *resolved, p *mpb.Progress) ([]*library.Clip, error) {
	var made []*library.Clip
	for k := range c.Clips {
		enc := Encode
		enc.Codec = c.sc.Codec
		id := clips.Key(c.src, c.Seed+uint64(k), c.ClipDuration.Seconds(), k, enc)
		if cl, ok := clips.Cached(c.Library, id); ok {
			made = append(made, cl)
			continue
		}
		tr, cal, err := world.Generate(c.sc, world.Options{Seed: c.Seed + uint64(k), Duration: c.ClipDuration, Camera: ClipCamera(k)})
		if err != nil {
			return nil, err
		}
		var bar *mpb.Bar
		if p != nil {
			bar = p.AddBar(int64(len(tr.Frames)),
				mpb.PrependDecorators(decor.Name(fmt.Sprintf("clip %d/%d  ", k+1, c.Clips), decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d frames", decor.WCSyncSpace)),
				mpb.AppendDecorators(decor.AverageSpeed(nil, "%.0f fps", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
		}
		cl, _, err := clips.Make(ctx, clips.Job{Root: c.Library, ID: id, Truth: tr, Calibration: cal, Encode: enc},
			func(done, _ int) {
				if bar != nil {
					bar.SetCurrent(int64(done))
				}
			})
		if err != nil {
			if bar != nil {
				bar.Abort(false)
			}
			return nil, fmt.Errorf("run: clip %d of %s: %w", k+1, c.sc.Name, err)
		}
		if bar != nil {
			bar.SetTotal(-1, true)
		}
		made = append(made, cl)
	}
	return made, nil
}

// stopper owns what a run started and stops it in order.
type stopper struct {
	c           *resolved
	res         *Result
	cen         *center.Center
	rec         *record.Writer
	live        *results.Live // running score
	final       *results.Live // the scorecard
	nsink       *farm.NATSSink
	sink        *untilSink
	farm        *farm.Farm
	fleet       *smartcam.Fleet
	fleetStop   context.CancelFunc
	devices     []*device.Device
	regions     []*region // the regional clusters, none in a direct run
	onvif       *onvif.Server
	smartTok    string
	extTok      string               // the external device's token
	extEndpoint *wire.EventsEndpoint // where it posts, when a cluster runs
	mu          sync.Mutex
	wg          sync.WaitGroup
	closed      bool
}

// status is the progress line: cameras live, events accepted, running F1.
func (s *stopper) status() string {
	live := 0
	if s.farm != nil {
		for _, cs := range s.farm.Stats() {
			if cs.Readers > 0 {
				live++
			}
		}
	}
	live += s.res.Smart
	sc := s.live.Score(s.c.TimeNow())
	st := s.cen.Stats()
	return fmt.Sprintf("cameras %d/%d live  events %d  truths %d  F1 %.2f", live, s.c.Cameras, st.EventsAccepted, st.TruthAccepted, sc.Overall.F1)
}

// setCuts sets the scoring cuts of both scorers.
func (s *stopper) setCuts(c results.Cuts) {
	s.final.SetCuts(c)
	s.live.SetCuts(c)
}

// finish stops the cameras, waits for late events, stops the devices and the center, and
// writes the scored run record and the report.
func (s *stopper) finish(ctx context.Context) error {
	c := s.c
	s.res.Stopped = c.TimeNow()
	s.sink.setEnd(s.res.Stopped)
	if cuts := s.final.Cuts(); s.res.Stopped.Before(cuts.Until) {
		cuts.Until = s.res.Stopped
		s.setCuts(cuts)
	}
	s.closeONVIF()
	ferr := s.farm.Close()
	s.res.FarmStats = s.farm.Stats()
	s.farm = nil
	// late events: the devices' queues drain, smart cameras send what is due
	if !s.res.Interrupted {
		wait := c.Window + c.Grace
		c.Logf("cameras stopped; waiting %v for late events", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	err := errors.Join(ferr, s.closeInputs())
	st := s.cen.Stats()
	err = errors.Join(err, s.cen.Close())
	s.res.Center = st
	// everything is in: every truth is final
	end := c.TimeNow().UTC()
	score := s.final.ScoreIntervals(end.Add(24 * time.Hour))
	s.res.WarmUpTruths, s.res.AfterEndTruths = score.WarmUpTruths, score.AfterEndTruths
	cuts := s.final.Cuts()
	s.res.TruthFrom, s.res.TruthUntil = cuts.From, cuts.Until
	s.rec.SetCuts(cuts)
	err = errors.Join(err, s.rec.Finish(end, score), s.rec.Close())
	s.closed = true
	if err != nil {
		return err
	}
	rec, err := record.Open(s.res.Dir)
	if err != nil {
		return err
	}
	in, err := report.WriteRun(rec, c.Profile)
	if err != nil {
		return err
	}
	s.res.Score = score
	s.res.Verdicts = in.Verdicts
	s.res.Report = filepath.Join(s.res.Dir, "report.html")
	s.res.JUnit = filepath.Join(s.res.Dir, "junit.xml")
	return nil
}

// closeInputs stops the devices, the smart cameras and the truth path.
func (s *stopper) closeInputs() error {
	var err error
	s.mu.Lock()
	devices := s.devices
	s.devices = nil
	s.mu.Unlock()
	for _, d := range devices {
		add(&s.res.Device, d.Stats())
		if len(s.regions) == 0 { // the clusters close their workers
			err = errors.Join(err, d.Close())
		}
	}
	err = errors.Join(err, s.closeClusters())
	if s.fleetStop != nil {
		s.fleetStop()
		s.wg.Wait()
		s.res.Fleet = s.fleet.Stats()
		s.fleetStop = nil
	}
	if s.nsink != nil {
		err = errors.Join(err, s.nsink.Sync(), s.nsink.Close())
		s.res.TruthErrors = s.nsink.Errors()
		s.nsink = nil
	}
	return err
}

// closeAll is the deferred clean-up of a run that failed or was interrupted before finish.
func (s *stopper) closeAll() {
	if s.closed {
		return
	}
	if s.farm != nil {
		s.farm.Close()
	}
	s.closeInputs()
	s.cen.Close()
	s.rec.Close()
}

func add(sum *device.Stats, d device.Stats) {
	sum.Queued += d.Queued
	sum.Pending += d.Pending
	sum.Sent += d.Sent
	sum.Accepted += d.Accepted
	sum.Duplicates += d.Duplicates
	sum.Refused += d.Refused
	sum.SendErrors += d.SendErrors
	sum.Invalid += d.Invalid
	if sum.Cameras == nil {
		sum.Cameras = map[string]device.CameraStats{}
	}
	for id, cs := range d.Cameras {
		sum.Cameras[id] = cs
	}
}
