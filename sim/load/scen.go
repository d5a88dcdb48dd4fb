package load

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/wire"
)

// scen is a camera scenario while it runs: its farm, its reference devices (groups of
// CamerasPerDevice cameras) and the cameras online.
type scen struct {
	s      *Scenario
	r      *runner
	prefix string
	clips  []string
	farm   *farm.Farm
	sink   *warmSink
	groups []*group
	// smart cameras of the scenario (smartShare), and how to stop them
	fleet     *smartcam.Fleet
	fleetStop context.CancelFunc

	// guarded by r.mu (the control API sets them)
	override   int
	overridden bool
	leases     map[string]time.Time

	omu    sync.Mutex
	online map[string]*camState
	order  []string // online ids in the order added
	next   int      // clips are given round-robin

	// cl is the regional cluster the devices post to (via: cluster), nil when they post to
	// the center; leafPass is its leaf node password at the center
	cl       *cluster.Cluster
	leafPass string
}

type camState struct {
	cal   wire.Calibration
	group *group
	since time.Time // online since
}

// group is one reference device and its cameras.
type group struct {
	id   string
	tok  string
	ep   wire.EventsEndpoint
	dev  *device.Device
	cams []string
}

// id is the id of the scenario's camera slot i (0-based): cam-001, ...
func (sc *scen) id(i int) string {
	n := strconv.Itoa(i + 1)
	for len(n) < 3 {
		n = "0" + n
	}
	return sc.prefix + n
}

func (sc *scen) count() int {
	sc.omu.Lock()
	defer sc.omu.Unlock()
	return len(sc.online)
}

// warming reports whether a camera came online less than d ago (or is not online).
func (sc *scen) warming(id string, now time.Time, d time.Duration) bool {
	sc.omu.Lock()
	defer sc.omu.Unlock()
	cs := sc.online[id]
	return cs == nil || now.Sub(cs.since) < d
}

// ids lists the cameras online.
func (sc *scen) ids() []string {
	sc.omu.Lock()
	defer sc.omu.Unlock()
	return slices.Clone(sc.order)
}

// calibrations returns the online cameras' calibrations (of one group, or all when g is nil).
func (sc *scen) calibrations(g *group) []wire.Calibration {
	sc.omu.Lock()
	defer sc.omu.Unlock()
	var out []wire.Calibration
	for _, id := range sc.order {
		if cs := sc.online[id]; g == nil || cs.group == g {
			out = append(out, cs.cal)
		}
	}
	return out
}

// setOnline makes exactly ids online: the farm adds and removes cameras, the devices are
// told. It reports whether the set changed.
func (sc *scen) setOnline(ids []string) bool {
	sc.omu.Lock()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	changed := map[*group]bool{}
	removed := 0
	for _, id := range slices.Clone(sc.order) {
		if want[id] {
			continue
		}
		removed++
		cs := sc.online[id]
		if err := sc.farm.RemoveCamera(id); err != nil {
			sc.r.cfg.Logf("load: %v", err)
		}
		delete(sc.online, id)
		sc.order = slices.DeleteFunc(sc.order, func(o string) bool { return o == id })
		if cs.group != nil {
			cs.group.cams = slices.DeleteFunc(cs.group.cams, func(o string) bool { return o == id })
			changed[cs.group] = true
		}
	}
	var added []string
	for _, id := range ids {
		if _, ok := sc.online[id]; ok {
			continue
		}
		clip := sc.clips[sc.next%len(sc.clips)]
		sc.next++
		sc.sink.online(id, sc.r.now())
		if _, err := sc.farm.AddCamera(farm.CameraSpec{ID: id, Clip: clip}); err != nil {
			sc.r.cfg.Logf("load: %v", err)
			continue
		}
		added = append(added, id)
	}
	if len(added) > 0 {
		dep := sc.farm.Deployment()
		for _, cal := range dep.Cameras {
			if !slices.Contains(added, cal.ID) {
				continue
			}
			cs := &camState{cal: cal, since: sc.r.now()}
			if g := sc.room(); g != nil && !sc.smartCam(cal.ID) {
				cs.group = g
				g.cams = append(g.cams, cal.ID)
				changed[g] = true
			}
			sc.online[cal.ID] = cs
			sc.order = append(sc.order, cal.ID)
		}
	}
	sc.omu.Unlock()
	for g := range changed {
		sc.tell(g)
	}
	return removed > 0 || len(added) > 0
}

// room is the reference device with the fewest cameras that has room (nil: external device).
func (sc *scen) room() *group {
	var best *group
	for _, g := range sc.groups {
		if g.dev != nil && len(g.cams) < sc.s.CamerasPerDevice && (best == nil || len(g.cams) < len(best.cams)) {
			best = g
		}
	}
	if best != nil {
		return best
	}
	for _, g := range sc.groups {
		if g.dev == nil && len(g.cams) < sc.s.CamerasPerDevice {
			return g
		}
	}
	return nil
}

// tell gives a reference device its cameras, starting it at its first camera.
func (sc *scen) tell(g *group) {
	cams := sc.calibrations(g)
	if g.dev == nil {
		if len(cams) == 0 {
			return
		}
		d, err := device.New(device.Config{ID: g.id, Cameras: cams, Events: g.ep, QueueDir: filepath.Join(sc.r.dir, g.id, "queue"),
			QueueNoSync: true, Logf: sc.r.cfg.Logf, TimeNow: sc.r.now})
		if err == nil {
			err = d.Start(context.Background())
		}
		if err != nil {
			sc.r.cfg.Logf("load: device %s: %v", g.id, err)
			return
		}
		g.dev = d
		return
	}
	if err := g.dev.SetCameras(cams); err != nil {
		sc.r.cfg.Logf("load: device %s: %v", g.id, err)
	}
}

func (sc *scen) close() {
	if sc.fleetStop != nil {
		sc.fleetStop()
	}
	if sc.farm != nil {
		sc.farm.Close()
	}
	for _, g := range sc.groups {
		if g.dev != nil {
			g.dev.Close()
		}
	}
	if sc.cl != nil {
		sc.cl.Close()
	}
}

// deviceStats sums the reference devices' counters.
func (sc *scen) deviceStats() (cams map[string]device.CameraStats, pending int) {
	cams = map[string]device.CameraStats{}
	for _, g := range sc.groups {
		if g.dev == nil {
			continue
		}
		st := g.dev.Stats()
		pending += st.Pending
		for id, c := range st.Cameras {
			cams[id] = c
		}
	}
	return cams, pending
}

// warmSink passes truth on, but not a camera's first seconds online (the device must see the
// scene) nor the first seconds after a clip loop's cut.
type warmSink struct {
	next    farm.TruthSink
	warm    time.Duration
	mu      sync.Mutex
	since   map[string]time.Time
	dropped int
}

func (s *warmSink) online(id string, at time.Time) {
	s.mu.Lock()
	s.since[id] = at
	s.mu.Unlock()
}

func (s *warmSink) Violation(v wire.Violation) {
	s.mu.Lock()
	since, ok := s.since[v.Camera]
	early := !ok || v.Wall.Before(since.Add(s.warm)) || v.Loop > 0 && v.T < s.warm.Seconds()
	if early {
		s.dropped++
	}
	s.mu.Unlock()
	if !early {
		s.next.Violation(v)
	}
}

func (s *warmSink) Fault(f wire.Fault) { s.next.Fault(f) }

func (s *warmSink) Delivery(d wire.Delivery) {
	if ds, ok := s.next.(farm.DeliverySink); ok {
		ds.Delivery(d)
	}
}
