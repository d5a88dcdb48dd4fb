package load

import (
	"fmt"
	"maps"
	"sort"
	"syscall"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/threshold"
)

// onMatch buffers the samples of a final match; it runs in the center's goroutines with the
// scorer's lock held, so it only appends.
func (r *runner) onMatch(m results.Match) {
	tags := map[string]string{"type": string(m.Type), "light": m.Light, "camera": m.Camera}
	var ss []Sample
	switch m.Outcome {
	case results.TP:
		ss = append(ss,
			Sample{Metric: mLatency.Name, Tags: tags, Value: float64(m.Latency) / 1e6, Time: m.TruthTime},
			Sample{Metric: mTimeError.Name, Tags: maps.Clone(tags), Value: float64(max(m.TimeError, -m.TimeError)) / 1e6, Time: m.TruthTime},
			Sample{Metric: mDetected.Name, Tags: maps.Clone(tags), Value: 1, Time: m.TruthTime})
	case results.FN:
		ss = append(ss, Sample{Metric: mDetected.Name, Tags: tags, Value: 0, Time: m.TruthTime})
	default:
		return
	}
	r.mu.Lock()
	r.buf = append(r.buf, ss...)
	r.mu.Unlock()
}

// sample reads the farm, device and center counters into samples (deltas since the last
// tick), drains the match buffer and feeds every sample to the sinks and outputs.
func (r *runner) sample(now time.Time, score bool) {
	var ss []Sample
	add := func(d MetricDef, v float64, tags map[string]string) {
		ss = append(ss, Sample{Metric: d.Name, Tags: tags, Value: v, Time: now})
	}
	online := 0
	pendingAll := 0
	for _, sc := range r.scens {
		n := sc.count()
		online += n
		add(mCameras, float64(n), map[string]string{"scenario": sc.s.Name})
		devCams, pending := sc.deviceStats()
		pendingAll += pending
		for _, fs := range sc.farm.Stats() {
			p := r.prev[fs.ID]
			dc := devCams[fs.ID]
			lateTotal := float64(fs.LateMean) * float64(fs.Frames)
			cam := map[string]string{"camera": fs.ID}
			// a camera's first seconds (connecting, first keyframe) say nothing of the device's pace
			warming := sc.warming(fs.ID, now, r.cfg.WarmUp)
			if !warming {
				if df := fs.Frames - p.frames; df > 0 {
					add(mLateness, (lateTotal-p.lateTotal)/float64(df)/1e6, cam)
				}
			}
			if sc.s.Device == "reference" && !sc.smartCam(fs.ID) { // a smart camera has no reader
				add(mFramesSent, float64(dc.Frames-p.decoded), cam)
				if !warming {
					add(mDecodeFPS, float64(dc.Frames-p.decoded), map[string]string{"camera": fs.ID})
				}
			} else {
				add(mFramesSent, float64(fs.Frames-p.frames), cam)
			}
			add(mFramesLost, float64(fs.Skipped-p.skipped), map[string]string{"camera": fs.ID})
			if sc.s.Device == "reference" && !sc.smartCam(fs.ID) {
				add(mPacketsLost, float64(dc.PacketsLost-p.lost), map[string]string{"camera": fs.ID})
			}
			r.prev[fs.ID] = camPrev{frames: fs.Frames, skipped: fs.Skipped, lost: dc.PacketsLost, decoded: dc.Frames, lateTotal: lateTotal}
		}
	}
	add(mPending, float64(pendingAll), nil)
	r.sampleReaders(add)
	r.clusterPending = r.sampleClusters(add)
	if cpu := processCPU(); r.prevCPU > 0 {
		add(mCPU, (cpu - r.prevCPU).Seconds(), nil)
		r.prevCPU = cpu
	} else {
		r.prevCPU = cpu
	}
	if r.cen != nil { // a shard has no center
		cs := r.cen.Stats()
		add(mEvents, float64(cs.EventsAccepted-r.prevCen.EventsAccepted), nil)
		add(mIngestErrors, float64(cs.Refused-r.prevCen.Refused), nil)
		r.prevCen = cs
	}
	if score && r.live != nil {
		sc := r.live.Score(now)
		gauges := func(m results.Metrics, tags map[string]string) {
			add(mF1, m.F1, tags)
			add(mPrecision, m.Precision, maps.Clone(tags))
			add(mRecall, m.Recall, maps.Clone(tags))
		}
		gauges(sc.Overall, nil)
		add(mPlateAccuracy, sc.Overall.PlateAccuracy, nil)
		for t, m := range sc.ByType {
			gauges(m, map[string]string{"type": t})
			add(mPlateAccuracy, m.PlateAccuracy, map[string]string{"type": t})
		}
		for c, m := range sc.ByCondition {
			k, v, ok := cutCondition(c)
			if ok {
				gauges(m, map[string]string{k: v})
			}
		}
	}
	r.mu.Lock()
	ss = append(ss, r.buf...)
	r.buf = r.buf[:0]
	r.mu.Unlock()
	for i := range ss {
		if ss[i].Tags == nil {
			ss[i].Tags = map[string]string{}
		}
		r.card.bound(&ss[i])
		r.feed(ss[i])
	}
	for _, o := range r.cfg.Outputs {
		if err := o.Add(ss); err != nil {
			r.cfg.Logf("load: output %s: %v", o.Name(), err)
		}
	}
	if r.publish != nil {
		r.publish(ss)
	}
}

