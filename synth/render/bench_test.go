package render_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

// BenchmarkRender720p renders fixture frames at 720p (colour with ReadPixels, and the ID buffer)
// with several frames per game-loop tick, against one frame per tick as the plain approach.
func BenchmarkRender720p(b *testing.B) {
	tr := rendertest.Truth(rendertest.Spec{Frames: 100, Width: 1280, Height: 720, Conditions: benchConditions})
	for _, c := range []struct {
		name string
		opts render.Options
	}{
		{"color-1-per-tick", render.Options{FramesPerTick: 1}},
		{"color-8-per-tick", render.Options{FramesPerTick: 8}},
		{"color-16-per-tick", render.Options{FramesPerTick: 16, Buffers: 8}},
		{"ids-8-per-tick", render.Options{FramesPerTick: 8, Mode: render.IDs}},
	} {
		b.Run(c.name, func(b *testing.B) {
			start := time.Now()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				s, err := render.Start(context.Background(), tr, c.opts)
				if err != nil {
					b.Fatal(err)
				}
				for f := range s.Frames() {
					f.Release()
				}
			}
			b.ReportMetric(float64(100*b.N)/time.Since(start).Seconds(), "frames/s")
			b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(100*b.N), "cpu-ms/frame")
		})
	}
}

var _ = fmt.Sprint

// cpuTime is the process's user + system CPU time (all threads, llvmpipe's included): a figure
// less bent by other load on a shared machine than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchConditions are intersection-day's: day, clear, sensor noise 0.01, clock overlay.
var benchConditions = wire.Conditions{TimeOfDay: "day", Weather: "clear", Noise: 0.01, Overlay: true}
