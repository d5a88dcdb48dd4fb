package run

// This file puts the regional clusters' uplinks on real network links (--netns): each cluster
// gets its own network namespace joined to the host by a veth pair shaped as the scenario's
// deployment.uplink (or Links.Uplink) says, and its NATS leaf connection to the center leaves
// through that namespace (sim/netem.Relay), so the events cross a real link with its bandwidth,
// loss and round trip on the way to the center.

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/netem"
)

// Links puts the regional clusters' uplinks on real, shaped links.
type Links struct {
	// NetNS gives each regional cluster its own network namespace whose veth carries its
	// uplink to the center (needs root, iproute2 and nftables) [false].
	NetNS bool
	// Uplink shapes each cluster's uplink, both ways [the scenario's deployment.uplink; none].
	Uplink *scenarios.Link
}

// check resolves the uplink and says why namespaces cannot be used.
func (l *Links) check(sc *scenarios.Scenario, direct bool) error {
	if l.Uplink == nil {
		l.Uplink = sc.Deployment.Uplink
	}
	if !l.NetNS {
		return nil
	}
	if direct {
		return errors.New("run: --netns puts regional clusters in namespaces: a direct run has none")
	}
	if why := netem.Available(); why != "" {
		return fmt.Errorf("run: --netns: %s", why)
	}
	return nil
}

// WireLink is a scenario link in netem's terms.
func WireLink(l *scenarios.Link) netem.Link {
	if l == nil {
		return netem.Link{}
	}
	return netem.Link{Mbps: l.Mbps, RTT: l.RTT, Jitter: l.Jitter, Loss: l.LossShare()}
}

// uplink is a regional cluster's namespace and the relay its leaf connection goes through.
type uplink struct {
	ns    *netem.Namespace
	relay *netem.Relay
}

var nsSeq atomic.Int32

// openUplink makes the cluster's namespace, shapes its veth and returns the leaf URL that
// reaches the center through it. Where the kernel has no netem qdisc, bandwidth and loss are
// shaped on the veth and the round trip is added by the relay (netem.Relay).
func (r *region) openUplink(c *resolved, leafURL string) (string, error) {
	u, err := url.Parse(leafURL)
	if err != nil {
		return "", fmt.Errorf("run: leaf URL %q: %w", leafURL, err)
	}
	k := int(nsSeq.Add(1))
	pid := os.Getpid()
	ns, err := netem.Create(fmt.Sprintf("tsc%d-%d", pid%10000, k%1000), (pid+k)%256)
	if err != nil {
		return "", err
	}
	link := WireLink(c.Uplink)
	delay, jitter := time.Duration(0), time.Duration(0)
	if err := ns.Shape(link, link); err != nil {
		wire := link
		wire.RTT, wire.Jitter = 0, 0
		if err2 := ns.Shape(wire, wire); err2 != nil {
			ns.Close()
			return "", errors.Join(err, err2)
		}
		delay, jitter = link.RTT/2, link.Jitter
		c.Logf("cluster %s: no netem qdisc in this kernel: %v on the veth, round trip %v added by the relay", r.ID, wire, link.RTT)
	}
	relay, err := ns.Relay(u.Host, delay, jitter)
	if err != nil {
		ns.Close()
		return "", err
	}
	r.link = &uplink{ns: ns, relay: relay}
	c.Logf("cluster %s: uplink through namespace %s (%s), shaped %+v", r.ID, ns.Name, ns.PeerIP, link)
	u.Host = relay.Addr()
	return u.String(), nil
}

// closeLink removes the cluster's relay and namespace (none without --netns).
func (r *region) closeLink() error {
	if r.link == nil {
		return nil
	}
	err := errors.Join(r.link.relay.Close(), r.link.ns.Close())
	r.link = nil
	return err
}