// cutCondition splits a condition key: day/night are light, weather:x weather, fault/no_fault
// are left out.
func cutCondition(c string) (k, v string, ok bool) {
	switch c {
	case "day", "night", "unknown":
		return "light", c, true
	}
	if w, found := cutPrefix(c, "weather:"); found {
		return "weather", w, true
	}
	return "", "", false
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// stageAt is the primary scenario's stage, and the cameras online and readers running, at t.
func (r *runner) stageAt(t time.Time) (stage, cameras, readers int) {
	i := sort.Search(len(r.stageLog), func(i int) bool { return r.stageLog[i].at.After(t) }) - 1
	if i < 0 {
		if len(r.stageLog) == 0 {
			return -1, 0, 0
		}
		i = 0
	}
	return r.stageLog[i].stage, r.stageLog[i].cameras, r.stageLog[i].readers
}

// feed adds a sample to the threshold sinks (whole run and its stage) and the totals.
func (r *runner) feed(s Sample) {
	stage, _, _ := r.stageAt(s.Time)
	def := Metrics[s.Metric]
	for _, j := range r.judged {
		if j.sel.Metric != s.Metric || !j.sel.Matches(s.Tags) || def.Kind == threshold.Gauge && len(s.Tags) != len(j.sel.Tags) {
			continue
		}
		j.total.Add(s.Value)
		st := j.stages[stage]
		if st == nil {
			st = threshold.NewSink(def.Kind)
			j.stages[stage] = st
		}
		st.Add(s.Value)
	}
	// totals: gauges only untagged (one series), others summed over tags
	if def.Kind == threshold.Gauge && len(s.Tags) > 0 {
		return
	}
	t := r.totals[s.Metric]
	if t == nil {
		t = threshold.NewSink(def.Kind)
		r.totals[s.Metric] = t
	}
	t.Add(s.Value)
	sa := r.stageAgg[stage]
	if sa == nil {
		sa = map[string]*threshold.Sink{}
		r.stageAgg[stage] = sa
	}
	if sa[s.Metric] == nil {
		sa[s.Metric] = threshold.NewSink(def.Kind)
	}
	sa[s.Metric].Add(s.Value)
}

// feedTotals feeds the untagged totals of the gauges sampled per scenario (cameras, readers,
// cluster_pending) to the thresholds and the summary; outputs have the per-scenario series only,
// whose sum would count them twice.
func (r *runner) feedTotals(now time.Time, online, readers int) {
	totals := []Sample{{Metric: mCameras.Name, Value: float64(online)}, {Metric: mClusterPending.Name, Value: r.clusterPending}}
	if len(r.readers) > 0 {
		totals = append(totals, Sample{Metric: mReaders.Name, Value: float64(readers)})
	}
	for _, t := range totals {
		t.Tags, t.Time = map[string]string{}, now
		r.feed(t)
	}
}

// judge evaluates every threshold over the whole run so far; it returns why to abort, or "".
func (r *runner) judge(now time.Time, el time.Duration) string {
	online, readers := r.onlineCount(), r.readerCount()
	r.feedTotals(now, online, readers)
	stage, _, _ := r.stageAt(now)
	why := r.operatorAbort()
	for _, j := range r.judged {
		if j.total.Count() == 0 {
			continue
		}
		v, err := j.total.Value(j.spec.Expr.Agg, el)
		if err != nil || j.spec.Expr.Holds(v) {
			continue
		}
		if j.first == nil && el >= max(j.spec.DelayAbortEval, r.cfg.WarmUp) {
			j.first = &Failure{Elapsed: el, Cameras: online, Readers: readers, Stage: stage, Value: v}
			r.cfg.Logf("load: threshold %s %s failed at %v with %s (value %s)", j.sel, j.spec.Threshold, el.Round(time.Second), loadNote(online, readers), fmtV(v))
		}
		if j.spec.AbortOnFail && el >= j.spec.DelayAbortEval && why == "" {
			why = fmt.Sprintf("threshold %s %s failed (abortOnFail) at %s", j.sel, j.spec.Threshold, loadNote(online, readers))
		}
	}
	return why
}

// finish judges the thresholds a last time and fills the summary.
func (r *runner) finish(res *Result) {
	end := r.now()
	res.Duration = end.Sub(r.start)
	el := r.elapsed(end)
	res.Score = r.live.Score(end.Add(24 * time.Hour))
	// stages of the primary scenario that ran
	stageDur := map[int][2]time.Duration{}
	for i, m := range r.stageLog {
		to := end
		if i+1 < len(r.stageLog) {
			to = r.stageLog[i+1].at
		}
		d, ok := stageDur[m.stage]
		from := m.at.Sub(r.start)
		if !ok {
			d[0] = from
		}
		d[1] = to.Sub(r.start)
		stageDur[m.stage] = d
	}
	primary := r.p.Primary()
	var stages []int
	for st := range stageDur {
		if st >= 0 && st < max(len(primary.Stages), 1) {
			stages = append(stages, st)
		}
	}
	sort.Ints(stages)
	for _, st := range stages {
		d := stageDur[st]
		span := d[1] - d[0]
		row := StageRow{Stage: st, Start: d[0], End: d[1]}
		for _, m := range r.stageLog {
			if m.stage == st {
				row.Cameras, row.Readers = m.cameras, m.readers
			}
		}
		sa := r.stageAgg[st]
		val := func(metric, agg string, p float64) float64 {
			s := sa[metric]
			if s == nil {
				return 0
			}
			v, _ := s.Value(threshold.Agg{Name: agg, P: p}, span)
			return v
		}
		row.Delivered = val(mFramesSent.Name, "count", 0)
		row.Lost = val(mFramesLost.Name, "count", 0)
		row.DecodeFPS = val(mDecodeFPS.Name, "avg", 0)
		row.LateP95 = val(mLateness.Name, "p", 95)
		row.LatP95 = val(mLatency.Name, "p", 95)
		row.Detected = val(mDetected.Name, "rate", 0)
		row.EventsPS = val(mEvents.Name, "rate", 0)
		row.Cores = val(mCPU.Name, "rate", 0)
		row.ReaderFrames = val(mReaderFrames.Name, "count", 0)
		row.ReaderLateP95 = val(mReaderLateness.Name, "p", 95)
		row.ReaderFailures = val(mReaderFailures.Name, "count", 0)
		if cpu := val(mCPU.Name, "count", 0); cpu > 0 {
			row.FramesPerCPU = row.Delivered / cpu
		}
		res.Stages = append(res.Stages, row)
	}
	for _, j := range r.judged {
		tr := ThresholdResult{Selector: j.sel.String(), Threshold: j.spec.Threshold, AbortOnFail: j.spec.AbortOnFail, Passed: true, FirstFailedStage: -1}
		if j.total.Count() > 0 {
			v, _ := j.total.Value(j.spec.Expr.Agg, el)
			tr.Value = v
			tr.Passed = j.spec.Expr.Holds(v)
		}
		if !tr.Passed && j.first == nil {
			// failed only in the last judgement: the load when the stages ended, not the tail's
			at := end
			if !r.stagesDone.IsZero() {
				at = r.stagesDone.Add(-time.Nanosecond)
			}
			st, cams, readers := r.stageAt(at)
			j.first = &Failure{Elapsed: el, Cameras: cams, Readers: readers, Stage: st, Value: tr.Value}
		}
		tr.FirstFailed = j.first
		for _, st := range stages {
			ok := true
			if s := j.stages[st]; s != nil && s.Count() > 0 {
				d := stageDur[st]
				v, _ := s.Value(j.spec.Expr.Agg, d[1]-d[0])
				ok = j.spec.Expr.Holds(v)
			}
			tr.StagePassed = append(tr.StagePassed, ok)
			if !ok && tr.FirstFailedStage < 0 {
				tr.FirstFailedStage = st
			}
		}
		res.Thresholds = append(res.Thresholds, tr)
	}
	res.Metrics = r.summarize(el)
}

// summarize gives every metric's totals, k6's end-of-test shape.
func (r *runner) summarize(el time.Duration) map[string]MetricSummary {
	out := map[string]MetricSummary{}
	for name, s := range r.totals {
		def := Metrics[name]
		ms := MetricSummary{Kind: def.Kind.String(), Unit: def.Unit, Values: map[string]float64{}}
		aggsOf := map[threshold.Kind][]threshold.Agg{
			threshold.Counter: {{Name: "count"}, {Name: "rate"}},
			threshold.Gauge:   {{Name: "value"}, {Name: "min"}, {Name: "max"}},
			threshold.Rate:    {{Name: "rate"}},
			threshold.Trend:   {{Name: "avg"}, {Name: "min"}, {Name: "med"}, {Name: "max"}, {Name: "p", P: 90}, {Name: "p", P: 95}},
		}
		for _, a := range aggsOf[def.Kind] {
			v, _ := s.Value(a, el)
			ms.Values[a.String()] = v
		}
		if def.Kind == threshold.Rate || def.Kind == threshold.Trend {
			ms.Values["count"] = float64(s.Count())
		}
		out[name] = ms
	}
	return out
}

func fmtV(v float64) string { return fmt.Sprintf("%.4g", v) }

// loadNote says the load at a moment: "12 cameras", or "4 cameras, 30 readers".
func loadNote(cameras, readers int) string {
	if readers == 0 {
		return fmt.Sprintf("%d cameras", cameras)
	}
	return fmt.Sprintf("%d cameras, %d readers", cameras, readers)
}

// processCPU is the user+system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
