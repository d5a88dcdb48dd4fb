//go:build !race

package probe

// lateLimitMs is the p99 frame lateness the tests accept: one frame.
const lateLimitMs = 40
