// Package knee finds how many cameras one device under test holds: it steps the camera count
// (doubling, then bisection between the last count that held and the first that broke) and
// judges each step against limits: frames the farm could not deliver, end-to-end latency, F1
// dropping from its low-load value, events lost. A step is one real run (sim/run) of N cameras
// against the device; RunStep measures it, with the reference device as its own process so that
// its CPU and memory are its own. The knee and the per-camera costs there feed the capacity
// plan (results/capacity).
package knee
