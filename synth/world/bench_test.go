package world

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/wire"
)

// BenchmarkGenerate runs intersection-day (25 fps) for a 2-minute clip plus the warm-up per
// iteration and reports how many times faster than real time world + truth run (x_realtime:
// clip seconds per second of work). The sub-benchmark world-only steps the same world without
// looking through the camera or judging, for the ratio of what truth costs on top.
func BenchmarkGenerate(b *testing.B) {
	sc := load(b, "intersection-day")
	clip := 2 * time.Minute
	b.Run("world+truth", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			if _, _, err := Generate(sc, Options{Duration: clip}); err != nil {
				b.Fatal(err)
			}
		}
		el := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(clip.Seconds()/el, "x_realtime")
	})
	b.Run("world-only", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			st, err := buildSite(sc, sc.Seed)
			if err != nil {
				b.Fatal(err)
			}
			m := newSim(st, sc.Seed, -WarmUp.Seconds())
			n := int((clip + WarmUp).Seconds() * sc.FPS)
			for k := 0; k < n; k++ {
				m.t = float64(k)/sc.FPS - WarmUp.Seconds()
				m.step()
			}
		}
		el := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(clip.Seconds()/el, "x_realtime")
	})
}

// BenchmarkProject compares the viewer's cached camera basis with wire.Pinhole.Project, which
// recomputes the basis (four trigonometric calls) for every point.
func BenchmarkProject(b *testing.B) {
	sc := load(b, "intersection-day")
	st, err := buildSite(sc, sc.Seed)
	if err != nil {
		b.Fatal(err)
	}
	vw := newViewer(st.cam)
	pts := []wire.Vec3{{1, 15, 0}, {-3, 30, 1.5}, {4, 12, 0.7}, {0, 50, 3}}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			for _, p := range pts {
				vw.project(p)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			for _, p := range pts {
				st.cam.Project(p)
			}
		}
	})
}
