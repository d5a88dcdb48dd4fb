package conform

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"math"

	"github.com/goccy/go-yaml"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/stats"
	"github.com/trafficsim/trafficsim/wire"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML is the embedded default profile.
func DefaultYAML() []byte { return slices.Clone(defaultYAML) }

// Profile is a set of thresholds.
type Profile struct {
	Name   string  `yaml:"name"`
	Checks []Check `yaml:"checks"`
}

// Check is one threshold: Metric Op Value, e.g. plate_accuracy.day >= 0.93.
type Check struct {
	Metric string `yaml:"metric"`
	Op     string `yaml:"op"`    // ">=" or "<="
	Value  any    `yaml:"value"` // a number; latency and time error also take a duration ("2m")
	Source string `yaml:"source,omitempty"`

	limit float64 // in the metric's unit (ms for times)
}

// Limit is the threshold in the metric's unit (milliseconds for latency and time error).
func (c Check) Limit() float64 { return c.limit }

// Default returns the embedded default profile.
func Default() *Profile {
	p, err := Parse("default.yaml", defaultYAML)
	if err != nil {
		panic("conform: embedded default profile: " + err.Error())
	}
	return p
}

// Load reads a profile file.
func Load(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conform: %w", err)
	}
	return Parse(path, b)
}

// Parse reads a profile strictly: unknown keys are errors with their line, and every check
// must name a known metric, an operator and a limit.
func Parse(name string, b []byte) (*Profile, error) {
	var p Profile
	if err := unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("conform: %s: %s", name, yaml.FormatError(err, false, false))
	}
	if len(p.Checks) == 0 {
		return nil, fmt.Errorf("conform: %s: checks: at least one check is needed", name)
	}
	for i := range p.Checks {
		c := &p.Checks[i]
		bad := func(field, format string, a ...any) error {
			return fmt.Errorf("conform: %s: checks[%d].%s: %s", name, i, field, fmt.Sprintf(format, a...))
		}
		base, _, _ := strings.Cut(c.Metric, ".")
		kind, ok := metricKinds[base]
		if !ok {
			return nil, bad("metric", "unknown metric %q (want one of %s)", c.Metric, strings.Join(MetricNames(), ", "))
		}
		if _, scope, ok := strings.Cut(c.Metric, "."); ok && scope != "*" && !validScope(scope) {
			return nil, bad("metric", "unknown scope %q (want a violation type, a condition, camera:<id> or *)", scope)
		}
		if c.Op != ">=" && c.Op != "<=" {
			return nil, bad("op", "want \">=\" or \"<=\", got %q", c.Op)
		}
		v, err := limitValue(c.Value, kind)
		if err != nil {
			return nil, bad("value", "%v", err)
		}
		c.limit = v
	}
	return &p, nil
}

// unmarshal decodes strictly. go-yaml v1.19.2 panics on some malformed input (found by
// FuzzParse: a tag with no value in a sequence); that becomes an error here.
func unmarshal(b []byte, p *Profile) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML (the parser failed: %v)", r)
		}
	}()
	return yaml.UnmarshalWithOptions(b, p, yaml.DisallowUnknownField())
}

func validScope(s string) bool {
	switch {
	case wire.ViolationType(s).Valid(), strings.HasPrefix(s, "camera:") && len(s) > 7, strings.HasPrefix(s, "weather:") && len(s) > 8:
		return true
	}
	return slices.Contains([]string{results.Day, results.Night, results.Unknown, "fault", "no_fault"}, s)
}

func limitValue(v any, kind metricKind) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, fmt.Errorf("required")
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		if kind != millis {
			return 0, fmt.Errorf("want a number, got %q", x)
		}
		d, err := time.ParseDuration(x)
		if err != nil {
			return 0, fmt.Errorf("want a duration such as 2m or a number of milliseconds, got %q", x)
		}
		return float64(d) / 1e6, nil
	}
	return 0, fmt.Errorf("want a number, got %v", v)
}

type metricKind int

const (
	rate   metricKind = iota // 0..1
	millis                   // milliseconds
	count
)

var metricKinds = map[string]metricKind{
	"precision": rate, "recall": rate, "f1": rate, "plate_accuracy": rate,
	"latency_p50": millis, "latency_p95": millis, "latency_p99": millis, "latency_max": millis, "latency_mean": millis,
	"time_error_mean": millis, "time_error_p95": millis,
	"tp": count, "fp": count, "fn": count, "duplicates": count,
}

