//go:build !race

package probe

// lateLimitMs is the p99 frame lateness the tests accept (one frame); lossLimit the share of
// RTP packets that may be lost (none).
const (
	lateLimitMs = 40
	lossLimit   = 0
)
