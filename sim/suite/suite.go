package suite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/speed"
	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

// Suite is a conformity suite file.
type Suite struct {
	Name string `yaml:"name"`
	// Profile is the conformity profile: "default" (embedded) or a file, relative to the
	// suite file [default].
	Profile string `yaml:"profile"`
	// Device is the device under test [smartcam]:
	//   - "smartcam": the smart-camera error model of sim/smartcam fed from the truth (fast, no
	//     rendering; for the suite's own tests and for planning);
	//   - "reference": the reference intermediate device, each cell a whole run (sim/run: clips
	//     rendered from the world, camera farm, device, regional cluster, center), as
	//     `trafficsim run` does it;
	//   - "external": a vendor's box, each cell a run with --device external: the box is given
	//     each cell's cameras.json by External (a command started per cell, or a URL).
	Device   string         `yaml:"device"`
	Smartcam *SmartcamModel `yaml:"smartcam"`
	External *External      `yaml:"external"`
	// Cameras per cell and seed [1]; Duration each camera plays [60s].
	Cameras  int    `yaml:"cameras"`
	Duration string `yaml:"duration"`
	// Speed is the speed range the draft requires: speeding truths must cover it.
	Speed *SpeedRange `yaml:"speed"`
	Cells []Cell      `yaml:"cells"`

	duration time.Duration
	profile  *conform.Profile
}

// SmartcamModel sets the smart-camera error model (sim/smartcam.Model defaults when 0).
type SmartcamModel struct {
	MissRate       float64 `yaml:"miss_rate"`
	FalsePerHour   float64 `yaml:"false_per_hour"`
	PlateErrorRate float64 `yaml:"plate_error_rate"`
}

// SpeedRange is the speed requirement: the range in km/h, and how well speeding events must
// read the speed in each quarter of it.
type SpeedRange struct {
	MinKmh float64 `yaml:"min_kmh"`
	MaxKmh float64 `yaml:"max_kmh"`
	// Tolerance of a reading [speed.Tolerance defaults: ±3 km/h to 100 km/h, ±3 % above].
	Tolerance speed.Tolerance `yaml:"tolerance"`
	// Within is the share of readings that must be within the tolerance, judged on its 95 %
	// Wilson interval [0.95, a trafficsim default: the draft states none].
	Within float64 `yaml:"within"`
}

// Cell is one scenario under one condition, played with Seeds sealed seeds.
type Cell struct {
	Scenario  string `yaml:"scenario"`
	Condition string `yaml:"condition"` // day, night, rain or fog: checked against the scenario
	Seeds     int    `yaml:"seeds"`     // seed slots [1]
}

// Conditions a cell may name.
var Conditions = []string{"day", "night", "rain", "fog"}

// Load reads a suite file.
func Load(path string) (*Suite, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("suite: %w", err)
	}
	s, err := Parse(path, b)
	if err != nil {
		return nil, nil, err
	}
	if err := s.loadVendors(path); err != nil {
		return nil, nil, err
	}
	if s.Profile != "" && s.Profile != "default" {
		p := s.Profile
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		if s.profile, err = conform.Load(p); err != nil {
			return nil, nil, err
		}
	}
	return s, b, nil
}

