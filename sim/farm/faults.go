package farm

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// Fault is one item of a fault spec: a kind, its parameters and the cameras it applies to.
//
// The spec is a comma-separated list of kind[:args][@target]:
//
//	disconnect:D/T  sessions closed and DESCRIBE answered 503 for D, every T (first at T)
//	reboot:D/T      sessions closed, connections for the camera dropped without answer for D,
//	                every T; the stream comes back with a new SSRC
//	freeze:D/T      the last keyframe is repeated (frozen picture) for D, every T
//	loss:P%         P% of RTP packets dropped (the sequence numbers show the gap)
//	jitter:D        each frame sent up to D late (seeded, uniform)
//	bitrate:P%      only the first P% of each GOP sent; the picture stalls until the next keyframe
//	skew:D          the camera's RTCP wall clock runs D ahead (negative: behind)
//
// target is "all" (the default), a share of the cameras "10%" (every tenth camera in the order
// they were added), or a camera id.
type Fault struct {
	Kind     string
	Duration time.Duration // disconnect, reboot, freeze: length of each window; jitter, skew: amount
	Every    time.Duration // disconnect, reboot, freeze: period
	Percent  float64       // loss, bitrate
	Camera   string        // target camera id; empty for all or a share
	Share    float64       // target share of cameras in (0, 1]; 0 with Camera empty means all
}

var faultKinds = []string{wire.FaultDisconnect, wire.FaultFreeze, wire.FaultLoss, wire.FaultJitter, wire.FaultBitrate, wire.FaultSkew, wire.FaultReboot}

