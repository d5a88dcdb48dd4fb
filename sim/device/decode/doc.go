// Package decode turns H.264 access units into grey (and, at half resolution, colour) frames
// through libavcodec (cgo, FFmpeg 5.1 on Debian 12). It sits in the reference intermediate
// device between the RTSP client and the detector (ARCHITECTURE.md section 2): the device
// decodes every camera stream itself, as a roadside box would.
package decode
