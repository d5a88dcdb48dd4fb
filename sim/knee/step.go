package knee

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/device"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/wire"
)

// Runner measures steps by real runs.
type Runner struct {
	// Base is the run every step starts from: scenario, clips, duration, seed. Cameras, Device,
	// SmartShare, Direct, ID and ExternalReady are set per step.
	Base simrun.Config
	// DeviceCommand starts the reference device as its own process: the command and its first
	// arguments (e.g. the trafficsim binary and "device"); --cameras, --id, --queue and
	// --stats-json are appended. Empty: the device is external (a vendor's box), told of each
	// step's cameras through CamerasJSON, and its CPU and memory are not measured.
	DeviceCommand []string
	// CamerasJSON is where each step's cameras.json is copied for an external device (a box
	// that re-reads one path) [none].
	CamerasJSON string
	// Settle is how long after the cameras start CPU is not counted (connection, warm-up) [10s].
	Settle time.Duration
	// Logf logs the device's output and each step [discarded].
	Logf func(format string, args ...any)
}

// Measure runs n cameras against the device and measures the step.
func (r *Runner) Measure(ctx context.Context, n int) (Step, error) {
	logf := r.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	settle := r.Settle
	if settle == 0 {
		settle = 10 * time.Second
	}
	cfg := r.Base
	cfg.Cameras, cfg.CamerasPerDevice = n, n
	cfg.Device, cfg.SmartShare, cfg.Direct = simrun.DeviceExternal, -1, true
	if cfg.ID == "" {
		cfg.ID = "knee"
	}
	cfg.ID = fmt.Sprintf("%s-%03d", cfg.ID, n)
	var (
		proc    *deviceProc
		procErr error
	)
	cfg.ExternalReady = func(path string) {
		if r.CamerasJSON != "" {
			if err := copyFile(path, r.CamerasJSON); err != nil {
				procErr = err
			}
			logf("knee: %d cameras: cameras.json for the device under test at %s", n, r.CamerasJSON)
		}
		if len(r.DeviceCommand) > 0 {
			proc, procErr = startDevice(r.DeviceCommand, path, logf)
		}
	}
	res, err := simrun.Run(ctx, cfg)
	var st Step
	if proc != nil {
		st.CPUCores, st.MemMB = proc.stop(res, settle)
		st.EventsQueued, st.EventsSent = proc.stats.Queued, proc.stats.Sent
	} else {
		st.CPUCores, st.MemMB, st.EventsQueued, st.EventsSent = -1, -1, -1, -1
	}
	if err = errors.Join(err, procErr); err != nil {
		return st, err
	}
	fill(&st, res)
	if sent, lost, ok := deliveredAfter(res.Dir, res.Started.Add(settle)); ok {
		st.FramesSent, st.FramesLost = sent, lost
	}
	return st, nil
}

// deliveredAfter counts, from the run record's delivery log, the frames the farm delivered to
// each camera's reader after from and those it owed but did not deliver (the clip's rate over
// the records' span, less what was sent): a device that reads too slowly makes the farm skip.
// The start of a session is left out, so that connecting and the first keyframe do not count.
func deliveredAfter(dir string, from time.Time) (sent, lost int64, ok bool) {
	var dep wire.Deployment
	b, err := os.ReadFile(filepath.Join(dir, "cameras.json"))
	if err != nil || json.Unmarshal(b, &dep) != nil {
		return 0, 0, false
	}
	fps := map[string]float64{}
	for _, c := range dep.Cameras {
		fps[c.ID] = c.FPS
	}
	f, err := os.Open(filepath.Join(dir, record.DeliveryFile))
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	type span struct {
		from, to time.Time
		frames   int64
	}
	spans := map[string]*span{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var d wire.Delivery
		if json.Unmarshal(sc.Bytes(), &d) != nil || d.From.Before(from) || fps[d.Camera] == 0 {
			continue
		}
		s := spans[d.Camera]
		if s == nil {
			s = &span{from: d.From}
			spans[d.Camera] = s
		}
		s.to = d.To
		s.frames += d.Frames
	}
	for cam, s := range spans {
		owed := int64(math.Round(s.to.Sub(s.from).Seconds() * fps[cam]))
		sent += s.frames
		lost += max(0, owed-s.frames)
	}
	return sent, lost, len(spans) > 0
}

