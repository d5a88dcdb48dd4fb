package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/stats"
	"github.com/trafficsim/trafficsim/viz/chart"
	"github.com/trafficsim/trafficsim/wire"
)

//go:embed report.html.tmpl
var reportTmpl string

// Input is what a report shows.
type Input struct {
	Record   *record.Record
	Score    *results.Score
	Matches  []results.Match
	Profile  *conform.Profile
	Verdicts []conform.Verdict
	// Compare, when set, adds a regression section against a baseline run.
	Compare  []Row
	Baseline string // the baseline's id or folder
}

// Prepare scores a record when it has no summary or matches, and judges it against the
// profile (the default one when nil).
func Prepare(rec *record.Record, prof *conform.Profile) *Input {
	if prof == nil {
		prof = conform.Default()
	}
	in := &Input{Record: rec, Profile: prof, Score: rec.Summary, Matches: rec.Matches}
	// A summary written before scores had intervals (no "ci") is scored again for them.
	noCI := in.Score != nil && in.Score.Overall.CI == nil && (len(rec.Truth) > 0 || len(rec.Events) > 0)
	if in.Score == nil || noCI || len(in.Matches) == 0 && (len(rec.Truth) > 0 || len(rec.Events) > 0) {
		s, ms := rec.Score()
		in.Score, in.Matches = &s, ms
	}
	in.Verdicts = prof.Evaluate(in.Score)
	return in
}

// JUnit returns the conformity verdicts (and the comparison, if any) as JUnit.
func (in *Input) JUnit() *conform.JUnit {
	j := &conform.JUnit{Name: "trafficsim " + in.Record.Run.ID}
	j.AddSuite("conformity", in.Verdicts)
	if in.Compare != nil {
		CompareJUnit(j, in.Compare)
	}
	return j
}

type tile struct {
	Label, Value, Note string
	Class              string // pass, fail or ""
}

type tableRow struct {
	Name                      string
	M                         results.Metrics
	Frames, Late              string
	F1Class, PrecClass, RecCl string
	RecCI, F1CI, PlateCI      string // 95 % intervals, "" without data
}

type view struct {
	Title, Subtitle    string
	Run                record.Run
	Duration           string
	Generated          string
	Conforms           bool
	Outcome            string // conform.Overall: conforms, does not conform, not decided
	OutcomeClass       string // pass, fail or undecided
	Failed, Total      int
	Undecided          int
	Tiles              []tile
	Verdicts           []conform.Verdict
	ProfileName        string
	Charts             map[string]template.HTML
	Types, Cams, Conds []tableRow
	Overall            tableRow
	Score              *results.Score
	Compare            []Row
	CompareBroken      int
	Baseline           string
	Notes              []string
	TimelineNote       string
	CameraNote         string
	Clusters           []tableRow      // per regional cluster (clusters.go); Frames holds the camera count
	NotJudged          *notJudgedTable // what the device declined to judge (notjudged.go)
	Moments            []moment        // misses and false alarms, linked to trafficsim viz
	MoreMoments        int
}

var funcs = template.FuncMap{
	"fmt":  conform.Human,
	"desc": conform.Describe,
	"secs": func(ms float64) string { return strconv.FormatFloat(ms/1000, 'f', -1, 64) + " s" },
	"op": func(op string) string {
		if op == ">=" {
			return "≥"
		}
		return "≤"
	},
	"pct":   func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
	"ms":    ms,
	"cell":  cell,
	"delta": func(r Row) string { return delta(r) },
	"rowclass": func(r Row) string {
		switch {
		case r.Broken:
			return "fail"
		case !r.BaseOK || !r.RunOK || math.Abs(r.Delta) < 1e-9:
			return ""
		case (r.Delta > 0) == (Better(r.Metric) > 0):
			return "better"
		}
		return "worse"
	},
	"status": status,
	"chip": func(v conform.Verdict) string {
		return map[string]string{conform.Pass: "PASS", conform.Fail: "FAIL", conform.Insufficient: "INSUFFICIENT SAMPLE", conform.NoData: "NO DATA"}[v.Status]
	},
	"measured": measured,
	"ci":       ciText,
	"upper":    strings.ToUpper,
	"nodata": func(metric string) string { // what a check without data lacks
		if strings.HasPrefix(metric, "plate_accuracy") {
			return "detected vehicles with a readable plate"
		}
		return "truths of this kind"
	},
	"overall": func(r Row) bool { return !strings.Contains(r.Metric, ".") || r.Limit != "" || math.Abs(r.Delta) > 1e-9 },
}

