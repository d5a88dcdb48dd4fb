package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
	"github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

// Devices a suite may judge.
const (
	DeviceSmartcam  = "smartcam"
	DeviceReference = run.DeviceReference
	DeviceExternal  = run.DeviceExternal
)

// Devices lists them.
var Devices = []string{DeviceSmartcam, DeviceReference, DeviceExternal}

// External is how a vendor's box gets each cell's cameras.json (wire.Deployment: streams,
// calibration, the events endpoint and its token; never truth). Exactly one of Command and URL.
type External struct {
	// Command is started for each cell once its cameras can be read, with "{cameras}" in its
	// arguments replaced by the path of cameras.json (also in $TRAFFICSIM_CAMERAS); it is
	// sent SIGTERM when the cell's cameras have stopped and its late events are in, and killed
	// 10 s later. Its output goes to external.log in the cell's run folder.
	Command []string `yaml:"command"`
	// URL receives cameras.json in a POST (application/json) for each cell; a 2xx answer says
	// the box took it.
	URL string `yaml:"url"`
	// Vendors are event mappings of the box's own formats (docs/vendors.md), files relative to
	// the suite file, mapped at the regional cluster.
	Vendors []string `yaml:"vendors"`

	vendors []*adapt.Vendor
}

func (s *Suite) checkExternal(name string) error {
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("suite: %s: %s: %s", name, field, fmt.Sprintf(format, a...))
	}
	x := s.External
	switch {
	case x == nil && s.Device == DeviceExternal:
		return bad("external", "device external needs external.command or external.url (how the box gets cameras.json)")
	case x == nil:
		return nil
	case s.Device != DeviceExternal:
		return bad("external", "only for device external, not %s", s.Device)
	case len(x.Command) == 0 && x.URL == "", len(x.Command) > 0 && x.URL != "":
		return bad("external", "want one of command and url")
	case len(x.Command) > 0 && x.Command[0] == "":
		return bad("external.command", "the program is empty")
	}
	if x.URL != "" {
		u, err := url.Parse(x.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("external.url", "want an http or https URL, got %q", x.URL)
		}
	}
	return nil
}

// loadVendors reads the external box's event mappings, relative to the suite file.
func (s *Suite) loadVendors(path string) error {
	if s.External == nil {
		return nil
	}
	for i, f := range s.External.Vendors {
		if !filepath.IsAbs(f) {
			f = filepath.Join(filepath.Dir(path), f)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("suite: external.vendors[%d]: %w", i, err)
		}
		v, err := adapt.LoadVendor(b)
		if err != nil {
			return fmt.Errorf("suite: external.vendors[%d]: %s: %w", i, f, err)
		}
		s.External.vendors = append(s.External.vendors, v)
	}
	return nil
}

// Options set how the cells of a reference or external device run; zero fields take the
// defaults in brackets.
type Options struct {
	// Runs is the folder of the cells' run records (cell<i>-seed<k>) [a temporary folder,
	// removed after the suite].
	Runs string
	// Library is the clip library [.cache/clips].
	Library string
	// Grace is how long each run waits for late events after its cameras stop, besides the
	// matching window [sim/run's default, 10s].
	Grace time.Duration
	// Logf logs the runs [discarded].
	Logf func(format string, args ...any)
	// Progress receives the runs' progress bars [none].
	Progress io.Writer
}

func (o Options) withDefaults(s *Suite) (Options, func(), error) {
	cleanup := func() {}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Library == "" {
		o.Library = filepath.Join(".cache", "clips")
	}
	if o.Runs == "" && s.Device != DeviceSmartcam {
		d, err := os.MkdirTemp("", "trafficsim-suite-runs-")
		if err != nil {
			return o, cleanup, err
		}
		o.Runs, cleanup = d, func() { os.RemoveAll(d) }
	}
	return o, cleanup, nil
}

// runID is a cell's run folder name.
func runID(ci, k int) string { return fmt.Sprintf("cell%d-seed%d", ci+1, k+1) }

// clips of a cell run: one clip per camera, as long as the cell, so that no truth is played
// twice (a looped clip or two cameras on one clip would score the same violations again and
// narrow the intervals with copies, not evidence). sim/run's defaults (4 clips of at most 60 s,
// looped) trade that for rendering time; a conformity verdict cannot.
func (s *Suite) clips() (int, time.Duration) { return s.Cameras, s.duration }

// clipTruth is the truth of a run's clips from the world model: clip j is the world of seed+j
// on camera run.ClipCamera(j), as sim/run makes it (`trafficsim run --seed S --clips N
// --clip-duration D` makes the same clips).
func clipTruth(s *Suite, sc *scenarios.Scenario, seed uint64) ([]wire.Violation, error) {
	n, d := s.clips()
	var out []wire.Violation
	for j := range n {
		tr, _, err := world.Generate(sc, world.Options{Seed: sc.SeedOr(seed) + uint64(j), Duration: d, Camera: run.ClipCamera(j)})
		if err != nil {
			return nil, fmt.Errorf("suite: %s: %w", sc.Name, err)
		}
		out = append(out, tr.Violations...)
	}
	return out, nil
}

