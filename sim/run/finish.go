package run

// This file is stages 7 and 8 of a run: play for the duration, then stop everything in order,
// wait for late events and score. The assembly holds what the stages started.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/report"
	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/onvif"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/wire"
)

// assembly owns what a run started and stops it in order.
type assembly struct {
	c           *resolved
	res         *Result
	plan        *cameraPlan
	device      string // the device under test, as run.json names it
	cen         *center.Center
	rec         *record.Writer
	live        *results.Live // running score
	final       *results.Live // the scorecard
	nsink       *farm.NATSSink
	sink        *untilSink
	plannedEnd  time.Time // the end of scored truth until the cameras start
	farm        *farm.Farm
	plainCams   []wire.Calibration // the device under test's cameras, as the farm serves them
	fleet       *smartcam.Fleet
	fleetStop   context.CancelFunc
	devices     []*device.Device
	regions     []*region // the regional clusters, none in a direct run
	onvif       *onvif.Server
	extEndpoint *wire.EventsEndpoint // where the external device posts, when a cluster runs
	mu          sync.Mutex
	wg          sync.WaitGroup
	closed      bool
}

// bars are the run's progress bars, none without Config.Progress.
type bars struct{ p *mpb.Progress }

func newBars(ctx context.Context, w io.Writer) *bars {
	if w == nil {
		return &bars{}
	}
	return &bars{mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(250*time.Millisecond))}
}

// wait ends the bars; once is enough.
func (b *bars) wait() {
	if b.p != nil {
		b.p.Wait()
		b.p = nil
	}
}

// play lets the cameras play for the duration, or until ctx ends.
func (a *assembly) play(ctx context.Context, b *bars) {
	c, res := a.c, a.res
	var bar *mpb.Bar
	if b.p != nil {
		bar = b.p.AddBar(int64(c.Duration/time.Second),
			mpb.PrependDecorators(decor.Name("run       ", decor.WCSyncSpaceR), decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return a.status() }, decor.WCSyncSpace)))
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
	b.wait()
}

// status is the progress line: cameras live, events accepted, running F1.
func (a *assembly) status() string {
	live := 0
	if a.farm != nil {
		for _, cs := range a.farm.Stats() {
			if cs.Readers > 0 {
				live++
			}
		}
	}
	live += a.res.Smart
	sc := a.live.Score(a.c.TimeNow())
	st := a.cen.Stats()
	return fmt.Sprintf("cameras %d/%d live  events %d  truths %d  F1 %.2f", live, a.c.Cameras, st.EventsAccepted, st.TruthAccepted, sc.Overall.F1)
}

// setCuts sets the scoring cuts of both scorers.
func (a *assembly) setCuts(c results.Cuts) {
	a.final.SetCuts(c)
	a.live.SetCuts(c)
}

// finish stops the cameras, waits for late events, stops the devices and the center, and
// writes the scored run record and the report.
func (a *assembly) finish(ctx context.Context) error {
	c := a.c
	a.res.Stopped = c.TimeNow()
	a.sink.setEnd(a.res.Stopped)
	if cuts := a.final.Cuts(); a.res.Stopped.Before(cuts.Until) {
		cuts.Until = a.res.Stopped
		a.setCuts(cuts)
	}
	a.closeONVIF()
	ferr := a.farm.Close()
	a.res.FarmStats = a.farm.Stats()
	a.farm = nil
	// late events: the devices' queues drain, smart cameras send what is due
	if !a.res.Interrupted {
		wait := c.Window + c.Grace
		c.Logf("cameras stopped; waiting %v for late events", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	err := errors.Join(ferr, a.closeInputs())
	st := a.cen.Stats()
	err = errors.Join(err, a.cen.Close())
	a.res.Center = st
	// everything is in: every truth is final
	end := c.TimeNow().UTC()
	score := a.final.ScoreIntervals(end.Add(24 * time.Hour))
	score.NotJudged = notJudged(a.res.Device, c.sc.Conditions.TimeOfDay == "night", c.sc.Conditions.Weather)
	a.res.WarmUpTruths, a.res.AfterEndTruths = score.WarmUpTruths, score.AfterEndTruths
	cuts := a.final.Cuts()
	a.res.TruthFrom, a.res.TruthUntil = cuts.From, cuts.Until
	a.rec.SetCuts(cuts)
	err = errors.Join(err, a.rec.Finish(end, score), a.rec.Close())
	a.closed = true
	if err != nil {
		return err
	}
	rec, err := record.Open(a.res.Dir)
	if err != nil {
		return err
	}
	in, err := report.WriteRun(rec, c.Profile)
	if err != nil {
		return err
	}
	a.res.Score = score
	a.res.Verdicts = in.Verdicts
	a.res.Report = filepath.Join(a.res.Dir, "report.html")
	a.res.JUnit = filepath.Join(a.res.Dir, "junit.xml")
	return nil
}

// closeInputs stops the devices, the smart cameras and the truth path.
func (a *assembly) closeInputs() error {
	var err error
	a.mu.Lock()
	devices := a.devices
	a.devices = nil
	a.mu.Unlock()
	for _, d := range devices {
		add(&a.res.Device, d.Stats())
		if len(a.regions) == 0 { // the clusters close their workers
			err = errors.Join(err, d.Close())
		}
	}
	err = errors.Join(err, a.closeClusters())
	if a.fleetStop != nil {
		a.fleetStop()
		a.wg.Wait()
		a.res.Fleet = a.fleet.Stats()
		a.fleetStop = nil
	}
	if a.nsink != nil {
		err = errors.Join(err, a.nsink.Sync(), a.nsink.Close())
		a.res.TruthErrors = a.nsink.Errors()
		a.nsink = nil
	}
	return err
}

// closeAll is the deferred clean-up of a run that failed or was interrupted before finish.
func (a *assembly) closeAll() {
	if a.closed {
		return
	}
	if a.farm != nil {
		a.farm.Close()
	}
	a.closeInputs()
	a.cen.Close()
	a.rec.Close()
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
