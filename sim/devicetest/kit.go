package devicetest

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
)

// Device is an implementation of the intermediate device under test, as the kit drives it.
type Device interface {
	// Start starts the device on cfg and returns once it runs (it may still be connecting).
	Start(ctx context.Context, cfg Config) (Running, error)
}

// DeviceFunc is a Device of one function.
type DeviceFunc func(ctx context.Context, cfg Config) (Running, error)

// Start calls f.
func (f DeviceFunc) Start(ctx context.Context, cfg Config) (Running, error) { return f(ctx, cfg) }

// Config is what a device under test is given, as an installer would give it.
type Config struct {
	// ID is the device id, the source of its events; the token in cameras.json is its own.
	ID string
	// Cameras is the path of cameras.json (wire.Deployment: cameras with stream, credentials
	// and calibration; events: where to report and the token). The kit replaces the file
	// atomically (rename) when cameras come and go; the device follows within Options.Patience.
	Cameras string
	// StateDir is the device's own folder (its edge queue); the same across a Stop or Kill and
	// the next Start of one case.
	StateDir string
	// Log receives the device's log (a process's stdout and stderr): a camera the device
	// cannot use is named there.
	Log io.Writer
}

// Running is a started device.
type Running interface {
	// Stop stops the device in order and returns when it has stopped.
	Stop() error
	// Kill stops the device without a chance to clean up (SIGKILL for a process).
	Kill() error
}

// Options tune a run of the kit.
type Options struct {
	// Library is the clip library folder; the kit's clip (ClipID) is written there when
	// missing. Default: a temporary folder.
	Library string
	// Vendor, when set, puts a regional cluster (sim/cluster) in front of the center that maps
	// this vendor's format; cameras.json then points the device at the cluster, which takes
	// the device's payloads at POST <events.http>/v1/vendor/<name> (Basic or Bearer with the
	// token). The device id is Vendor.Device. Default nil: the device posts wire events to
	// the center (POST <events.http>/v1/events).
	Vendor *adapt.Vendor
	// Patience bounds every wait for the device: to connect, to reconnect, to deliver, to
	// follow cameras.json. Default 15 s.
	Patience time.Duration
	// Window is how far an event's time may be from its truth's (on the camera's clock).
	// Default 1 s (the kit's clip has one violation every 3 s).
	Window time.Duration
	// Run selects cases by name (a regular expression). Default: all.
	Run string
	// Logf logs what the kit does. Default: discard.
	Logf func(format string, args ...any)
	// Parallel is how many cases run at once. Default 4.
	Parallel int
	// TempDir makes a folder for a case. Default: folders under one temporary folder that
	// Check removes at its end.
	TempDir func() (string, error)

	logTo func(caseName string) func(string, ...any) // Run: a log per case
}

func (o Options) withDefaults() Options {
	if o.Patience <= 0 {
		o.Patience = 15 * time.Second
	}
	if o.Window <= 0 {
		o.Window = time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	return o
}

// Case is one behaviour every device must show.
type Case struct {
	Name string // a test name: what the device does
	// Faults is the farm's fault spec for the case (farm.ParseFaults); "" none.
	Faults string
	// Check drives the device in e and returns what it did wrong (nil: it passed).
	Check func(ctx context.Context, e *Env) error
}

// Result is the outcome of one case.
type Result struct {
	Case    string
	Err     error // nil: passed
	Elapsed time.Duration
}

// Run runs the cases of opts against d, Options.Parallel at a time (not bounded by go test's
// -parallel: the cases mostly wait on real time), and reports each as a subtest of t.
func Run(t *testing.T, d Device, opts Options) {
	t.Helper()
	opts = opts.withDefaults()
	if opts.Library == "" {
		opts.Library = t.TempDir()
	}
	logs := map[string]*lines{}
	opts.TempDir = func() (string, error) { return os.MkdirTemp(t.TempDir(), "case-") }
	opts.logTo = func(name string) func(string, ...any) {
		l := &lines{}
		logs[name] = l
		return l.logf
	}
	if opts.Run == "" {
		opts.Run = subtestRun()
	}
	res, err := Check(t.Context(), d, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		t.Run(r.Case, func(t *testing.T) {
			for _, l := range logs[r.Case].all() {
				t.Log(l)
			}
			t.Logf("%s in %v", r.Case, r.Elapsed.Round(time.Millisecond))
			if r.Err != nil {
				t.Error(r.Err)
			}
		})
	}
}

// subtestRun is the part of go test's -run for Run's subtests ("Test/Case" gives "Case"), so
// that -run selects cases before they run, not only their reports.
func subtestRun() string {
	f := flag.Lookup("test.run")
	if f == nil {
		return ""
	}
	_, sub, ok := strings.Cut(f.Value.String(), "/")
	if !ok || strings.Contains(sub, "/") {
		return ""
	}
	return sub
}

// lines collects a case's log.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) logf(format string, args ...any) {
	l.mu.Lock()
	l.l = append(l.l, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.l...)
}

// Check runs the cases of opts against d, Options.Parallel at a time, and returns one Result
// per case in the order of Cases (for 'trafficsim devicetest'). The error is for the kit
// itself (no clip, a bad Run expression).
func Check(ctx context.Context, d Device, opts Options) ([]Result, error) {
	opts = opts.withDefaults()
	if opts.TempDir == nil {
		root, err := os.MkdirTemp("", "devicetest-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(root)
		opts.TempDir = func() (string, error) { return os.MkdirTemp(root, "case-") }
	}
	if opts.Library == "" {
		dir, err := opts.TempDir()
		if err != nil {
			return nil, err
		}
		opts.Library = dir
	}
	if err := WriteClip(opts.Library); err != nil {
		return nil, err
	}
	sel, err := selector(opts.Run)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, c := range Cases {
		if sel(c.Name) {
			out = append(out, Result{Case: c.Name})
		}
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, opts.Parallel)
	for i := range out {
		c := caseNamed(out[i].Case)
		o := opts
		if opts.logTo != nil {
			o.Logf = opts.logTo(c.Name)
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			start := time.Now()
			out[i].Err = runCase(ctx, c, d, o)
			out[i].Elapsed = time.Since(start)
		})
	}
	wg.Wait()
	return out, nil
}

func caseNamed(name string) Case {
	for _, c := range Cases {
		if c.Name == name {
			return c
		}
	}
	panic("devicetest: no case " + name)
}

func selector(expr string) (func(string) bool, error) {
	if expr == "" {
		return func(string) bool { return true }, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("devicetest: run %q: %w", expr, err)
	}
	return re.MatchString, nil
}

// runCase starts the parts of a case, checks the device, and stops everything.
func runCase(ctx context.Context, c Case, d Device, opts Options) (err error) {
	// a case that takes longer than this is stuck, whatever the device does
	ctx, cancel := context.WithTimeout(ctx, 4*opts.Patience+30*time.Second)
	defer cancel()
	setup := time.Now()
	e, err := newEnv(ctx, opts, d, c.Faults)
	if err != nil {
		return err
	}
	opts.Logf("farm, center%s started in %v", map[bool]string{true: ", cluster", false: ""}[opts.Vendor != nil], time.Since(setup).Round(time.Millisecond))
	start := time.Now()
	defer func() {
		checked := time.Since(start)
		if cerr := e.close(); cerr != nil && err == nil {
			err = cerr
		}
		opts.Logf("checked in %v, stopped in %v", checked.Round(time.Millisecond), (time.Since(start) - checked).Round(time.Millisecond))
	}()
	return c.Check(ctx, e)
}
