package smartcam

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// Model is the error model of a smart camera; zero fields take the defaults in brackets.
type Model struct {
	MissRate       float64       // share of true violations never reported [0.05]
	FalsePerHour   float64       // false alarms per camera-hour [2]
	PlateErrorRate float64       // chance per plate character of a misread [0.01]
	TimeErrorSD    time.Duration // standard deviation of the stamped time error [100ms]
	LatencyMedian  time.Duration // median delay from the violation to the send [800ms]
	LatencyP95     time.Duration // 95th percentile of that delay (log-normal) [3s]
	// SpeedErrorSD is the standard deviation of a speed reading's error as a share of the
	// speed (normal, unbiased) [0.015: 1.5 %, so ~95 % of readings fall within ±3 km/h up
	// to 100 km/h]; negative: no speed reported. Speeding events carry the reading.
	SpeedErrorSD float64
	Source       string // device id stamped on events [smartcam-<camera id>]
}

func (m Model) withDefaults() Model {
	if m.MissRate == 0 {
		m.MissRate = 0.05
	}
	if m.FalsePerHour == 0 {
		m.FalsePerHour = 2
	}
	if m.PlateErrorRate == 0 {
		m.PlateErrorRate = 0.01
	}
	if m.TimeErrorSD == 0 {
		m.TimeErrorSD = 100 * time.Millisecond
	}
	if m.LatencyMedian == 0 {
		m.LatencyMedian = 800 * time.Millisecond
	}
	if m.LatencyP95 == 0 {
		m.LatencyP95 = 3 * time.Second
	}
	if m.SpeedErrorSD == 0 {
		m.SpeedErrorSD = 0.015
	}
	return m
}

// Validate reports the first out-of-range field.
func (m Model) Validate() error {
	switch {
	case m.MissRate < 0 || m.MissRate > 1:
		return fmt.Errorf("smartcam: miss_rate %v must be within 0..1", m.MissRate)
	case m.FalsePerHour < 0:
		return fmt.Errorf("smartcam: false_per_hour %v must not be negative", m.FalsePerHour)
	case m.PlateErrorRate < 0 || m.PlateErrorRate > 1:
		return fmt.Errorf("smartcam: plate_error_rate %v must be within 0..1", m.PlateErrorRate)
	case m.SpeedErrorSD > 1:
		return fmt.Errorf("smartcam: speed_error_sd %v must be at most 1 (a share of the speed)", m.SpeedErrorSD)
	case m.LatencyMedian < 0 || m.LatencyP95 < m.LatencyMedian:
		return fmt.Errorf("smartcam: latency p95 %v must be >= median %v >= 0", m.LatencyP95, m.LatencyMedian)
	}
	return nil
}

// Emission is an event and the wall time at which the camera sends it.
type Emission struct {
	Event  wire.Event
	SendAt time.Time
}

// Camera turns one camera's truth into its own events. Deterministic for a seed and camera id.
type Camera struct {
	id    string
	model Model
	rng   *rand.Rand
	speed *rand.Rand // speed readings: a stream of their own, so the other draws stay as they were
	n     int        // false alarms made, for their ids
}

// NewCamera makes the smart camera id with its own random stream.
func NewCamera(id string, seed uint64, m Model) *Camera {
	h := uint64(1469598103934665603)
	for _, b := range []byte(id) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	m = m.withDefaults()
	if m.Source == "" {
		m.Source = "smartcam-" + id
	}
	return &Camera{id: id, model: m, rng: rand.New(rand.NewPCG(seed, h)), speed: rand.New(rand.NewPCG(seed, h^0x5bd1e9955bd1e995))}
}

// Observe returns the camera's report of a true violation (with Wall set), or nothing when the
// model misses it.
func (c *Camera) Observe(v wire.Violation) []Emission {
	m := c.model
	if c.rng.Float64() < m.MissRate {
		return nil
	}
	at := v.Wall.Add(time.Duration(c.rng.NormFloat64() * float64(m.TimeErrorSD))).Truncate(time.Millisecond)
	box := v.Box
	e := wire.Event{
		EventID: "smart-" + c.id + "-" + v.ID, CameraID: c.id, Type: v.Type, Time: at,
		Plate: c.misread(v.Plate), VehicleClass: v.Class, Confidence: 0.6 + 0.4*c.rng.Float64(),
		Box: &box, Source: c.model.Source, SpeedKmh: c.reading(v.SpeedKmh),
	}
	return []Emission{{Event: e, SendAt: v.Wall.Add(c.latency())}}
}

// FalseAlarms returns the false alarms of the span [from, to): a Poisson process at FalsePerHour.
func (c *Camera) FalseAlarms(from, to time.Time) []Emission {
	var out []Emission
	rate := c.model.FalsePerHour / 3600 // per second
	if rate <= 0 {
		return nil
	}
	for t := from; ; {
		gap := c.rng.ExpFloat64() / rate // seconds; compared before converting, as it may overflow a Duration
		if gap >= to.Sub(t).Seconds() {
			return out
		}
		t = t.Add(time.Duration(gap * float64(time.Second)))
		c.n++
		typ := wire.ViolationTypes[c.rng.IntN(len(wire.ViolationTypes))]
		e := wire.Event{
			EventID: fmt.Sprintf("smart-%s-false-%d", c.id, c.n), CameraID: c.id, Type: typ,
			Time: t.Truncate(time.Millisecond), Confidence: 0.5 * c.rng.Float64(), Source: c.model.Source,
		}
		out = append(out, Emission{Event: e, SendAt: t.Add(c.latency())})
	}
}

// reading is the camera's speed reading of a true speed in km/h (0 when none is known or the
// model reports none), to 0.1 km/h.
func (c *Camera) reading(kmh float64) float64 {
	if kmh <= 0 || c.model.SpeedErrorSD < 0 {
		return 0
	}
	r := kmh * (1 + c.model.SpeedErrorSD*c.speed.NormFloat64())
	return math.Round(min(max(r, 0.1), wire.MaxSpeedKmh)*10) / 10
}

// latency draws a log-normal delay with the model's median and 95th percentile.
func (c *Camera) latency() time.Duration {
	m := c.model
	if m.LatencyMedian <= 0 {
		return 0
	}
	mu := math.Log(float64(m.LatencyMedian))
	sigma := (math.Log(float64(m.LatencyP95)) - mu) / 1.6449 // z of the 95th percentile
	return time.Duration(math.Exp(mu + sigma*c.rng.NormFloat64()))
}

// confusions are the characters a plate reader mistakes for each other.
var confusions = map[rune][]rune{
	'0': {'D', '8'}, '1': {'7', 'T'}, '2': {'Z'}, '3': {'8'}, '5': {'S', '6'}, '6': {'G', '5'},
	'7': {'1'}, '8': {'B', '3', '0'}, 'B': {'8'}, 'D': {'0'}, 'G': {'6'}, 'S': {'5'}, 'Z': {'2'}, 'T': {'1'},
}

// misread applies per-character errors to a plate, keeping its punctuation.
func (c *Camera) misread(p string) string {
	if p == "" {
		return ""
	}
	rs := []rune(p)
	for i, r := range rs {
		alt, ok := confusions[r]
		if ok && c.rng.Float64() < c.model.PlateErrorRate {
			rs[i] = alt[c.rng.IntN(len(alt))]
		}
	}
	return string(rs)
}