// Parse reads a suite strictly: unknown keys, unknown scenarios, conditions a scenario does
// not have and bad numbers are errors naming the field. A cell's scenario is a shipped name or
// a file, looked for beside the suite file (name) first.
func Parse(name string, b []byte) (s *Suite, err error) {
	s = &Suite{}
	defer func() {
		if r := recover(); r != nil { // go-yaml panics on some malformed input (see conform.Parse)
			s, err = nil, fmt.Errorf("suite: %s: malformed YAML (the parser failed: %v)", name, r)
		}
	}()
	if err := yaml.UnmarshalWithOptions(b, s, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("suite: %s: %s", name, yaml.FormatError(err, false, false))
	}
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("suite: %s: %s: %s", name, field, fmt.Sprintf(format, a...))
	}
	if s.Device == "" {
		s.Device = DeviceSmartcam
	}
	if !slices.Contains(Devices, s.Device) {
		return nil, bad("device", "want one of %s, got %q", strings.Join(Devices, ", "), s.Device)
	}
	if err := s.checkExternal(name); err != nil {
		return nil, err
	}
	if s.Cameras == 0 {
		s.Cameras = 1
	}
	if s.Cameras < 0 || s.Cameras > 1000 {
		return nil, bad("cameras", "must be 1-1000, got %d", s.Cameras)
	}
	s.duration = time.Minute
	if s.Duration != "" {
		d, err := time.ParseDuration(s.Duration)
		if err != nil || d < time.Second || d > 24*time.Hour {
			return nil, bad("duration", "want a duration from 1s to 24h, got %q", s.Duration)
		}
		s.duration = d
	}
	if s.Speed != nil {
		sp := s.Speed
		switch {
		case sp.MinKmh < 0 || sp.MaxKmh <= sp.MinKmh:
			return nil, bad("speed", "want 0 <= min_kmh < max_kmh, got %g-%g", sp.MinKmh, sp.MaxKmh)
		case sp.Within < 0 || sp.Within > 1:
			return nil, bad("speed.within", "want a share from 0 to 1, got %g", sp.Within)
		case sp.Tolerance.Kmh < 0 || sp.Tolerance.Percent < 0 || sp.Tolerance.AboveKmh < 0:
			return nil, bad("speed.tolerance", "kmh, percent and above_kmh must not be negative")
		}
		if sp.Within == 0 {
			sp.Within = 0.95
		}
		sp.Tolerance = sp.Tolerance.WithDefaults()
	}
	if len(s.Cells) == 0 {
		return nil, bad("cells", "at least one cell is needed")
	}
	for i := range s.Cells {
		c := &s.Cells[i]
		field := fmt.Sprintf("cells[%d]", i)
		if !slices.Contains(scenarios.Names(), c.Scenario) && !filepath.IsAbs(c.Scenario) {
			if p := filepath.Join(filepath.Dir(name), c.Scenario); fileExists(p) {
				c.Scenario = p // a scenario file beside the suite file
			}
		}
		sc, err := scenarios.Lookup(c.Scenario)
		if err != nil {
			return nil, bad(field+".scenario", "%v", err)
		}
		if !slices.Contains(Conditions, c.Condition) {
			return nil, bad(field+".condition", "want one of %s, got %q", strings.Join(Conditions, ", "), c.Condition)
		}
		if has := scenarioConditions(sc); !slices.Contains(has, c.Condition) {
			return nil, bad(field+".condition", "scenario %s is %s, not %s", c.Scenario, strings.Join(has, " and "), c.Condition)
		}
		if c.Seeds == 0 {
			c.Seeds = 1
		}
		if c.Seeds < 0 || c.Seeds > 1000 {
			return nil, bad(field+".seeds", "must be 1-1000, got %d", c.Seeds)
		}
	}
	return s, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// scenarioConditions names a scenario's light and weather as cell conditions.
func scenarioConditions(sc *scenarios.Scenario) []string {
	light := "day"
	if sc.Conditions.TimeOfDay == "night" || sc.Conditions.TimeOfDay == "dusk" {
		light = "night"
	}
	out := []string{light}
	if w := sc.Conditions.Weather; w == "rain" || w == "fog" {
		out = append(out, w)
	}
	return out
}

// Slots is the number of sealed seeds the suite needs: one per cell seed.
func (s *Suite) Slots() int {
	n := 0
	for _, c := range s.Cells {
		n += c.Seeds
	}
	return n
}

// ProfileOrDefault is the suite's profile.
func (s *Suite) ProfileOrDefault() *conform.Profile {
	if s.profile != nil {
		return s.profile
	}
	return conform.Default()
}

