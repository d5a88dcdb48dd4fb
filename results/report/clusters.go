package report

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/trafficsim/trafficsim/results"
)

// ClustersFile lists a run's regional clusters and the cameras of each (written by sim/run
// when cameras are split among several clusters by commune).
const ClustersFile = "clusters.json"

// Cluster is one entry of clusters.json.
type Cluster struct {
	ID      string   `json:"id"`
	Cameras []string `json:"cameras"`
}

// ReadClusters reads a run folder's clusters.json; a run without one has no clusters.
func ReadClusters(dir string) ([]Cluster, error) {
	b, err := os.ReadFile(filepath.Join(dir, ClustersFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cs []Cluster
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, errors.New("report: " + ClustersFile + ": " + err.Error())
	}
	return cs, nil
}

// clusterRows scores each regional cluster over its cameras: counts summed from the
// per-camera score, latency percentiles from the matches. None for fewer than two clusters.
func clusterRows(in *Input) []tableRow {
	cs, err := ReadClusters(in.Record.Dir)
	if err != nil || len(cs) < 2 {
		return nil
	}
	ofCamera := map[string]int{}
	for k, c := range cs {
		for _, id := range c.Cameras {
			ofCamera[id] = k
		}
	}
	lat := make([][]float64, len(cs))
	for _, m := range in.Matches {
		k, ok := ofCamera[m.Camera]
		if ok && m.Outcome == results.TP && !m.Received.IsZero() {
			lat[k] = append(lat[k], float64(m.Received.Sub(m.TruthTime).Microseconds())/1000)
		}
	}
	var rows []tableRow
	for k, c := range cs {
		var m results.Metrics
		for _, id := range c.Cameras {
			x := in.Score.ByCamera[id]
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
		slices.Sort(lat[k])
		m.LatencyP50Ms, m.LatencyP95Ms, m.LatencyP99Ms = quantile(lat[k], 0.5), quantile(lat[k], 0.95), quantile(lat[k], 0.99)
		r := row(c.ID, m, nil)
		r.Frames = strconv.Itoa(len(c.Cameras)) // the cameras column
		rows = append(rows, r)
	}
	return rows
}

// quantile of sorted values by nearest rank; 0 for none.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
