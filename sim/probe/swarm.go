package probe

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Swarm is a probe swarm whose readers are started and stopped while it runs (the reader
// executors of load plans, sim/load); Run is a swarm of a fixed count for a fixed time. Each
// reader reads one stream at a time, given round-robin over the targets online, and moves to
// another when its stream goes offline. Its network goroutines only count; Drain, called from
// one loop, takes what they counted.
type Swarm struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	targets []Target
	readers []*swarmReader // in start order; a stopped one stays until Drain took its last counts
	seq     int
}

type swarmReader struct {
	r       *reader
	cancel  context.CancelFunc
	stopped bool      // asked to stop
	until   time.Time // end of its lifetime (zero: none)
}

// live is what one swarm reader did since the last Drain; the reader writes, Drain reads.
type live struct {
	mu                            sync.Mutex
	camera, url                   string
	cut                           context.CancelFunc // ends the session in progress
	frames, lost, timed, failures int64
	lateSum, lateMax              float64 // ms
	errs                          []string
	exited                        bool
}

func (l *live) session(t Target, cut context.CancelFunc) {
	l.mu.Lock()
	l.camera, l.url, l.cut = t.ID, t.URL, cut
	if l.camera == "" {
		l.camera = t.URL
	}
	l.mu.Unlock()
}

func (l *live) frame(lateMicros int64) {
	l.mu.Lock()
	l.frames++
	if lateMicros >= 0 {
		ms := float64(lateMicros) / 1000
		l.timed++
		l.lateSum += ms
		l.lateMax = max(l.lateMax, ms)
	}
	l.mu.Unlock()
}

func (l *live) addLost(n int64) {
	l.mu.Lock()
	l.lost += n
	l.mu.Unlock()
}

func (l *live) failed(err error) {
	l.mu.Lock()
	l.failures++
	if len(l.errs) < 5 && !contains(l.errs, err.Error()) {
		l.errs = append(l.errs, err.Error())
	}
	l.mu.Unlock()
}

// ReaderInterval is what one reader did between two Drains.
type ReaderInterval struct {
	Camera   string  // the target's ID (its URL when it has none) of the reader's last session
	Frames   int64   // frames received
	Lost     int64   // RTP packets missing from the sequence
	Timed    int64   // frames a sender report timed
	LateMean float64 // mean lateness of the timed frames, ms
	LateMax  float64 // ms
}

// Interval is what the swarm did between two Drains.
type Interval struct {
	Alive    int              // readers running at the Drain
	Failures int64            // sessions that ended in an error while their stream was online
	Errors   []string         // distinct reasons of those failures, first 5
	Readers  []ReaderInterval // readers that received a frame, in start order
}

// NewSwarm returns a swarm with no readers; Targets may be empty (see SetTargets). Of Config
// it uses Targets, Timeout, Retry, KeepAlive and TimeNow (defaults as Run's); Readers, Duration,
// StopReading and Warmup are Run's alone. Close stops it.
func NewSwarm(cfg Config) *Swarm {
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Retry == 0 {
		cfg.Retry = 500 * time.Millisecond
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = 20 * time.Second
	}
	if cfg.TimeNow == nil {
		cfg.TimeNow = time.Now
	}
	s := &Swarm{cfg: cfg, targets: slices.Clone(cfg.Targets)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// SetTargets replaces the streams online; a reader whose stream left ends its session and
// moves to another.
func (s *Swarm) SetTargets(ts []Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targets = slices.Clone(ts)
	for _, sr := range s.readers {
		l := sr.r.live
		l.mu.Lock()
		if l.cut != nil && !slices.ContainsFunc(ts, func(t Target) bool { return t.URL == l.url }) {
			l.cut()
		}
		l.mu.Unlock()
	}
}

// pick is the stream of a reader's next session: its current one while online, else the
// slot's round-robin choice.
func (s *Swarm) pick(cur Target, slot int) (Target, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.targets) == 0 {
		return Target{}, false
	}
	if cur.URL != "" {
		for _, t := range s.targets {
			if t.URL == cur.URL {
				return t, true
			}
		}
	}
	return s.targets[slot%len(s.targets)], true
}

func (s *Swarm) online(url string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.targets, func(t Target) bool { return t.URL == url })
}

// Start starts n readers; each stops by itself after lifetime (0: runs until stopped).
func (s *Swarm) Start(n int, lifetime time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	for range n {
		ctx, cancel := context.WithCancel(s.ctx)
		if lifetime > 0 {
			ctx, cancel = context.WithTimeout(s.ctx, lifetime)
		}
		now := s.cfg.TimeNow()
		r := &reader{cfg: &s.cfg, sw: s, slot: s.seq, live: &live{}, from: now}
		s.seq++
		sr := &swarmReader{r: r, cancel: cancel}
		if lifetime > 0 {
			sr.until = now.Add(lifetime)
		}
		s.readers = append(s.readers, sr)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer cancel()
			r.run(ctx)
			r.live.mu.Lock()
			r.live.exited = true
			r.live.mu.Unlock()
		}()
	}
}

// Stop stops n running readers: the oldest first when oldest is set, else the newest (k6
// ramps VUs down newest first).
func (s *Swarm) Stop(n int, oldest bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	order := make([]*swarmReader, 0, len(s.readers))
	now := s.cfg.TimeNow()
	for _, sr := range s.readers {
		if sr.running(now) {
			order = append(order, sr)
		}
	}
	if !oldest {
		slices.Reverse(order)
	}
	for _, sr := range order[:min(n, len(order))] {
		sr.stopped = true
		sr.cancel()
	}
}

// running: neither stopped nor past its lifetime (whether or not its goroutine noticed yet).
func (sr *swarmReader) running(now time.Time) bool {
	if sr.stopped || !sr.until.IsZero() && !now.Before(sr.until) {
		return false
	}
	sr.r.live.mu.Lock()
	defer sr.r.live.mu.Unlock()
	return !sr.r.live.exited
}

// Readers is how many readers run (started, neither stopped nor at the end of their lifetime).
func (s *Swarm) Readers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, now := 0, s.cfg.TimeNow()
	for _, sr := range s.readers {
		if sr.running(now) {
			n++
		}
	}
	return n
}

// Drain returns what the readers did since the previous Drain and forgets readers that ended.
func (s *Swarm) Drain() Interval {
	s.mu.Lock()
	defer s.mu.Unlock()
	var iv Interval
	now := s.cfg.TimeNow()
	keep := s.readers[:0]
	for _, sr := range s.readers {
		l := sr.r.live
		l.mu.Lock()
		if l.frames > 0 {
			ri := ReaderInterval{Camera: l.camera, Frames: l.frames, Lost: l.lost, Timed: l.timed, LateMax: l.lateMax}
			if l.timed > 0 {
				ri.LateMean = l.lateSum / float64(l.timed)
			}
			iv.Readers = append(iv.Readers, ri)
		}
		iv.Failures += l.failures
		for _, e := range l.errs {
			if len(iv.Errors) < 5 && !contains(iv.Errors, e) {
				iv.Errors = append(iv.Errors, e)
			}
		}
		exited := l.exited
		l.frames, l.lost, l.timed, l.failures, l.lateSum, l.lateMax, l.errs = 0, 0, 0, 0, 0, 0, nil
		l.mu.Unlock()
		if exited {
			continue
		}
		keep = append(keep, sr)
		if sr.running(now) {
			iv.Alive++
		}
	}
	clear(s.readers[len(keep):])
	s.readers = keep
	return iv
}

// Close stops every reader and waits for them.
func (s *Swarm) Close() {
	s.cancel()
	s.wg.Wait()
}