// CellRun is one cell and seed slot of a suite run (cells.json).
type CellRun struct {
	Cell      int    `json:"cell"`
	Slot      int    `json:"slot"` // index into the sealed seeds
	Scenario  string `json:"scenario"`
	Condition string `json:"condition"`
	Seed      uint64 `json:"seed"`
	Truths    int    `json:"truths"`
	// TruthHash is the SHA-256 of the truth violations the cell played (CellTruth: for a run,
	// its clips' truth), re-computable from the revealed seed.
	TruthHash string  `json:"truth_sha256"`
	Minutes   float64 `json:"camera_minutes"`
	// Run is the cell's run record folder (reference and external devices).
	Run      string            `json:"run,omitempty"`
	Score    *results.Score    `json:"score"`
	Verdicts []conform.Verdict `json:"verdicts"`
	Speed    *speed.Result     `json:"speed,omitempty"` // with a speed requirement
}

// Result is a suite run.
type Result struct {
	Suite    string            `json:"suite"`
	Device   string            `json:"device,omitempty"`
	Cells    []CellRun         `json:"cells"`
	Score    results.Score     `json:"score"` // all cells together
	Verdicts []conform.Verdict `json:"verdicts"`
	Speed    *SpeedCoverage    `json:"speed,omitempty"`
	// SpeedCheck judges the speed readings of speeding events per speed bin.
	SpeedCheck *speed.Result `json:"speed_check,omitempty"`
}

// Shard picks the cells of one shard: cell i runs in shard i mod n (n 0 or 1: all).
type Shard struct{ Index, Of int }

func (sh Shard) has(i int) bool { return sh.Of <= 1 || i%sh.Of == sh.Index }

// Run plays the suite's cells with the sealed seeds (one per slot, in cell order) and
// scores them, with default Options. Same suite and seeds give the same result on the
// smart-camera model; a device under test is judged on what it sends.
func Run(ctx context.Context, s *Suite, seeds []uint64, sh Shard) (*Result, error) {
	return RunWith(ctx, s, seeds, sh, Options{})
}

// RunWith is Run with options for the cells that are whole runs (reference and external
// devices); call it inside render.Main when clips may have to be rendered.
func RunWith(ctx context.Context, s *Suite, seeds []uint64, sh Shard, o Options) (*Result, error) {
	if len(seeds) != s.Slots() {
		return nil, fmt.Errorf("suite: %d seeds for %d seed slots", len(seeds), s.Slots())
	}
	o, cleanup, err := o.withDefaults(s)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	prof := s.ProfileOrDefault()
	res := &Result{Suite: s.Name, Device: s.Device}
	var allT []wire.Violation
	var allE []results.Received
	var allF []wire.Fault
	slot := 0
	for ci, c := range s.Cells {
		for k := 0; k < c.Seeds; k, slot = k+1, slot+1 {
			if !sh.has(ci) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			cr := CellRun{Cell: ci, Slot: slot, Scenario: c.Scenario, Condition: c.Condition, Seed: seeds[slot],
				Minutes: s.duration.Minutes() * float64(s.Cameras)}
			var p played
			if s.Device == DeviceSmartcam {
				p, err = playSmartcam(s, ci, k, seeds[slot])
			} else {
				p, err = playRun(ctx, s, o, ci, k, seeds[slot])
			}
			if err != nil {
				return nil, err
			}
			cr.Truths, cr.TruthHash, cr.Run = len(p.truths), p.hash, p.run
			score, matches := results.ScoreRun(p.scored, p.events, p.faults, results.Config{})
			cr.Score, cr.Verdicts = &score, prof.Evaluate(&score)
			if s.Speed != nil {
				sp := s.speedCheck(p.scored, p.events, matches)
				cr.Speed = &sp
			}
			res.Cells = append(res.Cells, cr)
			allT, allE, allF = append(allT, p.scored...), append(allE, p.events...), append(allF, p.faults...)
		}
	}
	var matches []results.Match
	res.Score, matches = results.ScoreRun(allT, allE, allF, results.Config{})
	res.Verdicts = prof.Evaluate(&res.Score)
	if s.Speed != nil {
		res.Speed = Coverage(*s.Speed, allT)
		sp := s.speedCheck(allT, allE, matches)
		res.SpeedCheck = &sp
	}
	return res, nil
}

