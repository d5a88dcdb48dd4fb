// Package recordtest makes small, deterministic run records for tests, reports and demos: six
// cameras (day and night, clear and rain) watched for ten minutes by a simulated device with
// realistic misses, wrong plates, false alarms, duplicates, latency with retries, a camera
// outage (the device sees no video and misses what happens) and a lossy camera.
//
// It sits beside results/record in the flow of ARCHITECTURE.md section 2: it stands in for a
// farm, a device and a center so that scoring, reports and the regression gate can be tested
// and demonstrated without them (results/testdata/run is made by it).
package recordtest