// MetricNames lists the metric names, sorted.
func MetricNames() []string {
	var out []string
	for k := range metricKinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Unit is "", "ms" or "" for a metric name (with or without scope).
func Unit(name string) string {
	base, _, _ := strings.Cut(name, ".")
	if metricKinds[base] == millis {
		return "ms"
	}
	return ""
}

// IsRate reports whether a metric is a 0..1 rate.
func IsRate(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	k, ok := metricKinds[base]
	return ok && k == rate
}

// Lookup returns a metric of a score by name. ok is false when the slice does not exist or
// has no data for it (a plate accuracy without plates, a latency without TPs, ...).
func Lookup(s *results.Score, name string) (v float64, ok bool) {
	base, _, _ := strings.Cut(name, ".")
	m, ok := slice(s, name)
	if !ok {
		return 0, false
	}
	switch base {
	case "precision":
		return m.Precision, m.TP+m.FP > 0
	case "recall":
		return m.Recall, m.TP+m.FN > 0
	case "f1":
		return m.F1, m.TP+m.FP+m.FN > 0
	case "plate_accuracy":
		return m.PlateAccuracy, m.Plates > 0
	case "latency_p50":
		return m.LatencyP50Ms, m.TP > 0
	case "latency_p95":
		return m.LatencyP95Ms, m.TP > 0
	case "latency_p99":
		return m.LatencyP99Ms, m.TP > 0
	case "latency_max":
		return m.LatencyMaxMs, m.TP > 0
	case "latency_mean":
		return m.LatencyMeanMs, m.TP > 0
	case "time_error_mean":
		return m.TimeErrorMeanMs, m.TP > 0
	case "time_error_p95":
		return m.TimeErrorP95Ms, m.TP > 0
	case "tp":
		return float64(m.TP), true
	case "fp":
		return float64(m.FP), true
	case "fn":
		return float64(m.FN), true
	case "duplicates":
		return float64(m.Duplicates), true
	}
	return 0, false
}

// Status of a verdict.
const (
	Pass         = "pass"                // the whole 95 % interval is on the right side of the limit
	Fail         = "fail"                // the whole interval is on the wrong side
	Insufficient = "insufficient sample" // the interval straddles the limit: more truths decide
	NoData       = "no data"             // no truths (or plates, or detections) in the slice
)

// Verdict is one check applied to one score.
type Verdict struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Limit  float64 `json:"limit"`
	Value  float64 `json:"value"`
	// CI is the value's 95 % interval; nil for counts and figures without one (a verdict on
	// the point value).
	CI     *stats.Interval `json:"ci,omitempty"`
	Status string          `json:"status"`
	// More is, for an insufficient sample, how many more truths of the check's slice (its type,
	// condition or camera) would decide it if the estimate held: the n at which the interval
	// at the current value clears the limit, less the truths there are. -1: none would, the
	// value is on the limit.
	More   int    `json:"more_truths,omitempty"`
	Truths int    `json:"truths"` // truths in the slice
	Source string `json:"source,omitempty"`
}

// Passed reports whether the verdict is a pass.
func (v Verdict) Passed() bool { return v.Status == Pass }

// Failed reports whether the verdict is a fail (the interval is wholly beyond the limit).
func (v Verdict) Failed() bool { return v.Status == Fail }

// String is "plate_accuracy.day 0.9760 [0.9400, 0.9906] >= 0.9300: pass".
func (v Verdict) String() string {
	val := Format(v.Metric, v.Value)
	if v.CI != nil {
		val += " [" + Format(v.Metric, v.CI.Lo) + ", " + Format(v.Metric, v.CI.Hi) + "]"
	}
	st := v.Status
	if v.Status == Insufficient {
		st += " (" + v.MoreText() + ")"
	}
	return fmt.Sprintf("%s %s %s %s: %s", v.Metric, val, v.Op, Format(v.Metric, v.Limit), st)
}

// MoreText is "~120 more red_light truths" or "on the limit: no sample size decides".
func (v Verdict) MoreText() string {
	if v.More < 0 {
		return "on the limit: no sample size decides"
	}
	_, scope, _ := strings.Cut(v.Metric, ".")
	what := "truths"
	if scope != "" {
		what = strings.TrimPrefix(strings.TrimPrefix(scope, "weather:"), "camera:") + " truths"
		if strings.HasPrefix(scope, "camera:") {
			what = "truths on camera " + scope[7:]
		}
	}
	return fmt.Sprintf("~%d more %s", v.More, what)
}

