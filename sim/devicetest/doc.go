// Package devicetest is the conformance kit of the device under test: the behaviours any
// intermediate device must show, as one table of cases (Cases) that runs against every
// implementation, the way mediamtx and gortsplib run one table against each of their servers.
//
// In the flow of ARCHITECTURE.md section 2 it stands on both sides of the device under test:
// each case starts real parts, a camera farm (sim/farm) playing a short clip whose truth it
// knows, a center (sim/center) on 127.0.0.1:0 and, for a box that reports in its own format, a
// regional cluster (sim/cluster with a sim/cluster/adapt mapping) in front of the center; it
// drives the device only through Device (start with a cameras.json and a state folder, stop,
// kill) and judges it only by what reaches the center and what the farm saw, so a vendor's box
// run as a process (Command) is judged exactly as the reference device (Reference).
//
// The cases: event times come from the camera's RTCP wall clock, not the device's; sessions
// that drop and cameras that restart are reconnected; the edge queue delivers every event
// exactly once across a center outage and across a kill; a changed cameras.json is followed;
// a broken camera is named in the device's log, never dropped silently.
//
// Go tests call Run; 'trafficsim devicetest --cmd ...' calls Check. Nothing but tests and that
// command may import this package.
package devicetest
