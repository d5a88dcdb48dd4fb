// Package detect is the classical detector of the reference intermediate device: it turns the
// decoded frames of one camera, with the camera's calibration (what an installer gives), into
// violation events (ARCHITECTURE.md section 2, inside the device under test; section 4 lists
// the rules). It knows only pixels and the calibration, never truth.
//
// Per frame: a downscaled grey image feeds a background model (a running median for the first
// 4 s, then a running average that is slow where foreground so stopped vehicles stay visible);
// the foreground mask is dilated, cut into blobs (and at empty columns), and blobs whose ground
// point is off the calibrated road are dropped (overlay clock, lamps, trees); blobs are tracked
// (greedy box overlap with constant-velocity prediction; tracks merged into one blob coast on
// their own velocity; ghosts left in the model are absorbed); each track's ground point (bottom
// centre of its box) is mapped to the road plane with the calibration's homography, which gives
// positions and speeds in metres, and its size gives the class. Signal states come from the
// brightness of the signal-lamp boxes; a stop line whose head the camera sees only from behind
// (the approach towards it) goes with a seen head of the same road axis (two-phase plans). The
// rules then run per track: stop-line crossing on red (by a box steady in size that can be one
// road user), stopping beyond the line, zone speed, wrong way, wrong lane, dwell in a no-parking
// zone, motorbikes on sidewalks, riders' heads without helmet and motorbikes carrying 3 or more
// people (the stack of heads seen from behind, in calibrated steps per passenger; both by day).
// Plates are read by template
// matching on the plate font where they are wide enough, and an event waits up to 2 s for the
// track's best reading.
//
// Rooms: the background model and blob finder are package bg, the plate reader (font and the
// plate layouts of the wire contract that synth/plate prints) package plateread; the tracker
// package track (track.go joins it to the rules' state per track); the rules are one function per violation type in ruleTable (rules.go), with
// no_helmet in helmet.go and too_many_passengers in passengers.go.
//
// The detector is usable without RTSP: New(cal, opts) then Process(frame, captureTime) per
// frame, in order, from one goroutine (the regional cluster's workers reuse it).
package detect
