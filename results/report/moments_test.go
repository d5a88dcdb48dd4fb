package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record/recordtest"
)

// Every miss and false alarm of a report is a row that links to its moment in trafficsim viz:
// the camera and the truth's time (FN) or the event's time (FP); TPs are not listed.
func TestMomentsLinkEachMissAndFalseAlarm(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 1, 2, 3, 456e6, time.UTC)
	got, more := moments([]results.Match{
		{Outcome: results.FP, Camera: "cam-002", Type: "red_light", EventTime: t0.Add(time.Second), EventPlate: "29A-123.45"},
		{Outcome: results.TP, Camera: "cam-001", Type: "no_helmet", TruthTime: t0, EventTime: t0},
		{Outcome: results.FN, Camera: "cam-001", Type: "wrong_way", TruthTime: t0, TruthPlate: "30E-005.55"},
	})
	want := []moment{
		{Outcome: "fn", Camera: "cam-001", Type: "wrong_way", Plate: "30E-005.55", At: t0, Link: "http://127.0.0.1:8168/#cam=cam-001&t=1796518923456"},
		{Outcome: "fp", Camera: "cam-002", Type: "red_light", Plate: "29A-123.45", At: t0.Add(time.Second), Link: "http://127.0.0.1:8168/#cam=cam-002&t=1796518924456"},
	}
	if more != 0 || len(got) != len(want) {
		t.Fatalf("moments %+v (%d more), want %+v", got, more, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("moment %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReportListsMomentsWithViewerLinks(t *testing.T) {
	rec, err := recordtest.Write(filepath.Join(t.TempDir(), "r"), recordtest.Options{Seed: 3, Duration: 3 * 60e9})
	if err != nil {
		t.Fatal(err)
	}
	in := Prepare(rec, nil)
	var b bytes.Buffer
	if err := Render(&b, in); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, m := range in.Matches {
		if m.Outcome == results.FN || m.Outcome == results.FP {
			bad++
		}
	}
	if n := strings.Count(b.String(), `<a href="`+VizURL+`#cam=`); n != min(bad, maxMoments) || bad == 0 {
		t.Errorf("report links %d moments; the record has %d misses and false alarms", n, bad)
	}
}
