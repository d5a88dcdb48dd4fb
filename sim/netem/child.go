package netem

import "fmt"

// Child makes namespace name joined by a veth pair to n rather than to the host: n's end is
// HostIP on HostDev (inside n), the child's PeerIP on PeerDev, a /30 in 10.213.<subnet>.0.
// A star of children around one namespace puts several machines (shards) on their own links
// to one server (the center) with nothing of theirs reachable from the host. Close removes
// the child and its veth pair. Shape is for namespaces joined to the host only.
func (n *Namespace) Child(name string, subnet int) (*Namespace, error) {
	if !safeName.MatchString(name) {
		return nil, fmt.Errorf("netem: namespace name %q: 1-11 of a-z, 0-9 and -, starting with a letter", name)
	}
	if subnet < 0 || subnet > 255 {
		return nil, fmt.Errorf("netem: subnet %d must be within 0-255", subnet)
	}
	c := &Namespace{Name: name, HostDev: name + "-h", PeerDev: name + "-p",
		HostIP: fmt.Sprintf("10.213.%d.1", subnet), PeerIP: fmt.Sprintf("10.213.%d.2", subnet)}
	steps := [][]string{
		{"netns", "add", name},
		{"-n", n.Name, "link", "add", c.HostDev, "type", "veth", "peer", "name", c.PeerDev},
		{"-n", n.Name, "link", "set", c.PeerDev, "netns", name},
		{"-n", n.Name, "addr", "add", c.HostIP + "/30", "dev", c.HostDev},
		{"-n", n.Name, "link", "set", c.HostDev, "up"},
		{"-n", name, "addr", "add", c.PeerIP + "/30", "dev", c.PeerDev},
		{"-n", name, "link", "set", c.PeerDev, "up"},
		{"-n", name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			ip("netns", "del", name)
			ip("-n", n.Name, "link", "del", c.HostDev)
			return nil, err
		}
	}
	return c, nil
}
