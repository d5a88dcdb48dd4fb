package clips_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/clips"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
)

// BenchmarkRenderEncode720p makes 720p25 clips of the fixture (render on the game loop, encode
// in the caller, streamed to disk) and reports frames/s and the peak Go heap, for 250 and 1000
// frames: the heap must not grow with the clip. render-only and encode-only runs of the same
// frames give the plain figures to compare with in the same run.
func BenchmarkRenderEncode720p(b *testing.B) {
	for _, n := range []int{250, 1000} {
		tr := rendertest.Truth(rendertest.Spec{Frames: n, Width: 1280, Height: 720, Conditions: rendertestDay})
		b.Run(fmt.Sprintf("pipeline-%d", n), func(b *testing.B) {
			var peak atomic.Uint64
			stop := sampleHeap(&peak)
			defer stop()
			start, cpu0 := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				root := b.TempDir()
				_, _, err := clips.Make(context.Background(), clips.Job{Root: root, ID: fmt.Sprint("bench", i), Truth: tr}, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "frames/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "MB-heap-peak")
			b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(n*b.N), "cpu-ms/frame")
		})
	}
	tr := rendertest.Truth(rendertest.Spec{Frames: 250, Width: 1280, Height: 720, Conditions: rendertestDay})
	b.Run("render-only-250", func(b *testing.B) {
		start, cpu0 := time.Now(), cpuTime()
		for i := 0; i < b.N; i++ {
			s, err := render.Start(context.Background(), tr, render.Options{})
			if err != nil {
				b.Fatal(err)
			}
			for f := range s.Frames() {
				f.Release()
			}
		}
		b.ReportMetric(float64(250*b.N)/time.Since(start).Seconds(), "frames/s")
		b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(250*b.N), "cpu-ms/frame")
	})
	b.Run("encode-only-250", func(b *testing.B) {
		s, err := render.Start(context.Background(), tr, render.Options{To: 1})
		if err != nil {
			b.Fatal(err)
		}
		f := <-s.Frames()
		img := f.Image
		for range s.Frames() {
		}
		enc, err := encode.New(encode.Options{Width: 1280, Height: 720})
		if err != nil {
			b.Fatal(err)
		}
		defer enc.Close()
		b.ResetTimer()
		start, cpu0 := time.Now(), cpuTime()
		for i := 0; i < b.N*250; i++ {
			img.Pix[i%len(img.Pix)]++ // not the same picture twice
			if _, _, err := enc.Encode(img); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(250*b.N)/time.Since(start).Seconds(), "frames/s")
		b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(250*b.N), "cpu-ms/frame")
	})
}

// cpuTime is the process's user + system CPU time (all threads, llvmpipe's and x264's too).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleHeap records the peak HeapInuse every 20 ms until stopped.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
