package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record/recordtest"
)

// The scorecard shows what the device declined to judge, per condition and per camera, as a
// share of the analysed video; a run whose device says nothing about it shows no such table.
func TestReportShowsNotJudged(t *testing.T) {
	rec, err := recordtest.Write(filepath.Join(t.TempDir(), "r"), recordtest.Options{Seed: 3, Duration: 3 * 60e9})
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	if err := Render(&plain, Prepare(rec, nil)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "Not judged") {
		t.Error("a run without not_judged shows a Not judged table")
	}
	rec.Summary.NotJudged = map[string]results.NotJudged{
		"cam-001": {Light: results.Night, Weather: "rain", AnalysedS: 100, ByTypeS: map[string]float64{"red_light": 90, "no_helmet": 100}},
		"cam-002": {Light: results.Day, Weather: "clear", AnalysedS: 100, ByTypeS: map[string]float64{"stop_line": 25}},
	}
	var b bytes.Buffer
	if err := Render(&b, Prepare(rec, nil)); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		"<h3>Not judged</h3>",
		`<th>red_light</th><th>stop_line</th><th>no_helmet</th>`,                                                    // the types not judged somewhere, in wire order
		`<tr class="cond"><td>night</td><td>100 s</td><td class="nj-most" title="90 s of 100 s">90%</td><td>–</td>`, // per condition
		`<tr class="cond"><td>weather:clear</td><td>100 s</td><td>–</td><td class="nj" title="25 s of 100 s">25%</td>`,
		`<tr><td>cam-001</td><td>100 s</td><td class="nj-most" title="90 s of 100 s">90%</td><td>–</td><td class="nj-most" title="100 s of 100 s">100%</td></tr>`, // per camera
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %s", want)
		}
	}
}
