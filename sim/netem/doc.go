// Package netem puts a part of a deployment (a regional cluster, a camera farm) behind a real
// network link: its own Linux network namespace joined to the host by a veth pair, the link
// shaped with tc netem (bandwidth, round-trip time, loss). It is how a commune's uplink or a
// camera's wire is tested instead of loopback (ARCHITECTURE.md section 2: cluster -> center).
//
// Where the kernel has no sch_netem (this project's VM), bandwidth is shaped with tbf and loss
// with an nftables rule at the receiving end's ingress (silent to the sender, as on a wire).
// A process can keep running in the host and still use the link: DialContext and ListenPacket
// make sockets inside the namespace (setns on a locked thread), and Relay carries a host TCP
// connection across the veth, adding the round trip in user space when netem cannot.
// It needs root, iproute2 (ip, tc) and nftables.
package netem
