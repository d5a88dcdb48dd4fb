package farm

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/probe"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// BenchmarkFarmScale serves N cameras of 720p25 at a bitrate and reads each with one reader of
// the probe swarm, which runs in a child process (TestSwarmHelper) so its CPU is apart from
// the farm's. Each case runs twice: the fast path, and the same cameras served plainly by
// gortsplib's Server (one write per RTP packet), read over TCP the same way.
//
// Knobs (environment):
//
//	TRAFFICSIM_BENCH_FARM     cases as cameras x kbps, e.g. "1000x2000,2500x500" [300x2000]
//	TRAFFICSIM_BENCH_PATHS    "fast,gortsplib" [both]
//	TRAFFICSIM_BENCH_SECONDS  measured seconds after a 4 s warm-up [10]
//	TRAFFICSIM_BENCH_SWARM_CPUS  run the swarm under taskset -c <cpus> (pin the benchmark
//	                          itself with taskset -c 0 on the test binary) [not pinned]
//
// Reported: farm CPU in % of one core, p99 and max frame lateness (arrival - RTCP wall
// clock), RTP packets lost, farm RSS per camera, swarm CPU, and the delivered bitrate.
func BenchmarkFarmScale(b *testing.B) {
	cases := env("TRAFFICSIM_BENCH_FARM", "300x2000")
	paths := env("TRAFFICSIM_BENCH_PATHS", "fast,gortsplib")
	secs, _ := strconv.Atoi(env("TRAFFICSIM_BENCH_SECONDS", "10"))
	results := map[string]scaleResult{}
	for _, cs := range strings.Split(cases, ",") {
		var n, kbps int
		if _, err := fmt.Sscanf(cs, "%dx%d", &n, &kbps); err != nil {
			b.Fatalf("TRAFFICSIM_BENCH_FARM case %q: want <cameras>x<kbps>", cs)
		}
		for _, path := range strings.Split(paths, ",") {
			name := fmt.Sprintf("%s/cameras=%d/kbps=%d", path, n, kbps)
			b.Run(name, func(b *testing.B) {
				var r scaleResult
				for i := 0; i < b.N; i++ {
					r = scaleRun(b, path, n, kbps, time.Duration(secs)*time.Second)
				}
				b.ReportMetric(r.farmCPU*100, "farm-cpu-%")
				b.ReportMetric(r.p99, "p99-ms")
				b.ReportMetric(r.max, "max-ms")
				b.ReportMetric(float64(r.lost), "lost")
				b.ReportMetric(r.mbPerCam, "MB/camera")
				b.ReportMetric(r.swarmCPU*100, "swarm-cpu-%")
				b.ReportMetric(r.mbps, "Mbit/s")
				b.ReportMetric(r.fps, "fps/reader")
				b.ReportMetric(r.cpuPerGbit(), "cpu-%/Gbit")
				b.ReportMetric(r.usPerFrame, "farm-us/frame")
				results[name] = r
			})
		}
		fast, okF := results[fmt.Sprintf("fast/cameras=%d/kbps=%d", n, kbps)]
		plain, okP := results[fmt.Sprintf("gortsplib/cameras=%d/kbps=%d", n, kbps)]
		if okF && okP && fast.farmCPU > 0 {
			b.Logf("%d cameras at %d kbps: gortsplib/fast farm CPU per delivered Gbit/s = %.2f (%.1f vs %.1f %%/Gbit); "+
				"CPU per frame %.1f vs %.1f us (%.2fx); CPU %.1f%% vs %.1f%% of a core; fps/reader %.1f vs %.1f; p99 %.1f vs %.1f ms",
				n, kbps, plain.cpuPerGbit()/fast.cpuPerGbit(), plain.cpuPerGbit(), fast.cpuPerGbit(),
				plain.usPerFrame, fast.usPerFrame, plain.usPerFrame/fast.usPerFrame,
				plain.farmCPU*100, fast.farmCPU*100, plain.fps, fast.fps, plain.p99, fast.p99)
		}
	}
}

type scaleResult struct {
	farmCPU, swarmCPU, p99, max, mbPerCam, mbps, fps float64
	usPerFrame                                       float64 // farm CPU per frame delivered: meaningful on a busy machine too
	lost                                             int64
}

// cpuPerGbit is the farm's CPU (% of a core) per Gbit/s delivered: fair when a path collapses
// and delivers less.
func (r scaleResult) cpuPerGbit() float64 {
	if r.mbps == 0 {
		return 0
	}
	return r.farmCPU * 100 / (r.mbps / 1000)
}

