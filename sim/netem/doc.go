// Package netem puts a part of a deployment (a regional cluster, a camera farm) behind a real
// network link: its own Linux network namespace joined to the host by a veth pair, the link
// shaped with tc netem (bandwidth, round-trip time, loss). It is how a commune's uplink or a
// camera's wire is tested instead of loopback (ARCHITECTURE.md section 2: cluster -> center).
// It needs root and iproute2 (ip, tc).
package netem
