package load

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/trafficsim/trafficsim/results/threshold"
)

// Executors, k6's names mapped onto this domain.
const (
	RampingCameras     = "ramping-cameras"      // cameras online follow stages
	ConstantCameras    = "constant-cameras"     // a fixed number of cameras for a duration
	RampingReaders     = "ramping-readers"      // probe readers (a swarm of RTSP clients) follow stages
	ConstantReaderRate = "constant-reader-rate" // probe readers started at a fixed rate
	// ExternallyControlled cameras come only from the control API (PATCH /v1/status, leases
	// of PUT /v1/cameras/{id}): another load tool, e.g. k6 with xk6-traffic, drives them.
	ExternallyControlled = "externally-controlled"
)

var executors = []string{RampingCameras, ConstantCameras, RampingReaders, ConstantReaderRate, ExternallyControlled}

// Plan is a load plan file.
type Plan struct {
	File   string `yaml:"-"`
	Digest string `yaml:"-"` // PlanDigest of the file: a sharded run's processes play one plan
	// Scenarios by name; they run side by side, each from its StartTime.
	Scenarios map[string]*Scenario `yaml:"scenarios"`
	// Thresholds by metric selector (`latency{type:red_light}`).
	Thresholds map[string][]ThresholdSpec `yaml:"thresholds"`
	// Options of the whole run.
	Options Options `yaml:"options"`
}

// Options apply to the whole plan.
type Options struct {
	Library string        `yaml:"library"` // clip library [.cache/clips]
	Out     string        `yaml:"out"`     // run records [runs]
	Window  time.Duration `yaml:"window"`  // matching window [2s]
	Grace   time.Duration `yaml:"grace"`   // wait for late events [5s]
	// Tail is how long the run goes on after the last stage, for late events [Window+Grace].
	Tail time.Duration `yaml:"tail"`
	// WarmUp: truth of a camera's first seconds online is not scored (Config.WarmUp) [5s].
	WarmUp time.Duration `yaml:"warmUp"`
}

// Stage is one step of a ramp: move linearly to Target over Duration (0: at once).
type Stage struct {
	Duration time.Duration `yaml:"duration"`
	Target   int           `yaml:"target"`
}

// Scenario is one named scenario of a plan.
type Scenario struct {
	Name     string        `yaml:"-"`
	Executor string        `yaml:"executor"`
	Scenario string        `yaml:"scenario"` // shipped scenario name or YAML file (relative to the plan)
	Start    time.Duration `yaml:"startTime"`
	// ramping-cameras / ramping-readers
	StartCameras int     `yaml:"startCameras"`
	StartReaders int     `yaml:"startReaders"`
	Stages       []Stage `yaml:"stages"`
	// constant-cameras
	Cameras  int           `yaml:"cameras"`
	Duration time.Duration `yaml:"duration"`
	// constant-reader-rate: Rate readers started per TimeUnit [1s], each for ReaderDuration
	Rate           int           `yaml:"rate"`
	TimeUnit       time.Duration `yaml:"timeUnit"`
	ReaderDuration time.Duration `yaml:"readerDuration"`
	// ramping-readers / constant-reader-rate: the camera scenario whose cameras the readers
	// read [every camera scenario's]
	ReadFrom string `yaml:"readFrom"`
	// cameras
	CamerasPerDevice int      `yaml:"camerasPerDevice"` // cameras one reference device takes [60]
	SmartShare       float64  `yaml:"smartShare"`       // share of smart cameras, 0-1 [0]
	Faults           string   `yaml:"faults"`           // farm fault spec (trafficsim cameras) [none]
	Device           string   `yaml:"device"`           // reference, external or none (only probe readers read) [reference]
	Via              string   `yaml:"via"`              // direct, or cluster: the devices post to a regional cluster [direct]
	Clips            int      `yaml:"clips"`            // distinct clips [4]
	ClipDuration     Duration `yaml:"clipDuration"`     // [45s]
	Seed             uint64   `yaml:"seed"`             // [the scenario's]
	// MaxCameras bounds the cameras the control API may bring online [externally-controlled:
	// 100; otherwise the peak of the stages plus 20].
	MaxCameras int `yaml:"maxCameras"`

	seed uint64 // resolved
}

