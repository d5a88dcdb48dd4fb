package device_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/device/detect"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// benchCal is a plausible 720p calibration: camera 8 m up looking down the road.
func benchCal(tb testing.TB) wire.Calibration {
	p := wire.Pinhole{FocalPx: 1000, Cx: 640, Cy: 360, HeightM: 8, TiltDeg: 14, Width: 1280, Height: 720}
	inv, err := p.ImageToRoad()
	if err != nil {
		tb.Fatal(err)
	}
	lane := wire.Polygon{{-3.5, 5}, {3.5, 5}, {3.5, 150}, {-3.5, 150}}
	return wire.Calibration{ID: "bench", Width: 1280, Height: 720, FPS: 25, Pinhole: p, RoadToImage: p.RoadToImage(), ImageToRoad: inv,
		Lanes:       []wire.LaneRegion{{ID: "l1", Road: lane, Direction: wire.Point{0, 1}, Allowed: wire.Classes}},
		SpeedLimits: map[wire.Class]float64{wire.Car: 50}}
}

// BenchmarkDevice720p measures, on a real x264 720p25 clip, the decode alone and decode plus
// analysis per frame; it reports frames/s and the streams of 25 fps one core carries.
func BenchmarkDevice720p(b *testing.B) {
	clip := librarytest.MakeClip(b, b.TempDir(), librarytest.Spec{Frames: 100, Width: 1280, Height: 720, BitrateKbps: 2000})
	stream, err := clip.Stream()
	if err != nil {
		b.Fatal(err)
	}
	aus := make([][]byte, len(clip.Index.Frames))
	for i := range aus {
		aus[i] = clip.AccessUnit(stream, i)
	}
	for _, mode := range []string{"decode", "decode+analyse"} {
		b.Run(mode, func(b *testing.B) {
			dec, err := decode.New(decode.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer dec.Close()
			det, err := detect.New(benchCal(b), detect.Options{})
			if err != nil {
				b.Fatal(err)
			}
			var f decode.Frame
			t0 := time.Now()
			// past the detector's 4 s warm-up first: only steady-state frames are timed
			for i := range 110 {
				if _, err := dec.Decode(aus[i%len(aus)], &f); err != nil {
					b.Fatal(err)
				}
				if mode != "decode" {
					det.Process(&f, t0.Add(time.Duration(i-110)*40*time.Millisecond))
				}
			}
			dec.Close()
			if dec, err = decode.New(decode.Options{}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				k := i % len(aus)
				if k == 0 && i > 0 { // restart at the keyframe
					dec.Close()
					dec, _ = decode.New(decode.Options{})
				}
				if _, err := dec.Decode(aus[k], &f); err != nil {
					b.Fatal(err)
				}
				if mode != "decode" {
					det.Process(&f, t0.Add(time.Duration(i)*40*time.Millisecond))
				}
			}
			// per core: CPU time of this process, not wall time (the machine is shared)
			cpu := (cpuTime() - cpu0).Seconds()
			fps := float64(b.N) / cpu
			b.ReportMetric(cpu/float64(b.N)*1e3, "cpu-ms/frame")
			b.ReportMetric(fps, "frames/cpu-s")
			b.ReportMetric(fps/25, "streams/core")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
