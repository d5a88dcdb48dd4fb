package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Palette shared by the report and the charts.
const (
	Green  = "#2e7d32"
	Red    = "#c62828"
	Orange = "#ef6c00"
	Blue   = "#1565c0"
	Teal   = "#00838f"
	Grey   = "#9e9e9e"
	Ink    = "#263238"
	Light  = "#eceff1"
)

type svg struct {
	b    strings.Builder
	w, h float64
}

func newSVG(w, h float64, title string) *svg {
	s := &svg{w: w, h: h}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
		f(w), f(h), f(w), f(h), esc(title))
	fmt.Fprintf(&s.b, `<title>%s</title>`, esc(title))
	return s
}

func f(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}

func esc(s string) string { return html.EscapeString(s) }

func (s *svg) rect(x, y, w, h float64, fill string, extra string) {
	fmt.Fprintf(&s.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"%s/>`, f(x), f(y), f(max(w, 0)), f(max(h, 0)), fill, extra)
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke string, width float64, extra string) {
	fmt.Fprintf(&s.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`, f(x1), f(y1), f(x2), f(y2), stroke, f(width), extra)
}

func (s *svg) text(x, y float64, anchor, fill, txt string, extra string) {
	fmt.Fprintf(&s.b, `<text x="%s" y="%s" text-anchor="%s" fill="%s"%s>%s</text>`, f(x), f(y), anchor, fill, extra, esc(txt))
}

func (s *svg) String() string { return s.b.String() + "</svg>" }

// Bar is one labelled value.
type Bar struct {
	Label string
	Value float64
	Text  string  // printed at the end of the bar; default the value with 2 decimals
	Color string  // default Blue
	Note  string  // printed after the text, grey (e.g. "n=42")
	Limit float64 // a short dark tick across this bar when > 0 (its own threshold)
}

// Bars is a horizontal bar chart, one row per bar, on a 0..Max scale.
type Bars struct {
	Title     string
	Bars      []Bar
	Max       float64 // scale end; default the largest value
	Threshold float64 // a dashed vertical line when > 0
	ThLabel   string
	Width     float64 // default 520
}

// SVG draws the chart.
func (c Bars) SVG() string {
	w := c.Width
	if w == 0 {
		w = 520
	}
	row, top, left, right := 24.0, 12.0, 150.0, 110.0
	h := top + row*float64(len(c.Bars)) + 26
	s := newSVG(w, h, c.Title)
	mx := c.Max
	for _, b := range c.Bars {
		mx = max(mx, b.Value)
	}
	if mx <= 0 {
		mx = 1
	}
	plot := w - left - right
	x := func(v float64) float64 { return left + plot*v/mx }
	for i := 0; i <= 4; i++ {
		v := mx * float64(i) / 4
		s.line(x(v), top, x(v), h-22, Light, 1, "")
		s.text(x(v), h-8, "middle", Grey, trim(v), ` font-size="10"`)
	}
	for i, b := range c.Bars {
		y := top + row*float64(i)
		col := b.Color
		if col == "" {
			col = Blue
		}
		s.text(left-8, y+row/2+4, "end", Ink, b.Label, "")
		s.rect(left, y+4, x(b.Value)-left, row-8, col, ` rx="2"`)
		t := b.Text
		if t == "" {
			t = fmt.Sprintf("%.2f", b.Value)
		}
		s.text(x(b.Value)+6, y+row/2+4, "start", Ink, t, ` font-weight="bold"`)
		if b.Note != "" {
			s.text(x(b.Value)+12+7*float64(len(t)), y+row/2+4, "start", Grey, b.Note, ` font-size="10"`)
		}
		if b.Limit > 0 {
			s.line(x(b.Limit), y+1, x(b.Limit), y+row-1, Ink, 2.5, "")
		}
	}
	if c.Threshold > 0 {
		tx := x(c.Threshold)
		s.line(tx, top-4, tx, h-22, Ink, 1.5, ` stroke-dasharray="4 3"`)
		if c.ThLabel != "" {
			s.text(tx, h-22+11, "middle", Ink, c.ThLabel, ` font-size="10" font-weight="bold"`)
		}
	}
	return s.String()
}

func trim(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return fmt.Sprintf("%.0f", v)
	}
	if math.Abs(v) >= 10 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// Series is one named set of values of a grouped chart or a time series.
type Series struct {
	Name   string
	Color  string
	Values []float64
}

// Grouped is a vertical grouped bar chart: one group per label, one bar per series.
type Grouped struct {
	Title  string
	Labels []string
	Series []Series
	Max    float64  // default the largest value
	Width  float64  // default 520
	Height float64  // default 240
	Notes  []string // printed under each label (e.g. "n=120"), optional
}

// SVG draws the chart.
func (c Grouped) SVG() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 520
	}
	if h == 0 {
		h = 240
	}
	top, bottom, left, right := 28.0, 44.0, 40.0, 10.0
	s := newSVG(w, h, c.Title)
	mx := c.Max
	for _, se := range c.Series {
		for _, v := range se.Values {
			mx = max(mx, v)
		}
	}
	if mx <= 0 {
		mx = 1
	}
	ph := h - top - bottom
	y := func(v float64) float64 { return top + ph*(1-v/mx) }
	for i := 0; i <= 4; i++ {
		v := mx * float64(i) / 4
		s.line(left, y(v), w-right, y(v), Light, 1, "")
		s.text(left-6, y(v)+4, "end", Grey, trim(v), ` font-size="10"`)
	}
	// legend
	lx := left
	for _, se := range c.Series {
		s.rect(lx, 8, 10, 10, se.Color, "")
		s.text(lx+14, 17, "start", Ink, se.Name, "")
		lx += 24 + 7*float64(len(se.Name))
	}
	n := len(c.Labels)
	if n == 0 {
		return s.String()
	}
	gw := (w - left - right) / float64(n)
	bw := min(28, (gw-12)/float64(max(len(c.Series), 1)))
	for i, l := range c.Labels {
		gx := left + gw*float64(i) + (gw-bw*float64(len(c.Series)))/2
		for k, se := range c.Series {
			if i >= len(se.Values) {
				continue
			}
			v := se.Values[i]
			s.rect(gx+bw*float64(k), y(v), bw-2, top+ph-y(v), se.Color, "")
			s.text(gx+bw*float64(k)+bw/2-1, y(v)-3, "middle", Ink, fmt.Sprintf("%.2f", v), ` font-size="9"`)
		}
		cx := left + gw*float64(i) + gw/2
		s.text(cx, h-bottom+16, "middle", Ink, l, "")
		if i < len(c.Notes) {
			s.text(cx, h-bottom+30, "middle", Grey, c.Notes[i], ` font-size="10"`)
		}
	}
	return s.String()
}

// Marker is a labelled vertical line on a histogram.
type Marker struct {
	Label string
	Value float64
	Color string
}

// Histogram draws counts of equal-width buckets starting at From.
type Histogram struct {
	Title    string
	From     float64 // left edge of the first bucket
	Width    float64 // bucket width
	Counts   []int
	Unit     string // x axis unit, e.g. "s"
	Markers  []Marker
	Limit    *Marker // a threshold line drawn red and dashed
	W, H     float64 // default 520 x 220
	Overflow int     // values beyond the last bucket, shown as a last bar labelled ">"
}

// SVG draws the chart.
func (c Histogram) SVG() string {
	w, h := c.W, c.H
	if w == 0 {
		w = 520
	}
	if h == 0 {
		h = 220
	}
	top, bottom, left, right := 26.0, 34.0, 40.0, 14.0
	s := newSVG(w, h, c.Title)
	if c.Width <= 0 {
		c.Width = 1
	}
	counts := c.Counts
	if c.Overflow > 0 {
		counts = append(append([]int{}, counts...), c.Overflow)
	}
	mx := 1
	for _, v := range counts {
		mx = max(mx, v)
	}
	n := max(len(counts), 1)
	pw, ph := w-left-right, h-top-bottom
	bw := pw / float64(n)
	y := func(v float64) float64 { return top + ph*(1-v/float64(mx)) }
	for i := 0; i <= 4; i++ {
		v := float64(mx) * float64(i) / 4
		s.line(left, y(v), w-right, y(v), Light, 1, "")
		s.text(left-6, y(v)+4, "end", Grey, fmt.Sprintf("%.0f", v), ` font-size="10"`)
	}
	for i, v := range counts {
		col := Teal
		if c.Overflow > 0 && i == len(counts)-1 {
			col = Orange
		}
		s.rect(left+bw*float64(i)+1, y(float64(v)), bw-2, top+ph-y(float64(v)), col, "")
	}
	step := max(1, len(c.Counts)/8)
	for i := 0; i <= len(c.Counts); i += step {
		x := left + bw*float64(i)
		s.text(x, h-bottom+14, "middle", Grey, trim(c.From+c.Width*float64(i))+c.Unit, ` font-size="10"`)
	}
	if c.Overflow > 0 {
		s.text(left+bw*float64(n-1)+bw/2, h-bottom+14, "middle", Orange, ">", ` font-size="10"`)
	}
	xOf := func(v float64) float64 {
		return min(left+pw, left+bw*(v-c.From)/c.Width)
	}
	for i, m := range c.Markers {
		x := xOf(m.Value)
		col := m.Color
		if col == "" {
			col = Ink
		}
		s.line(x, top-2, x, top+ph, col, 1.5, "")
		s.text(x+3, top+8+12*float64(i), "start", col, m.Label, ` font-size="10" font-weight="bold"`)
	}
	if c.Limit != nil {
		x := xOf(c.Limit.Value)
		s.line(x, top-6, x, top+ph, Red, 2, ` stroke-dasharray="5 3"`)
		s.text(x-3, top-10+6, "end", Red, c.Limit.Label, ` font-size="10" font-weight="bold"`)
	}
	s.text(w/2, h-4, "middle", Grey, c.Title, ` font-size="10"`)
	return s.String()
}

// Mark kinds of a timeline.
const (
	Hit        = "hit"         // a truth detected in time (green)
	Miss       = "miss"        // a truth nobody detected (red)
	FalseAlarm = "false-alarm" // an event with no truth (orange)
)

// Mark is a point on a timeline row.
type Mark struct {
	At   float64 // seconds from the start
	Kind string  // Hit, Miss or FalseAlarm
}

// Span is a shaded interval on a timeline row (e.g. a fault).
type Span struct {
	From, To float64
	Label    string
}

// Row is one timeline row.
type Row struct {
	Label string
	Note  string // right of the label, grey
	Marks []Mark
	Spans []Span
}

// Timeline draws one row per camera: truths detected (green ticks above the line), missed
// (red crosses above), false alarms (orange triangles below), faults shaded.
type Timeline struct {
	Title    string
	Duration float64 // seconds
	Rows     []Row
	Width    float64 // default 1000
}

// SVG draws the chart.
func (c Timeline) SVG() string {
	w := c.Width
	if w == 0 {
		w = 1000
	}
	left, right, top, row := 120.0, 16.0, 30.0, 34.0
	h := top + row*float64(len(c.Rows)) + 28
	s := newSVG(w, h, c.Title)
	d := c.Duration
	if d <= 0 {
		d = 1
	}
	pw := w - left - right
	x := func(t float64) float64 { return left + pw*min(max(t, 0), d)/d }
	// legend
	lg := []struct{ kind, name string }{{Hit, "detected"}, {Miss, "missed"}, {FalseAlarm, "false alarm"}}
	lx := left
	for _, l := range lg {
		drawMark(s, l.kind, lx+4, 14)
		s.text(lx+12, 18, "start", Ink, l.name, "")
		lx += 28 + 7*float64(len(l.name))
	}
	s.rect(lx, 8, 18, 12, "#ffcdd2", "")
	s.text(lx+22, 18, "start", Ink, "fault", "")
	for i, r := range c.Rows {
		y := top + row*float64(i)
		mid := y + row/2
		if i%2 == 0 {
			s.rect(left, y, pw, row, "#fafafa", "")
		}
		for _, sp := range r.Spans {
			s.rect(x(sp.From), y+2, x(sp.To)-x(sp.From), row-4, "#ffcdd2", "")
			if sp.Label != "" {
				s.text(x(sp.From)+3, y+row-3, "start", Red, sp.Label, ` font-size="9" font-weight="bold" stroke="#ffffff" stroke-width="3" paint-order="stroke"`)
			}
		}
		s.line(left, mid, w-right, mid, "#cfd8dc", 1, "")
		s.text(left-8, mid+4, "end", Ink, r.Label, ` font-weight="bold"`)
		if r.Note != "" {
			s.text(left-8, mid+15, "end", Grey, r.Note, ` font-size="9"`)
		}
		for _, m := range r.Marks {
			yy := mid - 7
			if m.Kind == FalseAlarm {
				yy = mid + 7
			}
			drawMark(s, m.Kind, x(m.At), yy)
		}
	}
	// time axis in minutes
	ticks := niceStep(d / 60 / 10)
	for t := 0.0; t <= d/60+1e-9; t += ticks {
		xx := x(t * 60)
		s.line(xx, h-26, xx, h-22, Grey, 1, "")
		s.text(xx, h-10, "middle", Grey, trim(t)+" min", ` font-size="10"`)
	}
	return s.String()
}

func drawMark(s *svg, kind string, x, y float64) {
	switch kind {
	case Hit:
		s.line(x, y-5, x, y+5, Green, 2, "")
	case Miss:
		s.line(x-4, y-4, x+4, y+4, Red, 2, "")
		s.line(x-4, y+4, x+4, y-4, Red, 2, "")
	case FalseAlarm:
		fmt.Fprintf(&s.b, `<path d="M%s %sL%s %sL%s %sZ" fill="%s"/>`, f(x), f(y-4), f(x+4), f(y+4), f(x-4), f(y+4), Orange)
	}
}

func niceStep(v float64) float64 {
	for _, s := range []float64{0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240} {
		if s >= v {
			return s
		}
	}
	return 480
}

// Lines is a time series chart: x in seconds from the start, one line per series.
type Lines struct {
	Title  string
	Step   float64 // seconds between values
	Series []Series
	YLabel string
	Width  float64 // default 1000
	Height float64 // default 220
	Spans  []Span  // shaded intervals (faults)
}

// SVG draws the chart.
func (c Lines) SVG() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 1000
	}
	if h == 0 {
		h = 220
	}
	top, bottom, left, right := 28.0, 30.0, 48.0, 16.0
	s := newSVG(w, h, c.Title)
	n, mx := 0, 0.0
	for _, se := range c.Series {
		n = max(n, len(se.Values))
		for _, v := range se.Values {
			mx = max(mx, v)
		}
	}
	if mx <= 0 {
		mx = 1
	}
	mx = niceMax(mx)
	if c.Step <= 0 {
		c.Step = 1
	}
	d := c.Step * float64(max(n-1, 1))
	pw, ph := w-left-right, h-top-bottom
	x := func(t float64) float64 { return left + pw*t/d }
	y := func(v float64) float64 { return top + ph*(1-v/mx) }
	for _, sp := range c.Spans {
		s.rect(x(sp.From), top, x(min(sp.To, d))-x(sp.From), ph, "#ffcdd2", ` opacity="0.6"`)
	}
	for i := 0; i <= 4; i++ {
		v := mx * float64(i) / 4
		s.line(left, y(v), w-right, y(v), Light, 1, "")
		s.text(left-6, y(v)+4, "end", Grey, trim(v), ` font-size="10"`)
	}
	if c.YLabel != "" {
		s.text(left, 12, "start", Grey, c.YLabel, ` font-size="10"`)
	}
	lx := left + 7*float64(len(c.YLabel)) + 20
	for _, se := range c.Series {
		s.rect(lx, 5, 14, 3, se.Color, "")
		s.text(lx+18, 12, "start", Ink, se.Name, "")
		lx += 30 + 7*float64(len(se.Name))
	}
	for _, se := range c.Series {
		var p strings.Builder
		for i, v := range se.Values {
			if i == 0 {
				p.WriteString("M")
			} else {
				p.WriteString("L")
			}
			p.WriteString(f(x(c.Step*float64(i))) + " " + f(y(v)))
		}
		fmt.Fprintf(&s.b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.8" stroke-linejoin="round"/>`, p.String(), se.Color)
	}
	ticks := niceStep(d / 60 / 10)
	for t := 0.0; t <= d/60+1e-9; t += ticks {
		s.text(x(t*60), h-10, "middle", Grey, trim(t)+" min", ` font-size="10"`)
	}
	return s.String()
}

func niceMax(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
