package capacity

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/trafficsim/trafficsim/scenarios"
)

// Quantity is one figure of a rollout model: a value, or a [low, high] range where the figure is
// not known, always with the key of its source.
type Quantity struct {
	Value  *float64  `yaml:"value" json:"value,omitempty"`
	Range  []float64 `yaml:"range" json:"range,omitempty"`
	Source string    `yaml:"source" json:"source"`
	Note   string    `yaml:"note" json:"note,omitempty"`
	// Dist is how a range is drawn: uniform, or log-uniform for ranges spanning orders of
	// magnitude [uniform].
	Dist string `yaml:"dist" json:"dist,omitempty"`
}

// Low and High are the ends of the quantity (both the value when it is not a range).
func (q Quantity) Low() float64 {
	if q.Value != nil {
		return *q.Value
	}
	if len(q.Range) == 2 {
		return q.Range[0]
	}
	return 0
}

func (q Quantity) High() float64 {
	if q.Value != nil {
		return *q.Value
	}
	if len(q.Range) == 2 {
		return q.Range[1]
	}
	return 0
}

// draw picks the quantity uniformly within its range (the value itself when it is known).
func (q Quantity) draw(r *rand.Rand) float64 {
	lo, hi := q.Low(), q.High()
	if hi <= lo {
		return lo
	}
	if q.Dist == "log-uniform" {
		return lo * math.Pow(hi/lo, r.Float64())
	}
	return lo + (hi-lo)*r.Float64()
}

// String prints the value or the range.
func (q Quantity) String() string {
	if q.Value != nil {
		return num(*q.Value)
	}
	s := num(q.Low()) + " - " + num(q.High())
	if q.Dist == "log-uniform" {
		s += " (log-uniform)"
	}
	return s
}

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}

// Model is a rollout model: where the cameras are, of which kinds, and what each costs.
type Model struct {
	// Model names the model (e.g. hanoi).
	Model       string `yaml:"model"`
	Description string `yaml:"description"`
	// Year is the year the camera counts describe; Growth scales them to later years.
	Year int `yaml:"year"`
	// Sources maps the keys that figures cite to the source's full reference.
	Sources map[string]string `yaml:"sources"`
	// CameraTypes are the kinds of camera (e.g. overview, plate, smart).
	CameraTypes map[string]CameraType `yaml:"camera_types"`
	// Provinces are rows of provinces alike (one row may stand for many).
	Provinces []Province `yaml:"provinces"`
	// ViolationsPerCameraHour is how many violation events one camera yields per hour.
	ViolationsPerCameraHour Quantity `yaml:"violations_per_camera_hour"`
	// EventBytes is the size of an event record without evidence.
	EventBytes Quantity `yaml:"event_bytes"`
	// EvidenceKB is the evidence sent with one event (pictures, a short clip), in kB.
	EvidenceKB Quantity `yaml:"evidence_kb"`
	// PeakToMean is the busiest hour's event rate over the mean.
	PeakToMean Quantity `yaml:"peak_to_mean"`
	// EdgeRetentionDays is how long the cluster keeps the cameras' video.
	EdgeRetentionDays Quantity `yaml:"edge_retention_days"`
	// CentreRetentionDays is how long the data centres keep violation records and evidence.
	CentreRetentionDays Quantity `yaml:"centre_retention_days"`
	// Headroom is the share of a device's measured knee it is planned to run at (0-1].
	Headroom Quantity `yaml:"headroom"`
	// DataCentres is how many data centres share the records (national + provincial).
	DataCentres Quantity `yaml:"data_centres"`
	// Growth scales camera counts to later years.
	Growth []Growth `yaml:"growth"`

	file string
}

// CameraType is one kind of camera.
type CameraType struct {
	// BitrateMbps is the stream's bitrate.
	BitrateMbps Quantity `yaml:"bitrate_mbps"`
	// Analysed is true for cameras without analytics on board: an intermediate device or a
	// cluster server must analyse their video. Smart cameras send events only.
	Analysed bool `yaml:"analysed"`
}

// Province is a row of provinces with the same make-up.
type Province struct {
	Name string `yaml:"name"`
	// Count is how many provinces the row stands for [1].
	Count int `yaml:"count"`
	// Communes is the number of commune-level police units (wards, communes, special zones)
	// over all the row's provinces.
	Communes Quantity `yaml:"communes"`
	// CamerasPerCommune by camera type.
	CamerasPerCommune map[string]Quantity `yaml:"cameras_per_commune"`
}

// Growth is the factor by which camera counts grow from the model's year to Year.
type Growth struct {
	Year   int      `yaml:"year"`
	Factor Quantity `yaml:"factor"`
}

//go:embed models/*.yaml
var shipped embed.FS

// Names lists the shipped models.
func Names() []string { return scenarios.YAMLNames(shipped, "models") }

// Lookup loads a shipped model by name, or else a model file on disk (a regular file).
func Lookup(nameOrFile string) (*Model, error) {
	if slices.Contains(Names(), nameOrFile) {
		b, err := fs.ReadFile(shipped, "models/"+nameOrFile+".yaml")
		if err != nil {
			return nil, err
		}
		return Parse(nameOrFile+".yaml", b)
	}
	st, err := os.Stat(nameOrFile)
	if err != nil {
		return nil, fmt.Errorf("rollout model %q is neither a shipped name (%s) nor a readable file", nameOrFile, strings.Join(Names(), ", "))
	}
	if !st.Mode().IsRegular() || st.Size() > scenarios.MaxFileBytes {
		return nil, fmt.Errorf("%s: not a regular file of at most %d bytes", nameOrFile, scenarios.MaxFileBytes)
	}
	b, err := os.ReadFile(nameOrFile)
	if err != nil {
		return nil, err
	}
	return Parse(nameOrFile, b)
}

