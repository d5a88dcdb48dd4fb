package suite

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/speed"
)

// HTMLFile is the scorecard as a page.
const HTMLFile = "scorecard.html"

// row is one requirement line of the page.
type row struct {
	Cell, Scenario, Condition, Slot string
	Truths                          int
	Requirement, Source             string
	Measured                        string
	Status                          string // conform status, for the colour
	Result                          string
	Bar                             template.HTML // the interval against the limit, for rates
}

// WriteHTML writes the scorecard as one self-contained page: a row per cell and
// requirement, the requirements over all cells, the speed check per speed bin, each rate with
// its 95 % interval drawn against its limit.
func WriteHTML(w io.Writer, s *Suite, r *Result) error {
	minutes := 0.0
	for _, c := range r.Cells {
		minutes += c.Minutes
	}
	var cells, all []row
	for _, c := range r.Cells {
		id := []string{fmt.Sprint(c.Cell + 1), c.Scenario, c.Condition, fmt.Sprint(c.Slot + 1)}
		for _, v := range c.Verdicts {
			if v.Status == conform.NoData {
				continue
			}
			cells = append(cells, verdictRow(id, c.Truths, v))
		}
		if sp := c.Speed; sp != nil && sp.All.Status != conform.NoData {
			cells = append(cells, speedRow(id, c.Truths, sp, sp.All))
		}
	}
	for _, v := range r.Verdicts {
		all = append(all, verdictRow([]string{"all", "", "", ""}, v.Truths, v))
	}
	if sp := r.SpeedCheck; sp != nil {
		for _, b := range sp.Bins {
			all = append(all, speedRow([]string{"all", "", "", ""}, b.Truths, sp, b))
		}
	}
	var tol string
	if r.SpeedCheck != nil {
		tol = r.SpeedCheck.Tolerance.String()
	}
	return page.Execute(w, map[string]any{
		"Suite": s.Name, "Device": s.Device, "Runs": len(r.Cells), "Minutes": fmt.Sprintf("%.4g", minutes),
		"Outcome": strings.ToUpper(Outcome(r)), "OutcomeClass": strings.ReplaceAll(Outcome(r), " ", "-"),
		"Cells": cells, "All": all, "Tolerance": tol,
	})
}

func verdictRow(id []string, truths int, v conform.Verdict) row {
	rw := row{Cell: id[0], Scenario: id[1], Condition: id[2], Slot: id[3], Truths: truths,
		Requirement: conform.Describe(v.Metric) + " " + v.Op + " " + conform.Human(v.Metric, v.Limit), Source: v.Source,
		Measured: measured(v), Status: v.Status, Result: result(v)}
	if conform.IsRate(v.Metric) && v.CI != nil {
		rw.Bar = bar(v.Value, v.CI.Lo, v.CI.Hi, v.Limit)
	}
	return rw
}

func speedRow(id []string, truths int, sp *speed.Result, b speed.Bin) row {
	rw := row{Cell: id[0], Scenario: id[1], Condition: id[2], Slot: id[3], Truths: truths,
		Requirement: speedRequirement(sp, b), Source: "draft: speed measured 10-180 km/h; tolerance " + sp.Tolerance.String(),
		Measured: speedMeasured(b), Status: b.Status, Result: speedResult(b)}
	if b.Status != conform.NoData {
		rw.Bar = bar(b.Share, b.CI.Lo, b.CI.Hi, sp.Limit)
	}
	return rw
}

// bar draws a 0-1 scale with the interval, the estimate and the limit.
func bar(v, lo, hi, limit float64) template.HTML {
	x := func(f float64) float64 { return 4 + 152*max(0, min(1, f)) }
	return template.HTML(fmt.Sprintf(`<svg width="160" height="18" viewBox="0 0 160 18"><line x1="4" y1="9" x2="156" y2="9" stroke="#ccc"/>`+
		`<rect x="%.1f" y="4" width="%.1f" height="10" fill="#7aa6d8"/><circle cx="%.1f" cy="9" r="3" fill="#123"/>`+
		`<line x1="%.1f" y1="1" x2="%.1f" y2="17" stroke="#c00" stroke-width="2"/></svg>`,
		x(lo), max(x(hi)-x(lo), 1), x(v), x(limit), x(limit)))
}

var page = template.Must(template.New("card").Funcs(template.FuncMap{
	"cls": func(status string) string { return strings.ReplaceAll(status, " ", "-") },
}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Conformity scorecard: {{.Suite}}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#111}
h1{font-size:20px;margin:0 0 4px} .meta{color:#555;margin-bottom:12px}
.outcome{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:600;color:#fff}
.conforms{background:#2a7d2e}.does-not-conform{background:#b3261e}.not-decided{background:#b26a00}
table{border-collapse:collapse;margin:12px 0 20px;width:100%}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:middle}
th{background:#f3f3f3;font-weight:600}
td.num{text-align:right}
.pass{color:#2a7d2e;font-weight:600}.fail{color:#b3261e;font-weight:600}
.insufficient-sample{color:#b26a00;font-weight:600}.no-data{color:#777}
.src{color:#777;font-size:12px}
</style></head><body>
<h1>Conformity scorecard: {{.Suite}}</h1>
<div class="meta">device under test: <b>{{.Device}}</b> · {{.Runs}} cell runs · {{.Minutes}} camera-minutes ·
every rate with its 95 % interval (bar: interval in blue, estimate, limit in red); a check passes or fails only on its whole interval</div>
<div class="outcome {{.OutcomeClass}}">{{.Outcome}}</div>
<h2>Requirements over all cells</h2>
<table><tr><th>requirement</th><th>truths</th><th>measured [95 % CI]</th><th></th><th>result</th></tr>
{{range .All}}<tr><td>{{.Requirement}}<div class="src">{{.Source}}</div></td><td class="num">{{.Truths}}</td><td>{{.Measured}}</td><td>{{.Bar}}</td><td class="{{.Status | cls}}">{{.Result}}</td></tr>
{{end}}</table>
{{if .Tolerance}}<p class="src">speed: a reading is right within {{.Tolerance}} of the truth's zone speed; an event without a speed is a wrong reading.</p>{{end}}
<h2>Per cell</h2>
<table><tr><th>cell</th><th>scenario</th><th>condition</th><th>seed slot</th><th>truths</th><th>requirement</th><th>measured [95 % CI]</th><th></th><th>result</th></tr>
{{range .Cells}}<tr><td>{{.Cell}}</td><td>{{.Scenario}}</td><td>{{.Condition}}</td><td class="num">{{.Slot}}</td><td class="num">{{.Truths}}</td><td>{{.Requirement}}</td><td>{{.Measured}}</td><td>{{.Bar}}</td><td class="{{.Status | cls}}">{{.Result}}</td></tr>
{{end}}</table>
</body></html>
`))
