package run

// This file is stage 3 of a run: the run record, the scorers and the center.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/wire"
)

// startCenter creates the run record and starts the center that feeds it and the scorers;
// from then on the returned assembly stops what the run started, in order.
func startCenter(ctx context.Context, c *resolved, res *Result, p *cameraPlan, nClips int) (*assembly, error) {
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	start := c.TimeNow().UTC()
	runInfo := record.Run{ID: c.ID, Scenario: c.sc.Name,
		Seeds:    map[string]uint64{"scenario": c.Seed, "farm": c.Seed},
		Versions: versions(),
		Device:   record.Device{Name: deviceName(c.Device, len(p.deviceIDs), c.Direct, c.Clusters)},
		Machine:  record.ThisMachine(), Start: start,
		WindowMs: float64(c.Window) / 1e6, GraceMs: float64(c.Grace) / 1e6, Cameras: c.Cameras,
		Notes: fmt.Sprintf("%d cameras (%d smart, %d on the device under test) over %d clips of %v, %v; truth of the first %v (warm-up) not scored",
			c.Cameras, len(p.smartIDs), len(p.plainIDs), nClips, c.ClipDuration, c.Duration, c.WarmUp)}
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
		for _, r := range p.regions {
			leafs[r.leafPass] = r.ID
		}
		natsCfg = leafNATS(leafs)
		if err := writeRegions(res.Dir, p.regions); err != nil {
			rec.Close()
			return nil, err
		}
	}
	cen, err := center.New(center.Config{DataDir: filepath.Join(res.Dir, "center"), Tokens: p.tokens, NATS: natsCfg,
		TruthToken: token(), Scorer: scorers{final, live}, Recorder: rec, Cameras: p.owners,
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
	return &assembly{c: c, res: res, plan: p, device: runInfo.Device.Name, cen: cen, rec: rec, live: live, final: final,
		regions: p.regions}, nil
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

// versions are the versions run.json records.
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
