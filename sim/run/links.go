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
	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/netem"
)

// Links puts the regional clusters' uplinks on real, shaped links.
type Links struct {
	// NetNS gives each regional cluster its own network namespace whose veth carries its
	// uplink to the center (needs root, iproute2 and nftables) [false].
	NetNS bool
	// Uplink shapes each cluster's uplink, both ways [the scenario's deployment.uplink; none].
	Uplink *scenarios.Link
	// CameraLink, with NetNS, puts the reference devices' RTSP pulls behind one shaped veth:
	// the farm listens on its host end, the cameras the devices pull send RTP over UDP (so a
	// lost packet is lost, not retransmitted) and the devices' sockets are made in the
	// namespace; both ways shaped alike [the scenario's deployment.camera_link; none].
	CameraLink *scenarios.Link
}

// check resolves the uplink and says why namespaces cannot be used.
func (l *Links) check(sc *scenarios.Scenario, direct bool) error {
	if l.Uplink == nil {
		l.Uplink = sc.Deployment.Uplink
	}
	if l.CameraLink == nil {
		l.CameraLink = sc.Deployment.CameraLink
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
	shape string
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
	r.link = &uplink{ns: ns, relay: relay, shape: link.String()}
	c.Logf("cluster %s: uplink through namespace %s (%s), shaped %+v", r.ID, ns.Name, ns.PeerIP, link)
	u.Host = relay.Addr()
	return u.String(), nil
}

// LinkStats say what the shaped links of a run did (--netns).
type LinkStats struct {
	Uplink        string // each cluster's uplink as shaped, e.g. {mbps: 20, rtt: 40ms, loss: 1%}
	Uplinks       int    // clusters whose uplink was shaped
	UplinkDropped int64  // packets the uplinks' loss dropped, both ways, all clusters
	CameraLink    string // the devices' camera link as shaped
	// CameraLinkDropped counts the packets the camera link dropped towards the devices (RTP,
	// RTCP, RTSP), CameraLinkDroppedUp those from them.
	CameraLinkDropped, CameraLinkDroppedUp int64
}

// closeLink removes the cluster's relay and namespace (none without --netns), adding what its
// link dropped to st.
func (r *region) closeLink(st *LinkStats) error {
	if r.link == nil {
		return nil
	}
	up, down, derr := r.link.ns.Dropped()
	st.Uplink, st.Uplinks, st.UplinkDropped = r.link.shape, st.Uplinks+1, st.UplinkDropped+up+down
	err := errors.Join(derr, r.link.relay.Close(), r.link.ns.Close())
	r.link = nil
	return err
}

// cameraLink is the namespace the devices pull the cameras from (--netns with a camera link).
type cameraLink struct {
	ns    *netem.Namespace
	shape string
}

// openCameraLink makes the devices' namespace and shapes its veth; it returns the address the
// farm listens on ("" without a camera link). Without the netem qdisc the round trip and jitter
// cannot be put on UDP packets here: the link keeps its bandwidth and loss, and the log says so.
func (a *assembly) openCameraLink() (string, error) {
	c := a.c
	if !c.NetNS || c.CameraLink == nil {
		return "", nil
	}
	pid := os.Getpid()
	ns, err := netem.Create(fmt.Sprintf("tsd%d-%d", pid%10000, nsSeq.Add(1)%1000), (pid+128)%256)
	if err != nil {
		return "", err
	}
	link := WireLink(c.CameraLink)
	if err := ns.Shape(link, link); err != nil {
		wire := link
		wire.RTT, wire.Jitter = 0, 0
		if err2 := ns.Shape(wire, wire); err2 != nil {
			ns.Close()
			return "", errors.Join(err, err2)
		}
		c.Logf("camera link: no netem qdisc in this kernel: %v on the veth; round trip %v and jitter %v not applied", wire, link.RTT, link.Jitter)
	}
	a.camLink = &cameraLink{ns: ns, shape: link.String()}
	c.Logf("camera link: the devices pull the cameras through namespace %s (%s), shaped %v", ns.Name, ns.PeerIP, link)
	return ns.HostIP + ":0", nil
}

// onCameraLink makes a device's RTSP sockets in the camera link's namespace (none: unchanged).
func (a *assembly) onCameraLink(cfg device.Config) device.Config {
	if a.camLink != nil {
		cfg.DialContext, cfg.ListenPacket = a.camLink.ns.DialContext, a.camLink.ns.ListenPacket
	}
	return cfg
}

// closeCameraLink removes the camera link's namespace, once the devices and farm are closed.
func (a *assembly) closeCameraLink() error {
	if a.camLink == nil {
		return nil
	}
	up, down, derr := a.camLink.ns.Dropped()
	st := &a.res.Links
	st.CameraLink, st.CameraLinkDropped, st.CameraLinkDroppedUp = a.camLink.shape, down, up
	err := errors.Join(derr, a.camLink.ns.Close())
	a.camLink = nil
	return err
}

// cameraTransports are the farm transports of the cameras: behind a camera link the cameras
// the devices pull send RTP over UDP, the others (and every camera without one) the default.
func (a *assembly) cameraTransports() map[string]string {
	t := map[string]string{}
	if a.camLink == nil {
		return t
	}
	for _, id := range a.plan.plainIDs {
		t[id] = farm.TransportUDP
	}
	return t
}
