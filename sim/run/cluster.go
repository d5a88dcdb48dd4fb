package run

// This file routes a run through one regional cluster (sim/cluster): the reference device runs
// as the cluster's device workers and the smart cameras report to the cluster, which forwards
// to the center over a NATS leaf node. With Config.Direct set runs skip it (devices and smart
// cameras post to the center).

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

type clusterRun struct{ *cluster.Cluster }

func (c clusterRun) stats() ClusterStats {
	st := c.Stats()
	return ClusterStats{Received: st.Received, Forwarded: st.Forwarded, Pending: st.Pending, ForwardErrors: st.ForwardErrors}
}

// startCluster starts the regional cluster: device workers (the reference device) for the
// cameras without analytics, and the ingest of the smart cameras, forwarded to the center over
// its leaf node listener.
func startCluster(ctx context.Context, s *stopper, r *region, cams []wire.Calibration, refused func(int, string)) (regionalCluster, error) {
	c := s.c
	user, pass, ok := s.cen.LeafCredentials(r.ID)
	if !ok {
		return nil, fmt.Errorf("run: the center does not know cluster %s", r.ID)
	}
	leafURL := s.cen.LeafURL()
	if c.NetNS {
		var err error
		if leafURL, err = r.openUplink(c, leafURL); err != nil {
			return nil, err
		}
	}
	cfg := cluster.Config{ID: r.ID, DataDir: filepath.Join(s.res.Dir, r.ID),
		Upstream: cluster.Upstream{LeafURL: leafURL, User: user, Pass: pass},
		Tokens:   map[string]string{}}
	if s.smartTok != "" {
		cfg.Tokens[s.smartTok] = SmartcamID
	}
	if s.extTok != "" {
		cfg.Tokens[s.extTok] = ExternalID
	}
	cfg.Vendors, cfg.MQTTListen = c.Vendors, c.MQTTListen
	if c.Device == DeviceReference && len(cams) > 0 {
		cfg.Cameras = cams
		cfg.CamerasPerWorker = c.CamerasPerDevice
		cfg.NewWorker = func(id string, cams []wire.Calibration, ep wire.EventsEndpoint) (cluster.Worker, error) {
			d, err := device.New(device.Config{ID: id, Cameras: cams, Events: ep,
				QueueDir: filepath.Join(s.res.Dir, id, "queue"), Logf: c.Logf, TimeNow: c.TimeNow})
			if err == nil {
				s.mu.Lock()
				s.devices = append(s.devices, d)
				s.mu.Unlock()
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
	if s.smartTok != "" {
		ep, _ := cl.EventsEndpoint(SmartcamID)
		send := smartcam.HTTPSender(ep, refused)
		r.send.Store(&send)
	}
	if s.extTok != "" {
		ep, _ := cl.EventsEndpoint(ExternalID)
		s.extEndpoint = &ep
		s.logVendors(ep.HTTP, cl.MQTTAddr())
	}
	return clusterRun{cl}, nil
}