// status is a verdict's CSS class: pass, fail, undecided (insufficient sample) or nodata.
func status(v conform.Verdict) string {
	switch v.Status {
	case conform.Pass:
		return "pass"
	case conform.Fail:
		return "fail"
	case conform.NoData:
		return "nodata"
	}
	return "undecided"
}

// measured is a verdict's value with its 95 % interval: "89.6% (80.0–94.8%)".
func measured(v conform.Verdict) string {
	if v.Status == conform.NoData {
		return "no data"
	}
	s := conform.Human(v.Metric, v.Value)
	if v.CI != nil {
		s += " (" + conform.Human(v.Metric, v.CI.Lo) + "–" + conform.Human(v.Metric, v.CI.Hi) + ")"
	}
	return s
}

// ciText is a rate's interval for the tables: "0.64–0.94", or "" without one.
func ciText(iv stats.Interval, n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f–%.2f", iv.Lo, iv.Hi)
}

var tmpl = template.Must(template.New("report").Funcs(funcs).Parse(reportTmpl))

// Render writes the HTML report.
func Render(w io.Writer, in *Input) error {
	v := build(in)
	var b bytes.Buffer
	if err := tmpl.Execute(&b, v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func ms(v float64) string { return conform.Format("latency_p50", v) }

func rateClass(v float64, n int, good, ok float64) string {
	switch {
	case n == 0:
		return ""
	case v >= good:
		return "good"
	case v >= ok:
		return "fair"
	}
	return "poor"
}

func build(in *Input) *view {
	run, s := in.Record.Run, in.Score
	v := &view{Run: run, Score: s, Verdicts: in.Verdicts, ProfileName: in.Profile.Name, Charts: map[string]template.HTML{},
		Compare: in.Compare, CompareBroken: Broken(in.Compare), Baseline: in.Baseline}
	v.Title = "Detection conformity report"
	v.Moments, v.MoreMoments = moments(in.Matches)
	v.Subtitle = run.Device.Name
	if run.Device.Version != "" {
		v.Subtitle += " " + run.Device.Version
	}
	end := run.End
	if end.IsZero() {
		end = lastTime(in)
	}
	dur := max(end.Sub(run.Start), 0)
	v.Duration = dur.Round(time.Second).String()
	v.Total = len(in.Verdicts)
	for _, x := range in.Verdicts {
		switch {
		case x.Failed():
			v.Failed++
		case !x.Passed():
			v.Undecided++
		}
	}
	v.Outcome = conform.Overall(in.Verdicts)
	v.Conforms = v.Outcome == conform.Conforms
	v.OutcomeClass = map[string]string{conform.Conforms: "pass", conform.DoesNot: "fail", conform.NotDecided: "undecided"}[v.Outcome]
	o := s.Overall
	look := func(name string) (float64, bool) { return conform.Lookup(s, name) }
	cls := func(name string) string { // the tile's colour: its check's verdict, if any
		for _, x := range in.Verdicts {
			if x.Metric == name {
				return status(x)
			}
		}
		return ""
	}
	ci := func(name string) string { // the tile's interval: its check's, if any
		for _, x := range in.Verdicts {
			if x.Metric == name && x.CI != nil {
				return "95% CI " + conform.Human(name, x.CI.Lo) + "–" + conform.Human(name, x.CI.Hi) + "; "
			}
		}
		return ""
	}
	// a plate tile without a detected vehicle whose plate was shown readable says so, not "0 %"
	plates := func(name, light string) (string, string) {
		m := s.ByCondition[light]
		if v, ok := look(name); ok {
			return fmt.Sprintf("%.1f%%", 100*v), ci(name) + fmt.Sprintf("%d of %d detected vehicles", m.PlatesOK, m.Plates)
		}
		return "no data", "no detected vehicle showed a readable plate"
	}
	pdv, pds := plates("plate_accuracy.day", results.Day)
	pnv, pns := plates("plate_accuracy.night", results.Night)
	v.Tiles = []tile{
		{"Plates read, day", pdv, pds, cls("plate_accuracy.day")},
		{"Plates read, night", pnv, pns, cls("plate_accuracy.night")},
		{"Detection F1", fmt.Sprintf("%.3f", o.F1), ci("f1") + fmt.Sprintf("precision %.3f, recall %.3f", o.Precision, o.Recall), cls("f1")},
		{"Latency p95", conform.Format("latency_p95", o.LatencyP95Ms), ci("latency_p95") + fmt.Sprintf("p50 %s, p99 %s", conform.Format("latency_p50", o.LatencyP50Ms), conform.Format("latency_p99", o.LatencyP99Ms)), cls("latency_p95")},
		{"Violations in truth", fmt.Sprint(s.Truths), fmt.Sprintf("%d detected, %d missed", o.TP, o.FN), ""},
		{"Events from device", fmt.Sprint(s.Events), fmt.Sprintf("%d false alarms, %d duplicates", o.FP, o.Duplicates), ""},
	}

	// Tables.
	v.Overall = row("all", s.Overall, nil)
	for _, t := range wire.ViolationTypes {
		if m, ok := s.ByType[string(t)]; ok {
			v.Types = append(v.Types, row(string(t), m, nil))
		}
	}
	cams := worstCameras(s, maxCameraRows)
	if n := len(s.ByCamera); n > len(cams) {
		v.CameraNote = fmt.Sprintf("The %d cameras with the lowest F1 of %d; summary.json has all of them.", len(cams), n)
	}
	for _, c := range cams {
		var d *results.Delivery
		if x, ok := s.Delivery[c]; ok {
			d = &x
		}
		v.Cams = append(v.Cams, row(c, s.ByCamera[c], d))
	}
	for _, c := range sortedConds(s.ByCondition) {
		v.Conds = append(v.Conds, row(c, s.ByCondition[c], nil))
	}
	v.Clusters = clusterRows(in)
	v.NotJudged = notJudgedRows(s)
	charts(v, in, dur)
	if len(in.Record.Truncated) > 0 {
		v.Notes = append(v.Notes, "The last line of "+strings.Join(in.Record.Truncated, ", ")+" was cut short (the writer stopped mid-line) and was skipped.")
	}
	if s.Invalid > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("%d inputs could not be scored (invalid events or truths).", s.Invalid))
	}
	return v
}

