package run

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/smartcam"
)

// Devices under test.
const (
	DeviceReference = "reference" // the reference intermediate device (sim/device)
	DeviceExternal  = "external"  // a vendor's box, given cameras.json
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

// Run runs a scenario end to end and returns the scorecard, one stage after another (each its
// own function and file). It stops early, in order, when ctx ends (the run record is still
// finished and scored). Call it inside render.Main when clips may have to be rendered.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	c, err := resolve(cfg) // 0. defaults (resolve.go)
	if err != nil {
		return nil, err
	}
	res := &Result{Dir: filepath.Join(c.Out, c.ID), Cameras: c.Cameras, Profile: c.Profile.Name}
	if _, err := os.Stat(res.Dir); err == nil {
		return nil, fmt.Errorf("run: %s exists already", res.Dir)
	}
	b := newBars(ctx, c.Progress)
	defer b.wait()
	made, err := clipStage(ctx, c, res, b) // 1. clips (clips.go)
	if err != nil {
		return nil, err
	}
	plan := planCameras(c) // 2. who serves which camera (plan.go)
	res.Smart = len(plan.smartIDs)
	a, err := startCenter(ctx, c, res, plan, len(made)) // 3. run record, scorers, center (center.go)
	if err != nil {
		return nil, err
	}
	defer a.closeAll()
	if err := a.startSmartCameras(); err != nil { // 4. truth path, smart cameras (smart.go)
		return nil, err
	}
	if err := a.startFarm(ctx, made); err != nil { // 5. farm, ONVIF (farm.go)
		return nil, err
	}
	if err := a.startDevices(ctx); err != nil { // 6. devices under test (devices.go)
		return nil, err
	}
	a.play(ctx, b)            // 7. play (finish.go)
	return res, a.finish(ctx) // 8. stop in order and score (finish.go)
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
