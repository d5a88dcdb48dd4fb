package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

// DeviceConfig is the reference intermediate device on its own.
type DeviceConfig struct {
	ID          string        // the device id (the source of its events)
	CamerasFile string        // cameras.json: the deployment; re-read when it changes
	Events      string        // the center's events URL [events.http of cameras.json]
	Token       string        // the device's bearer token [events.token of cameras.json]
	QueueDir    string        // the edge queue folder
	Stats       time.Duration // how often to log counters [never]
	StatsJSON   string        // write the final counters to this JSON file [none]
}

// LoadDeployment reads cameras.json strictly (unknown fields are errors).
func LoadDeployment(path string) (*wire.Deployment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	var d wire.Deployment
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("device: %s: %w", path, err)
	}
	return &d, nil
}

// Device runs the reference device on the cameras of cameras.json until ctx ends, logging
// with the standard logger; cameras.json is re-read when it changes (load plans re-write it
// atomically as cameras come and go).
func Device(ctx context.Context, cfg DeviceConfig) error {
	dep, err := LoadDeployment(cfg.CamerasFile)
	if err != nil {
		return err
	}
	ev := wire.EventsEndpoint{}
	if dep.Events != nil {
		ev = *dep.Events
	}
	if cfg.Events != "" {
		ev.HTTP = cfg.Events
	}
	if cfg.Token != "" {
		ev.Token = cfg.Token
	}
	if ev.HTTP == "" {
		return errors.New("device: no events URL (--events or events.http in cameras.json)")
	}
	d, err := device.New(device.Config{ID: cfg.ID, Cameras: dep.Cameras, Events: ev, QueueDir: cfg.QueueDir})
	if err != nil {
		return err
	}
	if err := d.Start(ctx); err != nil {
		d.Close()
		return err
	}
	log.Printf("device %s: %d cameras, events to %s, queue %s", cfg.ID, len(dep.Cameras), ev.HTTP, cfg.QueueDir)
	var tick <-chan time.Time
	if cfg.Stats > 0 {
		t := time.NewTicker(cfg.Stats)
		defer t.Stop()
		tick = t.C
	}
	reload := time.NewTicker(time.Second)
	defer reload.Stop()
	seen := stamp(cfg.CamerasFile)
	for {
		select {
		case <-ctx.Done():
			final := d.Stats() // before Close: the edge queue closes with it
			err := d.Close()
			if cfg.StatsJSON != "" {
				b, _ := json.MarshalIndent(final, "", "  ")
				err = errors.Join(err, os.WriteFile(cfg.StatsJSON, append(b, '\n'), 0o644))
			}
			return err
		case <-reload.C:
			if st := stamp(cfg.CamerasFile); st != seen {
				seen = st
				if dep, err := LoadDeployment(cfg.CamerasFile); err != nil {
					log.Printf("device %s: %v (keeping the cameras)", cfg.ID, err)
				} else if err := d.SetCameras(dep.Cameras); err != nil {
					log.Printf("device %s: %v", cfg.ID, err)
				} else {
					log.Printf("device %s: %s changed: %d cameras", cfg.ID, cfg.CamerasFile, len(dep.Cameras))
				}
			}
		case <-tick:
			s := d.Stats()
			var frames int64
			up := 0
			for _, c := range s.Cameras {
				frames += c.Frames
				if c.Connected {
					up++
				}
			}
			log.Printf("device %s: %d/%d cameras up, %d frames, %d events queued, %d pending, %d sent, %d refused, %d send errors",
				cfg.ID, up, len(s.Cameras), frames, s.Queued, s.Pending, s.Sent, s.Refused, s.SendErrors)
		}
	}
}

// stamp identifies a version of a file (a rename changes the inode's time and size).
func stamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.ModTime().UnixNano(), fi.Size())
}
