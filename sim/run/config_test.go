package run_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/run"
)

func TestSmartCamerasSpreadTheShare(t *testing.T) {
	tests := []struct {
		n     int
		share float64
		want  string // s = smart, d = device
	}{
		{1, 0, "d"},
		{4, 0.25, "ddds"},
		{8, 0.25, "dddsddds"},
		{3, 0.34, "dds"},
		{5, 0.5, "dsdss"}, // round(2.5) = 3
		{4, 1, "ssss"},
		{3, 0.1, "ddd"},
	}
	for _, tt := range tests {
		got := ""
		for _, s := range run.SmartCameras(tt.n, tt.share) {
			if s {
				got += "s"
			} else {
				got += "d"
			}
		}
		if got != tt.want {
			t.Errorf("SmartCameras(%d, %g) = %s, want %s", tt.n, tt.share, got, tt.want)
		}
	}
}

func TestCameraIDs(t *testing.T) {
	if got := []string{run.CameraID(0), run.CameraID(9), run.CameraID(122)}; !reflect.DeepEqual(got, []string{"cam-001", "cam-010", "cam-123"}) {
		t.Errorf("camera ids %v", got)
	}
	// the clip names are part of truth.json: changing them changes every clip's truth
	if got := []string{run.ClipCamera(0), run.ClipCamera(11)}; !reflect.DeepEqual(got, []string{"cam-01", "cam-12"}) {
		t.Errorf("clip cameras %v", got)
	}
}

// Cameras are split into communes of consecutive cameras, one regional cluster each, the
// communes' sizes differing by at most one.
func TestCommunesSplitTheCameras(t *testing.T) {
	tests := []struct {
		n, k int
		want []int // cameras per commune
	}{
		{10, 1, []int{10}},
		{10, 3, []int{4, 3, 3}},
		{7, 7, []int{1, 1, 1, 1, 1, 1, 1}},
		{1000, 4, []int{250, 250, 250, 250}},
	}
	for _, tt := range tests {
		got := make([]int, tt.k)
		last := 0
		for i := range tt.n {
			c := run.Commune(i, tt.n, tt.k)
			if c < last {
				t.Fatalf("Commune(%d, %d, %d) = %d after %d: communes are consecutive", i, tt.n, tt.k, c, last)
			}
			last = c
			got[c]++
		}
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%d cameras in %d communes: sizes %v, want %v", tt.n, tt.k, got, tt.want)
		}
	}
	if run.ClusterName(0) != "cluster-1" || run.ClusterName(11) != "cluster-12" {
		t.Errorf("cluster names %s %s", run.ClusterName(0), run.ClusterName(11))
	}
}

// Bad configurations fail before anything starts, with a message naming the setting.
func TestRunRejectsBadConfig(t *testing.T) {
	tests := []struct {
		cfg  run.Config
		want string
	}{
		{run.Config{}, "run: scenario is required"},
		{run.Config{Scenario: "intersection-day", Cameras: -1}, "run: cameras -1 must be at least 1"},
		{run.Config{Scenario: "intersection-day", Duration: -time.Second}, "run: duration -1s must be positive"},
		{run.Config{Scenario: "intersection-day", Device: "vendor"}, `run: device "vendor" is neither "reference" nor "external"`},
		{run.Config{Scenario: "intersection-day", SmartShare: 1.5}, "run: smart share 1.5 must be within 0-1"},
		{run.Config{Scenario: "intersection-day", Cameras: 2, Clips: 3}, "run: clips 3 must be within 1-2 (the cameras)"},
		{run.Config{Scenario: "intersection-day", ClipDuration: time.Millisecond}, "run: clip duration 1ms must be at least 1s"},
		{run.Config{Scenario: "intersection-day", Cameras: 2, Clusters: 3}, "run: clusters 3 must be within 1-2 (the cameras)"},
		{run.Config{Scenario: "intersection-day", Clusters: -1}, "run: clusters -1 must be within 1-4 (the cameras)"},
		{run.Config{Scenario: "intersection-day", Cameras: 4, Clusters: 2, Direct: true}, "run: clusters 2: a direct run has no regional cluster"},
		{run.Config{Scenario: "intersection-day", Cameras: 4, Clusters: 2, Device: "external"}, "run: clusters 2: an external device has one events endpoint; use one cluster"},
	}
	for _, tt := range tests {
		tt.cfg.Out = t.TempDir()
		_, err := run.Run(context.Background(), tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Run(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