func row(name string, m results.Metrics, d *results.Delivery) tableRow {
	r := tableRow{Name: name, M: m, Frames: "", F1Class: rateClass(m.F1, m.TP+m.FP+m.FN, 0.9, 0.8),
		PrecClass: rateClass(m.Precision, m.TP+m.FP, 0.9, 0.8), RecCl: rateClass(m.Recall, m.TP+m.FN, 0.9, 0.8)}
	if d != nil {
		r.Frames, r.Late = fmt.Sprint(d.Frames), fmt.Sprint(d.Late)
	}
	if m.CI != nil {
		r.RecCI, r.F1CI, r.PlateCI = ciText(m.CI.Recall, m.TP+m.FN), ciText(m.CI.F1, m.TP+m.FP+m.FN), ciText(m.CI.PlateAccuracy, m.Plates)
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sortedConds orders conditions day, night, then weather, then fault.
func sortedConds(m map[string]results.Metrics) []string {
	out := sortedKeys(m)
	rank := func(k string) int {
		switch {
		case k == results.Day:
			return 0
		case k == results.Night:
			return 1
		case k == results.Unknown:
			return 2
		case strings.HasPrefix(k, "weather:"):
			return 3
		case k == "no_fault":
			return 4
		}
		return 5
	}
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

func lastTime(in *Input) time.Time {
	t := in.Record.Run.Start
	for _, v := range in.Record.Truth {
		if v.Wall.After(t) {
			t = v.Wall
		}
	}
	for _, e := range in.Record.Events {
		if e.At.After(t) {
			t = e.At
		}
	}
	return t
}

func label(k string) string {
	switch k {
	case "no_fault":
		return "no fault"
	case "fault":
		return "fault"
	case results.Unknown:
		return "day/night unknown"
	case "weather:" + results.Unknown:
		return "weather unknown"
	}
	return strings.TrimPrefix(k, "weather:")
}

func charts(v *view, in *Input, dur time.Duration) {
	s := in.Score
	start := in.Record.Run.Start
	// Charts span the data present: a run.json whose end lies far beyond its last truth or
	// event (year 9999 drew a 236 MB report) would otherwise fill them with empty buckets.
	if last := max(lastTime(in).Sub(start), 0); dur > 2*last+time.Hour {
		dur = max(last, time.Minute)
	}
	// F1 per type, against the per-type threshold.
	th, thl := 0.0, ""
	for _, c := range in.Profile.Checks {
		if c.Metric == "f1.*" {
			th, thl = c.Limit(), fmt.Sprintf("limit %.2f", c.Limit())
		}
	}
	var bars []chart.Bar
	for _, t := range wire.ViolationTypes {
		m, ok := s.ByType[string(t)]
		if !ok {
			continue
		}
		col, own := chart.Green, 0.0
		for _, x := range in.Verdicts {
			switch {
			case x.Metric != "f1."+string(t):
			case x.Failed():
				col = chart.Red
			case !x.Passed():
				col = chart.Orange
			}
		}
		for _, c := range in.Profile.Checks {
			if c.Metric == "f1."+string(t) {
				own = c.Limit()
			}
		}
		bars = append(bars, chart.Bar{Label: strings.ReplaceAll(string(t), "_", " "), Value: m.F1, Color: col,
			Note: fmt.Sprintf("%d truths", m.TP+m.FN), Limit: own})
	}
	v.Charts["f1"] = template.HTML(chart.Bars{Title: "F1 per violation type", Bars: bars, Max: 1, Threshold: th, ThLabel: thl}.SVG())

	// Precision and recall per condition.
	var labels, notes []string
	var prec, rec, plates []float64
	for _, k := range sortedConds(s.ByCondition) {
		m := s.ByCondition[k]
		labels = append(labels, label(k))
		notes = append(notes, fmt.Sprintf("%d truths", m.TP+m.FN))
		prec, rec, plates = append(prec, m.Precision), append(rec, m.Recall), append(plates, m.PlateAccuracy)
	}
	v.Charts["cond"] = template.HTML(chart.Grouped{Title: "Precision, recall and plate accuracy per condition", Labels: labels, Notes: notes, Max: 1,
		Width: 560, Series: []chart.Series{{Name: "precision", Color: chart.Blue, Values: prec}, {Name: "recall", Color: chart.Teal, Values: rec},
			{Name: "plates read", Color: "#6a1b9a", Values: plates}}}.SVG())

	// Latency distribution of TPs.
	var lat []float64
	for _, m := range in.Matches {
		if m.Outcome == results.TP {
			lat = append(lat, max(m.Latency.Seconds(), 0))
		}
	}
	o := s.Overall
	top := math.Max(o.LatencyP99Ms/1000*1.3, 1)
	width := niceWidth(top / 30)
	n := int(math.Ceil(top / width))
	counts := make([]int, n)
	over := 0
	for _, x := range lat {
		i := int(x / width)
		if i >= n {
			over++
			continue
		}
		counts[i]++
	}
	h := chart.Histogram{Title: "End-to-end latency of detected violations (received at center - violation time)", From: 0, Width: width,
		Counts: counts, Unit: " s", Overflow: over, W: 560,
		Markers: []chart.Marker{{Label: "p50 " + ms(o.LatencyP50Ms), Value: o.LatencyP50Ms / 1000, Color: chart.Ink},
			{Label: "p95 " + ms(o.LatencyP95Ms), Value: o.LatencyP95Ms / 1000, Color: chart.Blue},
			{Label: "p99 " + ms(o.LatencyP99Ms), Value: o.LatencyP99Ms / 1000, Color: chart.Orange}}}
	for _, c := range in.Profile.Checks {
		if c.Metric == "latency_p95" && c.Limit()/1000 <= top {
			h.Limit = &chart.Marker{Label: "limit " + ms(c.Limit()), Value: c.Limit() / 1000}
		}
	}
	v.Charts["latency"] = template.HTML(h.SVG())

	// Timeline per camera: all of them up to maxTimelineRows, else the worst by F1.
	shown := worstCameras(s, maxTimelineRows)
	if n := len(s.ByCamera); n > len(shown) {
		v.TimelineNote = fmt.Sprintf("The %d cameras with the lowest F1 of %d.", len(shown), n)
	}
	rows := map[string]*chart.Row{}
	for _, c := range shown {
		m := s.ByCamera[c]
		rows[c] = &chart.Row{Label: c, Note: fmt.Sprintf("F1 %.2f", m.F1)}
	}
	for _, m := range in.Matches {
		r := rows[m.Camera]
		if r == nil {
			continue
		}
		switch m.Outcome {
		case results.TP:
			r.Marks = append(r.Marks, chart.Mark{At: m.TruthTime.Sub(start).Seconds(), Kind: chart.Hit})
		case results.FN:
			r.Marks = append(r.Marks, chart.Mark{At: m.TruthTime.Sub(start).Seconds(), Kind: chart.Miss})
		case results.FP:
			r.Marks = append(r.Marks, chart.Mark{At: m.EventTime.Sub(start).Seconds(), Kind: chart.FalseAlarm})
		}
	}
	var spans []chart.Span
	for _, f := range in.Record.Faults {
		sp := chart.Span{From: f.Time.Sub(start).Seconds(), To: f.Time.Add(f.Duration).Sub(start).Seconds(), Label: f.Kind}
		if r := rows[f.Camera]; r != nil {
			r.Spans = append(r.Spans, sp)
		}
		spans = append(spans, sp)
	}
	tl := chart.Timeline{Title: "Per-camera timeline: truth vs device events", Duration: dur.Seconds()}
	for _, c := range shown {
		tl.Rows = append(tl.Rows, *rows[c])
	}
	v.Charts["timeline"] = template.HTML(tl.SVG())

	// Throughput over time.
	step := max(niceWidth(dur.Seconds()/24), dur.Seconds()/maxBuckets)
	nb := int(math.Ceil(dur.Seconds()/step)) + 1
	evs, trs := make([]float64, nb), make([]float64, nb)
	for _, e := range in.Record.Events {
		if i := int(e.At.Sub(start).Seconds() / step); i >= 0 && i < nb {
			evs[i] += 1 / step * 60
		}
	}
	for _, t := range in.Record.Truth {
		if i := int(t.Wall.Sub(start).Seconds() / step); i >= 0 && i < nb {
			trs[i] += 1 / step * 60
		}
	}
	v.Charts["throughput"] = template.HTML(chart.Lines{Title: "Throughput over time", Step: step, YLabel: fmt.Sprintf("per minute (%g s buckets)", step),
		Spans: spans, Series: []chart.Series{{Name: "violations in truth", Color: chart.Grey, Values: trs},
			{Name: "events received at the center", Color: chart.Blue, Values: evs}}}.SVG())
}

// Report size limits for large deployments (the full figures stay in summary.json).
const (
	maxTimelineRows = 16
	maxCameraRows   = 30
)

// worstCameras returns up to n cameras, all of them in name order when they fit, else the n
// with the lowest F1 (then most misses, then name), in name order.
func worstCameras(s *results.Score, n int) []string {
	names := sortedKeys(s.ByCamera)
	if len(names) <= n {
		return names
	}
	slices.SortStableFunc(names, func(a, b string) int {
		ma, mb := s.ByCamera[a], s.ByCamera[b]
		switch {
		case ma.F1 != mb.F1:
			return cmpFloat(ma.F1, mb.F1)
		case ma.FN != mb.FN:
			return mb.FN - ma.FN
		}
		return strings.Compare(a, b)
	})
	names = names[:n]
	slices.Sort(names)
	return names
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// maxBuckets bounds the throughput chart's buckets whatever the run's length.
const maxBuckets = 200

func niceWidth(v float64) float64 {
	for _, s := range []float64{0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600} {
		if s >= v {
			return s
		}
	}
	return 1200
}

// WriteRun renders a run folder's report.html and junit.xml (what `trafficsim report` and
// the end of a run do) and returns the input with its verdicts. prof nil: the default.
func WriteRun(rec *record.Record, prof *conform.Profile) (*Input, error) {
	in := Prepare(rec, prof)
	var b bytes.Buffer
	if err := Render(&b, in); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(rec.Dir, record.ReportFile), b.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	b.Reset()
	if err := in.JUnit().Write(&b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(rec.Dir, record.JUnitFile), b.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return in, nil
}
