// Package run is the orchestrator behind `trafficsim run` (ARCHITECTURE.md section 2, end to
// end): it takes clips from the library (synthesising the missing ones with synth/world,
// synth/render and synth/clips), starts a center (sim/center) that scores live
// (results.Live) and writes the run record (results/record), a camera farm (sim/farm) whose
// truth timeline goes to the center over NATS on the truth account, smart cameras
// (sim/smartcam) for the scenario's smart share, and the reference intermediate device
// (sim/device) for the other cameras, or a cameras.json for an external device. At the end it
// stops everything in order, waits for late events, finishes the run record and writes
// report.html and junit.xml (results/report) with the conformity verdicts (results/conform).
//
// Rendering needs ebiten's game loop on the main goroutine: call Run inside render.Main when
// clips may have to be synthesised.
package run
