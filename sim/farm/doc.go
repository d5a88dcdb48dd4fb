// Package farm is the camera farm of trafficsim (ARCHITECTURE.md section 2, between the clip
// library and the device under test): one RTSP server hosting N cameras at /cam/<id>, each
// replaying a library clip in real time, looping, with a per-camera offset and frame phase.
//
// Each clip is read and packetized once (gortsplib's H.264 packetizer) and shared by every
// camera that plays it. TCP cameras take the fast path: RTSP signalling with gortsplib's
// protocol packages (base, headers, description, auth), then one goroutine per reader that
// patches sequence number, timestamp and SSRC into a copy of the ready frame and sends it with
// an RTCP sender report (the frame's wall clock) in one write. UDP cameras are served by
// gortsplib's Server. The replay schedule is a pure function of elapsed time (FrameDue,
// FramesDue), so RTP timestamps are continuous across loops and the truth timeline, emitted
// ahead of the frames to a TruthSink (in process or NATS JetStream on the truth account), uses
// the same clock as the sender reports. Faults (ParseFaults) are injected per camera or per
// share of cameras and recorded through the same sink.
package farm
