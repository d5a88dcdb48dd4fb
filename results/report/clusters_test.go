package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/results/record/recordtest"
)

// A run split among regional clusters (clusters.json) has a row per cluster: its cameras'
// counts summed, F1 of the sums; a run without the file has no such section.
func TestReportRowsPerRegionalCluster(t *testing.T) {
	rec, err := recordtest.Write(filepath.Join(t.TempDir(), "r"), recordtest.Options{Seed: 3, Duration: 3 * 60e9})
	if err != nil {
		t.Fatal(err)
	}
	render := func() string {
		var b bytes.Buffer
		if err := Render(&b, Prepare(rec, nil)); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if strings.Contains(render(), "By regional cluster") {
		t.Fatal("a run without clusters.json shows clusters")
	}
	plan := `[{"id":"cluster-1","cameras":["cam-01","cam-02","cam-03"]},{"id":"cluster-2","cameras":["cam-04","cam-05","cam-06"]}]`
	if err := os.WriteFile(filepath.Join(rec.Dir, ClustersFile), []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	in := Prepare(rec, nil)
	rows := clusterRows(in)
	if len(rows) != 2 || rows[0].Name != "cluster-1" || rows[1].Name != "cluster-2" || rows[0].Frames != "3" {
		t.Fatalf("rows %+v", rows)
	}
	for k, r := range rows {
		var tp, fp, fn int
		for _, id := range [][]string{{"cam-01", "cam-02", "cam-03"}, {"cam-04", "cam-05", "cam-06"}}[k] {
			m := in.Score.ByCamera[id]
			tp, fp, fn = tp+m.TP, fp+m.FP, fn+m.FN
		}
		if r.M.TP != tp || r.M.FP != fp || r.M.FN != fn || tp == 0 {
			t.Errorf("%s: TP %d FP %d FN %d, want %d %d %d", r.Name, r.M.TP, r.M.FP, r.M.FN, tp, fp, fn)
		}
		if want := 2 * float64(tp) / float64(2*tp+fp+fn); r.M.F1 < want-1e-9 || r.M.F1 > want+1e-9 || r.M.LatencyP95Ms <= 0 {
			t.Errorf("%s: F1 %v (want %v), latency p95 %v", r.Name, r.M.F1, want, r.M.LatencyP95Ms)
		}
	}
	if html := render(); !strings.Contains(html, "By regional cluster") || !strings.Contains(html, "<td>cluster-2</td><td>3</td>") {
		t.Error("the report has no row per cluster")
	}
	os.WriteFile(filepath.Join(rec.Dir, ClustersFile), []byte("{"), 0o644)
	if _, err := ReadClusters(rec.Dir); err == nil || !strings.HasPrefix(err.Error(), "report: clusters.json: ") {
		t.Errorf("a broken clusters.json: %v", err)
	}
}
