package detect

import (
	"slices"
	"testing"

	"github.com/trafficsim/trafficsim/wire"
)

// A stop line whose own head is out of view is judged by a head of the same phase in view (the
// installer's signal groups); without a group, or when no head of the group is seen, it is not.
func TestStopLineJudgedByAHeadOfItsPhase(t *testing.T) {
	t.Parallel()
	cal := site(t)
	seen := cal.Signals[0].ID
	cal.StopLines = append(cal.StopLines,
		wire.LineRegion{ID: "far", Signal: "sig-far"},
		wire.LineRegion{ID: "cross", Signal: "sig-cross"})
	cal.SignalGroups = [][]string{{"sig-far", seen}, {"sig-cross", "sig-cross-2"}}
	d, err := New(cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.UnreadSignals(); !slices.Equal(got, []string{"cross"}) {
		t.Errorf("unread %v, want [cross]", got)
	}
	if d.lineSig["far"] != 0 {
		t.Errorf("the far line reads signal %d, want 0 (%s)", d.lineSig["far"], seen)
	}
}
