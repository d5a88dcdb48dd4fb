package world

import (
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// cpuSeconds is the CPU time this process has used (all threads, GC included).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkGenerate runs intersection-day (25 fps) for a 10-minute clip plus the warm-up per
// iteration and reports how many times faster than real time world + truth run: x_realtime is
// clip seconds per wall second, x_realtime_cpu clip seconds per CPU second (the machine is
// shared, so wall time varies with the neighbours' load). The sub-benchmark world-only steps
// the same world without looking through the camera or judging: the ratio is what truth costs.
func BenchmarkGenerate(b *testing.B) {
	sc := load(b, "intersection-day")
	clip := 10 * time.Minute
	b.Run("world+truth", func(b *testing.B) {
		b.ReportAllocs()
		start, cpu := time.Now(), cpuSeconds()
		for b.Loop() {
			if _, _, err := Generate(sc, Options{Duration: clip}); err != nil {
				b.Fatal(err)
			}
		}
		el := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(clip.Seconds()/el, "x_realtime")
		b.ReportMetric(clip.Seconds()*float64(b.N)/(cpuSeconds()-cpu), "x_realtime_cpu")
	})
	b.Run("world-only", func(b *testing.B) {
		b.ReportAllocs()
		start, cpu := time.Now(), cpuSeconds()
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
		b.ReportMetric(clip.Seconds()*float64(b.N)/(cpuSeconds()-cpu), "x_realtime_cpu")
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
