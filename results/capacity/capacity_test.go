package capacity

import (
	"bytes"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A model whose every figure is known gives exact figures (no spread) that a hand computation checks.
const exactModel = `
model: exact
year: 2025
sources: {s: "a test"}
camera_types:
  overview: {analysed: true, bitrate_mbps: {value: 2, source: s}}
  smart: {analysed: false, bitrate_mbps: {value: 8, source: s}}
provinces:
  - name: P
    count: 2
    communes: {value: 10, source: s}
    cameras_per_commune:
      overview: {value: 25, source: s}
      smart: {value: 5, source: s}
violations_per_camera_hour: {value: 3.6, source: s}
event_bytes: {value: 1000, source: s}
evidence_kb: {value: 99, source: s}
peak_to_mean: {value: 3, source: s}
edge_retention_days: {value: 10, source: s}
centre_retention_days: {value: 100, source: s}
headroom: {value: 0.5, source: s}
data_centres: {value: 3, source: s}
growth:
  - {year: 2030, factor: {value: 2, source: s}}
`

func TestComputeExactFigures(t *testing.T) {
	m, err := Parse("exact.yaml", []byte(exactModel))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compute(m, []Knee{{Device: "ref", CamerasPerDevice: 20}}, Options{Draws: 10, Year: 2030})
	if err != nil {
		t.Fatal(err)
	}
	// 2030: 50 overview + 10 smart per commune; a device runs 20 * 0.5 = 10 cameras: 5 devices.
	// events: 60 cameras * 3.6/h = 0.06/s; 100 kB each = 48 kbit/s mean, x3 at peak.
	// edge: 50 * 2 Mbit/s = 100 Mbit/s = 12.5 MB/s * 86400 s * 10 days = 10.8 TB.
	// centre: 0.06/s * 100 kB * 86400 * 100 days = 51.84 GB.
	commune := map[string]float64{"cameras": 60, "analysed_cameras": 50, "clusters": 1, "lan_ingest_mbps": 100,
		"events_per_s": 0.06, "events_per_s_peak": 0.18, "uplink_mean_mbps": 0.048, "uplink_peak_mbps": 0.144,
		"edge_storage_tb": 10.8, "centre_storage_tb": 0.05184, "devices:ref": 5}
	check := func(l Level, factor float64) {
		t.Helper()
		for _, f := range l.Figures {
			want, ok := commune[f.Metric]
			if !ok {
				t.Fatalf("unexpected metric %s", f.Metric)
			}
			want *= factor
			for _, got := range []float64{f.P5, f.P50, f.P95, f.Mean} {
				if math.Abs(got-want) > 1e-9*math.Max(1, want) {
					t.Errorf("%s %s %s = %v, want %v", l.Kind, l.Name, f.Metric, got, want)
					break
				}
			}
		}
	}
	if len(p.Levels) != 3 {
		t.Fatalf("levels %d, want commune, province, country", len(p.Levels))
	}
	check(p.Levels[0], 1)  // one commune
	check(p.Levels[1], 5)  // one province: 10 communes dealt to 2 provinces
	check(p.Levels[2], 10) // the country
}

func TestSameSeedSamePlan(t *testing.T) {
	m, err := Lookup("vietnam")
	if err != nil {
		t.Fatal(err)
	}
	k := []Knee{{Device: "ref", CamerasPerDevice: 12}}
	var out [3]bytes.Buffer
	for i, seed := range []uint64{7, 7, 8} {
		p, err := Compute(m, k, Options{Draws: 50, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		WriteJSON(&out[i], p)
	}
	if out[0].String() != out[1].String() {
		t.Error("the same seed gave two plans")
	}
	if out[0].String() == out[2].String() {
		t.Error("another seed gave the same plan")
	}
}

// The shipped models load, and their bands are bands: p5 <= p50 <= p95, spread where inputs are ranges.
func TestShippedModels(t *testing.T) {
	for _, name := range Names() {
		m, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compute(m, []Knee{{Device: "ref", CamerasPerDevice: 12}}, Options{Draws: 200})
		if err != nil {
			t.Fatal(err)
		}
		country := p.Levels[len(p.Levels)-1]
		for _, f := range country.Figures {
			if !(f.P5 <= f.P50 && f.P50 <= f.P95) {
				t.Errorf("%s %s: p5 %v p50 %v p95 %v out of order", name, f.Metric, f.P5, f.P50, f.P95)
			}
			if f.Metric != "clusters" && f.P95 <= f.P5 {
				t.Errorf("%s %s: no spread from ranged inputs", name, f.Metric)
			}
		}
		var html bytes.Buffer
		if err := WriteHTML(&html, p); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Assumptions and their sources", "<svg", template.HTMLEscapeString(m.Sources["estimate"])} {
			if !strings.Contains(html.String(), want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
	}
}

func TestModelErrors(t *testing.T) {
	base := exactModel
	cases := []struct{ name, from, to, err string }{
		{"unknown key", "peak_to_mean:", "peak_to_meen:", `exact.yaml:18: peak_to_meen: unknown field`},
		{"no source", "peak_to_mean: {value: 3, source: s}", "peak_to_mean: {value: 3}", "exact.yaml:18: peak_to_mean.source: every figure names its source (a key of sources:)"},
		{"unknown source", "headroom: {value: 0.5, source: s}", "headroom: {value: 0.5, source: press}", `exact.yaml:21: headroom.source: "press" is not a key of sources:`},
		{"range upside down", "evidence_kb: {value: 99, source: s}", "evidence_kb: {range: [9, 1], source: s}", "exact.yaml:17: evidence_kb.range: low 9 is above high 1"},
		{"value and range", "event_bytes: {value: 1000, source: s}", "event_bytes: {value: 1, range: [1, 2], source: s}", "exact.yaml:16: event_bytes: give value: or range:, not both"},
		{"unknown camera type", "      smart: {value: 5, source: s}", "      smat: {value: 5, source: s}", "exact.yaml:14: provinces[0].cameras_per_commune.smat: unknown camera type (camera_types: overview, smart)"},
		{"communes a range", "communes: {value: 10, source: s}", "communes: {range: [9, 10], source: s}", "exact.yaml:11: provinces[0].communes: want a whole number of commune-level units (a count, not a range)"},
		{"headroom above 1", "headroom: {value: 0.5, source: s}", "headroom: {value: 1.5, source: s}", "exact.yaml:21: headroom: want a figure within [0.01, 1], got 1.5"},
		{"growth before the year", "{year: 2030,", "{year: 2020,", "exact.yaml:24: growth[0].year: want a year after the model's 2025, got 2020"},
		{"bad distribution", "violations_per_camera_hour: {value: 3.6, source: s}", "violations_per_camera_hour: {range: [1, 2], dist: normal, source: s}", `exact.yaml:15: violations_per_camera_hour.dist: want uniform or log-uniform, got "normal"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(base, c.from, c.to, 1)
			if src == base {
				t.Fatalf("case does not change the model")
			}
			_, err := Parse("exact.yaml", []byte(src))
			if err == nil || err.Error() != c.err {
				t.Fatalf("error\n got: %v\nwant: %s", err, c.err)
			}
		})
	}
	m, _ := Parse("exact.yaml", []byte(base))
	if _, err := Compute(m, []Knee{{Device: "ref", CamerasPerDevice: 1}}, Options{Year: 2027}); err == nil || err.Error() != "model exact has no growth figure for 2027 (years: 2025 2030)" {
		t.Errorf("unknown year: %v", err)
	}
	if _, err := Compute(m, nil, Options{}); err == nil {
		t.Error("a plan without a knee was computed")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(exactModel))
	f.Add([]byte("model: x\nprovinces: [{name: a, communes: {value: 0}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("f.yaml", data)
		if err != nil {
			return
		}
		if _, err := Compute(m, []Knee{{Device: "d", CamerasPerDevice: 3}}, Options{Draws: 10}); err != nil && !strings.Contains(err.Error(), "growth") {
			t.Fatalf("a valid model failed to plan: %v", err)
		}
	})
}

// The file 'trafficsim capacity knee' writes (the knee and its search) is what the plan reads.
func TestReadKneeReadsTheKneeCommandsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "knee.json")
	os.WriteFile(path, []byte(`{"device":"reference","cameras_per_device":26,"limit":"event_loss","per_camera":{"cpu_cores":0.068},"cores":2,"search":{"steps":[{"cameras":4}]}}`), 0o644)
	k, err := ReadKnee(path)
	if err != nil || k.CamerasPerDevice != 26 || k.PerCamera.CPUCores != 0.068 {
		t.Fatalf("knee %+v, %v", k, err)
	}
	os.WriteFile(path, []byte(`{"device":"reference","cameras_per_device":26,"cameras_per_devise":1}`), 0o644)
	if _, err := ReadKnee(path); err == nil || !strings.Contains(err.Error(), `unknown field "cameras_per_devise"`) {
		t.Errorf("a misspelt field: %v", err)
	}
}