// speedCheck scores the speed readings in the four bins of the required range.
func (s *Suite) speedCheck(truths []wire.Violation, events []results.Received, matches []results.Match) speed.Result {
	sp := s.Speed
	return speed.Score(truths, events, matches, sp.MinKmh, sp.MaxKmh, 4, sp.Tolerance, sp.Within)
}

// played is what one cell and seed played: the truth of the world model it played (truths,
// hashed), the truth scored (cut and on the suite's unique camera ids), the device's events and
// the faults.
type played struct {
	truths []wire.Violation
	hash   string
	scored []wire.Violation
	events []results.Received
	faults []wire.Fault
	run    string
}

// playSmartcam feeds a cell's truth to the smart-camera model.
func playSmartcam(s *Suite, ci, k int, seed uint64) (played, error) {
	m := smartcam.Model{}
	if s.Smartcam != nil {
		m.MissRate, m.FalsePerHour, m.PlateErrorRate = s.Smartcam.MissRate, s.Smartcam.FalsePerHour, s.Smartcam.PlateErrorRate
	}
	truths, err := CellTruth(s, ci, k, seed)
	if err != nil {
		return played{}, err
	}
	p := played{truths: truths, hash: hashTruth(truths), scored: truths}
	for cam := range s.Cameras {
		id := cameraID(ci, k, cam)
		sc := smartcam.NewCamera(id, seed, m)
		for _, v := range truths {
			if v.Camera != id {
				continue
			}
			for _, e := range sc.Observe(v) {
				p.events = append(p.events, results.Received{Event: e.Event, At: e.SendAt})
			}
		}
		for _, e := range sc.FalseAlarms(epoch, epoch.Add(s.duration)) {
			p.events = append(p.events, results.Received{Event: e.Event, At: e.SendAt})
		}
	}
	return p, nil
}

// epoch is the wall time every cell starts at (cameras are distinct, so cells may overlap).
var epoch = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

func cameraID(cell, seed, cam int) string {
	return fmt.Sprintf("c%d-s%d-cam-%02d", cell+1, seed+1, cam+1)
}

// CellTruth is the truth of seed k of a cell, from the world model alone: camera j plays the
// world of seed+j, for the whole cell. In a run (reference and external devices) that is clip
// j, rendered from it as `trafficsim run --seed` makes it.
func CellTruth(s *Suite, cell, k int, seed uint64) ([]wire.Violation, error) {
	c := s.Cells[cell]
	sc, err := scenarios.Lookup(c.Scenario)
	if err != nil {
		return nil, err
	}
	if s.Device != DeviceSmartcam {
		return clipTruth(s, sc, seed)
	}
	var out []wire.Violation
	for cam := range s.Cameras {
		id := cameraID(cell, k, cam)
		tr, _, err := world.Generate(sc, world.Options{Seed: seed + uint64(cam), Duration: s.duration, Camera: id})
		if err != nil {
			return nil, fmt.Errorf("suite: cell %d (%s): %w", cell+1, c.Scenario, err)
		}
		for _, v := range tr.Violations {
			v.Camera = id
			v.Wall = epoch.Add(time.Duration(v.T * float64(time.Second)))
			out = append(out, v)
		}
	}
	return out, nil
}

