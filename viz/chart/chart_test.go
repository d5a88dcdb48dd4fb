package chart

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.svg")

func charts() map[string]string {
	return map[string]string{
		"bars": Bars{Title: "F1 per type", Max: 1, Threshold: 0.75, ThLabel: "limit 0.75", Bars: []Bar{
			{Label: "red light", Value: 0.89, Color: Red, Note: "112 truths", Limit: 0.9},
			{Label: "no helmet", Value: 0.82, Color: Green},
			{Label: "<sidewalk & co>", Value: 0, Text: "n/a"}}}.SVG(),
		"grouped": Grouped{Title: "per condition", Labels: []string{"day", "night"}, Notes: []string{"200", "80"}, Max: 1,
			Series: []Series{{Name: "precision", Color: Blue, Values: []float64{0.9, 0.8}}, {Name: "recall", Color: Teal, Values: []float64{0.85}}}}.SVG(),
		"histogram": Histogram{Title: "latency", Width: 0.5, Counts: []int{1, 5, 9, 3, 0, 1}, Unit: " s", Overflow: 2,
			Markers: []Marker{{Label: "p50", Value: 0.8}, {Label: "p99", Value: 9, Color: Orange}}, Limit: &Marker{Label: "limit", Value: 2.5}}.SVG(),
		"timeline": Timeline{Title: "timeline", Duration: 600, Rows: []Row{
			{Label: "cam-01", Note: "F1 0.9", Marks: []Mark{{At: 10, Kind: Hit}, {At: 70, Kind: Miss}, {At: 300, Kind: FalseAlarm}, {At: 900, Kind: Hit}},
				Spans: []Span{{From: 100, To: 200, Label: "disconnect"}}},
			{Label: "cam-02"}}}.SVG(),
		"lines": Lines{Title: "throughput", Step: 10, YLabel: "per minute", Spans: []Span{{From: 20, To: 40}},
			Series: []Series{{Name: "events", Color: Blue, Values: []float64{6, 12, 0, 18, 6}}}}.SVG(),
		"empty": Bars{Title: "nothing"}.SVG() + Grouped{}.SVG() + Histogram{}.SVG() + Timeline{}.SVG() + Lines{}.SVG(),
	}
}

// TestChartsGolden keeps the SVG output stable (-update rewrites testdata/*.golden.svg).
func TestChartsGolden(t *testing.T) {
	for name, svg := range charts() {
		path := filepath.Join("testdata", name+".golden.svg")
		if *update {
			os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if svg != string(want) {
			t.Errorf("%s differs from %s", name, path)
		}
	}
}

// TestChartsAreWellFormed parses every chart as XML and checks it draws no NaN or infinity
// and escapes its text.
func TestChartsAreWellFormed(t *testing.T) {
	for name, svg := range charts() {
		d := xml.NewDecoder(strings.NewReader("<root>" + svg + "</root>"))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s: not well-formed XML: %v", name, err)
				break
			}
		}
		for _, bad := range []string{"NaN", "Inf"} {
			if strings.Contains(svg, bad) {
				t.Errorf("%s contains %s", name, bad)
			}
		}
	}
	if !bytes.Contains([]byte(charts()["bars"]), []byte("&lt;sidewalk &amp; co&gt;")) {
		t.Error("labels are not escaped")
	}
}
