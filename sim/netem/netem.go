package netem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Link is the shape of a network link, as a scenario or plan writes it:
// uplink: {mbps: 20, rtt: 40ms, loss: 0.5%}. Zero fields leave that property alone.
type Link struct {
	Mbps float64       `yaml:"mbps" json:"mbps,omitempty"` // bandwidth in Mbit/s
	RTT  time.Duration `yaml:"rtt" json:"rtt,omitempty"`   // round-trip time, half added each way
	Loss float64       `yaml:"loss" json:"loss,omitempty"` // share of packets lost each way, 0-1
	// Jitter is a random extra delay per packet each way, 0 to this (netem's delay jitter).
	Jitter time.Duration `yaml:"jitter" json:"jitter,omitempty"`
}

// String is the link as a scenario writes it: {mbps: 20, rtt: 40ms, loss: 0.5%}.
func (l Link) String() string {
	var parts []string
	if l.Mbps > 0 {
		parts = append(parts, "mbps: "+strconv.FormatFloat(l.Mbps, 'g', -1, 64))
	}
	if l.RTT > 0 {
		parts = append(parts, "rtt: "+l.RTT.String())
	}
	if l.Jitter > 0 {
		parts = append(parts, "jitter: "+l.Jitter.String())
	}
	if l.Loss > 0 {
		parts = append(parts, "loss: "+strconv.FormatFloat(100*l.Loss, 'g', -1, 64)+"%")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// ParseLoss reads a loss such as "0.5%" or "0.005".
func ParseLoss(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("netem: loss %q: not a number or percentage", s)
	}
	if pct {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, fmt.Errorf("netem: loss %q must be within 0-100%%", s)
	}
	return v, nil
}

// Validate reports the first field out of range.
func (l Link) Validate() error {
	switch {
	case l.Mbps < 0:
		return fmt.Errorf("netem: mbps %g must not be negative", l.Mbps)
	case l.RTT < 0:
		return fmt.Errorf("netem: rtt %v must not be negative", l.RTT)
	case l.Loss < 0 || l.Loss > 1:
		return fmt.Errorf("netem: loss %g must be within 0-1", l.Loss)
	case l.Jitter < 0:
		return fmt.Errorf("netem: jitter %v must not be negative", l.Jitter)
	}
	return nil
}

// NetemArgs are the arguments of `tc qdisc replace dev DEV root` that shape one direction of
// the link: netem with half the round trip, the loss and the rate. Pure.
func (l Link) NetemArgs() []string {
	args := []string{"netem"}
	if l.RTT > 0 || l.Jitter > 0 {
		args = append(args, "delay", strconv.FormatInt((l.RTT/2).Microseconds(), 10)+"us")
		if l.Jitter > 0 {
			args = append(args, strconv.FormatInt(l.Jitter.Microseconds(), 10)+"us")
		}
	}
	if l.Loss > 0 {
		args = append(args, "loss", strconv.FormatFloat(100*l.Loss, 'f', -1, 64)+"%")
	}
	if l.Mbps > 0 {
		args = append(args, "rate", strconv.FormatFloat(l.Mbps*1000, 'f', 0, 64)+"kbit")
		// room for a bandwidth-delay product of a second at the rate (1500-byte packets)
		args = append(args, "limit", strconv.Itoa(max(1000, int(l.Mbps*1e6/8/1500))))
	}
	return args
}

// Namespace is a network namespace joined to the host by a veth pair: the host end HostIP
// on HostDev, the namespace end PeerIP on PeerDev (a /30).
type Namespace struct {
	Name             string
	HostDev, PeerDev string
	HostIP, PeerIP   string
}

var safeName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,10}$`)

// Create makes namespace name (at most 11 characters, so its veth names fit in 15) with a
// veth pair in 10.213.<subnet>.0/30. Close removes it. Names and subnets must be unique
// among namespaces alive at once (tests use the process id).
func Create(name string, subnet int) (*Namespace, error) {
	if !safeName.MatchString(name) {
		return nil, fmt.Errorf("netem: namespace name %q: 1-11 of a-z, 0-9 and -, starting with a letter", name)
	}
	if subnet < 0 || subnet > 255 {
		return nil, fmt.Errorf("netem: subnet %d must be within 0-255", subnet)
	}
	n := &Namespace{Name: name, HostDev: name + "-h", PeerDev: name + "-p",
		HostIP: fmt.Sprintf("10.213.%d.1", subnet), PeerIP: fmt.Sprintf("10.213.%d.2", subnet)}
	steps := [][]string{
		{"netns", "add", name},
		{"link", "add", n.HostDev, "type", "veth", "peer", "name", n.PeerDev},
		{"link", "set", n.PeerDev, "netns", name},
		{"addr", "add", n.HostIP + "/30", "dev", n.HostDev},
		{"link", "set", n.HostDev, "up"},
		{"-n", name, "addr", "add", n.PeerIP + "/30", "dev", n.PeerDev},
		{"-n", name, "link", "set", n.PeerDev, "up"},
		{"-n", name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// Shape shapes the link: up is the namespace's egress (its uplink), down the host's egress
// towards it; a zero Link removes the shaping of that direction. The round trip needs the
// kernel's netem qdisc; without it (some VM kernels lack sch_netem) bandwidth is shaped with
// tbf on the sending end and loss with an nftables rule (numgen random) at the receiving end's
// ingress, so the sender never hears of the drop (a drop on the sender's own output path
// fails its sendto with EPERM, which a wire never does), and a round trip is an error.
func (n *Namespace) Shape(up, down Link) error {
	inNS := []string{"ip", "netns", "exec", n.Name}
	for _, d := range []struct {
		l                  Link
		txPrefix, rxPrefix []string // run tc or nft in the sending and receiving namespaces
		txDev, rxDev       string
	}{{up, inNS, nil, n.PeerDev, n.HostDev}, {down, nil, inNS, n.HostDev, n.PeerDev}} {
		if err := d.l.Validate(); err != nil {
			return err
		}
		runIn := func(prefix []string, args ...string) error {
			a := append(append([]string{}, prefix...), args...)
			return runCmd(a[0], a[1:]...)
		}
		tx := func(args ...string) error { return runIn(d.txPrefix, args...) }
		rx := func(args ...string) error { return runIn(d.rxPrefix, args...) }
		tx("tc", "qdisc", "del", "dev", d.txDev, "root") // nothing to delete is fine
		rx("nft", "delete", "table", "inet", nftTable(d.rxDev))
		l := d.l
		if l == (Link{}) {
			continue
		}
		if l.RTT > 0 || l.Jitter > 0 {
			if err := tx(append([]string{"tc", "qdisc", "replace", "dev", d.txDev, "root"}, l.NetemArgs()...)...); err != nil {
				return fmt.Errorf("%w (a round trip needs the kernel's netem qdisc, sch_netem)", err)
			}
			continue
		}
		if l.Mbps > 0 {
			if err := tx(append([]string{"tc", "qdisc", "replace", "dev", d.txDev, "root"}, l.TBFArgs()...)...); err != nil {
				return err
			}
		}
		if l.Loss > 0 {
			t := nftTable(d.rxDev)
			drop := []string{"nft", "add", "rule", "inet", t, "in", "iifname", d.rxDev, "numgen", "random", "mod", "1000000", "<",
				strconv.Itoa(int(l.Loss*1e6 + 0.5)), "counter", "drop"}
			if l.Loss >= 1 {
				drop = []string{"nft", "add", "rule", "inet", t, "in", "iifname", d.rxDev, "counter", "drop"}
			}
			steps := [][]string{
				{"nft", "add", "table", "inet", t},
				{"nft", "add", "chain", "inet", t, "in", "{ type filter hook prerouting priority -300; }"},
				drop,
			}
			for _, s := range steps {
				if err := rx(s...); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// TBFArgs are the arguments of `tc qdisc replace dev DEV root` that limit a direction to the
// link's bandwidth with a token bucket (burst: 10 ms at the rate, at least 16 KB; queue: 1 s
// at the rate). Pure.
func (l Link) TBFArgs() []string {
	bytesPerSec := l.Mbps * 1e6 / 8
	burst := max(16<<10, int(bytesPerSec/100))
	return []string{"tbf", "rate", strconv.FormatFloat(l.Mbps*1000, 'f', 0, 64) + "kbit",
		"burst", strconv.Itoa(burst), "limit", strconv.Itoa(max(burst, int(bytesPerSec)))}
}

func nftTable(dev string) string { return "netem_" + strings.ReplaceAll(dev, "-", "_") }

// Dropped returns how many packets the loss rules dropped so far: up (the namespace's egress)
// and down (the host's egress towards it); 0 for a direction without a loss rule.
func (n *Namespace) Dropped() (up, down int64, err error) {
	read := func(prefix []string, dev string) (int64, error) {
		args := append(append([]string{}, prefix...), "nft", "list", "table", "inet", nftTable(dev))
		var stdout bytes.Buffer
		c := exec.Command(args[0], args[1:]...)
		c.Stdout = &stdout
		if c.Run() != nil {
			return 0, nil // no table: no loss rule
		}
		m := dropCounter.FindStringSubmatch(stdout.String())
		if m == nil {
			return 0, fmt.Errorf("netem: no drop counter in %s's loss rule", dev)
		}
		return strconv.ParseInt(m[1], 10, 64)
	}
	if up, err = read(nil, n.HostDev); err != nil { // the loss rules sit at the receiving end
		return 0, 0, err
	}
	down, err = read([]string{"ip", "netns", "exec", n.Name}, n.PeerDev)
	return up, down, err
}

var dropCounter = regexp.MustCompile(`counter packets (\d+) bytes \d+ drop`)

// Command runs a program inside the namespace.
func (n *Namespace) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Close removes the namespace, and with it the veth pair.
func (n *Namespace) Close() error {
	runCmd("nft", "delete", "table", "inet", nftTable(n.HostDev)) // the host side's loss rule (of the uplink)
	err := ip("netns", "del", n.Name)
	ip("link", "del", n.HostDev) // gone with the namespace unless its peer never moved
	return err
}

// Exists reports whether a namespace of that name exists.
func Exists(name string) bool {
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}

// Available says why namespaces cannot be made here ("" when they can): not root, or no
// iproute2.
func Available() string {
	if os.Geteuid() != 0 {
		return "network namespaces need root"
	}
	for _, p := range []string{"ip", "tc", "nft"} {
		if _, err := exec.LookPath(p); err != nil {
			return p + " is not installed (iproute2, nftables; scripts/setup.sh installs them)"
		}
	}
	// a namespace cannot be entered where / is no mount point (ip -n makes / a slave mount),
	// as in a chroot such as the fresh-Debian check's: say so before making one there
	if !rootIsMountPoint() {
		return "network namespaces cannot be entered here: / is not a mount point (a chroot)"
	}
	probe := fmt.Sprintf("tsprobe%d", os.Getpid()%100000)
	defer exec.Command("ip", "netns", "del", probe).Run()
	if err := ip("netns", "add", probe); err != nil {
		return "network namespaces cannot be made here: " + err.Error()
	}
	if err := ip("-n", probe, "link", "set", "lo", "up"); err != nil {
		return "network namespaces cannot be entered here: " + err.Error()
	}
	return ""
}

func ip(args ...string) error { return runCmd("ip", args...) }

func runCmd(name string, args ...string) error {
	var stderr bytes.Buffer
	c := exec.Command(name, args...)
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		return errors.New("netem: " + name + " " + strings.Join(args, " ") + ": " + strings.TrimSpace(stderr.String()) + ": " + err.Error())
	}
	return nil
}

// rootIsMountPoint reports whether this process's / is a mount point (/proc/self/mountinfo
// lists mounts relative to the process's root: in a chroot of a plain folder, none is "/").
func rootIsMountPoint() bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return true // cannot tell: let the probe decide
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == "/" {
			return true
		}
	}
	return false
}
