// Package render draws a clip's truth (wire.Truth) as a roadside camera sees it, with ebiten
// offscreen under an X server (Xvfb + Mesa llvmpipe here): road, paint, kerbs, signal heads with
// lit lamps, buildings, trees and street lights; vehicles built from the parts of synth/shape
// (the same geometry the world's truth boxes come from) with windows, lamps and plates in the
// plate font of font.go; riders with helmets or bare heads; day, dusk, night, rain, fog, sensor
// noise and the camera's clock overlay. It also draws an ID buffer (Mode IDs) and audits it
// against the truth (Auditor).
//
// In the flow of ARCHITECTURE.md section 2 it sits between the world's truth and the encoder:
// truth -> render -> encode -> clip library (synth/clips drives that chain). ebiten's game loop
// needs the main thread: Main runs it and the caller's work beside it; Start streams frames of a
// truth from it, several per game tick, read back with ReadPixels into a small pool of buffers.
package render
