package capacity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
)

// Knee is what `trafficsim capacity knee` measured for one device model: how many cameras one
// device holds before a limit breaks, and what each camera cost it there.
type Knee struct {
	// Device names the device model (reference, or a vendor's box).
	Device string `json:"device"`
	// CamerasPerDevice is the largest camera count at which every limit held.
	CamerasPerDevice int `json:"cameras_per_device"`
	// Limit names the limit that broke first above it ("" when none broke up to the maximum tried).
	Limit string `json:"limit,omitempty"`
	// PerCamera are the measured costs per camera at CamerasPerDevice.
	PerCamera Costs `json:"per_camera"`
	// Cores is the number of CPU cores of the machine measured.
	Cores    int    `json:"cores"`
	Scenario string `json:"scenario,omitempty"`
	Date     string `json:"date,omitempty"`
	Command  string `json:"command,omitempty"`
}

// Costs are a device's measured costs for one camera.
type Costs struct {
	CPUCores     float64 `json:"cpu_cores"`       // CPU time per wall second
	MemMB        float64 `json:"mem_mb"`          // resident memory
	MbpsIn       float64 `json:"mbps_in"`         // RTSP in
	EventsPerSec float64 `json:"events_per_s"`    // events out
	EventBytes   float64 `json:"bytes_per_event"` // one event with its evidence, as recorded
}

// ReadKnee reads a knee written by `trafficsim capacity knee --out`.
func ReadKnee(path string) (*Knee, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Knee
		Search json.RawMessage `json:"search"` // the steps 'capacity knee' measured, kept beside the knee
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k := file.Knee
	if k.Device == "" || k.CamerasPerDevice < 1 {
		return nil, fmt.Errorf("%s: a knee needs device and cameras_per_device >= 1", path)
	}
	return &k, nil
}

// Options configure a plan.
type Options struct {
	// Draws is the number of Monte Carlo draws [2000].
	Draws int
	// Seed seeds the draws [1]: the same model, knees, year and seed give the same plan.
	Seed uint64
	// Year is the year planned for [the model's year]; counts grow by the model's growth figure.
	Year int
}

// Indices of the metrics below, in a commune's figures.
const (
	iCameras = iota
	iAnalysed
	iClusters
	iLAN
	iEvents
	iEventsPeak
	iUplink
	iUplinkPeak
	iEdgeTB
	iCentreTB
)

// Metrics of a plan, in the order reports print them (indexed by the constants above).
var metrics = []struct{ key, label, unit string }{
	{"cameras", "cameras", ""},
	{"analysed_cameras", "cameras to analyse (no analytics on board)", ""},
	{"clusters", "regional clusters (commune units with cameras)", ""},
	{"lan_ingest_mbps", "video into the clusters", "Mbit/s"},
	{"events_per_s", "violation events, mean", "events/s"},
	{"events_per_s_peak", "violation events, busiest hour", "events/s"},
	{"uplink_mean_mbps", "uplink to the centre, mean", "Mbit/s"},
	{"uplink_peak_mbps", "uplink to the centre, busiest hour", "Mbit/s"},
	{"edge_storage_tb", "video storage at the clusters", "TB"},
	{"centre_storage_tb", "records and evidence at the data centres", "TB"},
}

// Figure is one metric's distribution over the draws.
type Figure struct {
	Metric string  `json:"metric"`
	Label  string  `json:"label"`
	Unit   string  `json:"unit,omitempty"`
	Mean   float64 `json:"mean"`
	P5     float64 `json:"p5"`
	P50    float64 `json:"p50"`
	P95    float64 `json:"p95"`

	samples []float64
}

// Level is one commune, province or the whole model.
type Level struct {
	Kind    string   `json:"kind"` // commune, province, country
	Name    string   `json:"name"`
	Count   int      `json:"count"` // how many alike it stands for (communes of a row, provinces of a row)
	Figures []Figure `json:"figures"`
}

// Assumption is one input figure of the plan with its source.
type Assumption struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"`
	Ref    string `json:"ref"`
	Note   string `json:"note,omitempty"`
}

// Plan is the capacity plan.
type Plan struct {
	Model       string       `json:"model"`
	Description string       `json:"description,omitempty"`
	BaseYear    int          `json:"base_year"`
	Year        int          `json:"year"`
	Draws       int          `json:"draws"`
	Seed        uint64       `json:"seed"`
	Knees       []Knee       `json:"knees"`
	Levels      []Level      `json:"levels"`
	Assumptions []Assumption `json:"assumptions"`
}

