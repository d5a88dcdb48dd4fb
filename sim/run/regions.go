package run

// This file plans the regional clusters of a run (--clusters N): cameras are split into N
// communes of consecutive cameras, each commune served by its own cluster (device workers for
// its plain cameras, the ingest of its smart cameras) with its own leaf connection to the one
// center. The plan is written to the run record as clusters.json for the report's per-cluster
// rows.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/wire"
)

// ClustersFile is the run record's list of regional clusters and their cameras.
const ClustersFile = "clusters.json"

// Commune returns the commune, and so the regional cluster, of camera i of n split into k
// communes of consecutive cameras whose sizes differ by at most one. Pure.
func Commune(i, n, k int) int {
	if k <= 1 || n <= 0 {
		return 0
	}
	return i * k / n
}

// region is one regional cluster of a run.
type region struct {
	ID       string   `json:"id"`
	Cameras  []string `json:"cameras"` // every camera of its commune
	plain    []string // of them, on its device workers
	workers  []string // its device workers' ids
	leafPass string
	cluster  *cluster.Cluster
	link     *uplink                                                   // its namespace and relay (--netns), links.go
	send     atomic.Pointer[func(context.Context, []wire.Event) error] // its smart cameras' ingest, once up
}

// planRegions assigns the cameras to c.Clusters communes and names each cluster's workers.
func planRegions(c *resolved, smart []bool, workerID func(string, int) string) []*region {
	rs := make([]*region, c.Clusters)
	for k := range rs {
		rs[k] = &region{ID: ClusterName(k), leafPass: token()}
	}
	for i := range c.Cameras {
		r := rs[Commune(i, c.Cameras, c.Clusters)]
		r.Cameras = append(r.Cameras, CameraID(i))
		if !smart[i] {
			r.plain = append(r.plain, CameraID(i))
		}
	}
	for _, r := range rs {
		if c.Device != DeviceReference {
			continue
		}
		for k := 0; k*c.CamerasPerDevice < len(r.plain); k++ {
			r.workers = append(r.workers, workerID(r.ID, k))
		}
	}
	return rs
}

// writeRegions writes clusters.json: [{"id": "cluster-1", "cameras": [...]}, ...].
func writeRegions(dir string, rs []*region) error {
	b, err := json.MarshalIndent(rs, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ClustersFile), append(b, '\n'), 0o644)
}

// regionSend routes a batch of smart-camera events to the clusters of their cameras; a
// cluster not up yet fails the batch, which the fleet keeps and sends again (the clusters
// drop what they already took by event_id).
func regionSend(rs []*region, ofCamera map[string]*region) func(context.Context, []wire.Event) error {
	return func(ctx context.Context, evs []wire.Event) error {
		by := map[*region][]wire.Event{}
		for _, e := range evs {
			r := ofCamera[e.CameraID]
			if r == nil {
				r = rs[0]
			}
			by[r] = append(by[r], e)
		}
		var err error
		for _, r := range rs {
			batch := by[r]
			if len(batch) == 0 {
				continue
			}
			send := r.send.Load()
			if send == nil {
				err = errors.Join(err, fmt.Errorf("regional cluster %s is not up yet", r.ID))
				continue
			}
			err = errors.Join(err, (*send)(ctx, batch))
		}
		return err
	}
}

// closeClusters stops the regional clusters and keeps their counters, per cluster and summed.
func (a *assembly) closeClusters() error {
	var err error
	for _, r := range a.regions {
		if r.cluster == nil {
			continue
		}
		st := clusterStats(r.cluster)
		st.ID, st.Cameras = r.ID, len(r.Cameras)
		a.res.Clusters = append(a.res.Clusters, st)
		a.res.Cluster.Received += st.Received
		a.res.Cluster.Forwarded += st.Forwarded
		a.res.Cluster.Pending += st.Pending
		a.res.Cluster.ForwardErrors += st.ForwardErrors
		err = errors.Join(err, r.cluster.Close(), r.closeLink())
		r.cluster = nil
	}
	return err
}

// ClusterMetrics sums the per-camera counts of a score over the cameras of one cluster, with
// precision, recall and F1 of the sums.
func ClusterMetrics(byCamera map[string]results.Metrics, cameras []string) results.Metrics {
	var m results.Metrics
	for _, id := range cameras {
		x := byCamera[id]
		m.TP, m.FP, m.FN, m.Duplicates = m.TP+x.TP, m.FP+x.FP, m.FN+x.FN, m.Duplicates+x.Duplicates
	}
	if m.TP+m.FP > 0 {
		m.Precision = float64(m.TP) / float64(m.TP+m.FP)
	}
	if m.TP+m.FN > 0 {
		m.Recall = float64(m.TP) / float64(m.TP+m.FN)
	}
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	return m
}
