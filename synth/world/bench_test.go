package world

import (
	"testing"
	"time"
)

// BenchmarkGenerate runs intersection-day for one clip minute (plus the warm-up) per iteration
// and reports how many times faster than real time the world and truth run.
func BenchmarkGenerate(b *testing.B) {
	sc := load(b, "intersection-day")
	clip := time.Minute
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, _, err := Generate(sc, Options{Duration: clip}); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(clip.Seconds()/el, "x_realtime")
	b.ReportMetric((clip+WarmUp).Seconds()/el, "x_realtime_with_warmup")
}
