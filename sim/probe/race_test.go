//go:build race

package probe

// The race detector slows the farm and the readers several times over.
const lateLimitMs = 400
