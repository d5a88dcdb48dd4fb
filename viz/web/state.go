package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/wire"
)

// PlayheadsFile is written into a run folder by the run (sim/run.PlayheadsFile): where each
// camera's clip stood.
const PlayheadsFile = "playheads.json"

// tail reads the complete lines appended to a JSONL file since the last call.
type tail struct {
	path string
	off  int64
}

func (t *tail) lines(f func(line []byte) error) error {
	fh, err := os.Open(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer fh.Close()
	if _, err := fh.Seek(t.off, io.SeekStart); err != nil {
		return err
	}
	b, err := io.ReadAll(fh)
	if err != nil {
		return err
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil // a line being written: read it next time
		}
		line := b[:i]
		b = b[i+1:]
		t.off += int64(i + 1)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := f(line); err != nil {
			return fmt.Errorf("%s at byte %d: %w", filepath.Base(t.path), t.off-int64(i+1), err)
		}
	}
}

// runState is what the UI knows of a run: its record so far, scored.
type runState struct {
	run        record.Run
	truths     []wire.Violation
	truthByID  map[string]int // index in truths
	events     []results.Received
	eventByID  map[string]int
	faults     []wire.Fault
	deliveries map[string][]wire.Delivery
	truthOut   map[string]results.Match // truth id -> its TP or FN
	eventOut   map[string]results.Match // event id -> its TP, FP or Dup
	fromFile   bool                     // verdicts come from matches.jsonl

	scorer                                 *results.Live
	truthT, eventT, faultT, delivT, matchT tail
}

func newRunState(dir string, cfg results.Config) *runState {
	s := &runState{truthByID: map[string]int{}, eventByID: map[string]int{}, deliveries: map[string][]wire.Delivery{},
		truthOut: map[string]results.Match{}, eventOut: map[string]results.Match{},
		truthT: tail{path: filepath.Join(dir, record.TruthFile)}, eventT: tail{path: filepath.Join(dir, record.EventsFile)},
		faultT: tail{path: filepath.Join(dir, record.FaultsFile)}, delivT: tail{path: filepath.Join(dir, record.DeliveryFile)},
		matchT: tail{path: filepath.Join(dir, record.MatchesFile)}}
	s.scorer = results.NewLive(cfg)
	s.scorer.OnMatch(s.note)
	return s
}

// note keeps a verdict (called by the scorer, or for each line of matches.jsonl).
func (s *runState) note(m results.Match) {
	if m.TruthID != "" {
		s.truthOut[m.TruthID] = m
	}
	if m.EventID != "" && (m.Outcome != results.Dup || s.eventOut[m.EventID].Outcome == "") {
		s.eventOut[m.EventID] = m
	}
}

// read takes in what the run folder gained; useFile takes verdicts from matches.jsonl (a
// finished run) instead of scoring.
func (s *runState) read(useFile bool) error {
	err := errors.Join(
		s.truthT.lines(func(b []byte) error {
			var v wire.Violation
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			s.truthByID[v.ID] = len(s.truths)
			s.truths = append(s.truths, v)
			if !s.fromFile {
				s.scorer.AddTruth(v)
			}
			return nil
		}),
		s.eventT.lines(func(b []byte) error {
			var e results.Received
			if err := json.Unmarshal(b, &e); err != nil {
				return err
			}
			if _, dup := s.eventByID[e.EventID]; !dup {
				s.eventByID[e.EventID] = len(s.events)
				s.events = append(s.events, e)
			}
			if !s.fromFile {
				s.scorer.AddEvent(e.Event, e.At)
			}
			return nil
		}),
		s.faultT.lines(func(b []byte) error {
			var f wire.Fault
			if err := json.Unmarshal(b, &f); err != nil {
				return err
			}
			s.faults = append(s.faults, f)
			if !s.fromFile {
				s.scorer.AddFault(f)
			}
			return nil
		}),
		s.delivT.lines(func(b []byte) error {
			var d wire.Delivery
			if err := json.Unmarshal(b, &d); err != nil {
				return err
			}
			s.deliveries[d.Camera] = append(s.deliveries[d.Camera], d)
			return nil
		}))
	if useFile {
		err = errors.Join(err, s.matchT.lines(func(b []byte) error {
			var m results.Match
			if err := json.Unmarshal(b, &m); err != nil {
				return err
			}
			if !s.fromFile {
				s.fromFile = true
				clear(s.truthOut)
				clear(s.eventOut)
			}
			s.note(m)
			return nil
		}))
	}
	return err
}

// score finalises the verdicts due at now (live) or all of them (replay, now far ahead).
func (s *runState) score(now time.Time) {
	if !s.fromFile {
		s.scorer.Score(now)
	}
}

// readPlayheads reads playheads.json of a run folder.
func readPlayheads(dir string) ([]farm.Playhead, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlayheadsFile))
	if err != nil {
		return nil, fmt.Errorf("web: %w (runs made before the viewer lack it)", err)
	}
	var ps []farm.Playhead
	if err := json.Unmarshal(b, &ps); err != nil {
		return nil, fmt.Errorf("web: %s: %w", PlayheadsFile, err)
	}
	return ps, nil
}