// playRun runs one cell and seed as a whole run through sim/run's public API and reads its
// record back: the truth it scored (its cuts applied) and the device's events, on camera and
// event ids unique within the suite. The clips' truth must be the world model's for the seed
// (a stale or altered clip library is refused).
func playRun(ctx context.Context, s *Suite, o Options, ci, k int, seed uint64) (played, error) {
	c := s.Cells[ci]
	n, clipLen := s.clips()
	cfg := run.Config{Scenario: c.Scenario, Cameras: s.Cameras, Duration: s.duration, Device: s.Device, SmartShare: -1,
		Seed: seed, Clips: n, ClipDuration: clipLen, Out: o.Runs, ID: runID(ci, k), Library: o.Library, Grace: o.Grace,
		Progress: o.Progress, Logf: o.Logf}
	var box *externalBox
	if s.Device == DeviceExternal {
		cfg.Vendors = s.External.vendors
		box = &externalBox{x: s.External, dir: filepath.Join(o.Runs, runID(ci, k)), logf: o.Logf}
		cfg.ExternalReady = box.start
	}
	cell := fmt.Sprintf("cell %d (%s) seed %d", ci+1, c.Scenario, k+1)
	res, err := run.Run(ctx, cfg)
	if box != nil {
		err = errors.Join(err, box.stop())
	}
	if err != nil {
		return played{}, fmt.Errorf("suite: %s: %w", cell, err)
	}
	if res.Interrupted {
		return played{}, fmt.Errorf("suite: %s: interrupted", cell)
	}
	p := played{run: res.Dir}
	for _, dir := range res.Clips {
		cl, err := library.Open(dir)
		if err != nil {
			return played{}, fmt.Errorf("suite: %s: %w", cell, err)
		}
		tr, err := cl.Truth()
		if err != nil {
			return played{}, fmt.Errorf("suite: %s: %w", cell, err)
		}
		p.truths = append(p.truths, tr.Violations...)
	}
	p.hash = hashTruth(p.truths)
	world, err := CellTruth(s, ci, k, seed)
	if err != nil {
		return played{}, err
	}
	if h := hashTruth(world); h != p.hash {
		return played{}, fmt.Errorf("suite: %s: the clips' truth (sha256 %s) is not the world model's for the seed (%s): a stale or altered clip library (%s)", cell, p.hash[:12], h[:12], o.Library)
	}
	rec, err := record.Open(res.Dir)
	if err != nil {
		return played{}, fmt.Errorf("suite: %s: %w", cell, err)
	}
	prefix := fmt.Sprintf("c%d-s%d-", ci+1, k+1)
	for _, v := range rec.Truth {
		if early, late := rec.Run.Cuts.Cut(&v); early || late {
			continue
		}
		v.Camera = prefix + v.Camera
		p.scored = append(p.scored, v)
	}
	for _, e := range rec.Events {
		e.CameraID, e.EventID = prefix+e.CameraID, prefix+e.EventID
		p.events = append(p.events, e)
	}
	for _, f := range rec.Faults {
		f.Camera = prefix + f.Camera
		p.faults = append(p.faults, f)
	}
	return p, nil
}

// externalBox hands a cell's cameras.json to the vendor's box.
type externalBox struct {
	x    *External
	dir  string
	logf func(string, ...any)

	mu   sync.Mutex
	cmd  *exec.Cmd
	log  *os.File
	done chan error
	err  error
}

// start is run.Config.ExternalReady.
func (b *externalBox) start(camerasJSON string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.x.URL != "" {
		b.err = post(b.x.URL, camerasJSON)
		return
	}
	args := make([]string, len(b.x.Command))
	for i, a := range b.x.Command {
		args[i] = strings.ReplaceAll(a, "{cameras}", camerasJSON)
	}
	f, err := os.Create(filepath.Join(b.dir, "external.log"))
	if err != nil {
		b.err = err
		return
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "TRAFFICSIM_CAMERAS="+camerasJSON)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		b.err = fmt.Errorf("external device: %w", err)
		return
	}
	b.logf("external device: started %s (pid %d) with %s", args[0], cmd.Process.Pid, camerasJSON)
	b.cmd, b.log, b.done = cmd, f, make(chan error, 1)
	go func() { b.done <- cmd.Wait() }()
}

// stop ends the box's command: SIGTERM, then a kill after 10 s. A command that ended by
// itself before with a failure is an error; one ended by the SIGTERM is not.
func (b *externalBox) stop() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return b.err
	}
	defer b.log.Close()
	select {
	case err := <-b.done: // it ended during the cell
		if err != nil {
			return fmt.Errorf("external device %s ended during the cell: %w (see %s)", b.cmd.Path, err, b.log.Name())
		}
		return nil
	default:
	}
	b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-b.done
	}
	return nil
}

// post gives cameras.json to a box that listens for it.
func post(u, camerasJSON string) error {
	body, err := os.ReadFile(camerasJSON)
	if err != nil {
		return err
	}
	cl := &http.Client{Timeout: 30 * time.Second}
	resp, err := cl.Post(u, "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("external device: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("external device at %s answered cameras.json with %s: %s", u, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}
