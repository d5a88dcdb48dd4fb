// Package smartcam models smart cameras: cameras with built-in analytics that report events
// themselves. Their events are made from the truth timeline through an error model (misses,
// false alarms, plate misreads, time error, delivery latency), so a cluster and a center can be
// loaded with thousands of cameras without decoding any video (ARCHITECTURE.md section 2: they
// stand beside the farm and send to the device side of the center, never seeing its truth
// channel themselves; only the farm hands them their own camera's truth).
package smartcam
