package threshold

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Kind is the kind of a metric, as in k6.
type Kind int

// Metric kinds.
const (
	Counter Kind = iota // a sum: count, rate (per second)
	Gauge               // the last value: value, min, max, avg
	Rate                // the share of non-zero samples: rate
	Trend               // a distribution: avg, min, max, med, p(N), count
)

func (k Kind) String() string {
	return [...]string{"counter", "gauge", "rate", "trend"}[k]
}

// aggs lists the aggregations each kind supports, in the order errors name them.
var aggs = map[Kind][]string{
	Counter: {"count", "rate"},
	Gauge:   {"value", "min", "max", "avg"},
	Rate:    {"rate"},
	Trend:   {"avg", "min", "max", "med", "p(N)", "count"},
}

// Agg is an aggregation: Name is avg, min, max, med, count, rate, value or p; P is the
// percentile of p(P).
type Agg struct {
	Name string
	P    float64
}

func (a Agg) String() string {
	if a.Name == "p" {
		return "p(" + strconv.FormatFloat(a.P, 'f', -1, 64) + ")"
	}
	return a.Name
}

// Expr is one parsed threshold expression: Agg Op Value.
type Expr struct {
	Agg    Agg
	Op     string // <, <=, >, >=, ==, === (as ==) or !=
	Value  float64
	Source string // the text as written
}

func (e Expr) String() string { return e.Source }

// Holds reports whether the aggregate v satisfies the expression (passes).
func (e Expr) Holds(v float64) bool {
	switch e.Op {
	case "<":
		return v < e.Value
	case "<=":
		return v <= e.Value
	case ">":
		return v > e.Value
	case ">=":
		return v >= e.Value
	case "==":
		return v == e.Value
	case "!=":
		return v != e.Value
	}
	return false
}

// ops are tried longest first so that <= is not read as <.
var ops = []string{"===", "==", "!=", "<=", ">=", "<", ">"}

// Parse parses a threshold expression such as `p(95)<4000`, `avg <= 200` or `rate>0.99`.
func Parse(s string) (Expr, error) {
	src := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Expr{}, fmt.Errorf("empty threshold")
	}
	at, op := -1, ""
	for i := 0; i < len(s) && at < 0; i++ {
		for _, o := range ops {
			if strings.HasPrefix(s[i:], o) {
				at, op = i, o
				break
			}
		}
	}
	if at < 0 {
		return Expr{}, fmt.Errorf("%q: no comparison operator (want <, <=, >, >=, ==, === or !=)", src)
	}
	left, right := strings.TrimSpace(s[:at]), strings.TrimSpace(s[at+len(op):])
	if op == "===" {
		op = "=="
	}
	agg, err := parseAgg(left)
	if err != nil {
		return Expr{}, fmt.Errorf("%q: %v", src, err)
	}
	if right == "" {
		return Expr{}, fmt.Errorf("%q: no value after %q", src, op)
	}
	v, err := strconv.ParseFloat(right, 64)
	if err != nil {
		return Expr{}, fmt.Errorf("%q: value %q is not a number", src, right)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Expr{}, fmt.Errorf("%q: value %q is not a finite number", src, right)
	}
	return Expr{Agg: agg, Op: op, Value: v, Source: src}, nil
}

func parseAgg(s string) (Agg, error) {
	switch s {
	case "avg", "min", "max", "med", "count", "rate", "value":
		return Agg{Name: s}, nil
	case "":
		return Agg{}, fmt.Errorf("no aggregation before the operator (want avg, min, max, med, count, rate, value or p(N))")
	}
	if in, ok := strings.CutPrefix(s, "p("); ok {
		in, ok = strings.CutSuffix(in, ")")
		if !ok {
			return Agg{}, fmt.Errorf("%q: missing \")\"", s)
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(in), 64)
		if err != nil || math.IsNaN(p) {
			return Agg{}, fmt.Errorf("percentile %q is not a number", in)
		}
		if p < 0 || p > 100 {
			return Agg{}, fmt.Errorf("percentile %s must be within 0-100", in)
		}
		return Agg{Name: "p", P: p}, nil
	}
	return Agg{}, fmt.Errorf("unknown aggregation %q (want avg, min, max, med, count, rate, value or p(N))", s)
}

// Check reports whether a metric of kind k has the expression's aggregation.
func (e Expr) Check(k Kind) error {
	name := e.Agg.Name
	if name == "p" {
		name = "p(N)"
	}
	if slices.Contains(aggs[k], name) {
		return nil
	}
	return fmt.Errorf("%q: a %v metric has %s, not %s", e.Source, k, strings.Join(aggs[k], ", "), e.Agg)
}

// Tag is one key:value of a selector.
type Tag struct{ Key, Value string }

// Selector names a metric and, optionally, the tags its samples must carry:
// `latency{type:red_light}`.
type Selector struct {
	Metric string
	Tags   []Tag // sorted by key
}

// String is the canonical form: tags sorted by key.
func (s Selector) String() string {
	if len(s.Tags) == 0 {
		return s.Metric
	}
	var b strings.Builder
	b.WriteString(s.Metric)
	b.WriteByte('{')
	for i, t := range s.Tags {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.Key + ":" + t.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// Matches reports whether a sample's tags carry every tag of the selector.
func (s Selector) Matches(tags map[string]string) bool {
	for _, t := range s.Tags {
		if tags[t.Key] != t.Value {
			return false
		}
	}
	return true
}

// ParseSelector parses `metric` or `metric{key:value,...}`.
func ParseSelector(src string) (Selector, error) {
	s := strings.TrimSpace(src)
	name, rest, braced := strings.Cut(s, "{")
	name = strings.TrimSpace(name)
	if name == "" {
		return Selector{}, fmt.Errorf("%q: empty metric name", src)
	}
	if !ident(name) {
		return Selector{}, fmt.Errorf("%q: metric name %q may hold only letters, digits and '_', and starts with a letter", src, name)
	}
	sel := Selector{Metric: name}
	if !braced {
		return sel, nil
	}
	body, after, closed := strings.Cut(rest, "}")
	if !closed {
		return Selector{}, fmt.Errorf("%q: unclosed \"{\"", src)
	}
	if strings.TrimSpace(after) != "" {
		return Selector{}, fmt.Errorf("%q: text after \"}\"", src)
	}
	if strings.TrimSpace(body) == "" {
		return Selector{}, fmt.Errorf("%q: empty tag list", src)
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(body, ",") {
		k, v, ok := strings.Cut(kv, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok || v == "":
			return Selector{}, fmt.Errorf("%q: tag %q has no value (want key:value)", src, k)
		case !ident(k):
			return Selector{}, fmt.Errorf("%q: tag key %q may hold only letters, digits and '_', and starts with a letter", src, k)
		case strings.ContainsAny(v, "{}:"):
			return Selector{}, fmt.Errorf("%q: tag value %q may not hold '{', '}' or ':'", src, v)
		case seen[k]:
			return Selector{}, fmt.Errorf("%q: tag %q given twice", src, k)
		}
		seen[k] = true
		sel.Tags = append(sel.Tags, Tag{k, v})
	}
	sort.Slice(sel.Tags, func(i, j int) bool { return sel.Tags[i].Key < sel.Tags[j].Key })
	return sel, nil
}

func ident(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
