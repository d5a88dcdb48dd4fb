package probe

import "testing"

// TestFailedWhenNoStreamDeliveredAFrame: a run where every session failed is an error (the
// command exits 1); one frame anywhere is not.
func TestFailedWhenNoStreamDeliveredAFrame(t *testing.T) {
	cases := []struct {
		name string
		rep  Report
		err  string
	}{
		{"every session refused", Report{Overall: StreamReport{Errors: []string{"401 Unauthorized"}}, Streams: make([]StreamReport, 3)},
			"probe: every session failed: no stream of 3 delivered a frame (401 Unauthorized)"},
		{"silent streams", Report{Streams: make([]StreamReport, 1)}, "probe: every session failed: no stream of 1 delivered a frame (no reason recorded)"},
		{"one frame", Report{Overall: StreamReport{Frames: 1, Errors: []string{"EOF"}}}, ""},
	}
	for _, tc := range cases {
		err := tc.rep.Failed()
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
		}
	}
}
