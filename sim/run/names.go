package run

// This file owns the names of a run: every id a run gives its parts is made here.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Device ids the center knows in a run.
const (
	SmartcamID = "smartcam" // the source of every smart camera's events
	ExternalID = "external" // the external device under test
)

// Two numberings that must not be confused: a run's cameras (the farm's, cam-001 ...) play its
// clips in turn (clip k of a scenario, cam-01 ...), so camera i plays clip i mod Clips. A clip's
// name is part of its truth.json, which must stay byte-identical for a scenario and seed, so the
// two keep their own widths.

// CameraID is the id of camera i (0-based) in a run and in the farm of `trafficsim cameras`.
func CameraID(i int) string { return fmt.Sprintf("cam-%03d", i+1) }

// ClipCamera is the camera name in the truth of clip k (0-based) of a scenario, for runs, load
// plans and `trafficsim synth` alike, so all make the same truth and share the clip cache.
func ClipCamera(k int) string { return fmt.Sprintf("cam-%02d", k+1) }

// deviceID is the id of reference device k (0-based) of a direct run; through a regional
// cluster the devices are its workers (cluster.WorkerID).
func deviceID(k int) string { return fmt.Sprintf("ref-device-%d", k+1) }

// ClusterName is the id of regional cluster k (from 0): cluster-1, cluster-2, ...
func ClusterName(k int) string { return fmt.Sprintf("cluster-%d", k+1) }

// token is a fresh bearer token or password.
func token() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// deviceName is the device under test as run.json names it.
func deviceName(kind string, n int, direct bool, clusters int) string {
	if kind == DeviceExternal {
		return "external device (cameras.json)"
	}
	if !direct && clusters > 1 {
		return fmt.Sprintf("trafficsim reference regional clusters x%d, %d device workers", clusters, n)
	}
	if !direct {
		return fmt.Sprintf("trafficsim reference regional cluster, %d device workers", n)
	}
	return fmt.Sprintf("trafficsim reference intermediate device x%d", n)
}
