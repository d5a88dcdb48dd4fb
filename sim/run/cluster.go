package run

// This file starts a run's regional clusters (sim/cluster, one per commune: regions.go): the
// reference device runs as each cluster's device workers and the smart cameras report to their
// commune's cluster, which forwards to the center over its own NATS leaf connection. With
// Config.Direct set runs skip them (devices and smart cameras post to the center).

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/wire"
)

// leafNATS is the center's NATS set-up for a run through regional clusters: a leaf node
// listener that each cluster joins with its own password (leaf password -> cluster id).
func leafNATS(leafs map[string]string) center.NATSConfig {
	return center.NATSConfig{LeafListen: "127.0.0.1:0", Leafs: leafs}
}

// clusterStats are the counters of a regional cluster in a run's result.
func clusterStats(cl *cluster.Cluster) ClusterStats {
	st := cl.Stats()
	return ClusterStats{Received: st.Received, Forwarded: st.Forwarded, Pending: st.Pending, ForwardErrors: st.ForwardErrors}
}

// startCluster starts a regional cluster: device workers (the reference device) for the
// cameras without analytics, and the ingest of the smart cameras, forwarded to the center over
// its leaf node listener.
func (a *assembly) startCluster(ctx context.Context, r *region, cams []wire.Calibration) (*cluster.Cluster, error) {
	c := a.c
	user, pass, ok := a.cen.LeafCredentials(r.ID)
	if !ok {
		return nil, fmt.Errorf("run: the center does not know cluster %s", r.ID)
	}
	leafURL := a.cen.LeafURL()
	if c.NetNS {
		var err error
		if leafURL, err = r.openUplink(c, leafURL); err != nil {
			return nil, err
		}
	}
	cfg := cluster.Config{ID: r.ID, DataDir: filepath.Join(a.res.Dir, r.ID),
		Upstream: cluster.Upstream{LeafURL: leafURL, User: user, Pass: pass},
		Tokens:   map[string]string{}}
	if a.plan.smartTok != "" {
		cfg.Tokens[a.plan.smartTok] = SmartcamID
	}
	if a.plan.extTok != "" {
		cfg.Tokens[a.plan.extTok] = ExternalID
	}
	cfg.Vendors, cfg.MQTTListen = c.Vendors, c.MQTTListen
	if c.Device == DeviceReference && len(cams) > 0 {
		cfg.Cameras = cams
		cfg.CamerasPerWorker = c.CamerasPerDevice
		cfg.NewWorker = func(id string, cams []wire.Calibration, ep wire.EventsEndpoint) (cluster.Worker, error) {
			d, err := device.New(device.Config{ID: id, Cameras: cams, Events: ep,
				QueueDir: filepath.Join(a.res.Dir, id, "queue"), Logf: c.Logf, TimeNow: c.TimeNow})
			if err == nil {
				a.mu.Lock()
				a.devices = append(a.devices, d)
				a.mu.Unlock()
			}
			return d, err
		}
	}
	cl, err := cluster.New(cfg)
	if err != nil {
		return nil, errors.Join(err, r.closeLink())
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := cl.Start(startCtx); err != nil {
		cl.Close()
		return nil, errors.Join(err, r.closeLink())
	}
	if a.plan.smartTok != "" {
		ep, _ := cl.EventsEndpoint(SmartcamID)
		send := smartcam.HTTPSender(ep, refusedLog(c))
		r.send.Store(&send)
	}
	if a.plan.extTok != "" {
		ep, _ := cl.EventsEndpoint(ExternalID)
		a.extEndpoint = &ep
		a.logVendors(ep.HTTP, cl.MQTTAddr())
	}
	return cl, nil
}
