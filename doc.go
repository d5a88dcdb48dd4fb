// Package trafficsim is a simulation and load-testing harness for road-traffic surveillance
// systems: a seeded traffic world makes ground truth, ebiten renders it as camera views, a farm
// serves them as RTSP cameras, devices under test report violations and a center scores them.
// See README.md and ARCHITECTURE.md; the code lives in scenarios, synth, sim, results, viz and
// xk6-traffic, and the binaries in cmd.
package trafficsim
