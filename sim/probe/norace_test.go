//go:build !race

package probe

// lateLimitMs is the p99 frame lateness the tests accept; lossLimit the share of RTP packets
// that may be lost. The suite shares 2 cores with other packages' tests, so these bound
// breakage (a stalled reader blocking others costs seconds), not the real-time target of one
// frame and no loss, which the scale benchmark measures on a quiet machine (docs/bench/farm.md).
const (
	lateLimitMs = 200
	lossLimit   = 0.01
)
