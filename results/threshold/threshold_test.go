package threshold

import (
	"testing"
	"time"
)

// exprCases is the grammar: every valid form and every error, with its exact message.
var exprCases = []struct {
	in   string
	want string // canonical Agg Op Value, or ""
	err  string
}{
	{in: "p(95)<4000", want: "p(95) < 4000"},
	{in: "p(99.9) <= 250", want: "p(99.9) <= 250"},
	{in: " avg<200 ", want: "avg < 200"},
	{in: "med>=1.5", want: "med >= 1.5"},
	{in: "max<4000", want: "max < 4000"},
	{in: "min>0", want: "min > 0"},
	{in: "rate>0.99", want: "rate > 0.99"},
	{in: "count==0", want: "count == 0"},
	{in: "count===0", want: "count == 0"},
	{in: "value!=3", want: "value != 3"},
	{in: "avg<-1e3", want: "avg < -1000"},
	{in: "", err: "empty threshold"},
	{in: "avg 4000", err: `"avg 4000": no comparison operator (want <, <=, >, >=, ==, === or !=)`},
	{in: "p95<4000", err: `"p95<4000": unknown aggregation "p95" (want avg, min, max, med, count, rate, value or p(N))`},
	{in: "<4000", err: `"<4000": no aggregation before the operator (want avg, min, max, med, count, rate, value or p(N))`},
	{in: "p(101)<1", err: `"p(101)<1": percentile 101 must be within 0-100`},
	{in: "p(-1)<1", err: `"p(-1)<1": percentile -1 must be within 0-100`},
	{in: "p(x)<1", err: `"p(x)<1": percentile "x" is not a number`},
	{in: "p(95<1", err: `"p(95<1": "p(95": missing ")"`},
	{in: "avg<", err: `"avg<": no value after "<"`},
	{in: "avg<abc", err: `"avg<abc": value "abc" is not a number`},
	{in: "avg<NaN", err: `"avg<NaN": value "NaN" is not a finite number`},
	{in: "avg<4000ms", err: `"avg<4000ms": value "4000ms" is not a number`},
}