// Compute draws the model's uncertain figures Draws times and sizes every level.
//
// Figures common to the whole country (bitrates, violation rate, evidence size, peak factor,
// retention, headroom, growth) are drawn once per draw; each commune's camera counts are drawn
// per commune, so the spread of a total reflects the shared unknowns, not only the communes'
// differences. The commune level shows one commune drawn at random per draw.
func Compute(m *Model, knees []Knee, o Options) (*Plan, error) {
	if len(knees) == 0 {
		return nil, errors.New("capacity plan: at least one knee (cameras per device) is required")
	}
	if o.Draws == 0 {
		o.Draws = 2000
	}
	if o.Draws < 10 || o.Draws > 1_000_000 {
		return nil, fmt.Errorf("capacity plan: draws %d out of range [10, 1000000]", o.Draws)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Year == 0 {
		o.Year = m.Year
	}
	grow, err := m.growth(o.Year)
	if err != nil {
		return nil, err
	}
	p := &Plan{Model: m.Model, Description: m.Description, BaseYear: m.Year, Year: o.Year, Draws: o.Draws, Seed: o.Seed, Knees: knees}
	p.Assumptions = m.assumptions(grow)

	types := sortedKeys(m.CameraTypes)
	deviceKeys := make([]string, len(knees))
	for i, k := range knees {
		deviceKeys[i] = "devices:" + k.Device
	}
	newLevel := func(kind, name string, count int) *Level {
		l := &Level{Kind: kind, Name: name, Count: count}
		for _, mt := range metrics {
			l.Figures = append(l.Figures, Figure{Metric: mt.key, Label: mt.label, Unit: mt.unit})
		}
		for i, k := range knees {
			l.Figures = append(l.Figures, Figure{Metric: deviceKeys[i], Label: fmt.Sprintf("devices: %s (%d cameras at the knee)", k.Device, k.CamerasPerDevice)})
		}
		return l
	}
	var communeLv, provinceLv []*Level
	for _, row := range m.Provinces {
		communes := int(row.Communes.Low())
		communeLv = append(communeLv, newLevel("commune", row.Name, communes))
		provinceLv = append(provinceLv, newLevel("province", row.Name, row.Count))
	}
	country := newLevel("country", m.Model, 1)

	r := rand.New(rand.NewPCG(o.Seed, 0x6361706163697479)) // "capacity"
	nm := len(metrics) + len(knees)
	for range o.Draws {
		// figures shared by every commune in this draw
		bitrate := make(map[string]float64, len(types))
		for _, t := range types {
			bitrate[t] = m.CameraTypes[t].BitrateMbps.draw(r)
		}
		g := grow.draw(r)
		perHour := m.ViolationsPerCameraHour.draw(r)
		evBytes := m.EventBytes.draw(r) + m.EvidenceKB.draw(r)*1000
		peak := m.PeakToMean.draw(r)
		edgeDays, centreDays := m.EdgeRetentionDays.draw(r), m.CentreRetentionDays.draw(r)
		head := m.Headroom.draw(r)
		perDevice := make([]int, len(knees))
		for i, k := range knees {
			perDevice[i] = max(1, int(math.Floor(float64(k.CamerasPerDevice)*head)))
		}
		total := make([]float64, nm)
		for ri, row := range m.Provinces {
			communes := int(row.Communes.Low())
			pick := r.IntN(communes) // the commune shown at the commune level this draw
			prov := make([]float64, nm)
			for c := range communes {
				var cams, analysed, lan float64
				for _, t := range types {
					q, ok := row.CamerasPerCommune[t]
					if !ok {
						continue
					}
					n := math.Round(q.draw(r) * g)
					cams += n
					if m.CameraTypes[t].Analysed {
						analysed += n
						lan += n * bitrate[t]
					}
				}
				f := make([]float64, nm)
				f[iCameras], f[iAnalysed], f[iLAN] = cams, analysed, lan
				if cams > 0 {
					f[iClusters] = 1
				}
				ev := cams * perHour / 3600
				f[iEvents], f[iEventsPeak] = ev, ev*peak
				f[iUplink] = ev * evBytes * 8 / 1e6
				f[iUplinkPeak] = f[iUplink] * peak
				f[iEdgeTB] = lan * 1e6 / 8 * 86400 * edgeDays / 1e12
				f[iCentreTB] = ev * evBytes * 86400 * centreDays / 1e12
				for i := range knees {
					f[len(metrics)+i] = math.Ceil(analysed / float64(perDevice[i]))
				}
				if c == pick {
					for i, v := range f {
						communeLv[ri].Figures[i].samples = append(communeLv[ri].Figures[i].samples, v)
					}
				}
				if c%row.Count == 0 { // communes are dealt to the row's provinces in turn; the first is shown
					for i, v := range f {
						prov[i] += v
					}
				}
				for i, v := range f {
					total[i] += v
				}
			}
			for i, v := range prov {
				provinceLv[ri].Figures[i].samples = append(provinceLv[ri].Figures[i].samples, v)
			}
		}
		for i, v := range total {
			country.Figures[i].samples = append(country.Figures[i].samples, v)
		}
	}
	for _, l := range communeLv {
		p.Levels = append(p.Levels, l.summarise())
	}
	for _, l := range provinceLv {
		p.Levels = append(p.Levels, l.summarise())
	}
	p.Levels = append(p.Levels, country.summarise())
	return p, nil
}

// summarise fills the quantiles of every figure.
func (l *Level) summarise() Level {
	for i := range l.Figures {
		f := &l.Figures[i]
		s := slices.Clone(f.samples)
		sort.Float64s(s)
		var sum float64
		for _, v := range s {
			sum += v
		}
		f.Mean = sum / float64(len(s))
		f.P5, f.P50, f.P95 = quantile(s, 0.05), quantile(s, 0.5), quantile(s, 0.95)
	}
	return *l
}

// quantile of sorted s, by linear interpolation between order statistics.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return 0
	}
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (s[i+1]-s[i])*(pos-float64(i))
}

