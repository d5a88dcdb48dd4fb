package run

// This file is stage 5 of a run: the camera farm plays the clips, one camera each in turn.

import (
	"context"
	"slices"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// startFarm starts the cameras (camera i plays clip i mod len(made)) and their ONVIF faces,
// and sets the scoring cuts from the moment they start.
func (a *assembly) startFarm(ctx context.Context, made []*library.Clip) error {
	c, res := a.c, a.res
	faults, err := farm.ParseFaults(c.Faults)
	if err != nil {
		return err
	}
	listen, err := a.openCameraLink()
	if err != nil {
		return err
	}
	fm := farm.New(farm.Config{Seed: c.Seed, Faults: faults, Sink: farm.Sinks{a.nsink, a.sink}, TimeNow: c.TimeNow, Listen: listen, UDPListen: listen})
	transport := a.cameraTransports()
	for i := range c.Cameras {
		if _, err := fm.AddCamera(farm.CameraSpec{ID: CameraID(i), Clip: made[i%len(made)].Dir, Transport: transport[CameraID(i)]}); err != nil {
			return err
		}
	}
	from := c.TimeNow().Add(c.WarmUp)
	a.sink.setFrom(from)
	a.setCuts(results.Cuts{From: from, Until: a.plannedEnd, LoopWarmUp: c.WarmUp})
	if err := fm.Start(ctx); err != nil {
		return err
	}
	a.farm = fm
	if err := a.startONVIF(ctx); err != nil {
		return err
	}
	res.Started = c.TimeNow()
	a.sink.setEnd(res.Started.Add(c.Duration))
	a.setCuts(results.Cuts{From: from, Until: res.Started.Add(c.Duration), LoopWarmUp: c.WarmUp})
	if err := writePlayheads(res.Dir, fm, c.OnPlay); err != nil {
		return err
	}
	c.Logf("run %s: %d cameras (%d smart), %s, for %v", res.Dir, c.Cameras, len(a.plan.smartIDs), a.device, c.Duration)
	for _, cal := range fm.Deployment().Cameras {
		if slices.Contains(a.plan.plainIDs, cal.ID) {
			a.plainCams = append(a.plainCams, cal)
		}
	}
	return nil
}

// plainCameras returns the calibrations of the device under test's cameras among ids.
func (a *assembly) plainCameras(ids []string) []wire.Calibration {
	var cams []wire.Calibration
	for _, cal := range a.plainCams {
		if slices.Contains(ids, cal.ID) {
			cams = append(cams, cal)
		}
	}
	return cams
}
