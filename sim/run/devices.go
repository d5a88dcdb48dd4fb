package run

// This file is stage 6 of a run: the devices under test, on the cameras the farm serves.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

// startDevices starts the regional clusters (with their device workers), or the reference
// devices of a direct run, or writes cameras.json for an external device.
func (a *assembly) startDevices(ctx context.Context) error {
	c := a.c
	for _, r := range a.plan.regions {
		cl, err := a.startCluster(ctx, r, a.plainCameras(r.plain))
		if err != nil {
			return err
		}
		r.cluster = cl
	}
	if c.Device == DeviceExternal {
		return a.writeExternal()
	}
	if !c.Direct {
		return nil
	}
	for k, id := range a.plan.deviceIDs {
		lo, hi := k*c.CamerasPerDevice, min((k+1)*c.CamerasPerDevice, len(a.plainCams))
		ep, _ := a.cen.Endpoint(id)
		ep.NATS, ep.User, ep.Pass = "", "", ""
		d, err := device.New(a.onCameraLink(device.Config{ID: id, Cameras: a.plainCams[lo:hi], Events: ep,
			QueueDir: filepath.Join(a.res.Dir, id, "queue"), Logf: c.Logf, TimeNow: c.TimeNow}))
		if err != nil {
			return err
		}
		a.devices = append(a.devices, d)
		if err := d.Start(context.Background()); err != nil {
			return err
		}
	}
	return nil
}

// writeExternal writes cameras.json for the external device: its cameras and where it posts
// (the regional cluster's ingest, or the center's in a direct run).
func (a *assembly) writeExternal() error {
	c, res := a.c, a.res
	ep, _ := a.cen.Endpoint(ExternalID)
	if a.extEndpoint != nil {
		ep = *a.extEndpoint
	}
	res.CamerasJSON = filepath.Join(res.Dir, "cameras.json")
	b, err := json.MarshalIndent(wire.Deployment{Cameras: a.plainCams, Events: &ep}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(res.CamerasJSON, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if c.ExternalReady != nil {
		c.ExternalReady(res.CamerasJSON)
	}
	return nil
}
