package run

// This file is stage 2 of a run: who serves which camera. Smart cameras report their own
// events; the others go to the device under test (reference devices, a regional cluster's
// device workers, or an external box); every sender has a token and owns its cameras.

import (
	"math"

	"github.com/trafficsim/trafficsim/sim/cluster"
)

// SmartCameras returns which of n cameras are smart cameras for a share: spread evenly (camera
// i is smart when floor((i+1)*share) > floor(i*share)), round(n*share) of them in all.
func SmartCameras(n int, share float64) []bool {
	smart := make([]bool, n)
	want := int(math.Round(float64(n) * share))
	for i, got := 0, 0; i < n && got < want; i++ {
		if math.Floor(float64(i+1)*share+1e-9) > math.Floor(float64(i)*share+1e-9) || n-i <= want-got {
			smart[i] = true
			got++
		}
	}
	return smart
}

// cameraPlan is who serves which camera in a run.
type cameraPlan struct {
	smartIDs, plainIDs []string          // smart cameras; the others, on the device under test
	deviceIDs          []string          // reference devices, or the clusters' device workers
	regions            []*region         // the regional clusters, none in a direct run
	tokens             map[string]string // bearer token -> device id, at the center
	owners             map[string]string // camera -> the device that may speak for it
	smartTok, extTok   string            // the smart cameras' and the external device's tokens
}

// planCameras splits the cameras between smart cameras and the device under test, names the
// devices and gives every sender a token and its cameras.
func planCameras(c *resolved) *cameraPlan {
	p := &cameraPlan{tokens: map[string]string{}, owners: map[string]string{}}
	smart := SmartCameras(c.Cameras, c.SmartShare)
	for i := range c.Cameras {
		if smart[i] {
			p.smartIDs = append(p.smartIDs, CameraID(i))
		} else {
			p.plainIDs = append(p.plainIDs, CameraID(i))
		}
	}
	if c.Direct {
		if c.Device == DeviceReference {
			for k := 0; k*c.CamerasPerDevice < len(p.plainIDs); k++ {
				p.deviceIDs = append(p.deviceIDs, deviceID(k))
			}
		}
	} else {
		p.regions = planRegions(c, smart, cluster.WorkerID)
		for _, r := range p.regions {
			p.deviceIDs = append(p.deviceIDs, r.workers...)
		}
	}
	smartTok := token()
	p.tokens[smartTok] = SmartcamID
	if len(p.smartIDs) > 0 {
		p.smartTok = smartTok
	}
	for _, id := range p.deviceIDs {
		p.tokens[token()] = id
	}
	if c.Device == DeviceExternal {
		p.extTok = token()
		p.tokens[p.extTok] = ExternalID
	}
	// the center refuses an event for a camera its sender does not own, so no device speaks for
	// another's cameras (HTTP and NATS alike)
	for _, id := range p.smartIDs {
		p.owners[id] = SmartcamID
	}
	switch {
	case c.Device == DeviceExternal:
		for _, id := range p.plainIDs {
			p.owners[id] = ExternalID
		}
	case len(p.regions) > 0: // each cluster's workers take its plain cameras in blocks
		for _, r := range p.regions {
			for i, id := range r.plain {
				p.owners[id] = r.workers[i/c.CamerasPerDevice]
			}
		}
	default:
		for i, id := range p.plainIDs {
			p.owners[id] = p.deviceIDs[i/c.CamerasPerDevice]
		}
	}
	return p
}
