package load

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// WriteSummary prints k6's end-of-test summary: thresholds with pass/fail marks, then the
// metrics' totals, then what the device did at each stage and where each threshold first
// failed.
func WriteSummary(w io.Writer, p *Plan, res *Result) {
	fmt.Fprintf(w, "\n  █ THRESHOLDS\n\n")
	bySel := map[string][]ThresholdResult{}
	var sels []string
	for _, t := range res.Thresholds {
		if _, ok := bySel[t.Selector]; !ok {
			sels = append(sels, t.Selector)
		}
		bySel[t.Selector] = append(bySel[t.Selector], t)
	}
	sort.Strings(sels)
	for _, s := range sels {
		fmt.Fprintf(w, "    %s\n", s)
		for _, t := range bySel[s] {
			mark := "✓"
			if !t.Passed {
				mark = "✗"
			}
			fmt.Fprintf(w, "    %s '%s' %s=%s\n", mark, t.Threshold, aggName(t.Threshold), fmtV(t.Value))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  █ TOTAL RESULTS\n\n")
	names := make([]string, 0, len(res.Metrics))
	for n := range res.Metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := res.Metrics[n]
		fmt.Fprintf(w, "    %s%s %s\n", n, strings.Repeat(".", max(2, 26-len(n))), metricLine(m))
	}
	readers := false // reader columns only for plans with probe readers
	for _, s := range p.Scenarios {
		readers = readers || s.ReaderExecutor()
	}
	fmt.Fprintf(w, "\n  █ STAGES (%s)\n\n", p.Primary().Name)
	fmt.Fprintf(w, "    %-5s %-7s %-13s %10s %9s %10s %13s %14s %8s %8s %6s %12s", "stage", "cameras", "time", "delivered", "lost", "decode/cam", "late p95 ms", "latency p95 ms", "detected", "events/s", "cores", "frames/cpu-s")
	if readers {
		fmt.Fprintf(w, " %7s %13s %16s %10s", "readers", "reader frames", "reader late p95", "rd failed")
	}
	for i := range res.Thresholds {
		fmt.Fprintf(w, " T%d", i+1)
	}
	fmt.Fprintln(w)
	for k, st := range res.Stages {
		fmt.Fprintf(w, "    %-5d %-7d %-13s %10.0f %9.0f %10.1f %13.1f %14.0f %8.2f %8.2f %6.2f %12.0f", st.Stage+1, st.Cameras,
			st.Start.Round(time.Second).String()+"-"+st.End.Round(time.Second).String(), st.Delivered, st.Lost, st.DecodeFPS, st.LateP95, st.LatP95, st.Detected, st.EventsPS, st.Cores, st.FramesPerCPU)
		if readers {
			fmt.Fprintf(w, " %7d %13.0f %16.1f %10.0f", st.Readers, st.ReaderFrames, st.ReaderLateP95, st.ReaderFailures)
		}
		for _, t := range res.Thresholds {
			mark := " ✓"
			if k < len(t.StagePassed) && !t.StagePassed[k] {
				mark = " ✗"
			}
			fmt.Fprintf(w, " %s", mark)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	for i, t := range res.Thresholds {
		fmt.Fprintf(w, "    T%d %s %s: ", i+1, t.Selector, t.Threshold)
		switch {
		case t.FirstFailed == nil && t.FirstFailedStage < 0:
			fmt.Fprintf(w, "never failed (up to %s)\n", loadNote(res.PeakCameras, res.PeakReaders))
		default:
			var parts []string
			if t.FirstFailed != nil {
				parts = append(parts, fmt.Sprintf("whole run first failed at %s (%v, value %s)", loadNote(t.FirstFailed.Cameras, t.FirstFailed.Readers), t.FirstFailed.Elapsed.Round(time.Second), fmtV(t.FirstFailed.Value)))
			}
			if t.FirstFailedStage >= 0 {
				cams, rds := 0, 0
				for _, st := range res.Stages {
					if st.Stage == t.FirstFailedStage {
						cams, rds = st.Cameras, st.Readers
					}
				}
				parts = append(parts, fmt.Sprintf("first failing stage %d at %s", t.FirstFailedStage+1, loadNote(cams, rds)))
			}
			fmt.Fprintln(w, strings.Join(parts, "; "))
		}
	}
	fmt.Fprintln(w)
	verdict := "all thresholds passed"
	if !res.Passed() {
		verdict = "some thresholds have failed"
	}
	if res.Aborted != "" {
		verdict += "; stopped early: " + res.Aborted
	}
	fmt.Fprintf(w, "  run %s: %v, peak %s; %s\n", res.Dir, res.Duration.Round(time.Second), loadNote(res.PeakCameras, res.PeakReaders), verdict)
}

func aggName(expr string) string {
	for i, c := range expr {
		if strings.ContainsRune("<>=!", c) {
			return strings.TrimSpace(expr[:i])
		}
	}
	return expr
}

func metricLine(m MetricSummary) string {
	order := []string{"avg", "min", "med", "max", "p(90)", "p(95)", "value", "count", "rate"}
	var parts []string
	for _, k := range order {
		v, ok := m.Values[k]
		if !ok {
			continue
		}
		s := fmtV(v)
		if m.Unit == "ms" && k != "count" {
			s = (time.Duration(v * 1e6)).Round(time.Millisecond).String()
		}
		if k == "rate" && m.Kind == "counter" {
			s += "/s"
		}
		parts = append(parts, k+"="+s)
	}
	return strings.Join(parts, " ")
}

// WriteSummaryExport writes the result as JSON (--summary-export).
func WriteSummaryExport(path string, res *Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
