package run

import (
	"reflect"
	"slices"
	"testing"
)

// The camera plan: smart cameras report for themselves, the others go to the device under test
// in blocks of CamerasPerDevice; every sender has its own token and owns exactly its cameras.
func TestPlanCamerasGivesEachCameraOneOwner(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		devices []string
		owners  map[string]string
	}{
		{"direct reference", Config{Cameras: 5, SmartShare: 0.2, CamerasPerDevice: 2, Direct: true},
			[]string{"ref-device-1", "ref-device-2"},
			map[string]string{"cam-001": "ref-device-1", "cam-002": "ref-device-1", "cam-003": "ref-device-2", "cam-004": "ref-device-2", "cam-005": SmartcamID}},
		{"two clusters", Config{Cameras: 4, SmartShare: -1, CamerasPerDevice: 1, Clusters: 2},
			[]string{"cluster-1-w1", "cluster-1-w2", "cluster-2-w1", "cluster-2-w2"},
			map[string]string{"cam-001": "cluster-1-w1", "cam-002": "cluster-1-w2", "cam-003": "cluster-2-w1", "cam-004": "cluster-2-w2"}},
		{"external", Config{Cameras: 3, SmartShare: -1, Device: DeviceExternal, Direct: true},
			nil,
			map[string]string{"cam-001": ExternalID, "cam-002": ExternalID, "cam-003": ExternalID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Scenario = "intersection-day"
			c, err := resolve(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			p := planCameras(c)
			if !slices.Equal(p.deviceIDs, tc.devices) {
				t.Errorf("devices %v, want %v", p.deviceIDs, tc.devices)
			}
			if !reflect.DeepEqual(p.owners, tc.owners) {
				t.Errorf("owners %v, want %v", p.owners, tc.owners)
			}
			senders := map[string]bool{}
			for _, id := range p.tokens {
				if senders[id] {
					t.Errorf("%s has two tokens", id)
				}
				senders[id] = true
			}
			for cam, id := range p.owners {
				if !senders[id] {
					t.Errorf("%s's owner %s has no token", cam, id)
				}
			}
			if (p.smartTok != "") != (len(p.smartIDs) > 0) || (p.extTok != "") != (tc.cfg.Device == DeviceExternal) {
				t.Errorf("smart token %q for %d smart cameras, external token %q", p.smartTok, len(p.smartIDs), p.extTok)
			}
		})
	}
}
