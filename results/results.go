package results

import (
	"fmt"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// Config sets the matching rules. The zero value is usable: every field states its default.
type Config struct {
	// Window is the largest |t_event - t_truth| of a match. Default 2 s.
	Window time.Duration
	// Grace is how long after truth wall time + Window the live scorer waits for late events
	// before a truth is final. Default 5 s. Batch scoring ignores it.
	Grace time.Duration
	// Cameras gives the conditions of a camera for unmatched events (which have no truth to
	// take conditions from). Optional; default: the latest truth on the camera.
	Cameras map[string]Condition
	// Seed seeds the bootstrap intervals of F1 and the latency percentiles (Metrics.CI): the
	// same inputs and seed give the same intervals. Default 1.
	Seed uint64
	// Cuts are the truths not scored (stored in run.json, so a rescore cuts the same).
	Cuts Cuts
}

// Cuts leave truths out of a score: those due before From (the devices' warm-up), at or
// after Until (emitted ahead of frames the cameras did not play), and those in the first
// LoopWarmUp of a clip loop after the first (a loop cuts the scene: the traffic in view is
// stamped at its first frame, and a device must see it anew). Zero values cut nothing. The
// run record keeps every truth; only scoring cuts.
type Cuts struct {
	From       time.Time     `json:"from,omitzero"`
	Until      time.Time     `json:"until,omitzero"`
	LoopWarmUp time.Duration `json:"loop_warmup_ns,omitempty"`
}

// Cut tells whether a truth is left out as early (warm-up) or late (at or after Until).
func (c Cuts) Cut(v *wire.Violation) (early, late bool) {
	early = (!c.From.IsZero() && v.Wall.Before(c.From)) || (v.Loop > 0 && v.T < c.LoopWarmUp.Seconds())
	late = !early && !c.Until.IsZero() && !v.Wall.Before(c.Until)
	return early, late
}

// count adds a truth's cut to the tally; it reports whether the truth is cut.
func (c Cuts) count(v *wire.Violation, t *tally) bool {
	early, late := c.Cut(v)
	if early {
		t.warmUp++
	} else if late {
		t.afterEnd++
	}
	return early || late
}

// Condition is the light and weather of a camera.
type Condition struct {
	Night   bool   `json:"night"`
	Weather string `json:"weather,omitempty"`
}

// Defaults for Config.
const (
	DefaultWindow = 2 * time.Second
	DefaultGrace  = 5 * time.Second
)

// DefaultSeed is the bootstrap seed when Config.Seed is 0.
const DefaultSeed = 1

func (c Config) seed() uint64 {
	if c.Seed == 0 {
		return DefaultSeed
	}
	return c.Seed
}

func (c Config) withDefaults() Config {
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Grace <= 0 {
		c.Grace = DefaultGrace
	}
	return c
}

// Received is a device event with the time the center received it.
type Received struct {
	wire.Event
	At time.Time `json:"received_at"`
}

// Outcome is what happened to a truth or an event.
type Outcome string

// Outcomes of a Match.
const (
	TP  Outcome = "tp"  // a truth and the event that detected it
	FN  Outcome = "fn"  // a truth no event detected
	FP  Outcome = "fp"  // an event that detected no truth
	Dup Outcome = "dup" // an event whose event_id was already received
)

// Light values of Match.Light.
const (
	Day     = "day"
	Night   = "night"
	Unknown = "unknown"
)

// Match is one line of matches.jsonl: a scored truth, event or duplicate.
type Match struct {
	Outcome    Outcome            `json:"outcome"`
	Camera     string             `json:"camera"`
	Type       wire.ViolationType `json:"type"`
	TruthID    string             `json:"truth_id,omitempty"`
	EventID    string             `json:"event_id,omitempty"`
	TruthTime  time.Time          `json:"truth_time,omitzero"`
	EventTime  time.Time          `json:"event_time,omitzero"`
	Received   time.Time          `json:"received,omitzero"`
	TimeError  time.Duration      `json:"time_error_ns,omitempty"` // event - truth (TP)
	Latency    time.Duration      `json:"latency_ns,omitempty"`    // received - truth wall (TP)
	TruthPlate string             `json:"truth_plate,omitempty"`
	EventPlate string             `json:"event_plate,omitempty"`
	// PlateOK is set for TPs whose truth has a plate: whether the event read it right.
	PlateOK PlateCheck `json:"plate_ok,omitempty"`
	Light   string     `json:"light"`             // day, night or unknown
	Weather string     `json:"weather,omitempty"` // clear, rain, fog; empty when unknown
	Faulted bool       `json:"faulted,omitempty"` // a fault on the camera covered the moment
	Late    bool       `json:"late,omitempty"`    // live only: the event came after its truths were final
}

// weatherKeys holds the condition keys of the usual weathers, so scoring does not build a
// string per match.
var weatherKeys = map[string]string{"": "weather:" + Unknown, "clear": "weather:clear", "rain": "weather:rain", "fog": "weather:fog"}

// PlateCheck is the plate verdict of a TP: PlateNA (no plate to read; omitted in JSON),
// PlateRight or PlateWrong (JSON true or false). A value, not a *bool, so scoring a TP does
// not allocate.
type PlateCheck int8

// PlateCheck values.
const (
	PlateNA    PlateCheck = 0
	PlateRight PlateCheck = 1
	PlateWrong PlateCheck = -1
)

// MarshalJSON writes true or false (PlateNA is left out by omitempty).
func (p PlateCheck) MarshalJSON() ([]byte, error) {
	if p == PlateRight {
		return []byte("true"), nil
	}
	return []byte("false"), nil
}

// UnmarshalJSON reads true or false.
func (p *PlateCheck) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*p = PlateRight
	case "false":
		*p = PlateWrong
	case "null":
		*p = PlateNA
	default:
		return fmt.Errorf("plate_ok: want true or false, got %s", b)
	}
	return nil
}

// Conditions returns the condition keys the match counts under (see the package doc).
func (m *Match) Conditions() [3]string {
	w, ok := weatherKeys[m.Weather]
	if !ok {
		w = "weather:" + m.Weather
	}
	f := "no_fault"
	if m.Faulted {
		f = "fault"
	}
	return [3]string{m.Light, w, f}
}