// Duration is a time.Duration in YAML ("45s").
type Duration = time.Duration

// ThresholdSpec is one threshold: a string (`p(95)<4000`) or an object with options.
type ThresholdSpec struct {
	Threshold      string         `yaml:"threshold"`
	AbortOnFail    bool           `yaml:"abortOnFail"`
	DelayAbortEval time.Duration  `yaml:"delayAbortEval"`
	Expr           threshold.Expr `yaml:"-"`
	unknown        []string       // keys of the object form that are not fields (reported with their line)
}

// UnmarshalYAML takes either form; unknown keys of the object form are errors.
func (t *ThresholdSpec) UnmarshalYAML(b []byte) error {
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil || m == nil {
		var s string
		if err := yaml.Unmarshal(b, &s); err != nil {
			return err
		}
		t.Threshold = s
		return nil
	}
	for _, k := range sortedKeys(m) {
		if k != "threshold" && k != "abortOnFail" && k != "delayAbortEval" {
			t.unknown = append(t.unknown, k)
			delete(m, k)
		}
	}
	clean, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	type plain ThresholdSpec
	var p plain
	if err := yaml.Unmarshal(clean, &p); err != nil {
		return err
	}
	p.unknown = t.unknown
	*t = ThresholdSpec(p)
	return nil
}

// MaxFileBytes bounds a plan file.
const MaxFileBytes = 1 << 20

// LoadPlan reads and validates a plan file.
func LoadPlan(file string) (*Plan, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p, err := ParsePlan(file, data)
	if err != nil {
		return nil, err
	}
	// scenario files are relative to the plan
	for _, s := range p.Scenarios {
		if strings.HasSuffix(s.Scenario, ".yaml") && !filepath.IsAbs(s.Scenario) {
			s.Scenario = filepath.Join(filepath.Dir(file), s.Scenario)
		}
	}
	return p, nil
}

// ParsePlan decodes strictly and validates; every error names file:line and the field.
func ParsePlan(file string, data []byte) (*Plan, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: file is larger than %d bytes", file, MaxFileBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s:1: the file is empty", file)
	}
	var p Plan
	if err := yaml.UnmarshalWithOptions(data, &p, yaml.DisallowUnknownField()); err != nil {
		return nil, decodeError(file, err)
	}
	p.File, p.Digest = file, PlanDigest(data)
	f, _ := parser.ParseBytes(data, 0)
	var errs []string
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s:%d: %s: %s", file, lineOf(f, path), path, fmt.Sprintf(format, args...)))
	}
	if len(p.Scenarios) == 0 {
		bad("scenarios", "at least one scenario is required")
	}
	for _, name := range sortedKeys(p.Scenarios) {
		s := p.Scenarios[name]
		if s == nil {
			bad("scenarios."+name, "empty scenario")
			continue
		}
		s.Name = name
		s.validate("scenarios."+name, bad)
	}
	p.validateReaders(bad)
	for _, sel := range sortedKeys(p.Thresholds) {
		path := "thresholds." + sel
		if _, err := threshold.ParseSelector(sel); err != nil {
			bad(path, "%v", err)
			continue
		}
		sl, _ := threshold.ParseSelector(sel)
		def, ok := Metrics[sl.Metric]
		if !ok {
			bad(path, "unknown metric %q (want one of %s)", sl.Metric, strings.Join(MetricNames(), ", "))
			continue
		}
		if len(p.Thresholds[sel]) == 0 {
			bad(path, "no thresholds")
		}
		for i := range p.Thresholds[sel] {
			t := &p.Thresholds[sel][i]
			ip := fmt.Sprintf("%s[%d]", path, i)
			for _, k := range t.unknown {
				bad(ip+"."+k, "unknown field")
			}
			e, err := threshold.Parse(t.Threshold)
			if err == nil {
				err = e.Check(def.Kind)
			}
			if err != nil {
				bad(ip, "%v", err)
				continue
			}
			if t.DelayAbortEval < 0 {
				bad(ip+".delayAbortEval", "must not be negative")
			}
			t.Expr = e
		}
	}
	if p.Options.WarmUp < 0 {
		bad("options.warmUp", "must not be negative")
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	if p.Options.Window == 0 {
		p.Options.Window = 2 * time.Second
	}
	if p.Options.Grace == 0 {
		p.Options.Grace = 5 * time.Second
	}
	if p.Options.Tail == 0 {
		p.Options.Tail = p.Options.Window + p.Options.Grace
	}
	if p.Options.Library == "" {
		p.Options.Library = filepath.Join(".cache", "clips")
	}
	if p.Options.Out == "" {
		p.Options.Out = "runs"
	}
	return &p, nil
}

