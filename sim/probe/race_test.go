//go:build race

package probe

// The race detector slows the farm and the readers several times over: a sender stalled past
// the farm's LateSkip skips frames, which shows as loss.
const (
	lateLimitMs = 400
	lossLimit   = 0.01
)