// camStatus is a wall tile's line.
type camStatus struct {
	ID      string   `json:"id"`
	Frames  int64    `json:"frames"`
	Readers int64    `json:"readers"`
	LateMs  float64  `json:"late_ms"` // mean lateness (live) or frames late (replay)
	Faults  int      `json:"faults"`
	Active  []string `json:"active,omitempty"` // fault kinds in force
	Events  int      `json:"events"`
	TP      int      `json:"tp"`
	FP      int      `json:"fp"`
	FN      int      `json:"fn"`
	LastBad int64    `json:"last_bad,omitempty"` // unix ms of the latest FN or FP up to t
}

// status reports each camera up to wall time t.
func (s *runState) status(ids []string, t time.Time, live map[string]farm.CameraStats) []camStatus {
	idx := make(map[string]*camStatus, len(ids))
	out := make([]camStatus, len(ids))
	for i, id := range ids {
		out[i].ID = id
		idx[id] = &out[i]
		if cs, ok := live[id]; ok {
			out[i].Frames, out[i].Readers, out[i].LateMs = cs.Frames, cs.Readers, float64(cs.LateMean)/1e6
		} else {
			for _, d := range s.deliveries[id] {
				if !d.To.After(t) {
					out[i].Frames += d.Frames
					out[i].LateMs += float64(d.Late)
				}
			}
		}
	}
	bad := func(c *camStatus, at time.Time) {
		if ms := at.UnixMilli(); ms > c.LastBad {
			c.LastBad = ms
		}
	}
	for _, f := range s.faults {
		c := idx[f.Camera]
		if c == nil || f.Time.After(t) {
			continue
		}
		c.Faults++
		if f.Duration == 0 || t.Before(f.Time.Add(f.Duration)) {
			if !slices.Contains(c.Active, f.Kind) {
				c.Active = append(c.Active, f.Kind)
			}
		}
	}
	for _, e := range s.events {
		c := idx[e.CameraID]
		if c == nil || e.Time.After(t) {
			continue
		}
		c.Events++
		switch s.eventOut[e.EventID].Outcome {
		case results.TP:
			c.TP++
		case results.FP:
			c.FP++
			bad(c, e.Time)
		}
	}
	for _, v := range s.truths {
		c := idx[v.Camera]
		if c == nil || v.Wall.After(t) {
			continue
		}
		if s.truthOut[v.ID].Outcome == results.FN {
			c.FN++
			bad(c, v.Wall)
		}
	}
	return out
}

// truthView and eventView are the timeline of one camera for the browser.
type truthView struct {
	ID      string          `json:"id"`
	Camera  string          `json:"camera"`
	Type    string          `json:"type"`
	Wall    int64           `json:"wall"` // unix ms
	T       float64         `json:"t"`    // clip seconds
	Frame   int             `json:"frame"`
	Object  int             `json:"object"` // the road user, followed in the clip's truth frames
	Box     wire.Box        `json:"box"`
	Plate   string          `json:"plate,omitempty"`
	Class   string          `json:"class"`
	Outcome results.Outcome `json:"outcome,omitempty"` // tp, fn; empty: not final yet
	Event   string          `json:"event,omitempty"`
}

type eventView struct {
	ID       string          `json:"id"`
	Camera   string          `json:"camera"`
	Type     string          `json:"type"`
	Time     int64           `json:"time"` // unix ms
	Box      *wire.Box       `json:"box,omitempty"`
	Plate    string          `json:"plate,omitempty"`
	Class    string          `json:"class,omitempty"`
	Conf     float64         `json:"conf"`
	Source   string          `json:"source"`
	Evidence bool            `json:"evidence,omitempty"`
	Outcome  results.Outcome `json:"outcome,omitempty"`
	Truth    string          `json:"truth,omitempty"`
}

type timeline struct {
	Truths []truthView `json:"truths"`
	Events []eventView `json:"events"`
}

// timeline lists a camera's truths and events (every camera's for cam "").
func (s *runState) timeline(cam string) timeline {
	tl := timeline{Truths: []truthView{}, Events: []eventView{}}
	for _, v := range s.truths {
		if cam != "" && v.Camera != cam {
			continue
		}
		m := s.truthOut[v.ID]
		tl.Truths = append(tl.Truths, truthView{ID: v.ID, Camera: v.Camera, Type: string(v.Type), Wall: v.Wall.UnixMilli(), T: v.T, Frame: v.Frame, Object: v.Object,
			Box: v.Box, Plate: v.Plate, Class: string(v.Class), Outcome: m.Outcome, Event: m.EventID})
	}
	for _, e := range s.events {
		if cam != "" && e.CameraID != cam {
			continue
		}
		m := s.eventOut[e.EventID]
		ev := eventView{ID: e.EventID, Camera: e.CameraID, Type: string(e.Type), Time: e.Time.UnixMilli(), Box: e.Box, Plate: e.Plate,
			Class: string(e.VehicleClass), Conf: e.Confidence, Source: e.Source, Evidence: e.Evidence != nil && (len(e.Evidence.JPEG) > 0 || strings.HasPrefix(e.Evidence.Ref, "cluster://")),
			Outcome: m.Outcome, Truth: m.TruthID}
		tl.Events = append(tl.Events, ev)
	}
	return tl
}
