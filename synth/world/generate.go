package world

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/synth/shape"
	"github.com/trafficsim/trafficsim/wire"
)

// Options of a truth run.
type Options struct {
	Seed     uint64        // 0: the scenario's seed
	Duration time.Duration // 0: the scenario's duration
	Camera   string        // camera id, default "cam-01"
}

// WarmUp is the simulated time before frame 0 so that the clip starts with traffic on the road.
const WarmUp = 120 * time.Second

// Version names the truth the world makes; it is part of a clip's content hash (synth/clips), so
// bump it whenever the same scenario and seed would give different truth.
const Version = "world-6" // 2: boxes and visibility from the shared body shapes; 3: weather on every violation; 4: plate_readable on violations, signal groups in the calibration; 5: plates readable from 15 px characters with 2 px strokes; 6: no_helmet and too_many_passengers stamped once the motorbike is wire.JudgeMinPx tall

// Generate runs the world of a scenario and returns its truth (truth.json) and the calibration
// of the camera (camera.json). Same scenario, options and version give byte-identical JSON.
func Generate(sc *scenarios.Scenario, o Options) (*wire.Truth, *wire.Calibration, error) {
	r, err := run(sc, o)
	if err != nil {
		return nil, nil, err
	}
	return r.truth, r.cal, nil
}

type result struct {
	truth *wire.Truth
	cal   *wire.Calibration
	stats stats
	fully map[int]bool
}

func run(sc *scenarios.Scenario, o Options) (*result, error) {
	if err := usable(sc); err != nil {
		return nil, err
	}
	seed := o.Seed
	if seed == 0 {
		seed = sc.Seed
	}
	dur := o.Duration
	if dur == 0 {
		dur = sc.Duration
	}
	if dur < 0 {
		return nil, fmt.Errorf("world: negative duration %s", dur)
	}
	cam := o.Camera
	if cam == "" {
		cam = "cam-01"
	}
	st, err := buildSite(sc, seed)
	if err != nil {
		return nil, fmt.Errorf("world: %s: %w", sc.Name, err)
	}
	fps := sc.FPS
	frames := int(math.Round(dur.Seconds() * fps))
	warm := int(math.Round(WarmUp.Seconds() * fps))
	m := newSim(st, seed, -float64(warm)/fps)
	cond := wire.Conditions{TimeOfDay: sc.Conditions.TimeOfDay, Weather: sc.Conditions.Weather, Noise: sc.Conditions.Noise,
		Overlay: *sc.Conditions.Overlay, Start: sc.Conditions.Start}
	tr := &wire.Truth{
		Version: wire.TruthVersion, Scenario: sc.Name, Seed: seed, Camera: cam, FPS: fps,
		Width: sc.Resolution.Width, Height: sc.Resolution.Height, Pinhole: st.cam, Conditions: cond, Scene: st.scene,
		Frames: make([]wire.Frame, 0, frames),
	}
	// every violation names its weather, clear included, so scores per condition have no "unknown"
	j := &judge{st: st, fps: fps, tracks: map[int]*track{}, cam: cam, night: cond.Night(), wx: cond.Weather, fully: map[int]bool{}}
	vw := newViewer(st.cam)
	vw.addScenery(shape.Scenery(&st.scene))
	objs := map[int]*wire.Object{}
	var order []int
	readable := map[int]bool{} // objects whose plate this camera shows readable at least once
	lights := make([]wire.Light, len(st.heads))
	var states []wire.ObjectState
	for k := -warm; k < frames; k++ {
		m.t = float64(k) / fps
		if k == 0 {
			// Rates are judged on the clip: count decisions from frame 0 on (vehicles of the
			// warm-up that violate in the clip balance those the clip end cuts short).
			m.stats = stats{spawned: map[wire.Class]int{}, mainIDs: m.stats.mainIDs, speederIDs: m.stats.speederIDs}
		}
		if k >= 0 {
			f := wire.Frame{Index: k, T: round3(m.t)}
			for i, h := range st.heads {
				lights[i], _ = st.cycle.light(h.group, m.t)
				f.Signals = append(f.Signals, wire.SignalState{ID: h.sig.ID, Light: lights[i]})
			}
			slices.SortFunc(m.active, func(a, b *vehicle) int { return a.id - b.id })
			states = states[:0]
			for _, v := range m.active {
				s := wire.ObjectState{ID: v.id, Pos: wire.Point{round3(v.pos[0]), round3(v.pos[1])}, Heading: v.hdg,
					SpeedKmh: math.Round(v.v*3.6*100) / 100, Braking: v.acc < -0.5 && v.v > 0.1}
				s.Stationary = s.SpeedKmh < StationaryKmh
				if r, c := st.laneOf(v.pos, v.fwd); r != nil && math.Abs(c) > AlignCos {
					s.Lane = r.id
				}
				states = append(states, s)
			}
			vw.look(m.active, states)
			for i, v := range m.active {
				j.apply(v, &states[i], k, lights)
				if !states[i].InView {
					continue
				}
				f.Objects = append(f.Objects, states[i])
				ob := objs[v.id]
				if ob == nil {
					ob = &v.obj
					ob.First = k
					objs[v.id] = ob
					order = append(order, v.id)
				}
				ob.Last = k
				if states[i].PlateRead {
					readable[v.id] = true
				}
			}
			tr.Frames = append(tr.Frames, f)
		}
		m.step()
	}
	slices.Sort(order)
	tr.Objects = make([]wire.Object, 0, len(order))
	for _, id := range order {
		tr.Objects = append(tr.Objects, *objs[id])
	}
	vs := j.out
	slices.SortStableFunc(vs, func(a, b wire.Violation) int {
		if a.Frame != b.Frame {
			return a.Frame - b.Frame
		}
		if a.Object != b.Object {
			return a.Object - b.Object
		}
		return typeIndex(a.Type) - typeIndex(b.Type)
	})
	for i := range vs {
		vs[i].ID = fmt.Sprintf("%s-v%05d", cam, i+1)
		vs[i].PlateReadable = vs[i].Plate != "" && readable[vs[i].Object]
	}
	if vs == nil {
		vs = []wire.Violation{}
	}
	tr.Violations = vs
	return &result{truth: tr, cal: calibrate(st, cam), stats: m.stats, fully: j.fully}, nil
}

