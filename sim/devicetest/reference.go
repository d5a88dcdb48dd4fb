package devicetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

// Reference is the reference intermediate device (sim/device) run in process, as
// 'trafficsim device' runs it: cameras.json read at start and again whenever it changes.
// tune, when set, adjusts each device's Config (retry pauses, HTTP client). Kill is Close
// here (a process cannot SIGKILL its own goroutines): Command gives the real kill.
func Reference(tune func(*device.Config)) Device {
	return DeviceFunc(func(ctx context.Context, cfg Config) (Running, error) {
		dep, err := ReadCameras(cfg.Cameras)
		if err != nil {
			return nil, err
		}
		logf := func(format string, args ...any) { fmt.Fprintf(cfg.Log, format+"\n", args...) }
		dc := device.Config{ID: cfg.ID, Cameras: dep.Cameras, QueueDir: cfg.StateDir, Logf: logf,
			RetryMin: 50 * time.Millisecond, RetryMax: time.Second, ReadTimeout: 3 * time.Second}
		if dep.Events != nil {
			dc.Events = *dep.Events
		}
		if tune != nil {
			tune(&dc)
		}
		d, err := device.New(dc)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(ctx)
		if err := d.Start(ctx); err != nil {
			cancel()
			d.Close()
			return nil, err
		}
		r := &reference{d: d, cancel: cancel, done: make(chan struct{})}
		go r.follow(ctx, cfg.Cameras, logf)
		return r, nil
	})
}

type reference struct {
	d      *device.Device
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	err    error
}

// follow re-reads cameras.json when it changes (it is replaced by a rename) until ctx ends.
func (r *reference) follow(ctx context.Context, path string, logf func(string, ...any)) {
	defer close(r.done)
	seen := stamp(path)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := stamp(path)
		if st == seen {
			continue
		}
		seen = st
		dep, err := ReadCameras(path)
		if err == nil {
			err = r.d.SetCameras(dep.Cameras)
		}
		if err != nil {
			logf("device: %s: %v (keeping the cameras)", path, err)
		}
	}
}

func (r *reference) Stop() error {
	r.once.Do(func() {
		r.cancel()
		<-r.done
		r.err = r.d.Close()
	})
	return r.err
}

func (r *reference) Kill() error { return r.Stop() }

// stamp identifies a version of a file (a rename changes its time and size).
func stamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.ModTime().UnixNano(), fi.Size())
}

// ReadCameras reads cameras.json strictly (unknown fields are errors).
func ReadCameras(path string) (*wire.Deployment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d wire.Deployment
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(d.Cameras) == 0 {
		return nil, errors.New(path + ": no cameras")
	}
	return &d, nil
}
