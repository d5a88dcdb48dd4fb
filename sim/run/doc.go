// Package run is the composition root of trafficsim (ARCHITECTURE.md section 2, end to end):
// Run assembles a whole run stage by stage, one function and file each (docs/architecture.md):
// resolve the Config; find the clips in the library or synthesise them (synth/world,
// synth/render, synth/clips); plan who serves which camera; start a center (sim/center) that
// scores live (results.Live) and writes the run record (results/record); the truth path and
// the smart cameras (sim/smartcam); a camera farm (sim/farm); the devices under test (the
// reference device, sim/device, through regional clusters, sim/cluster, or directly; or a
// cameras.json for an external device); play; at the end stop everything in order, wait for
// late events, finish the run record and write report.html and junit.xml (results/report) with
// the conformity verdicts (results/conform).
//
// It also owns what every command that makes clips must agree on (seed + k per clip, the clip
// cache key from resolved values, the names of cameras and clips): Synth and FindClips.
// Subpackage serve runs one part of the chain on its own.
//
// Rendering needs ebiten's game loop on the main goroutine: call Run, Synth and FindClips
// inside render.Main when clips may have to be synthesised.
package run
