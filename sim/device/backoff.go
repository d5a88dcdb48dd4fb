package device

import "time"

// Backoff is the wait before retry number attempt (1, 2, ...): lo doubled each attempt, capped
// at hi. Attempt 0 (or less) waits nothing.
func Backoff(attempt int, lo, hi time.Duration) time.Duration {
	if attempt <= 0 {
		return 0
	}
	d := lo
	for i := 1; i < attempt && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// retryable reports whether an HTTP status from the center means "try again later" (5xx, 408,
// 429) rather than "this event is refused" (other 4xx).
func retryable(status int) bool {
	return status >= 500 || status == 408 || status == 429
}
