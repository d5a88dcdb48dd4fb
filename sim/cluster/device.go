package cluster

import (
	"path/filepath"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/wire"
)

var _ Worker = (*device.Device)(nil)

// DeviceWorkers makes reference intermediate devices (sim/device) as workers: one per group of
// cameras, its edge queue in queueRoot/<worker id>; tune, when set, adjusts each device's
// Config (analyzer, retry pauses, logging).
func DeviceWorkers(queueRoot string, tune func(*device.Config)) NewWorkerFunc {
	return func(id string, cameras []wire.Calibration, events wire.EventsEndpoint) (Worker, error) {
		cfg := device.Config{ID: id, Cameras: cameras, Events: events, QueueDir: filepath.Join(queueRoot, id)}
		if tune != nil {
			tune(&cfg)
		}
		d, err := device.New(cfg)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
}