// assumptions lists every input figure with its source, for the report.
func (m *Model) assumptions(grow Quantity) []Assumption {
	var out []Assumption
	add := func(name string, q Quantity, unit string) {
		v := q.String()
		if unit != "" {
			v += " " + unit
		}
		out = append(out, Assumption{Name: name, Value: v, Source: q.Source, Ref: m.Sources[q.Source], Note: q.Note})
	}
	for _, t := range sortedKeys(m.CameraTypes) {
		ct := m.CameraTypes[t]
		what := "smart (analytics on board)"
		if ct.Analysed {
			what = "analysed by a device or cluster"
		}
		add("bitrate of a "+t+" camera, "+what, ct.BitrateMbps, "Mbit/s")
	}
	for _, p := range m.Provinces {
		name := p.Name
		if p.Count > 1 {
			name = fmt.Sprintf("%s (%d provinces)", p.Name, p.Count)
		}
		add(name+": commune-level units", p.Communes, "")
		for _, t := range sortedKeys(p.CamerasPerCommune) {
			add(name+": "+t+" cameras per commune", p.CamerasPerCommune[t], "")
		}
	}
	add("violation events per camera-hour", m.ViolationsPerCameraHour, "")
	add("event record without evidence", m.EventBytes, "bytes")
	add("evidence per event", m.EvidenceKB, "kB")
	add("busiest hour over the mean", m.PeakToMean, "x")
	add("video kept at the cluster", m.EdgeRetentionDays, "days")
	add("records kept at the data centres", m.CentreRetentionDays, "days")
	add("share of the knee a device runs at", m.Headroom, "")
	add("data centres", m.DataCentres, "")
	if grow.Source != "" {
		add("camera growth to the planned year", grow, "x")
	}
	return out
}

// Prediction is what per-camera costs predict for a run of some cameras.
type Prediction struct {
	CPUCores     float64 `json:"cpu_cores"`
	MbpsIn       float64 `json:"mbps_in"`
	EventsPerSec float64 `json:"events_per_s"`
	UplinkMbps   float64 `json:"uplink_mbps"` // events with their evidence, to the center
}

// Predict scales a device's measured per-camera costs to a run of cameras spread over devices
// (costs add up across devices; a device above its knee is not modelled: keep cameras/devices
// at or below it).
func Predict(c Costs, cameras int) Prediction {
	n := float64(cameras)
	p := Prediction{CPUCores: c.CPUCores * n, MbpsIn: c.MbpsIn * n, EventsPerSec: c.EventsPerSec * n}
	p.UplinkMbps = p.EventsPerSec * c.EventBytes * 8 / 1e6
	return p
}

// Disagreements lists the figures where measured is further than tol (a share, e.g. 0.3) from
// predicted, each as "figure: predicted P, measured M (D %)"; empty when the model holds.
func (p Prediction) Disagreements(measured Prediction, tol float64) []string {
	var out []string
	for _, f := range []struct {
		name       string
		pred, meas float64
	}{
		{"cpu_cores", p.CPUCores, measured.CPUCores},
		{"mbps_in", p.MbpsIn, measured.MbpsIn},
		{"events_per_s", p.EventsPerSec, measured.EventsPerSec},
		{"uplink_mbps", p.UplinkMbps, measured.UplinkMbps},
	} {
		if f.pred == 0 && f.meas == 0 {
			continue
		}
		if d := (f.meas - f.pred) / math.Max(f.pred, 1e-12); math.Abs(d) > tol {
			out = append(out, fmt.Sprintf("%s: predicted %.4g, measured %.4g (%+.0f %%)", f.name, f.pred, f.meas, 100*d))
		}
	}
	return out
}