// hashTruth is the hex SHA-256 of the truth's JSON.
func hashTruth(vs []wire.Violation) string {
	b, _ := json.Marshal(vs)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// CheckTruth re-runs the truth of every cell of a result from the revealed seeds and
// compares it with the hash the run recorded: the seeds the run used are the ones revealed.
func CheckTruth(s *Suite, seeds []uint64, r *Result) error {
	if len(seeds) != s.Slots() {
		return fmt.Errorf("suite: %d seeds for %d seed slots", len(seeds), s.Slots())
	}
	for _, c := range r.Cells {
		if c.Slot < 0 || c.Slot >= len(seeds) || c.Cell < 0 || c.Cell >= len(s.Cells) {
			return fmt.Errorf("suite: cell %d slot %d is not in the suite", c.Cell+1, c.Slot)
		}
		if c.Seed != seeds[c.Slot] {
			return fmt.Errorf("suite: cell %d (%s) ran seed %d, the revealed seed is %d", c.Cell+1, c.Scenario, c.Seed, seeds[c.Slot])
		}
		k := c.Slot - firstSlot(s, c.Cell)
		truths, err := CellTruth(s, c.Cell, k, seeds[c.Slot])
		if err != nil {
			return err
		}
		if h := hashTruth(truths); h != c.TruthHash {
			return fmt.Errorf("suite: cell %d (%s): the truth of the revealed seed (sha256 %s) is not the truth scored (%s)", c.Cell+1, c.Scenario, h[:12], c.TruthHash[:min(12, len(c.TruthHash))])
		}
	}
	return nil
}

func firstSlot(s *Suite, cell int) int {
	n := 0
	for i := range cell {
		n += s.Cells[i].Seeds
	}
	return n
}

// SpeedCoverage says which bins of the required speed range the speeding truths covered.
type SpeedCoverage struct {
	MinKmh, MaxKmh float64  // required
	SeenMin        float64  `json:"seen_min_kmh"`
	SeenMax        float64  `json:"seen_max_kmh"`
	Bins           []string `json:"bins"`    // "10-52 km/h" ...
	Counts         []int    `json:"counts"`  // speeding truths per bin
	Missing        []string `json:"missing"` // bins without a truth
}

// Coverage bins the required range in four and counts the speeding truths in each.
func Coverage(r SpeedRange, truths []wire.Violation) *SpeedCoverage {
	c := &SpeedCoverage{MinKmh: r.MinKmh, MaxKmh: r.MaxKmh, Counts: make([]int, 4)}
	w := (r.MaxKmh - r.MinKmh) / 4
	for i := range 4 {
		c.Bins = append(c.Bins, fmt.Sprintf("%.0f-%.0f km/h", r.MinKmh+float64(i)*w, r.MinKmh+float64(i+1)*w))
	}
	first := true
	for _, v := range truths {
		if v.Type != wire.Speeding || v.SpeedKmh <= 0 {
			continue
		}
		if first || v.SpeedKmh < c.SeenMin {
			c.SeenMin = v.SpeedKmh
		}
		if first || v.SpeedKmh > c.SeenMax {
			c.SeenMax = v.SpeedKmh
		}
		first = false
		if i := int((v.SpeedKmh - r.MinKmh) / w); i >= 0 && i < 4 {
			c.Counts[i]++
		}
	}
	for i, n := range c.Counts {
		if n == 0 {
			c.Missing = append(c.Missing, c.Bins[i])
		}
	}
	return c
}

// Status is pass when every bin has a speeding truth, no data without any, else
// insufficient sample.
func (c *SpeedCoverage) Status() string {
	switch {
	case len(c.Missing) == 0:
		return conform.Pass
	case len(c.Missing) == len(c.Bins):
		return conform.NoData
	}
	return conform.Insufficient
}

// InputHashes is the SHA-256 of every scenario file the suite's cells use (shipped ones as
// "scenarios/NAME.yaml"), for the signed manifest.
func InputHashes(s *Suite) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range s.Cells {
		var b []byte
		var err error
		name := c.Scenario
		if slices.Contains(scenarios.Names(), c.Scenario) {
			name = "scenarios/" + c.Scenario + ".yaml"
			b, err = fs.ReadFile(scenarios.Shipped(), c.Scenario+".yaml")
		} else {
			b, err = os.ReadFile(c.Scenario)
		}
		if err != nil {
			return nil, fmt.Errorf("suite: %w", err)
		}
		h := sha256.Sum256(b)
		out[name] = hex.EncodeToString(h[:])
	}
	return out, nil
}
