package farm

import (
	"math"
	"time"
)

// The replay schedule is pure: a camera's frame n (counted from the camera's start) is due at
// start + n/fps, whatever happened before. Senders that fall behind skip to FramesDue instead of
// drifting, and the truth timeline uses the same function, so truth and RTCP agree exactly.

// FrameDue returns when frame n of a camera that started at start is due.
func FrameDue(start time.Time, fps float64, n int64) time.Time {
	return start.Add(frameOffset(fps, n))
}

// frameOffset is the time of frame n from the camera's start, rounded to the nanosecond.
func frameOffset(fps float64, n int64) time.Duration {
	return time.Duration(math.Round(float64(n) * float64(time.Second) / fps))
}

// FramesDue returns how many frames are due after elapsed time since the camera's start:
// frame n is due when elapsed >= FrameDue(n), so at elapsed 0 one frame (frame 0) is due.
func FramesDue(elapsed time.Duration, fps float64) int64 {
	if elapsed < 0 {
		return 0
	}
	n := int64(math.Floor(float64(elapsed)*fps/float64(time.Second))) + 1
	// Correct the float rounding at exact boundaries so FramesDue and frameOffset agree.
	for n > 0 && frameOffset(fps, n-1) > elapsed {
		n--
	}
	for frameOffset(fps, n) <= elapsed {
		n++
	}
	return n
}

// clipPos maps a camera frame n to the clip loop and clip frame, given the camera's offset
// into the clip in frames and the clip's length.
func clipPos(n, offset int64, frames int) (loop int, frame int) {
	m := n + offset
	return int(m / int64(frames)), int(m % int64(frames))
}

// rtpTime is the 90 kHz RTP timestamp of camera frame n: continuous across loops.
func rtpTime(base uint32, fps float64, n int64) uint32 {
	return base + uint32(int64(math.Round(float64(n)*90000/fps)))
}

// packetsBefore is the number of RTP packets in camera frames [0, n), the clip looping.
func (cl *clip) packetsBefore(n, offset int64) int64 {
	at := func(m int64) int64 {
		per := int64(cl.cum[len(cl.frames)])
		return m/int64(len(cl.frames))*per + int64(cl.cum[m%int64(len(cl.frames))])
	}
	return at(n+offset) - at(offset)
}
