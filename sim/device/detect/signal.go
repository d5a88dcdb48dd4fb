package detect

import (
	"slices"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

type lamp int

const (
	unknown lamp = iota
	red
	amber
	green
)

func (l lamp) String() string { return [...]string{"unknown", "red", "amber", "green"}[l] }

type signalState struct {
	state lamp
}

// readSignals reads each signal head from its lamp boxes: the lit lamp is clearly brighter
// than the other two. When none stands out (glare, occlusion) the last state is kept.
func (d *Detector) readSignals(f *decode.Frame) {
	for i, s := range d.cal.Signals {
		r, a, g := meanY(f, s.Red), meanY(f, s.Amber), meanY(f, s.Green)
		const margin = 25
		switch {
		case r > a+margin && r > g+margin:
			d.signals[i].state = red
		case a > r+margin && a > g+margin:
			d.signals[i].state = amber
		case g > r+margin && g > a+margin:
			d.signals[i].state = green
		}
	}
}

// SignalStates returns the current reading of each signal head by id (for tests and viewers).
func (d *Detector) SignalStates() map[string]string {
	out := map[string]string{}
	for i, s := range d.cal.Signals {
		out[s.ID] = d.signals[i].state.String()
	}
	return out
}

func meanY(f *decode.Frame, b wire.Box) float64 {
	x0, y0 := max(0, int(b[0])), max(0, int(b[1]))
	x1, y1 := min(f.Width, int(b[2]+0.999)), min(f.Height, int(b[3]+0.999))
	if x1 <= x0 || y1 <= y0 {
		return 0
	}
	sum, n := 0, 0
	for y := y0; y < y1; y++ {
		for _, v := range f.Y[y*f.Width+x0 : y*f.Width+x1] {
			sum += int(v)
		}
		n += x1 - x0
	}
	return float64(sum) / float64(n)
}

// UnreadSignals lists the stop lines whose signal head has no lamp regions in this camera's
// calibration: no red-light or stop-line rule runs for them.
func (d *Detector) UnreadSignals() []string { return append([]string(nil), d.unread...) }

// signalInView returns the index in the camera's signals of the head id, or of a head of its
// group (same phase, same light) when id itself is out of view.
func signalInView(groups [][]string, id string, idx map[string]int) (int, bool) {
	if j, ok := idx[id]; ok {
		return j, true
	}
	for _, g := range groups {
		if !slices.Contains(g, id) {
			continue
		}
		for _, mate := range g {
			if j, ok := idx[mate]; ok {
				return j, true
			}
		}
	}
	return 0, false
}
