package device

import (
	"context"
	"errors"
	"fmt"

	"github.com/trafficsim/trafficsim/wire"
)

// camRun is one running camera session loop.
type camRun struct {
	cal    wire.Calibration
	cancel context.CancelFunc
	done   chan struct{}
}

// startCamera runs a camera's session loop under the device's context.
func (d *Device) startCamera(cal wire.Calibration, an Analyzer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running == nil {
		d.running = map[string]*camRun{}
	}
	if d.cams[cal.ID] == nil {
		d.cams[cal.ID] = &CameraStats{}
	}
	ctx, cancel := context.WithCancel(d.runCtx)
	r := &camRun{cal: cal, cancel: cancel, done: make(chan struct{})}
	d.running[cal.ID] = r
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(r.done)
		d.runCamera(ctx, cal, an)
	}()
}

// SetCameras changes the cameras a started device analyses while it runs (a load ramp, or a
// re-read cameras.json): cameras not listed stop (events their analyzer still holds go to the
// edge queue), new ones start, and a camera whose calibration changed restarts. Stats keep
// the counters of stopped cameras.
func (d *Device) SetCameras(cams []wire.Calibration) error {
	d.mu.Lock()
	started := d.runCtx != nil
	d.mu.Unlock()
	if !started {
		return errors.New("device: SetCameras before Start")
	}
	want := map[string]wire.Calibration{}
	for i, c := range cams {
		switch {
		case c.ID == "":
			return fmt.Errorf("device: camera %d has no id", i)
		case c.URL == "":
			return fmt.Errorf("device: camera %q has no url", c.ID)
		}
		if _, dup := want[c.ID]; dup {
			return fmt.Errorf("device: camera %q listed twice", c.ID)
		}
		want[c.ID] = c
	}
	d.mu.Lock()
	var stop []*camRun
	for id, r := range d.running {
		if c, ok := want[id]; !ok || !sameCamera(c, r.cal) {
			stop = append(stop, r)
			delete(d.running, id)
		}
	}
	var add []wire.Calibration
	for _, c := range cams {
		if _, ok := d.running[c.ID]; !ok {
			add = append(add, c)
		}
	}
	d.mu.Unlock()
	for _, r := range stop {
		r.cancel()
	}
	for _, r := range stop {
		<-r.done
		d.camStat(r.cal.ID, func(s *CameraStats) { s.Connected = false })
	}
	var errs []error
	for _, c := range add {
		an, err := d.cfg.NewAnalyzer(c, d.cfg.ID)
		if err != nil {
			err = fmt.Errorf("device: camera %q: %w", c.ID, err)
			d.cfg.Logf("%v (camera left out)", err)
			errs = append(errs, err)
			continue
		}
		d.startCamera(c, an)
	}
	return errors.Join(errs...)
}

// Running lists the cameras whose session loops run now.
func (d *Device) Running() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]string, 0, len(d.running))
	for id := range d.running {
		ids = append(ids, id)
	}
	return ids
}

func sameCamera(a, b wire.Calibration) bool {
	return a.URL == b.URL && a.Username == b.Username && a.Password == b.Password && a.Transport == b.Transport && a.Width == b.Width && a.Height == b.Height
}
