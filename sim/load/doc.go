// Package load runs load plans: k6's vocabulary (executors, stages, thresholds, exit 99, the
// end-of-test summary, outputs) spoken natively for this domain, where the load is cameras
// online and probe readers rather than virtual users. k6 itself is AGPL and is not used.
//
// A plan (plan.go) names scenarios with executors (ramping-cameras, constant-cameras,
// ramping-readers, constant-reader-rate) and thresholds in k6's grammar (results/threshold).
// The runner (runner.go) plays it in the flow of ARCHITECTURE.md section 2: a camera farm
// whose cameras are added and removed while it runs, the device under test told which cameras
// exist through cameras.json (re-written atomically) and the control API (control.go), the
// center scoring events against truth; one loop aggregates the metrics (metrics.go), judges
// thresholds and writes outputs (output.go). Reader scenarios run probe swarms (sim/probe) on
// the farm's cameras (readers.go); a scenario run via: cluster has its devices post to a
// regional cluster (sim/cluster) that forwards to the center (cluster.go).
package load