// ParseFaults parses a fault spec; the empty string is no faults.
func ParseFaults(spec string) ([]Fault, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	var out []Fault
	for i, item := range strings.Split(spec, ",") {
		f, err := parseFault(strings.TrimSpace(item))
		if err != nil {
			return nil, fmt.Errorf("faults: item %d %q: %w", i+1, item, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func parseFault(s string) (Fault, error) {
	var f Fault
	if s == "" {
		return f, fmt.Errorf("empty item")
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		t := s[at+1:]
		s = s[:at]
		switch {
		case t == "":
			return f, fmt.Errorf("empty target after @")
		case t == "all":
		case strings.HasSuffix(t, "%"):
			p, err := parsePercent(t)
			if err != nil {
				return f, fmt.Errorf("target share: %w", err)
			}
			f.Share = p / 100
		default:
			f.Camera = t
		}
	}
	kind, args, _ := strings.Cut(s, ":")
	f.Kind = kind
	switch kind {
	case wire.FaultDisconnect, wire.FaultReboot, wire.FaultFreeze:
		ds, ts, ok := strings.Cut(args, "/")
		if !ok {
			return f, fmt.Errorf("%s needs D/T, e.g. %s:10s/60s", kind, kind)
		}
		var err error
		if f.Duration, err = parsePositive(ds); err != nil {
			return f, err
		}
		if f.Every, err = parsePositive(ts); err != nil {
			return f, err
		}
		if f.Duration >= f.Every {
			return f, fmt.Errorf("duration %v must be shorter than period %v", f.Duration, f.Every)
		}
	case wire.FaultLoss, wire.FaultBitrate:
		if args == "" {
			return f, fmt.Errorf("%s needs a percentage, e.g. %s:10%%", kind, kind)
		}
		p, err := parsePercent(args)
		if err != nil {
			return f, err
		}
		if kind == wire.FaultBitrate && p == 100 {
			return f, fmt.Errorf("bitrate share 100%% changes nothing")
		}
		f.Percent = p
	case wire.FaultJitter:
		var err error
		if f.Duration, err = parsePositive(args); err != nil {
			return f, err
		}
	case wire.FaultSkew:
		d, err := time.ParseDuration(args)
		if err != nil {
			return f, fmt.Errorf("bad duration %q", args)
		}
		if d == 0 {
			return f, fmt.Errorf("skew must not be zero")
		}
		f.Duration = d
	default:
		return f, fmt.Errorf("unknown kind %q (want one of %s)", kind, strings.Join(faultKinds, ", "))
	}
	return f, nil
}

func parsePositive(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q must be positive", s)
	}
	return d, nil
}

func parsePercent(s string) (float64, error) {
	v, ok := strings.CutSuffix(s, "%")
	if !ok {
		return 0, fmt.Errorf("percentage %q must end with %%", s)
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || !(p > 0 && p <= 100) {
		return 0, fmt.Errorf("percentage %q must be in (0, 100]", s)
	}
	return p, nil
}

// String formats the fault back into spec syntax.
func (f Fault) String() string {
	var s string
	switch f.Kind {
	case wire.FaultDisconnect, wire.FaultReboot, wire.FaultFreeze:
		s = fmt.Sprintf("%s:%v/%v", f.Kind, f.Duration, f.Every)
	case wire.FaultLoss, wire.FaultBitrate:
		s = fmt.Sprintf("%s:%v%%", f.Kind, f.Percent)
	default:
		s = fmt.Sprintf("%s:%v", f.Kind, f.Duration)
	}
	switch {
	case f.Camera != "":
		s += "@" + f.Camera
	case f.Share > 0:
		s += fmt.Sprintf("@%v%%", f.Share*100)
	}
	return s
}

// applies reports whether the fault targets the camera with this id, the ordinal-th camera
// added to the farm (0-based). A share p picks camera k when floor((k+1)p) > floor(kp), which
// gives exactly the share of any prefix of cameras, spread evenly.
func (f Fault) applies(id string, ordinal int) bool {
	switch {
	case f.Camera != "":
		return f.Camera == id
	case f.Share > 0:
		k := float64(ordinal)
		return int64((k+1)*f.Share+1e-9) > int64(k*f.Share+1e-9)
	}
	return true
}

// periodic reports whether the kind comes in windows of Duration every Every.
func (f Fault) periodic() bool {
	return f.Kind == wire.FaultDisconnect || f.Kind == wire.FaultReboot || f.Kind == wire.FaultFreeze
}

// window returns the index k >= 1 of the window that is active at elapsed time t since the
// camera's start (window k covers [kT, kT+D)), or 0 when none is.
func (f Fault) window(t time.Duration) int64 {
	if t < f.Every {
		return 0
	}
	if t%f.Every < f.Duration {
		return int64(t / f.Every)
	}
	return 0
}

// faultState is what the faults of one camera do at one moment.
type faultState struct {
	down       bool // disconnect: sessions closed, 503
	reboot     bool // reboot: sessions closed, connections dropped
	frozen     bool
	frozenFrom time.Duration // start of the freeze window
	reboots    int64         // reboot windows begun so far (changes the SSRC)
	loss       float64
	jitter     time.Duration
	keep       float64 // bitrate: share of each GOP sent; 0 means all
	skew       time.Duration
}

// faultsAt combines a camera's faults at elapsed time t since its start. Pure.
func faultsAt(fs []Fault, t time.Duration) faultState {
	var st faultState
	for _, f := range fs {
		switch f.Kind {
		case wire.FaultDisconnect:
			st.down = st.down || f.window(t) > 0
		case wire.FaultReboot:
			st.reboot = st.reboot || f.window(t) > 0
			if t >= f.Every {
				st.reboots += int64(t / f.Every)
			}
		case wire.FaultFreeze:
			if k := f.window(t); k > 0 && !st.frozen {
				st.frozen, st.frozenFrom = true, time.Duration(k)*f.Every
			}
		case wire.FaultLoss:
			st.loss = max(st.loss, f.Percent/100)
		case wire.FaultJitter:
			st.jitter = max(st.jitter, f.Duration)
		case wire.FaultBitrate:
			if st.keep == 0 || f.Percent/100 < st.keep {
				st.keep = f.Percent / 100
			}
		case wire.FaultSkew:
			st.skew += f.Duration
		}
	}
	return st
}

// record is the run-record entry of a fault window (or of a continuous fault, whose window is
// the whole run: Duration 0).
func (f Fault) record(camera string, at time.Time) wire.Fault {
	r := wire.Fault{Time: at, Camera: camera, Kind: f.Kind}
	switch f.Kind {
	case wire.FaultDisconnect, wire.FaultReboot, wire.FaultFreeze:
		r.Duration = f.Duration
		r.Params = map[string]float64{"every_s": f.Every.Seconds()}
	case wire.FaultLoss, wire.FaultBitrate:
		r.Params = map[string]float64{"percent": f.Percent}
	case wire.FaultJitter, wire.FaultSkew:
		r.Params = map[string]float64{"ms": float64(f.Duration) / float64(time.Millisecond)}
	}
	return r
}

// hash01 maps its inputs to a uniform number in [0, 1): seeded per-packet and per-frame choices
// (loss, jitter) without shared generator state between sessions.
func hash01(seed uint64, parts ...uint64) float64 {
	h := fnv.New64a()
	var b [8]byte
	for _, p := range append([]uint64{seed}, parts...) {
		for i := range b {
			b[i] = byte(p >> (8 * i))
		}
		h.Write(b[:])
	}
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return float64(x>>11) / (1 << 53)
}
