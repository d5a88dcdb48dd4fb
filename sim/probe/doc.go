// Package probe is the reader swarm of trafficsim (ARCHITECTURE.md section 2, on the device
// side of the RTSP streams): N lean readers that connect to cameras (a farm, a relay, a cluster
// that restreams), read RTP interleaved over TCP, parse only the RTP and RTCP headers, and
// report per stream and overall frames, RTP loss, frame lateness against the RTCP sender-report
// wall clock (p50/p99/max) and reconnects. It is the tool that measures a farm.
package probe
