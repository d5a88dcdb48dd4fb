// Package onvif makes the camera farm's cameras look like ONVIF Profile S cameras, so an
// intermediate device or cluster that finds its cameras by ONVIF can be benchmarked as it
// ships.
//
// In the flow of ARCHITECTURE.md section 2 it stands beside the camera farm (sim/farm): one
// HTTP listener answers the device and media services of every camera, the camera chosen by
// path (/onvif/<camera>/device_service, /onvif/<camera>/media_service), and a WS-Discovery
// responder on 239.255.255.250:3702 announces each camera (Hello at start, Bye at Close) and
// answers Probe with one ProbeMatch per camera whose XAddrs is that camera's device service.
// GetStreamUri returns the farm's RTSP URL; GetSnapshotUri a JPEG of the clip the camera
// plays. Requests other than the pre-authentication ones need a WS-UsernameToken
// PasswordDigest with the camera's credentials (the same as its RTSP credentials).
//
// SOAP is parsed with encoding/xml; answers are fixed templates with escaped values.
package onvif
