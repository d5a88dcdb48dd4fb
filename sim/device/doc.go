// Package device is the reference intermediate device: the box a province would put between
// cameras without analytics and the Center (ARCHITECTURE.md section 2, "device under test").
// For each camera of cameras.json it keeps an RTSP session (gortsplib client, digest auth,
// reconnect with back-off), decodes H.264 in process (package decode, libavcodec), runs the
// classical detector (package detect) on the frames with the capture time from the RTCP sender
// report wall clock, and queues the violation events on disk (package edgeq) until the center
// accepts them (POST <events>/v1/events). It knows pixels, the calibration and the event type,
// never truth.
package device
