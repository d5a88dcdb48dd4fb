package load

// This file runs a scenario's reference devices behind a regional cluster (`via: cluster`):
// the devices post to the cluster (sim/cluster), which stores the events and forwards them to
// the center over a NATS leaf node, as `trafficsim run` does by default (sim/run/cluster.go).
// The cluster's queue feeds cluster_pending.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/cluster"
)

// clusterID is the regional cluster's id of a scenario: letters, digits, _ and - only.
func clusterID(scenario string) string {
	return "cluster-" + strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			return c
		}
		return '-'
	}, scenario)
}

// leafNATS is the center's NATS set-up: a leaf node listener with a password per cluster when
// a scenario runs via: cluster, else the default.
func (r *runner) leafNATS() center.NATSConfig {
	leafs := map[string]string{}
	for _, sc := range r.scens {
		if sc.s.Via == "cluster" {
			sc.leafPass = token()
			leafs[sc.leafPass] = clusterID(sc.s.Name)
		}
	}
	if len(leafs) == 0 {
		return center.NATSConfig{}
	}
	return center.NATSConfig{LeafListen: "127.0.0.1:0", Leafs: leafs}
}

// startCluster starts a scenario's regional cluster (via: cluster); its devices' tokens are
// the cluster's.
func (r *runner) startCluster(ctx context.Context, sc *scen) error {
	if sc.s.Via != "cluster" {
		return nil
	}
	if r.cen == nil {
		return fmt.Errorf("load: scenario %s: via: cluster needs the center in this process", sc.s.Name)
	}
	id := clusterID(sc.s.Name)
	tokens := map[string]string{}
	for _, g := range sc.groups {
		tokens[g.tok] = g.id
	}
	cl, err := cluster.New(cluster.Config{ID: id, DataDir: filepath.Join(r.dir, id), Tokens: tokens,
		Upstream: cluster.Upstream{LeafURL: r.cen.LeafURL(), User: id, Pass: sc.leafPass}})
	if err != nil {
		return fmt.Errorf("load: scenario %s: %w", sc.s.Name, err)
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := cl.Start(sctx); err != nil {
		cl.Close()
		return fmt.Errorf("load: scenario %s: %w", sc.s.Name, err)
	}
	sc.cl = cl
	r.cfg.Logf("load: scenario %s: devices post to regional cluster %s (%s)", sc.s.Name, id, cl.URL())
	return nil
}

// sampleClusters adds each cluster's queue (events stored, not yet acknowledged by the center)
// per scenario and returns the total.
func (r *runner) sampleClusters(add func(MetricDef, float64, map[string]string)) float64 {
	total := 0.0
	for _, sc := range r.scens {
		if sc.cl == nil {
			continue
		}
		p := float64(sc.cl.Stats().Pending)
		total += p
		add(mClusterPending, p, map[string]string{"scenario": sc.s.Name})
	}
	return total
}
