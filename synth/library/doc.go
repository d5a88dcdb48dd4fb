// Package library is the clip library: one folder per rendered camera clip, named by a content
// hash of its inputs, holding the H.264 stream (Annex B), a frame index, truth.json,
// camera.json, a preview PNG and meta.json. synth writes clips; the camera farm replays them.
package library
