package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

func init() {
	register(command{name: "device", summary: "run the reference intermediate device on the cameras of cameras.json", run: runDevCmd})
}

// devCmdFlags are the flags of 'trafficsim device'.
type devCmdFlags struct {
	cameras, events, token, queue, id string
	statsJSON                         string
	stats                             time.Duration
}

func parseDevCmdFlags(args []string) (*devCmdFlags, error) {
	fs := flag.NewFlagSet("device", flag.ContinueOnError)
	f := &devCmdFlags{}
	fs.StringVar(&f.cameras, "cameras", "", "cameras.json (the deployment: streams, credentials, calibration); required")
	fs.StringVar(&f.events, "events", "", "base URL of the center's events API (POST <url>/v1/events); default: events.http of cameras.json")
	fs.StringVar(&f.token, "token", "", "bearer token of this device; default: events.token of cameras.json")
	fs.StringVar(&f.queue, "queue", "./runs/device-queue", "edge queue folder (events wait here while the uplink is down)")
	fs.StringVar(&f.id, "id", "device-1", "device id (the source of its events)")
	fs.DurationVar(&f.stats, "stats", 10*time.Second, "how often to log counters (0: never)")
	fs.StringVar(&f.statsJSON, "stats-json", "", "write the device's final counters to this JSON file when it stops")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("device: unexpected argument %q", fs.Arg(0))
	}
	if f.cameras == "" {
		return nil, errors.New("device: --cameras is required")
	}
	return f, nil
}

// devCmdLoadDeployment reads cameras.json strictly (unknown fields are errors).
func devCmdLoadDeployment(path string) (*wire.Deployment, error) {
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

func runDevCmd(ctx context.Context, args []string) error {
	f, err := parseDevCmdFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	dep, err := devCmdLoadDeployment(f.cameras)
	if err != nil {
		return err
	}
	ev := wire.EventsEndpoint{}
	if dep.Events != nil {
		ev = *dep.Events
	}
	if f.events != "" {
		ev.HTTP = f.events
	}
	if f.token != "" {
		ev.Token = f.token
	}
	if ev.HTTP == "" {
		return errors.New("device: no events URL (--events or events.http in cameras.json)")
	}
	d, err := device.New(device.Config{ID: f.id, Cameras: dep.Cameras, Events: ev, QueueDir: f.queue})
	if err != nil {
		return err
	}
	if err := d.Start(ctx); err != nil {
		d.Close()
		return err
	}
	log.Printf("device %s: %d cameras, events to %s, queue %s", f.id, len(dep.Cameras), ev.HTTP, f.queue)
	var tick <-chan time.Time
	if f.stats > 0 {
		t := time.NewTicker(f.stats)
		defer t.Stop()
		tick = t.C
	}
	// cameras.json is re-written atomically when cameras come and go (load plans): re-read it
	reload := time.NewTicker(time.Second)
	defer reload.Stop()
	seen := devCmdStamp(f.cameras)
	for {
		select {
		case <-ctx.Done():
			final := d.Stats() // before Close: the edge queue closes with it
			err := d.Close()
			if f.statsJSON != "" {
				b, _ := json.MarshalIndent(final, "", "  ")
				err = errors.Join(err, os.WriteFile(f.statsJSON, append(b, '\n'), 0o644))
			}
			return err
		case <-reload.C:
			if st := devCmdStamp(f.cameras); st != seen {
				seen = st
				if dep, err := devCmdLoadDeployment(f.cameras); err != nil {
					log.Printf("device %s: %v (keeping the cameras)", f.id, err)
				} else if err := d.SetCameras(dep.Cameras); err != nil {
					log.Printf("device %s: %v", f.id, err)
				} else {
					log.Printf("device %s: %s changed: %d cameras", f.id, f.cameras, len(dep.Cameras))
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
				f.id, up, len(s.Cameras), frames, s.Queued, s.Pending, s.Sent, s.Refused, s.SendErrors)
		}
	}
}

// devCmdStamp identifies a version of a file (a rename changes the inode's time and size).
func devCmdStamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.ModTime().UnixNano(), fi.Size())
}
