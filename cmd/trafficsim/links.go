package main

import (
	"flag"

	"github.com/trafficsim/trafficsim/scenarios"
	simrun "github.com/trafficsim/trafficsim/sim/run"
)

// linkFlags are the run's real-link flags: each regional cluster in its own network namespace,
// its uplink shaped (sim/run/links.go).
func linkFlags(fs *flag.FlagSet, l *simrun.Links) {
	fs.BoolVar(&l.NetNS, "netns", false, "each regional cluster's uplink to the center leaves through its own network namespace and veth, shaped as the uplink says (root only)")
	fs.Func("uplink", "shape each cluster's uplink (with --netns), e.g. '{mbps: 20, rtt: 40ms, loss: 0.5%}' (default: the scenario's deployment.uplink)", func(s string) error {
		u, err := scenarios.ParseLink("--uplink", s)
		l.Uplink = u
		return err
	})
}
