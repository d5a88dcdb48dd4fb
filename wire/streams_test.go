package wire

import "testing"

// TestStreamsDistinct: no two uses share a random stream (a copy-pasted id would silently
// correlate, say, arrivals with behaviours).
func TestStreamsDistinct(t *testing.T) {
	ids := map[string]uint64{"arrivals": StreamArrivals, "vehicles": StreamVehicles, "behaviour": StreamBehaviour,
		"signal phase": StreamSignalPhase, "props": StreamProps, "grain": StreamGrain, "grain frame": StreamGrainFrame,
		"skyline": StreamSkyline, "prop": StreamProp, "windows": StreamWindows, "look": StreamLook, "rain": StreamRain,
		"faults": StreamFaults, "ports": StreamPorts}
	seen := map[uint64]string{}
	for name, id := range ids {
		if other, ok := seen[id]; ok {
			t.Errorf("streams %s and %s share id %#x", name, other, id)
		}
		seen[id] = name
	}
}
