package run

// This file is stage 0 of a run: the Config with every default filled in, from the scenario
// where it has one.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/scenarios"
)

// resolved is a Config with its defaults filled in.
type resolved struct {
	Config
	sc  *scenarios.Scenario
	src []byte
}

func resolve(cfg Config) (*resolved, error) {
	if cfg.Scenario == "" {
		return nil, errors.New("run: scenario is required")
	}
	sc, err := scenarios.Lookup(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	src, err := scenarioSource(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	r := &resolved{Config: cfg, sc: sc, src: src}
	c := &r.Config
	if c.Cameras == 0 {
		c.Cameras = max(sc.Deployment.Cameras, 1)
	}
	if c.Duration == 0 {
		c.Duration = 2 * time.Minute
	}
	if c.Device == "" {
		c.Device = DeviceReference
	}
	switch {
	case c.SmartShare == 0:
		c.SmartShare = sc.Deployment.SmartShare
	case c.SmartShare < 0:
		c.SmartShare = 0
	}
	if c.CamerasPerDevice == 0 {
		c.CamerasPerDevice = sc.Deployment.CamerasPerDevice
	}
	if c.CamerasPerDevice <= 0 {
		c.CamerasPerDevice = 8
	}
	if c.Out == "" {
		c.Out = "runs"
	}
	if c.Library == "" {
		c.Library = filepath.Join(".cache", "clips")
	}
	if c.Clips == 0 {
		c.Clips = min(c.Cameras, 4)
	}
	if c.ClipDuration == 0 {
		c.ClipDuration = min(c.Duration, time.Minute)
	}
	c.Seed = sc.SeedOr(c.Seed)
	if c.Window == 0 {
		c.Window = results.DefaultWindow
	}
	if c.Grace == 0 {
		c.Grace = 10 * time.Second
	}
	if c.WarmUp == 0 {
		c.WarmUp = 5 * time.Second
	}
	c.WarmUp = max(c.WarmUp, 0)
	if c.Profile == nil {
		c.Profile = conform.Default()
	}
	if c.Clusters == 0 {
		c.Clusters = 1
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.TimeNow == nil {
		c.TimeNow = time.Now
	}
	if c.ID == "" {
		c.ID = c.TimeNow().UTC().Format("20060102-150405") + "-" + sc.Name
	}
	switch {
	case c.Cameras < 1:
		return nil, fmt.Errorf("run: cameras %d must be at least 1", c.Cameras)
	case c.Duration < 0:
		return nil, fmt.Errorf("run: duration %v must be positive", c.Duration)
	case c.Device != DeviceReference && c.Device != DeviceExternal:
		return nil, fmt.Errorf("run: device %q is neither %q nor %q", c.Device, DeviceReference, DeviceExternal)
	case c.SmartShare > 1:
		return nil, fmt.Errorf("run: smart share %g must be within 0-1", c.SmartShare)
	case c.Clips < 1 || c.Clips > c.Cameras:
		return nil, fmt.Errorf("run: clips %d must be within 1-%d (the cameras)", c.Clips, c.Cameras)
	case c.ClipDuration < time.Second:
		return nil, fmt.Errorf("run: clip duration %v must be at least 1s", c.ClipDuration)
	case c.Clusters < 1 || c.Clusters > c.Cameras:
		return nil, fmt.Errorf("run: clusters %d must be within 1-%d (the cameras)", c.Clusters, c.Cameras)
	case c.Clusters > 1 && c.Direct:
		return nil, fmt.Errorf("run: clusters %d: a direct run has no regional cluster", c.Clusters)
	case c.Clusters > 1 && c.Device == DeviceExternal:
		return nil, fmt.Errorf("run: clusters %d: an external device has one events endpoint; use one cluster", c.Clusters)
	}
	if err := c.Vendor.check(c.Device, c.Direct); err != nil {
		return nil, err
	}
	if err := c.Links.check(sc, c.Direct); err != nil {
		return nil, err
	}
	return r, nil
}

// scenarioSource returns the scenario file's bytes, part of the clips' content hash (as
// `trafficsim synth` computes it, so both share the cache).
func scenarioSource(scenario string) ([]byte, error) {
	if slices.Contains(scenarios.Names(), scenario) {
		return fs.ReadFile(scenarios.Shipped(), scenario+".yaml")
	}
	return os.ReadFile(scenario)
}
