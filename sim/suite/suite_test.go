package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/stats"
)

func TestParseErrors(t *testing.T) {
	cell := "cells:\n  - {scenario: intersection-anpr, condition: day}\n"
	cases := []struct{ name, yaml, err string }{
		{"unknown key", "nmae: x\n" + cell, `suite: s.yaml: [1:1] unknown field "nmae"`},
		{"no cells", "name: x\n", "suite: s.yaml: cells: at least one cell is needed"},
		{"device", "device: vendor\n" + cell, `suite: s.yaml: device: want one of smartcam, reference, external, got "vendor"`},
		{"external without a way in", "device: external\n" + cell, "suite: s.yaml: external: device external needs external.command or external.url (how the box gets cameras.json)"},
		{"external for the reference", "device: reference\nexternal: {url: http://box/}\n" + cell, "suite: s.yaml: external: only for device external, not reference"},
		{"command and url", "device: external\nexternal: {url: http://box/, command: [box]}\n" + cell, "suite: s.yaml: external: want one of command and url"},
		{"empty program", "device: external\nexternal: {command: ['']}\n" + cell, "suite: s.yaml: external.command: the program is empty"},
		{"url", "device: external\nexternal: {url: 'ftp://box/'}\n" + cell, `suite: s.yaml: external.url: want an http or https URL, got "ftp://box/"`},
		{"speed share", "speed: {min_kmh: 10, max_kmh: 180, within: 95}\n" + cell, "suite: s.yaml: speed.within: want a share from 0 to 1, got 95"},
		{"speed tolerance", "speed: {min_kmh: 10, max_kmh: 180, tolerance: {kmh: -3}}\n" + cell, "suite: s.yaml: speed.tolerance: kmh, percent and above_kmh must not be negative"},
		{"duration", "duration: forever\n" + cell, `suite: s.yaml: duration: want a duration from 1s to 24h, got "forever"`},
		{"cameras", "cameras: -1\n" + cell, "suite: s.yaml: cameras: must be 1-1000, got -1"},
		{"speed", "speed: {min_kmh: 180, max_kmh: 10}\n" + cell, "suite: s.yaml: speed: want 0 <= min_kmh < max_kmh, got 180-10"},
		{"condition", "cells:\n  - {scenario: intersection-anpr, condition: dusk}\n", "suite: s.yaml: cells[0].condition: want one of day, night, rain, fog, got \"dusk\""},
		{"condition the scenario lacks", "cells:\n  - {scenario: intersection-anpr, condition: night}\n", "suite: s.yaml: cells[0].condition: scenario intersection-anpr is day, not night"},
		{"seeds", "cells:\n  - {scenario: intersection-anpr, condition: day, seeds: -2}\n", "suite: s.yaml: cells[0].seeds: must be 1-1000, got -2"},
	}
	for _, c := range cases {
		_, err := Parse("s.yaml", []byte(c.yaml))
		if err == nil || err.Error() != c.err {
			t.Errorf("%s: error\n%v\nwant\n%s", c.name, err, c.err)
		}
	}
	if _, err := Parse("s.yaml", []byte("cells:\n  - {scenario: nowhere, condition: day}\n")); err == nil || !strings.HasPrefix(err.Error(), "suite: s.yaml: cells[0].scenario: ") {
		t.Errorf("unknown scenario: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("cells:\n  - {scenario: intersection-anpr, condition: day}\n"))
	f.Add([]byte("speed: {min_kmh: 10, max_kmh: 180}\ncells: []\n"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = Parse("f.yaml", b) })
}

// The same suite and seeds give the same scorecard; another seed gives other truth.
func TestRunIsDeterministic(t *testing.T) {
	s, _, err := Load("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	card := func(seeds []uint64) (string, *Result) {
		r, err := Run(context.Background(), s, seeds, Shard{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := WriteScorecard(&b, s, r); err != nil {
			t.Fatal(err)
		}
		return b.String(), r
	}
	a, ra := card([]uint64{11, 22, 33})
	for _, want := range []string{"cell  scenario", "intersection-anpr-night", "plate_accuracy.night >= 0.8000", "speed range 10-180 km/h",
		"speed 95-138 km/h read within tolerance >= 0.9500", "speed: a reading is right within ±3 km/h to 100 km/h, ±3 % above", "verdict  "} {
		if !strings.Contains(a, want) {
			t.Errorf("scorecard lacks %q:\n%s", want, a)
		}
	}
	if err := CheckTruth(s, []uint64{11, 22, 33}, ra); err != nil {
		t.Errorf("the honest seeds: %v", err)
	}
	if err := CheckTruth(s, []uint64{11, 23, 33}, ra); err == nil || err.Error() != "suite: cell 2 (intersection-anpr-night) ran seed 22, the revealed seed is 23" {
		t.Errorf("another revealed seed: %v", err)
	}
	orig := ra.Cells[0].TruthHash
	ra.Cells[0].TruthHash = strings.Repeat("0", 64)
	if err := CheckTruth(s, []uint64{11, 22, 33}, ra); err == nil || !strings.Contains(err.Error(), "is not the truth scored") {
		t.Errorf("a doctored truth hash: %v", err)
	}
	// Shards split the cells, and the same seeds give the same cells again.
	r0, _ := Run(context.Background(), s, []uint64{11, 22, 33}, Shard{0, 2})
	r1, _ := Run(context.Background(), s, []uint64{11, 22, 33}, Shard{1, 2})
	if len(r0.Cells) != 2 || len(r1.Cells) != 1 || r0.Cells[1].Cell != 2 || r1.Cells[0].Cell != 1 {
		t.Fatalf("shards: %d and %d cells", len(r0.Cells), len(r1.Cells))
	}
	ra.Cells[0].TruthHash = orig
	for _, c := range append(r0.Cells, r1.Cells...) {
		w := ra.Cells[c.Cell]
		x, _ := json.Marshal(c)
		y, _ := json.Marshal(w)
		if string(x) != string(y) {
			t.Errorf("cell %d differs between a sharded and a whole run with the same seeds:\n%s\n%s", c.Cell+1, x, y)
		}
	}
}

// The plan asks the Wilson sample size of each rate check of the scenario richest in its
// truths, and the sample that decides a check at a measured value.
func TestPlan(t *testing.T) {
	p := conform.Default()
	rates := []Rates{
		{Scenario: "a", Conditions: []string{"day"}, Minutes: 10, All: 4, Plates: 2, ByType: map[string]float64{"red_light": 3, "speeding": 1}},
		{Scenario: "n", Conditions: []string{"night", "rain"}, Minutes: 10, All: 2, Plates: 0.5, ByType: map[string]float64{"red_light": 2}},
	}
	rows := Plan(p, rates, 0.10, 0.9, map[string]float64{"plate_accuracy.day": 0.97})
	by := map[string]PlanRow{}
	for _, r := range rows {
		by[r.Metric] = r
	}
	day, night := by["plate_accuracy.day"], by["plate_accuracy.night"]
	if day.Scenario != "a" || day.PerMin != 1.8 || day.Units != stats.WilsonWidthNeeded(0.97, 0.10) || day.Decide != stats.WilsonNeeded(0.97, 0.93) {
		t.Errorf("day plates: %+v", day)
	}
	if night.Scenario != "n" || night.PerMin != 0.45 || night.Minutes != math.Ceil(float64(stats.WilsonWidthNeeded(0.80, 0.10))/0.45) {
		t.Errorf("night plates: %+v", night)
	}
	if r := by["f1.wrong_way"]; r.Note != "no measured scenario makes these truths" {
		t.Errorf("wrong_way: %+v", r)
	}
	if r := by["latency_p95"]; !strings.HasPrefix(r.Note, "not a rate") {
		t.Errorf("latency: %+v", r)
	}
	// the speed check: readings (detected speeders) per bin, at the measured share
	rates[0].Speed = [SpeedBins]float64{0, 0.5, 2, 0}
	sp := PlanSpeed(rates, 0.10, 0.8, 0.98, 0.95)
	if len(sp) != SpeedBins || sp[2].Scenario != "a" || sp[2].PerMin != 1.6 || sp[2].Decide != stats.WilsonNeeded(0.98, 0.95) ||
		sp[2].DecideMin != math.Ceil(float64(sp[2].Decide)/1.6) || sp[0].Note == "" || sp[2].Metric != "speed 95-138 km/h (readings)" {
		t.Errorf("speed plan: %+v", sp)
	}
	rows = append(rows, sp...)
	var b bytes.Buffer
	if err := WritePlan(&b, rows, rates, 0.10); err != nil || !strings.Contains(b.String(), "plate_accuracy.day") || !strings.Contains(b.String(), "speed 95-138 km/h") {
		t.Errorf("plan table: %v\n%s", err, b.String())
	}
}

// The smart-camera model reads speeds with 1.5 % error: the suite's speed check scores each
// speeding TP's reading against the truth's zone speed in its bin, with a Wilson interval.
func TestSpeedCheckOnTheSmartcamModel(t *testing.T) {
	s, _, err := Load("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), s, []uint64{11, 22, 33}, Shard{})
	if err != nil {
		t.Fatal(err)
	}
	sc := r.SpeedCheck
	if sc == nil || len(sc.Bins) != 4 || sc.Limit != 0.95 || sc.Tolerance.Kmh != 3 {
		t.Fatalf("speed check %+v", sc)
	}
	if sc.All.Readings == 0 || sc.All.Readings != r.Score.ByType["speeding"].TP || sc.All.Unread != 0 {
		t.Errorf("readings %d (%d without speed), speeding TPs %d", sc.All.Readings, sc.All.Unread, r.Score.ByType["speeding"].TP)
	}
	if sc.All.Share < 0.8 || sc.All.MaxError > 10 || sc.All.CI.Lo > sc.All.Share || sc.All.CI.Hi < sc.All.Share {
		t.Errorf("the model's readings: %+v", sc.All)
	}
	// the expressway cell carries the readings
	if c := r.Cells[2]; c.Speed == nil || c.Speed.All.Readings != sc.All.Readings {
		t.Errorf("expressway cell speed %+v", c.Speed)
	}
}
