package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Link is the shape of a network link as a scenario writes it, e.g. a commune's uplink
// `uplink: {mbps: 20, rtt: 40ms, loss: 0.5%}` or a camera's wire `camera_link: {loss: 2%,
// jitter: 10ms}`. Zero fields leave that property of the link alone.
type Link struct {
	Mbps   float64       `yaml:"mbps"`   // bandwidth in Mbit/s, 0 = not limited
	RTT    time.Duration `yaml:"rtt"`    // round-trip time, half added each way, default 0
	Jitter time.Duration `yaml:"jitter"` // random extra delay per packet each way, 0 to this, default 0
	Loss   string        `yaml:"loss"`   // share of packets lost each way: "0.5%" or 0.005, default 0
}

// LossShare is the link's loss as a share 0-1 (0 when Loss is empty or not valid: Validate
// says why).
func (l Link) LossShare() float64 {
	v, _ := parseShare(l.Loss)
	return v
}

// parseShare reads "0.5%" or "0.005" as 0.005.
func parseShare(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, true
	}
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
	if err != nil || math.IsNaN(v) {
		return 0, false
	}
	if pct {
		v /= 100
	}
	return v, v >= 0 && v <= 1
}

// validateLink checks a link at field path p (deployment.uplink, ...).
func validateLink(p string, l *Link, bad func(p, format string, a ...any)) {
	if l == nil {
		return
	}
	if math.IsNaN(l.Mbps) || l.Mbps < 0 || l.Mbps > 100000 {
		bad(p+".mbps", "must be between 0 and 100000 Mbit/s (got %g)", l.Mbps)
	}
	if l.RTT < 0 || l.RTT > 10*time.Second {
		bad(p+".rtt", "must be between 0s and 10s (got %s)", l.RTT)
	}
	if l.Jitter < 0 || l.Jitter > time.Second {
		bad(p+".jitter", "must be between 0s and 1s (got %s)", l.Jitter)
	}
	if _, ok := parseShare(l.Loss); !ok {
		bad(p+".loss", "must be a share within 0-100%% such as 0.5%% or 0.005 (got %q)", l.Loss)
	}
	if l.Mbps == 0 && l.RTT == 0 && l.Jitter == 0 && l.LossShare() == 0 {
		bad(p, "shapes nothing: give at least one of mbps, rtt, jitter, loss")
	}
}

// ParseLink reads a link written as a YAML flow mapping, as on the command line
// (`--uplink '{mbps: 20, rtt: 40ms, loss: 1%}'`), by the scenario loader's rules.
func ParseLink(what, s string) (*Link, error) {
	var l Link
	if err := DecodeStrict(what, []byte(s), &l); err != nil {
		return nil, err
	}
	var errs []string
	validateLink(what, &l, func(p, format string, a ...any) {
		errs = append(errs, p+": "+fmt.Sprintf(format, a...))
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return &l, nil
}
