// Package clips makes clips: it streams a truth through the renderer (synth/render) and the
// H.264 encoder (synth/encode) into the clip library (synth/library), frame by frame, so memory
// stays flat in the clip's length. It sits between the world's truth and the camera farm in the
// flow of ARCHITECTURE.md section 2: truth -> render -> encode -> clip library.
//
// Rendering needs the game loop of render.Main running (the synth command and the run
// orchestrator start it on the main goroutine).
package clips