func TestParseExpressions(t *testing.T) {
	for _, c := range exprCases {
		e, err := Parse(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("Parse(%q) error = %v, want %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		got := e.Agg.String() + " " + e.Op + " " + formatValue(e.Value)
		if got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

var selectorCases = []struct {
	in, want, err string
}{
	{in: "latency", want: "latency"},
	{in: "latency{type:red_light}", want: "latency{type:red_light}"},
	{in: "f1{type:no_helmet,light:night}", want: "f1{light:night,type:no_helmet}"},
	{in: "frames_lost{ camera : cam-007 }", want: "frames_lost{camera:cam-007}"},
	{in: "", err: `"": empty metric name`},
	{in: "{type:x}", err: `"{type:x}": empty metric name`},
	{in: "lat ency", err: `"lat ency": metric name "lat ency" may hold only letters, digits and '_', and starts with a letter`},
	{in: "9lives", err: `"9lives": metric name "9lives" may hold only letters, digits and '_', and starts with a letter`},
	{in: "latency{type:red_light", err: `"latency{type:red_light": unclosed "{"`},
	{in: "latency{type:red_light}x", err: `"latency{type:red_light}x": text after "}"`},
	{in: "latency{}", err: `"latency{}": empty tag list`},
	{in: "latency{type}", err: `"latency{type}": tag "type" has no value (want key:value)`},
	{in: "latency{type:}", err: `"latency{type:}": tag "type" has no value (want key:value)`},
	{in: "latency{ty-pe:a}", err: `"latency{ty-pe:a}": tag key "ty-pe" may hold only letters, digits and '_', and starts with a letter`},
	{in: "latency{type:a:b}", err: `"latency{type:a:b}": tag value "a:b" may not hold '{', '}' or ':'`},
	{in: "latency{type:a,type:b}", err: `"latency{type:a,type:b}": tag "type" given twice`},
}

func TestParseSelectors(t *testing.T) {
	for _, c := range selectorCases {
		s, err := ParseSelector(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("ParseSelector(%q) error = %v, want %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil || s.String() != c.want {
			t.Errorf("ParseSelector(%q) = %v, %v; want %s", c.in, s, err, c.want)
		}
	}
}

func TestSelectorMatchesSamplesCarryingItsTags(t *testing.T) {
	s, _ := ParseSelector("f1{type:no_helmet,light:night}")
	if !s.Matches(map[string]string{"type": "no_helmet", "light": "night", "weather": "rain"}) {
		t.Error("a sample with every tag (and more) should match")
	}
	if s.Matches(map[string]string{"type": "no_helmet"}) {
		t.Error("a sample missing a tag should not match")
	}
}

func TestAggregationsPerKind(t *testing.T) {
	cases := []struct {
		kind Kind
		expr string
		err  string
	}{
		{Trend, "p(95)<1", ""},
		{Trend, "count>1", ""},
		{Counter, "count==0", ""},
		{Counter, "rate<5", ""},
		{Rate, "rate>0.99", ""},
		{Gauge, "value>0.8", ""},
		{Counter, "p(95)<4000", `"p(95)<4000": a counter metric has count, rate, not p(95)`},
		{Rate, "avg>1", `"avg>1": a rate metric has rate, not avg`},
		{Gauge, "med>1", `"med>1": a gauge metric has value, min, max, avg, not med`},
		{Trend, "value>1", `"value>1": a trend metric has avg, min, max, med, p(N), count, not value`},
	}
	for _, c := range cases {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		err = e.Check(c.kind)
		if (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
			t.Errorf("%v %s: %v, want %q", c.kind, c.expr, err, c.err)
		}
	}
}

func TestSinkAggregates(t *testing.T) {
	tr := NewSink(Trend)
	for _, v := range []float64{100, 400, 200, 300, 1000} {
		tr.Add(v)
	}
	c := NewSink(Counter)
	c.Add(3)
	c.Add(7)
	r := NewSink(Rate)
	for _, v := range []float64{1, 1, 1, 0} {
		r.Add(v)
	}
	g := NewSink(Gauge)
	g.Add(0.9)
	g.Add(0.7)
	cases := []struct {
		s    *Sink
		agg  string
		want float64
	}{
		{tr, "avg", 400}, {tr, "min", 100}, {tr, "max", 1000}, {tr, "med", 300},
		{tr, "p(87.5)", 700}, {tr, "p(0)", 100}, {tr, "p(100)", 1000}, {tr, "count", 5},
		{c, "count", 10}, {c, "rate", 1}, // 10 over 10 s
		{r, "rate", 0.75}, {g, "value", 0.7}, {g, "min", 0.7}, {g, "max", 0.9},
		{NewSink(Trend), "p(95)", 0},
	}
	for _, cs := range cases {
		e, err := Parse(cs.agg + "<0")
		if err != nil {
			t.Fatal(err)
		}
		got, err := cs.s.Value(e.Agg, 10*time.Second)
		if err != nil || got != cs.want {
			t.Errorf("%v %s = %v, %v; want %v", cs.s.Kind, cs.agg, got, err, cs.want)
		}
	}
}

func TestHolds(t *testing.T) {
	for _, c := range []struct {
		expr string
		v    float64
		want bool
	}{
		{"p(95)<4000", 3999, true}, {"p(95)<4000", 4000, false}, {"avg<=1", 1, true},
		{"rate>0.99", 0.99, false}, {"rate>=0.99", 0.99, true}, {"count==0", 0, true},
		{"count==0", 1, false}, {"value!=0", 0, false},
	} {
		e, _ := Parse(c.expr)
		if got := e.Holds(c.v); got != c.want {
			t.Errorf("%s with %v = %v, want %v", c.expr, c.v, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range exprCases {
		f.Add(c.in)
	}
	for _, c := range selectorCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := Parse(s); err == nil {
			// a valid expression reparses to the same AST
			again, err := Parse(e.Source)
			if err != nil || again.Agg != e.Agg || again.Op != e.Op || again.Value != e.Value {
				t.Fatalf("%q reparsed as %+v, %v", s, again, err)
			}
		}
		if sel, err := ParseSelector(s); err == nil {
			again, err := ParseSelector(sel.String())
			if err != nil || again.String() != sel.String() {
				t.Fatalf("%q: canonical %q reparsed as %q, %v", s, sel, again, err)
			}
		}
	})
}