func (s *Scenario) validate(path string, bad func(path, format string, args ...any)) {
	camerasExec := s.Executor == RampingCameras || s.Executor == ConstantCameras || s.Executor == ExternallyControlled
	switch s.Executor {
	case "":
		bad(path+".executor", "required (want one of %s)", strings.Join(executors, ", "))
		return
	case RampingCameras, RampingReaders:
		if len(s.Stages) == 0 {
			bad(path+".stages", "a %s scenario needs at least one stage", s.Executor)
		}
		for i, st := range s.Stages {
			if st.Duration < 0 {
				bad(fmt.Sprintf("%s.stages[%d].duration", path, i), "must not be negative")
			}
			if st.Target < 0 {
				bad(fmt.Sprintf("%s.stages[%d].target", path, i), "must not be negative")
			}
		}
		if s.StartCameras < 0 || s.StartReaders < 0 {
			bad(path, "start counts must not be negative")
		}
	case ConstantCameras:
		if s.Cameras < 1 {
			bad(path+".cameras", "a constant-cameras scenario needs at least 1 camera")
		}
		if s.Duration <= 0 {
			bad(path+".duration", "a constant-cameras scenario needs a positive duration")
		}
	case ExternallyControlled:
		if s.Duration <= 0 {
			bad(path+".duration", "an externally-controlled scenario needs a positive duration")
		}
		if s.MaxCameras == 0 {
			s.MaxCameras = 100
		}
	case ConstantReaderRate:
		if s.Rate < 1 {
			bad(path+".rate", "a constant-reader-rate scenario needs a rate of at least 1")
		}
		if s.Duration <= 0 {
			bad(path+".duration", "a constant-reader-rate scenario needs a positive duration")
		}
		if s.TimeUnit == 0 {
			s.TimeUnit = time.Second
		}
		if s.ReaderDuration == 0 {
			s.ReaderDuration = 10 * time.Second
		}
	default:
		bad(path+".executor", "unknown executor %q (want one of %s)", s.Executor, strings.Join(executors, ", "))
		return
	}
	if s.Start < 0 {
		bad(path+".startTime", "must not be negative")
	}
	if s.Scenario == "" {
		s.Scenario = "intersection-day"
	}
	if !camerasExec {
		return
	}
	if s.SmartShare < 0 || s.SmartShare > 1 {
		bad(path+".smartShare", "must be within 0-1 (got %g)", s.SmartShare)
	}
	switch s.Device {
	case "":
		s.Device = "reference"
	case "reference", "external", "none":
	default:
		bad(path+".device", "want reference, external or none (got %q)", s.Device)
	}
	switch s.Via {
	case "":
		s.Via = "direct"
	case "direct":
	case "cluster":
		if s.Device != "reference" {
			bad(path+".via", "a regional cluster runs reference devices (device is %s)", s.Device)
		}
	default:
		bad(path+".via", "want direct or cluster (got %q)", s.Via)
	}
	if s.CamerasPerDevice == 0 {
		s.CamerasPerDevice = 60
	}
	if s.CamerasPerDevice < 0 {
		bad(path+".camerasPerDevice", "must be positive")
	}
	if s.Clips == 0 {
		s.Clips = 4
	}
	if s.ClipDuration == 0 {
		s.ClipDuration = 45 * time.Second
	}
	if s.ClipDuration < time.Second {
		bad(path+".clipDuration", "must be at least 1s")
	}
}

