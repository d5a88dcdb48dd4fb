package farm

import (
	"math"
	"path/filepath"
	"time"
)

// Playhead says which clip frame a camera shows at any wall time: clip frame k of loop L is
// due at Zero + (L*Frames + k)/FPS (the replay schedule of schedule.go), so a viewer can show
// the same picture and truth as the camera without reading its stream.
type Playhead struct {
	ID     string    `json:"id"`
	Clip   string    `json:"clip"` // clip folder
	FPS    float64   `json:"fps"`
	Frames int       `json:"frames"` // frames per loop
	Zero   time.Time `json:"zero"`   // when clip frame 0 of loop 0 was (or would have been) due
}

// Frame returns the loop and clip frame shown at wall time t (before Zero: negative loops).
func (p Playhead) Frame(t time.Time) (loop, frame int) {
	n := FramesDue(t.Sub(p.Zero), p.FPS) - 1
	if t.Before(p.Zero) {
		n = int64(math.Floor(float64(t.Sub(p.Zero)) * p.FPS / float64(time.Second)))
	}
	loop, frame = int(n/int64(p.Frames)), int(n%int64(p.Frames))
	if frame < 0 {
		loop, frame = loop-1, frame+p.Frames
	}
	return loop, frame
}

// Playheads reports every camera's playhead, in the order added (after Start; cameras not
// started yet are left out).
func (f *Farm) Playheads() []Playhead {
	f.mu.Lock()
	defer f.mu.Unlock()
	dirs := make(map[*clip]string, len(f.clips))
	for name, cl := range f.clips {
		dir := name
		if f.cfg.Library != "" && filepath.Base(name) == name {
			dir = filepath.Join(f.cfg.Library, name)
		}
		dirs[cl] = dir
	}
	var out []Playhead
	for _, id := range f.order {
		c := f.cams[id]
		if c.start.IsZero() {
			continue
		}
		out = append(out, Playhead{ID: c.id, Clip: dirs[c.clip], FPS: c.clip.fps, Frames: len(c.clip.frames),
			Zero: c.start.Add(-frameOffset(c.clip.fps, c.offset))})
	}
	return out
}
