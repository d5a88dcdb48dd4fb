package load

// This file runs the reader executors (ramping-readers, constant-reader-rate): a probe swarm
// (sim/probe, RTSP reader clients) on the cameras the plan's farms serve, grown and shrunk by
// the aggregation loop, its counts drained into samples every tick.

import (
	"maps"
	"time"

	"github.com/trafficsim/trafficsim/sim/probe"
)

// readerScen is a reader scenario while it runs.
type readerScen struct {
	s       *Scenario
	swarm   *probe.Swarm
	from    []*scen // camera scenarios whose cameras the readers read
	started int     // constant-reader-rate: readers started so far
}

// ReaderExecutor reports whether the scenario drives probe readers.
func (s *Scenario) ReaderExecutor() bool {
	return s.Executor == RampingReaders || s.Executor == ConstantReaderRate
}

// Primary is the scenario the per-stage table follows: the first (by start time, then name)
// that ramps in stages, cameras or readers; else the first camera scenario.
func (p *Plan) Primary() *Scenario {
	names := p.Names()
	for _, n := range names {
		if s := p.Scenarios[n]; s.Executor == RampingCameras || s.Executor == RampingReaders {
			return s
		}
	}
	for _, n := range names {
		if s := p.Scenarios[n]; !s.ReaderExecutor() {
			return s
		}
	}
	return p.Scenarios[names[0]]
}

// validateReaders checks what reader scenarios read: a camera scenario of the plan.
func (p *Plan) validateReaders(bad func(path, format string, args ...any)) {
	cams := 0
	for _, s := range p.Scenarios {
		if s != nil && (s.CamerasExecutor() || s.Executor == ExternallyControlled) {
			cams++
		}
	}
	for _, name := range sortedKeys(p.Scenarios) {
		s := p.Scenarios[name]
		if s == nil || !s.ReaderExecutor() {
			if s != nil && s.ReadFrom != "" {
				bad("scenarios."+name+".readFrom", "only reader scenarios (%s, %s) read cameras", RampingReaders, ConstantReaderRate)
			}
			continue
		}
		if cams == 0 {
			bad("scenarios."+name, "probe readers need a camera scenario to read (e.g. constant-cameras with device: none)")
			continue
		}
		if s.ReadFrom == "" {
			continue
		}
		if f := p.Scenarios[s.ReadFrom]; f == nil || !(f.CamerasExecutor() || f.Executor == ExternallyControlled) {
			bad("scenarios."+name+".readFrom", "%q is not a camera scenario of the plan", s.ReadFrom)
		}
	}
}

// ReadersStarted is how many readers a constant-reader-rate scenario has started by elapsed
// (since the plan's start): Rate at the start of each TimeUnit while it runs. Reader k starts
// at ReaderStart(k). Pure, like Target.
func (s *Scenario) ReadersStarted(elapsed time.Duration) int {
	t := elapsed - s.Start
	if t < 0 || s.Executor != ConstantReaderRate {
		return 0
	}
	t = min(t, s.Duration-1)
	return s.Rate * int(t/s.TimeUnit+1)
}

// ReaderStart is when (since the plan's start) reader k (from 0) of a constant-reader-rate
// scenario starts, and when it ends: ReaderDuration later, or at the scenario's end.
func (s *Scenario) ReaderStart(k int) (start, end time.Duration) {
	start = s.Start + time.Duration(k/s.Rate)*s.TimeUnit
	return start, min(start+s.ReaderDuration, s.Start+s.Duration)
}

// setUpReaders makes a swarm per reader scenario; called once the camera scenarios exist.
func (r *runner) setUpReaders() {
	for _, n := range r.p.Names() {
		s := r.p.Scenarios[n]
		if !s.ReaderExecutor() {
			continue
		}
		rs := &readerScen{s: s, swarm: probe.NewSwarm(probe.Config{TimeNow: r.now})}
		for _, sc := range r.scens {
			if s.ReadFrom == "" || s.ReadFrom == sc.s.Name {
				rs.from = append(rs.from, sc)
			}
		}
		r.readers = append(r.readers, rs)
	}
}

// applyReaders brings every reader scenario to its load at el.
func (r *runner) applyReaders(el time.Duration) {
	for _, rs := range r.readers {
		var ts []probe.Target
		for _, sc := range rs.from {
			for _, c := range sc.calibrations(nil) {
				ts = append(ts, probe.Target{ID: c.ID, URL: c.URL, Username: c.Username, Password: c.Password})
			}
		}
		rs.swarm.SetTargets(ts)
		switch rs.s.Executor {
		case RampingReaders:
			want, _ := rs.s.Target(el)
			if alive := rs.swarm.Readers(); want > alive {
				rs.swarm.Start(want-alive, 0)
			} else if want < alive {
				rs.swarm.Stop(alive-want, false)
			}
		case ConstantReaderRate:
			// each reader lives from its own start, whatever the tick's delay
			for n := rs.s.ReadersStarted(el); rs.started < n; rs.started++ {
				if _, end := rs.s.ReaderStart(rs.started); end > el {
					rs.swarm.Start(1, end-el)
				}
			}
		}
	}
}

// stopReaders ends every reader (the stages are done).
func (r *runner) stopReaders() {
	for _, rs := range r.readers {
		rs.swarm.Stop(rs.swarm.Readers(), false)
	}
}

// readerCount is the readers running, all scenarios.
func (r *runner) readerCount() int {
	n := 0
	for _, rs := range r.readers {
		n += rs.swarm.Readers()
	}
	return n
}

// sampleReaders drains the swarms: readers online, frames and lost packets per camera, the
// mean lateness of each reader's frames, failed sessions.
func (r *runner) sampleReaders(add func(MetricDef, float64, map[string]string)) {
	if len(r.readers) == 0 {
		return
	}
	for _, rs := range r.readers {
		iv := rs.swarm.Drain()
		scen := map[string]string{"scenario": rs.s.Name}
		add(mReaders, float64(iv.Alive), scen)
		add(mReaderFailures, float64(iv.Failures), maps.Clone(scen))
		for _, e := range iv.Errors {
			r.cfg.Logf("load: scenario %s: a reader session failed: %s", rs.s.Name, e)
		}
		frames, lost := map[string]int64{}, map[string]int64{}
		var cams []string
		for _, ri := range iv.Readers {
			if _, ok := frames[ri.Camera]; !ok {
				cams = append(cams, ri.Camera)
			}
			frames[ri.Camera] += ri.Frames
			lost[ri.Camera] += ri.Lost
			if ri.Timed > 0 {
				add(mReaderLateness, ri.LateMean, map[string]string{"scenario": rs.s.Name, "camera": ri.Camera})
			}
		}
		for _, c := range cams {
			add(mReaderFrames, float64(frames[c]), map[string]string{"scenario": rs.s.Name, "camera": c})
			add(mReaderLost, float64(lost[c]), map[string]string{"scenario": rs.s.Name, "camera": c})
		}
	}
}

func (r *runner) closeReaders() {
	for _, rs := range r.readers {
		rs.swarm.Close()
	}
}