// usable rejects a scenario the world cannot run (one built in code without scenarios.Load).
func usable(sc *scenarios.Scenario) error {
	switch {
	case sc == nil:
		return errors.New("world: no scenario")
	case !(sc.FPS > 0 && sc.FPS <= 1000):
		return fmt.Errorf("world: %s: fps %g", sc.Name, sc.FPS)
	case sc.Resolution.Width <= 0 || sc.Resolution.Height <= 0:
		return fmt.Errorf("world: %s: resolution %dx%d", sc.Name, sc.Resolution.Width, sc.Resolution.Height)
	case len(sc.Camera.PositionM) != 2:
		return fmt.Errorf("world: %s: camera position needs [x, y]", sc.Name)
	case len(sc.Scene.Lanes) == 0:
		return fmt.Errorf("world: %s: no lanes", sc.Name)
	case sc.Scene.Template == "intersection" && (sc.Scene.Cross == nil || sc.Scene.Signal == nil):
		return fmt.Errorf("world: %s: an intersection needs a cross road and a signal", sc.Name)
	case sc.Conditions.Overlay == nil:
		return fmt.Errorf("world: %s: conditions not defaulted (load scenarios with scenarios.Load)", sc.Name)
	}
	return nil
}

// Summary counts the objects per class and the violations per type of a truth.
type Summary struct {
	Frames     int
	Objects    map[wire.Class]int
	Violations map[wire.ViolationType]int
}

// Summarize counts a truth.
func Summarize(t *wire.Truth) Summary {
	s := Summary{Frames: len(t.Frames), Objects: map[wire.Class]int{}, Violations: map[wire.ViolationType]int{}}
	for _, o := range t.Objects {
		s.Objects[o.Class]++
	}
	for _, v := range t.Violations {
		s.Violations[v.Type]++
	}
	return s
}
