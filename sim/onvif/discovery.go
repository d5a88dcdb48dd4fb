package onvif

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
)

// The WS-Discovery multicast group and port.
var discoveryGroup = &net.UDPAddr{IP: net.IPv4(239, 255, 255, 250), Port: 3702}

const (
	actionProbe   = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
	actionMatches = "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches"
	actionHello   = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello"
	actionBye     = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Bye"
	nsNetwork     = "http://www.onvif.org/ver10/network/wsdl"
)

// discovery is the WS-Discovery responder: a socket joined to the group that reads Probes,
// and a socket that sends the answers (unicast to the prober) and Hello/Bye (to the group).
type discovery struct {
	s       *Server
	mc, out *net.UDPConn
	wg      sync.WaitGroup
	seq     atomic.Uint32
	// Probes counts the Probes answered; Matches the ProbeMatch messages sent.
	probes, matches atomic.Int64
}

func startDiscovery(s *Server) (*discovery, error) {
	var ifi *net.Interface
	local := &net.UDPAddr{IP: net.IPv4zero}
	if s.cfg.DiscoveryInterface != "" {
		var err error
		if ifi, err = net.InterfaceByName(s.cfg.DiscoveryInterface); err != nil {
			return nil, fmt.Errorf("onvif: discovery interface: %w", err)
		}
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil {
				local.IP = ip.IP // Hello and answers leave by this interface
				break
			}
		}
	}
	mc, err := net.ListenMulticastUDP("udp4", ifi, discoveryGroup)
	if err != nil {
		return nil, fmt.Errorf("onvif: discovery: %w", err)
	}
	out, err := net.ListenUDP("udp4", local)
	if err != nil {
		mc.Close()
		return nil, fmt.Errorf("onvif: discovery: %w", err)
	}
	d := &discovery{s: s, mc: mc, out: out}
	_, order := s.cameras()
	for _, id := range order {
		d.send(discoveryGroup, d.announce(actionHello, id, ""))
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.run()
	}()
	return d, nil
}

func (d *discovery) run() {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := d.mc.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		for _, m := range d.answer(buf[:n]) {
			d.send(from, m)
		}
	}
}

// answer returns the ProbeMatches for a datagram: one message per matching camera (a single
// message for thousands of cameras would not fit a datagram); nothing for anything else.
func (d *discovery) answer(b []byte) [][]byte {
	env, err := parseEnvelope(b)
	if err != nil || env.Body.Op.XMLName.Local != "Probe" || env.Body.Op.XMLName.Space != nsWSD {
		return nil
	}
	if !wantsCameras(env.Body.Op.Types) {
		return nil
	}
	d.probes.Add(1)
	m, order := d.s.cameras()
	var out [][]byte
	for _, id := range order {
		if !scopesMatch(env.Body.Op.Scopes, scopes(m[id], d.s.cfg)) {
			continue
		}
		out = append(out, d.announce(actionMatches, id, env.Header.MessageID))
	}
	d.matches.Add(int64(len(out)))
	return out
}

// wantsCameras: a Probe without types, or asking for NetworkVideoTransmitter or Device.
func wantsCameras(types string) bool {
	fs := strings.Fields(types)
	if len(fs) == 0 {
		return true
	}
	for _, t := range fs {
		if i := strings.LastIndexByte(t, ':'); i >= 0 {
			t = t[i+1:]
		}
		if t == "NetworkVideoTransmitter" || t == "Device" {
			return true
		}
	}
	return false
}

// scopesMatch: every scope asked for is a prefix (by path segments) of one the camera has.
func scopesMatch(asked string, have []string) bool {
	for _, a := range strings.Fields(asked) {
		a = strings.TrimSuffix(a, "/")
		ok := false
		for _, h := range have {
			if h == a || strings.HasPrefix(h, a+"/") {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// announce builds a ProbeMatches (relatesTo: the Probe's MessageID), Hello or Bye for camera id.
func (d *discovery) announce(action, id, relatesTo string) []byte {
	cam, _ := d.s.camera(id)
	var hdr, body strings.Builder
	hdr.WriteString(`<a:MessageID>` + newUUID() + `</a:MessageID>`)
	if action == actionMatches {
		hdr.WriteString(`<a:RelatesTo>` + esc(relatesTo) + `</a:RelatesTo><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>`)
	} else {
		hdr.WriteString(`<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>`)
	}
	hdr.WriteString(`<a:Action>` + action + `</a:Action>` +
		fmt.Sprintf(`<d:AppSequence InstanceId="1" MessageNumber="%d"></d:AppSequence>`, d.seq.Add(1)))
	ep := `<a:EndpointReference><a:Address>` + uuidOf(id) + `</a:Address></a:EndpointReference>`
	details := ep + `<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>` +
		esc(strings.Join(scopes(cam, d.s.cfg), " ")) + `</d:Scopes><d:XAddrs>` + esc(d.s.DeviceURL(id)) +
		`</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>`
	switch action {
	case actionMatches:
		body.WriteString(`<d:ProbeMatches><d:ProbeMatch>` + details + `</d:ProbeMatch></d:ProbeMatches>`)
	case actionHello:
		body.WriteString(`<d:Hello>` + details + `</d:Hello>`)
	case actionBye:
		body.WriteString(`<d:Bye>` + ep + `</d:Bye>`)
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="` + nsSOAP + `" xmlns:a="` + nsWSA +
		`" xmlns:d="` + nsWSD + `" xmlns:dn="` + nsNetwork + `" xmlns:tds="` + nsDevice + `"><s:Header>` + hdr.String() +
		`</s:Header><s:Body>` + body.String() + `</s:Body></s:Envelope>`)
}

func (d *discovery) send(to *net.UDPAddr, m []byte) { d.out.WriteToUDP(m, to) }

// close multicasts a Bye per camera and stops the responder.
func (d *discovery) close() {
	_, order := d.s.cameras()
	for _, id := range order {
		d.send(discoveryGroup, d.announce(actionBye, id, ""))
	}
	d.mc.Close()
	d.wg.Wait()
	d.out.Close()
}

// DiscoveryStats: Probes answered and ProbeMatch messages sent since Start.
func (s *Server) DiscoveryStats() (probes, matches int64) {
	if s.disc == nil {
		return 0, 0
	}
	return s.disc.probes.Load(), s.disc.matches.Load()
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := fmt.Sprintf("%x", b)
	return "urn:uuid:" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
