package device

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/device/detect"
	"github.com/trafficsim/trafficsim/sim/device/edgeq"
	"github.com/trafficsim/trafficsim/wire"
)

// Analyzer turns decoded frames of one camera into violation events. detect.Detector is the
// reference one. An analyzer that also has Flush() []wire.Event (as detect.Detector does) gives
// back the events it still holds when the device stops; they are queued on disk.
type Analyzer interface {
	Process(f *decode.Frame, capture time.Time) []wire.Event
}

// Config configures a device.
type Config struct {
	// ID is the device id, the source of every event. Required.
	ID string
	// Cameras are the cameras this device analyses (cameras.json). At least one.
	Cameras []wire.Calibration
	// Events is where events go (HTTP base URL and bearer token). Required: HTTP.
	Events wire.EventsEndpoint
	// QueueDir is the edge queue folder; events wait there while the uplink is down. Required.
	QueueDir string
	// QueueNoSync skips fsync per queued event (see edgeq.Options.NoSync). Default false.
	QueueNoSync bool
	// NewAnalyzer builds a camera's analyzer. Default: detect.New with the device id as source.
	NewAnalyzer func(cal wire.Calibration, source string) (Analyzer, error)
	// HTTPClient posts events. Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// BatchSize is the most events per POST. Default 32.
	BatchSize int
	// RetryMin and RetryMax bound the exponential back-off of the sender and of RTSP
	// reconnects. Defaults 200 ms and 5 s.
	RetryMin, RetryMax time.Duration
	// ReadTimeout is the RTSP read timeout: a camera silent this long is reconnected. Default 5 s.
	ReadTimeout time.Duration
	// Decode tunes the decoders. Default: decode.Options{}.
	Decode decode.Options
	// OnEvent, when set, is called after an event is safely queued (tests, logs).
	OnEvent func(wire.Event)
	// Logf logs. Default log.Printf.
	Logf func(format string, args ...any)
	// TimeNow is the clock (for frames without an RTCP wall clock yet). Default time.Now.
	TimeNow func() time.Time
}

// CameraStats are one camera's counters.
type CameraStats struct {
	Connected    bool
	Connects     int64 // sessions that reached PLAY
	ConnectErrs  int64 // failed or lost sessions
	Frames       int64 // frames decoded
	DecodeErrors int64 // access units libavcodec or the depacketiser refused
	SizeErrors   int64 // frames whose size differs from the calibration (not analysed)
	PacketsLost  int64 // RTP packets lost (sequence gaps)
	RTPErrors    int64 // RTP/RTCP packets gortsplib could not decode
	NoWallClock  int64 // frames before their session's first RTCP sender report: timed by the skew of earlier sessions, not analysed before the first report ever
	Events       int64 // events produced
	LastError    string
	// NotJudged is, per violation type, the seconds of video the analyzer declined to judge
	// because the view did not allow it (dark, no contrast, no signal head seen), for analyzers
	// that say so (detect.Detector.NotJudged); refreshed every second, replaced, never mutated.
	NotJudged map[wire.ViolationType]float64 `json:",omitempty"`
	// AnalysedS is the seconds of video analysed after the analyzer's warm-up, as of NotJudged.
	AnalysedS float64 `json:",omitempty"`
}

// judgeReporter is an Analyzer that reports what it declined to judge.
type judgeReporter interface {
	NotJudged() map[wire.ViolationType]float64
	AnalysedS() float64
}

// Stats are the device's counters.
type Stats struct {
	Cameras    map[string]CameraStats
	Queued     int64 // events appended to the edge queue
	Pending    int   // events waiting in the edge queue
	Sent       int64 // events the center answered 2xx for
	Accepted   int64 // of those, counted as new by the center (when its body says so)
	Duplicates int64 // of those, counted as duplicates by the center
	Refused    int64 // events the center refused with a 4xx (dropped, logged)
	SendErrors int64 // failed POSTs (connection errors, 5xx), retried
	Invalid    int64 // events the analyzer produced that failed validation (dropped, logged)
}

// Device is a running reference intermediate device.
type Device struct {
	cfg    Config
	q      *edgeq.Queue
	wake   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	cams    map[string]*CameraStats
	runCtx  context.Context    // the context cameras run under (set by Start)
	running map[string]*camRun // cameras running now (SetCameras)

	queued, sent, accepted, dups, refused, sendErrs, invalid atomic.Int64
}

