package farm

import (
	"testing"
	"time"
)

// A playhead maps wall time to the clip frame on show, looping, the same way the senders do.
func TestPlayheadFrame(t *testing.T) {
	zero := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	p := Playhead{FPS: 25, Frames: 100, Zero: zero}
	for _, c := range []struct {
		at          time.Duration
		loop, frame int
	}{
		{0, 0, 0},
		{39 * time.Millisecond, 0, 0},
		{40 * time.Millisecond, 0, 1},
		{3999 * time.Millisecond, 0, 99},
		{4 * time.Second, 1, 0},
		{9*time.Second + 120*time.Millisecond, 2, 28},
		{-time.Millisecond, -1, 99},
		{-4 * time.Second, -1, 0},
	} {
		if l, f := p.Frame(zero.Add(c.at)); l != c.loop || f != c.frame {
			t.Errorf("at %v: loop %d frame %d, want %d %d", c.at, l, f, c.loop, c.frame)
		}
	}
}
