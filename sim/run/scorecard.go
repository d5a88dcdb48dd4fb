package run

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
)

// WriteScorecard prints the scorecard of a run as a table: per violation type and overall
// TP/FP/FN, precision, recall and F1; plate accuracy by day and by night; end-to-end latency
// p50/p95/p99; the conformity verdict; and where the report is.
func WriteScorecard(w io.Writer, r *Result) error {
	s := r.Score
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tTP\tFP\tFN\tprecision\trecall\tF1\tF1 95% CI\t")
	types := make([]string, 0, len(s.ByType))
	for t := range s.ByType {
		types = append(types, t)
	}
	sort.Strings(types)
	row := func(name string, m results.Metrics) {
		ci := "-"
		if m.CI != nil && m.TP+m.FP+m.FN > 0 {
			ci = fmt.Sprintf("%.2f-%.2f", m.CI.F1.Lo, m.CI.F1.Hi)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%.3f\t%s\t\n", name, m.TP, m.FP, m.FN, rate(m.Precision, m.TP+m.FP), rate(m.Recall, m.TP+m.FN), m.F1, ci)
	}
	for _, t := range types {
		row(t, s.ByType[t])
	}
	row("overall", s.Overall)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	plates := func(cond string) string {
		m, ok := s.ByCondition[cond]
		if !ok || m.Plates == 0 {
			return "-"
		}
		if m.CI != nil {
			return fmt.Sprintf("%.1f%% (%d/%d, 95%% CI %.1f-%.1f%%)", 100*m.PlateAccuracy, m.PlatesOK, m.Plates, 100*m.CI.PlateAccuracy.Lo, 100*m.CI.PlateAccuracy.Hi)
		}
		return fmt.Sprintf("%.1f%% (%d/%d)", 100*m.PlateAccuracy, m.PlatesOK, m.Plates)
	}
	fmt.Fprintf(w, "plate accuracy   day %s, night %s\n", plates(results.Day), plates(results.Night))
	o := s.Overall
	p95ci := ""
	if o.CI != nil && o.CI.LatencyP95Ms != nil {
		p95ci = fmt.Sprintf(" (95%% CI %.0f-%.0f)", o.CI.LatencyP95Ms.Lo, o.CI.LatencyP95Ms.Hi)
	}
	fmt.Fprintf(w, "latency          p50 %.0f ms, p95 %.0f ms%s, p99 %.0f ms (received at the center - truth wall time)\n", o.LatencyP50Ms, o.LatencyP95Ms, p95ci, o.LatencyP99Ms)
	fmt.Fprintf(w, "time error       mean %.0f ms, p95 %.0f ms\n", o.TimeErrorMeanMs, o.TimeErrorP95Ms)
	fmt.Fprintf(w, "cameras          %d (%d smart cameras), %d truths, %d events, %d late, %d invalid\n", r.Cameras, r.Smart, s.Truths, s.Events, s.Late, s.Invalid)
	if r.WarmUpTruths > 0 {
		fmt.Fprintf(w, "not scored       %d truths in the devices' warm-up (--warmup, from the start and after each clip loop)\n", r.WarmUpTruths)
	}
	if r.TruthErrors > 0 {
		fmt.Fprintf(w, "truth lost       %d truth items the farm failed to publish to the center: the score is incomplete\n", r.TruthErrors)
	}
	if len(r.Device.Cameras) > 0 {
		var decoded, delivered, lost, connects int64
		for id, cs := range r.Device.Cameras {
			decoded += cs.Frames
			lost += cs.PacketsLost
			connects += cs.Connects
			for _, fs := range r.FarmStats {
				if fs.ID == id {
					delivered += fs.Frames
				}
			}
		}
		fmt.Fprintf(w, "reference device %d cameras: %d frames decoded of %d the farm sent, %d RTP packets lost, %d sessions; %d events sent\n",
			len(r.Device.Cameras), decoded, delivered, lost, connects, r.Device.Sent)
	}
	if l := r.Links; l.CameraLink != "" {
		fmt.Fprintf(w, "camera link      %s: dropped %d packets towards the devices, %d from them\n", l.CameraLink, l.CameraLinkDropped, l.CameraLinkDroppedUp)
	}
	if l := r.Links; l.Uplinks > 0 {
		fmt.Fprintf(w, "uplinks          %d shaped %s: dropped %d packets\n", l.Uplinks, l.Uplink, l.UplinkDropped)
	}
	if cl := r.Cluster; cl.Received > 0 || cl.Forwarded > 0 {
		fmt.Fprintf(w, "regional cluster %d events received, %d forwarded to the center, %d pending, %d forward errors\n", cl.Received, cl.Forwarded, cl.Pending, cl.ForwardErrors)
	}
	if len(r.Clusters) > 1 {
		for _, cl := range r.Clusters {
			var cams []string
			for i := range r.Cameras {
				if ClusterName(Commune(i, r.Cameras, len(r.Clusters))) == cl.ID {
					cams = append(cams, CameraID(i))
				}
			}
			m := ClusterMetrics(r.Score.ByCamera, cams)
			fmt.Fprintf(w, "  %-14s %d cameras, %d events received, %d forwarded, %d pending; TP %d FP %d FN %d, F1 %.3f\n",
				cl.ID, cl.Cameras, cl.Received, cl.Forwarded, cl.Pending, m.TP, m.FP, m.FN, m.F1)
		}
	}
	// Three-way: a check passes or fails on its whole 95 % interval, else it is not decided.
	var open []string
	nfail := 0
	for _, v := range r.Verdicts {
		if !v.Passed() {
			open = append(open, v.String())
		}
		if v.Failed() {
			nfail++
		}
	}
	fmt.Fprintf(w, "verdict          %s: %d pass, %d fail, %d not decided of %d checks of profile %s\n", strings.ToUpper(conform.Overall(r.Verdicts)),
		len(r.Verdicts)-len(open), nfail, len(open)-nfail, len(r.Verdicts), r.Profile)
	for _, f := range open {
		fmt.Fprintf(w, "                   %s\n", f)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "note             the run was interrupted before its duration")
	}
	_, err := fmt.Fprintf(w, "report           %s\n", r.Report)
	return err
}

// rate formats a ratio, or "-" when it has no denominator.
func rate(v float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}
