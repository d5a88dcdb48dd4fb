package scenarios

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// A scenario's links: the commune uplink and the camera wire, with exact errors for bad values.
func TestLinkKeys(t *testing.T) {
	ok := minimal + "deployment:\n  uplink: {mbps: 20, rtt: 40ms, loss: 0.5%}\n  camera_link: {loss: 0.02, jitter: 10ms}\n"
	s, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(ok)}}, "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u, c := s.Deployment.Uplink, s.Deployment.CameraLink
	if u == nil || u.Mbps != 20 || u.RTT != 40*time.Millisecond || u.LossShare() != 0.005 {
		t.Errorf("uplink %+v (loss %g)", u, u.LossShare())
	}
	if c == nil || c.Jitter != 10*time.Millisecond || c.LossShare() != 0.02 {
		t.Errorf("camera link %+v", c)
	}
	if d, _ := Load(fstest.MapFS{"x.yaml": {Data: []byte(minimal)}}, "x.yaml"); d.Deployment.Uplink != nil || d.Deployment.CameraLink != nil {
		t.Error("links are set without the keys")
	}

	cases := []struct{ name, link, err string }{
		{"negative bandwidth", "uplink: {mbps: -1}", "x.yaml:11: deployment.uplink.mbps: must be between 0 and 100000 Mbit/s (got -1)"},
		{"round trip too long", "uplink: {rtt: 11s}", "x.yaml:11: deployment.uplink.rtt: must be between 0s and 10s (got 11s)"},
		{"bad round trip", "uplink: {rtt: far}", `x.yaml:11: deployment.uplink.rtt: want a duration like 90s or 10m, got "far"`},
		{"negative jitter", "camera_link: {jitter: -1ms}", "x.yaml:11: deployment.camera_link.jitter: must be between 0s and 1s (got -1ms)"},
		{"loss not a share", "uplink: {loss: lots}", `x.yaml:11: deployment.uplink.loss: must be a share within 0-100% such as 0.5% or 0.005 (got "lots")`},
		{"loss above all", "uplink: {loss: 120%}", `x.yaml:11: deployment.uplink.loss: must be a share within 0-100% such as 0.5% or 0.005 (got "120%")`},
		{"loss above one", "camera_link: {loss: 1.5}", `x.yaml:11: deployment.camera_link.loss: must be a share within 0-100% such as 0.5% or 0.005 (got "1.5")`},
		{"shapes nothing", "uplink: {mbps: 0}", "x.yaml:11: deployment.uplink: shapes nothing: give at least one of mbps, rtt, jitter, loss"},
		{"unknown key", "uplink: {mbps: 20, delay: 3ms}", "x.yaml:11: deployment.uplink.delay: unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(minimal + "deployment:\n  " + c.link + "\n")}}, "x.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Fatalf("error\n  %v\nwant\n  %q", err, c.err)
			}
		})
	}
}

// The command line's --uplink reads the same mapping with the same rules.
func TestParseLink(t *testing.T) {
	l, err := ParseLink("--uplink", "{mbps: 20, loss: 1%}")
	if err != nil || l.Mbps != 20 || l.LossShare() != 0.01 {
		t.Fatalf("%+v, %v", l, err)
	}
	for in, want := range map[string]string{
		"{mbps: 20, loss: 2}": `--uplink.loss: must be a share within 0-100% such as 0.5% or 0.005 (got "2")`,
		"{}":                  "--uplink: shapes nothing: give at least one of mbps, rtt, jitter, loss",
		"{rate: 3}":           "--uplink:1: rate: unknown field",
	} {
		if _, err := ParseLink("--uplink", in); err == nil || err.Error() != want {
			t.Errorf("ParseLink(%q) = %v, want %q", in, err, want)
		}
	}
}

func FuzzParseLink(f *testing.F) {
	for _, s := range []string{"{mbps: 20, rtt: 40ms, loss: 0.5%}", "{loss: 1e400}", "{jitter: 1ms}", "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLink("--uplink", s)
		if err == nil && (l.LossShare() < 0 || l.LossShare() > 1 || l.Mbps < 0 || l.RTT < 0) {
			t.Fatalf("%q accepted as %+v", s, l)
		}
	})
}
