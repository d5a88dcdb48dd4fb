// Package encode turns rendered frames into H.264 access units (Annex B) with x264
// (github.com/gen2brain/x264-go): the step between synth/render and the clip library.
//
// The bundled x264 builds with gcc alone; build with -tags extlib,pkgconfig to use Debian's
// libx264 (about 2.7x faster), which the Makefile picks when pkg-config finds it.
package encode