// Parse decodes a model strictly and validates it; file is used in error messages.
func Parse(file string, data []byte) (*Model, error) {
	var m Model
	if err := scenarios.DecodeStrict(file, data, &m); err != nil {
		return nil, err
	}
	for i := range m.Provinces {
		if m.Provinces[i].Count == 0 {
			m.Provinces[i].Count = 1
		}
	}
	if err := scenarios.FieldErrors(file, data, m.validate()); err != nil {
		return nil, err
	}
	m.file = file
	return &m, nil
}

func (m *Model) validate() []scenarios.FieldError {
	var errs []scenarios.FieldError
	bad := func(p, format string, a ...any) {
		errs = append(errs, scenarios.FieldError{Path: p, Msg: fmt.Sprintf(format, a...)})
	}
	qty := func(p string, q Quantity, min, max float64) {
		switch {
		case q.Value == nil && q.Range == nil:
			bad(p, "want value: or range: [low, high]")
			return
		case q.Value != nil && q.Range != nil:
			bad(p, "give value: or range:, not both")
			return
		case q.Range != nil && len(q.Range) != 2:
			bad(p+".range", "want [low, high], got %d numbers", len(q.Range))
			return
		case q.Range != nil && q.Range[0] > q.Range[1]:
			bad(p+".range", "low %s is above high %s", num(q.Range[0]), num(q.Range[1]))
		}
		switch q.Dist {
		case "", "uniform":
		case "log-uniform":
			if q.Low() <= 0 {
				bad(p+".dist", "log-uniform needs a range above 0")
			}
		default:
			bad(p+".dist", "want uniform or log-uniform, got %q", q.Dist)
		}
		if q.Low() < min || q.High() > max {
			bad(p, "want a figure within [%s, %s], got %s", num(min), num(max), q)
		}
		switch {
		case q.Source == "":
			bad(p+".source", "every figure names its source (a key of sources:)")
		case m.Sources[q.Source] == "":
			bad(p+".source", "%q is not a key of sources:", q.Source)
		}
	}
	if m.Model == "" {
		bad("model", "required")
	}
	if m.Year < 2000 || m.Year > 2100 {
		bad("year", "want a year like 2026, got %d", m.Year)
	}
	if len(m.CameraTypes) == 0 {
		bad("camera_types", "at least one camera type is required")
	}
	for _, t := range sortedKeys(m.CameraTypes) {
		qty("camera_types."+t+".bitrate_mbps", m.CameraTypes[t].BitrateMbps, 0, 1000)
	}
	if len(m.Provinces) == 0 {
		bad("provinces", "at least one row of provinces is required")
	}
	for i, p := range m.Provinces {
		at := fmt.Sprintf("provinces[%d]", i)
		if p.Name == "" {
			bad(at+".name", "required")
		}
		if p.Count < 1 {
			bad(at+".count", "want 1 or more provinces, got %d", p.Count)
		}
		qty(at+".communes", p.Communes, 1, 1e6)
		if p.Communes.Range != nil || p.Communes.Value != nil && *p.Communes.Value != math.Trunc(*p.Communes.Value) {
			bad(at+".communes", "want a whole number of commune-level units (a count, not a range)")
		} else if p.Communes.Value != nil && int(*p.Communes.Value) < p.Count {
			bad(at+".communes", "%s commune-level units for %d provinces: each province has at least one", p.Communes, p.Count)
		}
		if len(p.CamerasPerCommune) == 0 {
			bad(at+".cameras_per_commune", "at least one camera type is required")
		}
		for _, t := range sortedKeys(p.CamerasPerCommune) {
			if _, ok := m.CameraTypes[t]; !ok {
				bad(at+".cameras_per_commune."+t, "unknown camera type (camera_types: %s)", strings.Join(sortedKeys(m.CameraTypes), ", "))
				continue
			}
			qty(at+".cameras_per_commune."+t, p.CamerasPerCommune[t], 0, 1e6)
		}
	}
	qty("violations_per_camera_hour", m.ViolationsPerCameraHour, 0, 1e5)
	qty("event_bytes", m.EventBytes, 0, 1e9)
	qty("evidence_kb", m.EvidenceKB, 0, 1e7)
	qty("peak_to_mean", m.PeakToMean, 1, 100)
	qty("edge_retention_days", m.EdgeRetentionDays, 0, 3650)
	qty("centre_retention_days", m.CentreRetentionDays, 0, 36500)
	qty("headroom", m.Headroom, 0.01, 1)
	qty("data_centres", m.DataCentres, 1, 1e4)
	seen := map[int]bool{}
	for i, g := range m.Growth {
		at := fmt.Sprintf("growth[%d]", i)
		if g.Year <= m.Year {
			bad(at+".year", "want a year after the model's %d, got %d", m.Year, g.Year)
		}
		if seen[g.Year] {
			bad(at+".year", "%d is given twice", g.Year)
		}
		seen[g.Year] = true
		qty(at+".factor", g.Factor, 0, 1e4)
	}
	return errs
}

// growth is the growth quantity from the model's year to year; an error when the model has
// no figure for it.
func (m *Model) growth(year int) (Quantity, error) {
	one := 1.0
	if year == 0 || year == m.Year {
		return Quantity{Value: &one}, nil
	}
	for _, g := range m.Growth {
		if g.Year == year {
			return g.Factor, nil
		}
	}
	var years []string
	for _, g := range m.Growth {
		years = append(years, fmt.Sprint(g.Year))
	}
	return Quantity{}, fmt.Errorf("model %s has no growth figure for %d (years: %d %s)", m.Model, year, m.Year, strings.Join(years, " "))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
