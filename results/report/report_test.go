package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/record/recordtest"
	"github.com/trafficsim/trafficsim/results/stats"
)

var update = flag.Bool("update", false, "rewrite the golden report.html and junit.xml of results/testdata/run")

// TestReportGolden renders results/testdata/run; the committed report.html and junit.xml are
// the golden files (-update rewrites them; review the diff and the screenshot).
func TestReportGolden(t *testing.T) {
	dir := filepath.Join("..", "testdata", "run")
	rec, err := record.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	in := Prepare(rec, nil)
	var h, j bytes.Buffer
	if err := Render(&h, in); err != nil {
		t.Fatal(err)
	}
	if err := in.JUnit().Write(&j); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{record.ReportFile: h.Bytes(), record.JUnitFile: j.Bytes()} {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (go test ./results/report -update, then review)", path)
		}
	}
}

func TestReportIsSelfContained(t *testing.T) {
	rec, err := recordtest.Write(filepath.Join(t.TempDir(), "r"), recordtest.Options{Seed: 3, Duration: 3 * 60e9})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Render(&b, Prepare(rec, nil)); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if _, err := WriteRun(rec, nil); err != nil {
		t.Fatal(err)
	}
	if disk, _ := os.ReadFile(filepath.Join(rec.Dir, record.ReportFile)); string(disk) != html {
		t.Error("WriteRun wrote another report than Render")
	}
	if _, err := os.Stat(filepath.Join(rec.Dir, record.JUnitFile)); err != nil {
		t.Error(err)
	}
	// links to the viewer's moments load nothing when the report opens
	loaded := strings.ReplaceAll(html, ` href="`+VizURL+"#", "")
	for _, bad := range []string{"<script", " src=", " href=", "@import", "url(", "<link"} {
		if strings.Contains(loaded, bad) {
			t.Errorf("report contains %q: it must open without a network", bad)
		}
	}
	if n := strings.Count(html, "<svg "); n != 5 {
		t.Errorf("report has %d charts, want 5 (F1 per type, conditions, latency, timeline, throughput)", n)
	}
	for _, want := range []string{"Conformity scorecard", "Plates read correctly, day", "Plates read correctly, night", "Per-camera timeline"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Every <svg> closes, every tag is balanced enough for a browser that renders it statically.
	if strings.Count(html, "<svg ") != strings.Count(html, "</svg>") {
		t.Error("unbalanced svg elements")
	}
}

func TestVerdictHeadline(t *testing.T) {
	prof, err := conform.Parse("p", []byte("checks:\n  - {metric: plate_accuracy.day, op: \">=\", value: 0.93}\n  - {metric: plate_accuracy.night, op: \">=\", value: 0.8}\n"))
	if err != nil {
		t.Fatal(err)
	}
	plates := func(ok, n int) results.Metrics {
		m := results.Metrics{TP: n, Plates: n, PlatesOK: ok, PlateAccuracy: float64(ok) / float64(n)}
		m.CI = &results.Intervals{PlateAccuracy: stats.Wilson(ok, n)}
		return m
	}
	cases := []struct {
		name  string
		conds map[string]results.Metrics
		want  []string
	}{
		{"decided pass and no data", map[string]results.Metrics{"day": plates(300, 300)},
			[]string{"NOT DECIDED", "No check fails, but 1 of 2 are not decided", "Plates read correctly, night: no data, required ≥ 80.0% &mdash; no data"}},
		{"a small sample", map[string]results.Metrics{"day": plates(300, 300), "night": plates(9, 10)},
			[]string{"NOT DECIDED", "Plates read correctly, night: 90.0% (59.6%–98.2%), required ≥ 80.0% &mdash; insufficient sample, ~52 more night truths"}},
		{"a fail", map[string]results.Metrics{"day": plates(300, 300), "night": plates(20, 40)},
			[]string{"DOES NOT CONFORM", "1 of 2 checks fail (the whole 95&nbsp;% interval misses the limit)"}},
		{"a pass", map[string]results.Metrics{"day": plates(300, 300), "night": plates(380, 400)},
			[]string{"CONFORMS", "All 2 checks of the profile pass"}},
	}
	for _, c := range cases {
		rec := &record.Record{Run: record.Run{ID: "x"}}
		rec.Summary = &results.Score{Overall: results.Metrics{TP: 10, F1: 1, Precision: 1, Recall: 1}, ByCondition: c.conds}
		rec.Matches = []results.Match{{Outcome: results.TP, Camera: "c"}}
		var b bytes.Buffer
		if err := Render(&b, Prepare(rec, prof)); err != nil {
			t.Fatal(err)
		}
		got := regexp.MustCompile(`\s+`).ReplaceAllString(b.String(), " ")
		for _, want := range c.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s: headline lacks %q", c.name, want)
			}
		}
	}
}

// TestReportOfAnEmptyRun renders a run folder with nothing in it (a center that crashed at
// once): the report must still render, without NaN, and say no data.
func TestReportOfAnEmptyRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "empty")
	w, err := record.Create(dir, record.Run{ID: "empty", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	rec, err := record.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	in, err := WriteRun(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, record.ReportFile))
	html := string(b)
	if strings.Contains(html, "NaN") || strings.Contains(html, "Inf") {
		t.Error("empty report draws NaN or Inf")
	}
	if !strings.Contains(html, "NOT DECIDED") || strings.Contains(html, "DOES NOT CONFORM") || !strings.Contains(html, "NO DATA") {
		t.Error("an empty run must neither conform nor fail: not decided, no data")
	}
	if !strings.Contains(html, "no detected vehicle showed a readable plate") || strings.Contains(html, "0 of 0 detected vehicles") {
		t.Error("the plate tiles of a run without readable plates must say no data, not 0.0%")
	}
	for _, v := range in.Verdicts {
		if v.Status != conform.NoData {
			t.Errorf("%s: %s, want no data", v.Metric, v.Status)
		}
	}
}

// TestChartsAreBoundedByTheData: a run whose end lies far beyond its data (here year 9999,
// past what record.Open accepts) renders a report of normal size, not one bucket per 20
// minutes of 8,000 years; an end before the start does not panic.
func TestChartsAreBoundedByTheData(t *testing.T) {
	rec, err := recordtest.Write(filepath.Join(t.TempDir(), "r"), recordtest.Options{Seed: 3, Duration: 3 * 60e9})
	if err != nil {
		t.Fatal(err)
	}
	for _, end := range []time.Time{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), rec.Run.Start.Add(-time.Hour)} {
		rec.Run.End = end
		var b bytes.Buffer
		if err := Render(&b, Prepare(rec, nil)); err != nil {
			t.Fatal(err)
		}
		if b.Len() > 2<<20 {
			t.Fatalf("end %v: report of %d bytes", end, b.Len())
		}
	}
}