// Outcome of a set of verdicts.
const (
	Conforms   = "conforms"         // every check passes
	DoesNot    = "does not conform" // at least one check fails
	NotDecided = "not decided"      // none fails, but some lack data or a large enough sample
)

// Overall is the outcome of a set of verdicts.
func Overall(vs []Verdict) string {
	out := Conforms
	for _, v := range vs {
		switch {
		case v.Failed():
			return DoesNot
		case !v.Passed():
			out = NotDecided
		}
	}
	return out
}

// Format prints a metric value in its unit: rates with 4 decimals, times in ms or s.
func Format(name string, v float64) string {
	switch {
	case Unit(name) == "ms":
		if v >= 10000 {
			return strconv.FormatFloat(v/1000, 'f', 1, 64) + " s"
		}
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	case IsRate(name):
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Describe names a metric for people: "plate_accuracy.night" is "Plates read correctly, night".
func Describe(metric string) string {
	base, scope, _ := strings.Cut(metric, ".")
	name := map[string]string{
		"precision": "Precision", "recall": "Recall (violations detected)", "f1": "Detection F1",
		"plate_accuracy": "Plates read correctly", "latency_p50": "Latency, median", "latency_p95": "Latency p95",
		"latency_p99": "Latency p99", "latency_max": "Latency, slowest", "latency_mean": "Latency, mean",
		"time_error_mean": "Timestamp error, mean", "time_error_p95": "Timestamp error p95", "tp": "Detected violations",
		"fp": "False alarms", "fn": "Missed violations", "duplicates": "Duplicate events",
	}[base]
	if name == "" {
		name = base
	}
	switch {
	case scope == "":
		if base == "f1" || base == "precision" || base == "recall" || base == "plate_accuracy" {
			return name + ", all types"
		}
		return name
	case strings.HasPrefix(scope, "camera:"):
		return name + ", camera " + scope[7:]
	case strings.HasPrefix(scope, "weather:"):
		return name + ", " + scope[8:]
	case scope == "no_fault":
		return name + ", no fault"
	case scope == "fault":
		return name + ", during faults"
	}
	return name + ", " + strings.ReplaceAll(scope, "_", " ")
}

// Human formats a value for a report: rates other than F1 as percentages, F1 with three
// decimals, times in ms or s.
func Human(metric string, v float64) string {
	base, _, _ := strings.Cut(metric, ".")
	switch {
	case base == "f1":
		return strconv.FormatFloat(v, 'f', 3, 64)
	case IsRate(metric):
		return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
	}
	return Format(metric, v)
}

// Evaluate applies the profile to a score; "f1.*" checks expand to every violation type in
// the score, in type order, except the types the profile names in a check of their own.
func (p *Profile) Evaluate(s *results.Score) []Verdict {
	var out []Verdict
	explicit := map[string]bool{}
	for _, c := range p.Checks {
		explicit[c.Metric] = true
	}
	for _, c := range p.Checks {
		names := []string{c.Metric}
		if base, scope, _ := strings.Cut(c.Metric, "."); scope == "*" {
			names = names[:0]
			for _, t := range wire.ViolationTypes {
				if _, ok := s.ByType[string(t)]; ok && !explicit[base+"."+string(t)] {
					names = append(names, base+"."+string(t))
				}
			}
		}
		for _, n := range names {
			out = append(out, judge(s, c, n))
		}
	}
	return out
}

// judge applies one check to one metric name of a score.
func judge(s *results.Score, c Check, name string) Verdict {
	v := Verdict{Metric: name, Op: c.Op, Limit: c.limit, Source: c.Source}
	val, ok := Lookup(s, name)
	v.Value = val
	m, _ := slice(s, name)
	v.Truths = m.TP + m.FN
	base, _, _ := strings.Cut(name, ".")
	if !ok || base != "precision" && metricKinds[base] != count && v.Truths == 0 {
		v.Status = NoData
		return v
	}
	iv, hasCI := interval(m, base)
	if !hasCI {
		iv = stats.Interval{Lo: val, Hi: val}
	} else {
		v.CI = &iv
	}
	good := func(x float64) bool { return c.Op == ">=" && x >= c.limit || c.Op == "<=" && x <= c.limit }
	switch {
	case good(iv.Lo) && good(iv.Hi):
		v.Status = Pass
	case !good(iv.Lo) && !good(iv.Hi):
		v.Status = Fail
	default:
		v.Status = Insufficient
		v.More = more(m, base, val, iv, c.limit)
	}
	return v
}

// interval is a metric's 95 % interval in a slice, when it has one.
func interval(m results.Metrics, base string) (stats.Interval, bool) {
	if m.CI == nil {
		return stats.Interval{}, false
	}
	ci := m.CI
	var p *stats.Interval
	switch base {
	case "precision":
		return ci.Precision, true
	case "recall":
		return ci.Recall, true
	case "f1":
		return ci.F1, true
	case "plate_accuracy":
		return ci.PlateAccuracy, true
	case "latency_p50":
		p = ci.LatencyP50Ms
	case "latency_p95":
		p = ci.LatencyP95Ms
	case "latency_p99":
		p = ci.LatencyP99Ms
	}
	if p == nil {
		return stats.Interval{}, false
	}
	return *p, true
}

// more is how many more truths of the slice would decide a check at the current value val:
// the sample size at which the interval clears the limit (Wilson's for proportions; for F1
// and percentiles the bootstrap half-width shrunk as 1/sqrt(n)), less the units there are,
// in truths. -1 when the value is on the limit.
func more(m results.Metrics, base string, val float64, iv stats.Interval, limit float64) int {
	truths := m.TP + m.FN
	var n0, need int
	switch base {
	case "precision", "recall", "plate_accuracy":
		n0 = map[string]int{"precision": m.TP + m.FP, "recall": truths, "plate_accuracy": m.Plates}[base]
		need = stats.WilsonNeeded(val, limit)
	default: // f1, latency percentiles
		n0 = m.TP + m.FP + m.FN
		if base != "f1" {
			n0 = m.TP
		}
		half := val - iv.Lo // the side that faces the limit
		if limit > val {
			half = iv.Hi - val
		}
		need = stats.ScaledNeeded(n0, half, limit-val)
	}
	if need == 0 || n0 == 0 {
		return -1
	}
	extra := max(need-n0, 1)
	return int(math.Ceil(float64(extra) * float64(truths) / float64(n0)))
}

// Slice is the metrics of the slice a metric name is scoped to (overall, a type, a
// condition or camera:<id>); ok is false when the score has no such slice.
func Slice(s *results.Score, name string) (m results.Metrics, ok bool) { return slice(s, name) }

// slice is the metrics of a metric name's scope.
func slice(s *results.Score, name string) (m results.Metrics, ok bool) {
	_, scope, _ := strings.Cut(name, ".")
	switch {
	case scope == "":
		return s.Overall, true
	case strings.HasPrefix(scope, "camera:"):
		m, ok = s.ByCamera[scope[7:]]
	case wire.ViolationType(scope).Valid():
		m, ok = s.ByType[scope]
	default:
		m, ok = s.ByCondition[scope]
	}
	return m, ok
}

// JUnit is a JUnit XML report: one test suite per group, one test case per verdict.
type JUnit struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Skips   int          `xml:"skipped,attr"`
	Suites  []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is a testsuite element.
type JUnitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Skips int         `xml:"skipped,attr"`
	Cases []JUnitCase `xml:"testcase"`
}

// JUnitCase is a testcase element.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *JUnitFailure `xml:"failure,omitempty"`
	Skipped   *JUnitSkipped `xml:"skipped,omitempty"`
	Output    string        `xml:"system-out,omitempty"`
}

// JUnitSkipped is a skipped element: a check that is not decided (no data, too small a sample).
type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnitFailure is a failure element.
type JUnitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// AddSuite appends a suite with one case per verdict.
func (j *JUnit) AddSuite(name string, vs []Verdict) {
	s := JUnitSuite{Name: name}
	for _, v := range vs {
		c := JUnitCase{Name: v.Metric + " " + v.Op + " " + Format(v.Metric, v.Limit), ClassName: name, Output: v.Source}
		switch {
		case v.Failed():
			c.Failure = &JUnitFailure{Message: v.String(), Text: v.String()}
			s.Fails++
		case !v.Passed():
			c.Skipped = &JUnitSkipped{Message: v.String()}
			s.Skips++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	j.Suites = append(j.Suites, s)
	j.Tests += s.Tests
	j.Fails += s.Fails
	j.Skips += s.Skips
}

// Write writes the XML.
func (j *JUnit) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(j); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