// fill takes a step's figures from the run's result and record.
func fill(st *Step, res *simrun.Result) {
	st.Dir = res.Dir
	st.Played = res.Stopped.Sub(res.Started)
	var bytesIn int64
	for _, c := range res.FarmStats { // frames: the whole run's, until deliveredAfter narrows them
		st.FramesSent += c.Frames
		st.FramesLost += c.Skipped
		bytesIn += c.Bytes
	}
	o := res.Score.Overall
	st.LatencyP95Ms, st.F1, st.Truths = o.LatencyP95Ms, o.F1, o.TP+o.FN
	st.EventsReceived = res.Center.EventsAccepted
	if secs := st.Played.Seconds(); secs > 0 {
		st.MbpsIn = float64(bytesIn) * 8 / 1e6 / secs
		st.EventsPerSec = float64(st.EventsReceived) / secs
	}
	if fi, err := os.Stat(filepath.Join(res.Dir, record.EventsFile)); err == nil && st.EventsReceived > 0 {
		st.EventBytes = float64(fi.Size()) / float64(st.EventsReceived)
	}
}

// deviceProc is the reference device running as its own process, sampled from /proc.
type deviceProc struct {
	cmd       *exec.Cmd
	statsFile string
	stats     device.Stats
	mu        sync.Mutex
	samples   []cpuSample
	done      chan struct{}
}

type cpuSample struct {
	at    time.Time
	ticks int64 // utime + stime, in clock ticks
	rssKB int64
}

func startDevice(command []string, camerasJSON string, logf func(string, ...any)) (*deviceProc, error) {
	dir := filepath.Dir(camerasJSON)
	p := &deviceProc{statsFile: filepath.Join(dir, "device-stats.json"), done: make(chan struct{})}
	args := append(append([]string{}, command[1:]...), "--cameras", camerasJSON, "--id", simrun.ExternalID,
		"--queue", filepath.Join(dir, "device-queue"), "--stats-json", p.statsFile, "--stats", "0")
	p.cmd = exec.Command(command[0], args...)
	out, err := os.Create(filepath.Join(dir, "device.log"))
	if err != nil {
		return nil, err
	}
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("knee: start the device: %w", err)
	}
	logf("knee: device process %d: %s", p.cmd.Process.Pid, strings.Join(p.cmd.Args, " "))
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if s, err := readProc(p.cmd.Process.Pid); err == nil {
				p.mu.Lock()
				p.samples = append(p.samples, s)
				p.mu.Unlock()
			}
			select {
			case <-p.done:
				out.Close()
				return
			case <-t.C:
			}
		}
	}()
	return p, nil
}

// stop ends the device (SIGTERM: it writes its stats) and returns its CPU use in cores between
// settle after the cameras started and when they stopped, and its peak resident memory in MB.
func (p *deviceProc) stop(res *simrun.Result, settle time.Duration) (cores, memMB float64) {
	p.cmd.Process.Signal(syscall.SIGTERM)
	waited := make(chan error, 1)
	go func() { waited <- p.cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-waited
	}
	close(p.done)
	if b, err := os.ReadFile(p.statsFile); err == nil {
		json.Unmarshal(b, &p.stats)
	}
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		memMB = float64(ru.Maxrss) / 1024
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if res == nil {
		return -1, memMB
	}
	from, to := res.Started.Add(settle), res.Stopped
	var a, b *cpuSample
	for i := range p.samples {
		s := &p.samples[i]
		if a == nil && !s.at.Before(from) {
			a = s
		}
		if !s.at.After(to) {
			b = s
		}
	}
	if a == nil || b == nil || !b.at.After(a.at) {
		return -1, memMB
	}
	return float64(b.ticks-a.ticks) / clockTicks / b.at.Sub(a.at).Seconds(), memMB
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on every Linux port).
const clockTicks = 100

// readProc reads a process's CPU ticks and resident memory from /proc.
func readProc(pid int) (cpuSample, error) {
	s := cpuSample{at: time.Now()}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// fields after the command name (which may hold spaces) start after the last ')'
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return s, errors.New("knee: unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 22 {
		return s, errors.New("knee: short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)  // field 14, utime
	stt, _ := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	s.ticks = ut + stt
	if st, err := os.Open(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		sc := bufio.NewScanner(st)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
				s.rssKB, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			}
		}
		st.Close()
	}
	return s, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, to) // atomic: a box re-reading the path never sees half a file
}
