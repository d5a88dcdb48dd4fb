// Package detect is the classical detector of the reference intermediate device: it turns the
// decoded frames of one camera, with the camera's calibration (what an installer gives), into
// violation events (ARCHITECTURE.md section 2, inside the device under test; section 4 lists
// the rules). It knows only pixels and the calibration, never truth.
//
// Per frame: a downscaled grey image feeds a background model (running average, slow where
// foreground so stopped vehicles stay visible); the foreground mask is dilated and cut into
// blobs; blobs are tracked (greedy box overlap with constant-velocity prediction); each track's
// ground point (bottom centre of its box) is mapped to the road plane with the calibration's
// homography, which gives positions and speeds in metres. Signal states come from the
// brightness of the signal-lamp boxes. The rules then run per track: stop-line crossing on red,
// stopping beyond the line, zone speed, wrong way, wrong lane, dwell in a no-parking zone,
// motorbikes on sidewalks.
//
// The detector is usable without RTSP: New(cal, opts) then Process(frame, captureTime) per
// frame, in order, from one goroutine (the regional cluster's workers reuse it).
package detect