// Length is how long the scenario runs after its StartTime.
func (s *Scenario) Length() time.Duration {
	switch s.Executor {
	case ConstantCameras, ConstantReaderRate, ExternallyControlled:
		return s.Duration
	}
	var d time.Duration
	for _, st := range s.Stages {
		d += st.Duration
	}
	return d
}

// Length is how long the plan's stages run (the tail for late events not included).
func (p *Plan) Length() time.Duration {
	var d time.Duration
	for _, s := range p.Scenarios {
		d = max(d, s.Start+s.Length())
	}
	return d
}

// Names lists the scenarios by start time, then name.
func (p *Plan) Names() []string {
	ns := sortedKeys(p.Scenarios)
	sort.SliceStable(ns, func(i, j int) bool { return p.Scenarios[ns[i]].Start < p.Scenarios[ns[j]].Start })
	return ns
}

// Target is the load a ramping or constant scenario wants at elapsed time since the start of
// the plan: cameras (or readers) online, and the stage it is in (-1 before its start, len(stages)
// after its end). Between a stage's start and end the load moves linearly from the previous
// target to the stage's target, rounded down (as k6 ramps VUs); a zero-length stage jumps. It
// is a pure function of elapsed, table-tested like vegeta's pacer.
func (s *Scenario) Target(elapsed time.Duration) (n, stage int) {
	t := elapsed - s.Start
	if t < 0 {
		return 0, -1
	}
	switch s.Executor {
	case ConstantCameras:
		if t >= s.Duration {
			return 0, 1
		}
		return s.Cameras, 0
	case ExternallyControlled:
		if t >= s.Duration {
			return 0, 1
		}
		return 0, 0
	case ConstantReaderRate:
		if t >= s.Duration {
			return 0, 1
		}
		// readers alive at t: those started in the last ReaderDuration, Rate per TimeUnit
		started := func(at time.Duration) int64 {
			if at < 0 {
				return 0
			}
			return int64(s.Rate) * (int64(at/s.TimeUnit) + 1)
		}
		return int(started(t) - started(t-s.ReaderDuration)), 0
	}
	from := s.StartCameras
	if s.Executor == RampingReaders {
		from = s.StartReaders
	}
	for i, st := range s.Stages {
		if t < st.Duration {
			return from + int(int64(st.Target-from)*int64(t)/int64(st.Duration)), i
		}
		t -= st.Duration
		from = st.Target
	}
	return 0, len(s.Stages)
}

// Peak is the most load the scenario ever asks for.
func (s *Scenario) Peak() int {
	switch s.Executor {
	case ConstantCameras:
		return s.Cameras
	case ConstantReaderRate:
		return s.Rate * int((s.ReaderDuration+s.TimeUnit-1)/s.TimeUnit)
	}
	m := max(s.StartCameras, s.StartReaders)
	for _, st := range s.Stages {
		m = max(m, st.Target)
	}
	return m
}

// maxCameras is the most cameras the scenario may have online (stages and control API).
func (s *Scenario) maxCameras() int {
	if s.MaxCameras > 0 {
		return max(s.MaxCameras, s.Peak())
	}
	return s.Peak() + 20
}

// CamerasExecutor reports whether the scenario drives cameras (not readers).
func (s *Scenario) CamerasExecutor() bool {
	return s.Executor == RampingCameras || s.Executor == ConstantCameras
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// decodeError turns a go-yaml error into FILE:LINE: message.
func decodeError(file string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fmt.Errorf("%s: %s", file, msg)
	}
	msg, _, _ := strings.Cut(ye.GetMessage(), "\n")
	var unk *yaml.UnknownFieldError
	if errors.As(err, &unk) {
		msg = strings.Trim(strings.TrimPrefix(msg, "unknown field "), `"`) + ": unknown field"
	}
	return fmt.Errorf("%s:%d: %s", file, ye.GetToken().Position.Line, msg)
}

// lineOf finds the line of a field path (a.b[2].c), or of its nearest parent found.
func lineOf(f *ast.File, p string) int {
	if f == nil {
		return 1
	}
	for p != "" {
		if yp, err := yaml.PathString("$." + p); err == nil {
			if n, err := yp.FilterFile(f); err == nil && n != nil && n.GetToken() != nil {
				return n.GetToken().Position.Line
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1
}