// New checks the configuration and opens the edge queue.
func New(cfg Config) (*Device, error) {
	switch {
	case cfg.ID == "":
		return nil, errors.New("device: ID is required")
	case len(cfg.Cameras) == 0:
		return nil, errors.New("device: no cameras")
	case cfg.Events.HTTP == "":
		return nil, errors.New("device: Events.HTTP is required")
	case cfg.QueueDir == "":
		return nil, errors.New("device: QueueDir is required")
	}
	seen := map[string]bool{}
	for i, c := range cfg.Cameras {
		if c.ID == "" {
			return nil, fmt.Errorf("device: camera %d has no id", i)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("device: camera %q listed twice", c.ID)
		}
		seen[c.ID] = true
		if c.URL == "" {
			return nil, fmt.Errorf("device: camera %q has no url", c.ID)
		}
		if c.Transport != "" && c.Transport != "tcp" && c.Transport != "udp" {
			return nil, fmt.Errorf("device: camera %q: transport %q (want tcp or udp)", c.ID, c.Transport)
		}
	}
	if cfg.NewAnalyzer == nil {
		cfg.NewAnalyzer = func(cal wire.Calibration, source string) (Analyzer, error) {
			return detect.New(cal, detect.Options{Source: source})
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 200 * time.Millisecond
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 5 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.TimeNow == nil {
		cfg.TimeNow = time.Now
	}
	q, err := edgeq.Open(cfg.QueueDir, edgeq.Options{NoSync: cfg.QueueNoSync})
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	d := &Device{cfg: cfg, q: q, wake: make(chan struct{}, 1), cams: map[string]*CameraStats{}}
	for _, c := range cfg.Cameras {
		d.cams[c.ID] = &CameraStats{}
	}
	return d, nil
}

// Start runs one session loop per camera and the sender until Close (or ctx ends). A camera
// whose analyzer cannot be built (a calibration without homography, ...) is left out, logged and
// shown in its CameraStats.LastError; Start fails only when no camera can run.
func (d *Device) Start(ctx context.Context) error {
	if d.cancel != nil {
		return errors.New("device: already started")
	}
	var cams []wire.Calibration
	var ans []Analyzer
	var firstErr error
	for _, c := range d.cfg.Cameras {
		a, err := d.cfg.NewAnalyzer(c, d.cfg.ID)
		if err != nil {
			err = fmt.Errorf("device: camera %q: %w", c.ID, err)
			d.cfg.Logf("%v (camera left out)", err)
			d.camStat(c.ID, func(s *CameraStats) { s.LastError = err.Error() })
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		cams, ans = append(cams, c), append(ans, a)
	}
	if len(cams) == 0 {
		return firstErr
	}
	ctx, d.cancel = context.WithCancel(ctx)
	d.mu.Lock()
	d.runCtx = ctx
	d.mu.Unlock()
	d.wg.Add(1)
	go func() { defer d.wg.Done(); d.runSender(ctx) }()
	for i, c := range cams {
		d.startCamera(c, ans[i])
	}
	return nil
}

// Close stops the sessions and the sender and closes the queue; undelivered events stay on disk.
func (d *Device) Close() error {
	if d.cancel != nil {
		d.cancel()
		d.wg.Wait()
	}
	return d.q.Close()
}

// Stats returns a snapshot of the counters.
func (d *Device) Stats() Stats {
	s := Stats{Cameras: map[string]CameraStats{}, Queued: d.queued.Load(), Pending: d.q.Len(),
		Sent: d.sent.Load(), Accepted: d.accepted.Load(), Duplicates: d.dups.Load(),
		Refused: d.refused.Load(), SendErrors: d.sendErrs.Load(), Invalid: d.invalid.Load()}
	d.mu.Lock()
	for id, c := range d.cams {
		s.Cameras[id] = *c
	}
	d.mu.Unlock()
	return s
}

func (d *Device) camStat(id string, f func(*CameraStats)) {
	d.mu.Lock()
	f(d.cams[id])
	d.mu.Unlock()
}

// enqueue validates and queues events, then wakes the sender.
func (d *Device) enqueue(evs []wire.Event) {
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			d.invalid.Add(1)
			d.cfg.Logf("device: invalid event from the analyzer dropped: %v", err)
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			d.invalid.Add(1)
			d.cfg.Logf("device: event %s: %v", e.EventID, err)
			continue
		}
		added, err := d.q.Append(e.EventID, b)
		if err != nil {
			d.cfg.Logf("device: edge queue: %v", err)
			continue
		}
		if added {
			d.queued.Add(1)
			d.camStat(e.CameraID, func(c *CameraStats) {
				if c != nil {
					c.Events++
				}
			})
			if d.cfg.OnEvent != nil {
				d.cfg.OnEvent(e)
			}
		}
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}