func scaleRun(b *testing.B, path string, n, kbps int, measure time.Duration) scaleResult {
	b.StopTimer()
	lib := benchClip(b, kbps)
	tr := TransportTCP
	if path == "gortsplib" {
		tr = TransportUDP // served by gortsplib's Server, which the readers use over TCP
	}
	runtime.GC()
	rss0 := rssBytes()
	f := New(Config{Library: lib})
	for range n {
		if _, err := f.AddCamera(CameraSpec{Clip: "clip", Transport: tr}); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	dir := b.TempDir()
	dep, _ := json.Marshal(f.Deployment())
	cams := filepath.Join(dir, "cameras.json")
	os.WriteFile(cams, dep, 0o644)
	out := filepath.Join(dir, "report.json")
	const warm = 4 * time.Second
	args := []string{os.Args[0], "-test.run=^TestSwarmHelper$"}
	if cpus := os.Getenv("TRAFFICSIM_BENCH_SWARM_CPUS"); cpus != "" {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "TRAFFICSIM_SWARM="+cams, "TRAFFICSIM_SWARM_OUT="+out,
		"TRAFFICSIM_SWARM_WARMUP="+warm.String(), "TRAFFICSIM_SWARM_DURATION="+(warm+measure).String())
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	time.Sleep(warm)
	ru0, t0 := rusage(), time.Now()
	time.Sleep(measure)
	ru1, t1 := rusage(), time.Now()
	rss1 := rssBytes()
	b.StopTimer()
	if err := cmd.Wait(); err != nil {
		b.Fatalf("swarm: %v", err)
	}
	var rep probe.Report
	raw, err := os.ReadFile(out)
	if err != nil || json.Unmarshal(raw, &rep) != nil {
		b.Fatalf("swarm report: %v %s", err, raw)
	}
	su := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	swarm := time.Duration(su.Utime.Nano()+su.Stime.Nano()).Seconds() / (warm + measure).Seconds()
	o := rep.Overall
	if o.Reconnects > 0 || len(o.Errors) > 0 {
		b.Logf("%s: %d reconnects; sessions ended: %v", path, o.Reconnects, o.Errors)
	}
	frames := float64(o.Frames)
	if frames == 0 {
		frames = 1
	}
	return scaleResult{
		usPerFrame: (ru1 - ru0).Seconds() * 1e6 / frames,
		farmCPU:    (ru1 - ru0).Seconds() / t1.Sub(t0).Seconds(),
		swarmCPU:   swarm,
		p99:        o.Late.P99, max: o.Late.Max, lost: o.Lost,
		mbPerCam: float64(rss1-rss0) / 1e6 / float64(n),
		mbps:     float64(o.Bytes) * 8 / 1e6 / measure.Seconds(),
		fps:      float64(o.Frames) / float64(max(1, o.Readers)) / measure.Seconds(),
	}
}

// TestSwarmHelper is the reader swarm of BenchmarkFarmScale, run in a child process; in a
// normal test run (no TRAFFICSIM_SWARM) it checks that a swarm of one reads nothing from an
// empty deployment file name.
func TestSwarmHelper(t *testing.T) {
	cams := os.Getenv("TRAFFICSIM_SWARM")
	if cams == "" {
		if _, err := probe.LoadTargets("", 0); err == nil {
			t.Fatal("an empty target spec was accepted")
		}
		return
	}
	warm, _ := time.ParseDuration(os.Getenv("TRAFFICSIM_SWARM_WARMUP"))
	d, _ := time.ParseDuration(os.Getenv("TRAFFICSIM_SWARM_DURATION"))
	targets, err := probe.LoadTargets(cams, 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := probe.Run(context.Background(), probe.Config{Targets: targets, Duration: d, Warmup: warm})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rep)
	if err := os.WriteFile(os.Getenv("TRAFFICSIM_SWARM_OUT"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// benchClip makes (once per machine) a 2 s 720p25 clip at the bitrate: a moving gradient with
// seeded noise so x264 spends the bits.
func benchClip(b *testing.B, kbps int) string {
	root := filepath.Join(os.TempDir(), "trafficsim-bench-clips", fmt.Sprintf("720p25-%dk", kbps))
	if library.Exists(root, "clip") {
		return root
	}
	const w, h, frames = 1280, 720, 50
	enc, err := encode.New(encode.Options{Width: w, Height: h, FPS: 25, GOP: 25, BitrateKbps: kbps})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	wr, err := library.Create(root, library.Meta{ID: "clip", Scenario: "bench", Camera: "clip", Renderer: "bench", Width: w, Height: h, FPS: 25, BitrateKbps: kbps, GOP: 25})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < frames; i++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				o := img.PixOffset(x, y)
				nz := uint8(rng.IntN(24))
				img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = uint8(x/5+i*3)+nz, uint8(y/3)+nz, uint8(128+i)+nz, 255
			}
		}
		au, key, err := enc.Encode(img)
		if err != nil {
			b.Fatal(err)
		}
		if err := wr.WriteFrame(au, key); err != nil {
			b.Fatal(err)
		}
	}
	wr.WriteJSON(library.TruthFile, wire.Truth{Version: wire.TruthVersion, FPS: 25, Width: w, Height: h})
	wr.WriteJSON(library.CameraFile, wire.Calibration{ID: "clip", Width: w, Height: h, FPS: 25})
	if _, err := wr.Close(); err != nil {
		b.Fatal(err)
	}
	return root
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// rusage is the CPU time (user + system) of this process so far.
func rusage() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssBytes reads the resident set size of this process.
func rssBytes() int64 {
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
