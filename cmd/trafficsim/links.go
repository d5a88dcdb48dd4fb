package main

import (
	"flag"

	"github.com/trafficsim/trafficsim/scenarios"
	simrun "github.com/trafficsim/trafficsim/sim/run"
)

// linkFlags are the run's real-link flags: each regional cluster in its own network namespace,
// its uplink shaped (sim/run/links.go).
func linkFlags(fs *flag.FlagSet, l *simrun.Links) {
	fs.BoolVar(&l.NetNS, "netns", false, "each regional cluster's uplink to the center leaves through its own network namespace and veth, shaped as --uplink says; with a camera link the devices pull the cameras through one too (root only)")
	fs.Func("uplink", "shape each cluster's uplink (with --netns), e.g. '{mbps: 20, rtt: 40ms, loss: 0.5%}' (default: the scenario's deployment.uplink)", func(s string) error {
		u, err := scenarios.ParseLink("--uplink", s)
		l.Uplink = u
		return err
	})
	fs.Func("camera-link", "with --netns, the reference devices pull the cameras (RTP over UDP) through a veth shaped so, e.g. '{loss: 2%}' (default: the scenario's deployment.camera_link)", func(s string) error {
		cl, err := scenarios.ParseLink("--camera-link", s)
		l.CameraLink = cl
		return err
	})
}
