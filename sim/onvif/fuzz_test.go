package onvif

import (
	"net"
	"testing"
	"time"
)

// Any request body gets a SOAP answer or fault; never a panic.
func FuzzSOAP(f *testing.F) {
	f.Add([]byte(request(nsDevice, "GetSystemDateAndTime", "", "", "", now)))
	f.Add([]byte(request(nsMedia, "GetStreamUri", "<x:ProfileToken>main</x:ProfileToken>", "cam-001", "pw-1", now)))
	f.Add([]byte(`<s:Envelope xmlns:s="` + nsSOAP + `"><s:Body></s:Body></s:Envelope>`))
	s, _ := New(Config{Cameras: func() []Camera { return []Camera{cam1} }, TimeNow: func() time.Time { return now }})
	s.ln = fakeListener{}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, svc := range []string{"device_service", "media_service"} {
			status, out := s.answer(cam1, svc, b)
			if status != 200 && status != 400 || len(out) == 0 {
				t.Fatalf("status %d, %d bytes", status, len(out))
			}
		}
	})
}

// Any datagram on the discovery port is answered with ProbeMatches or ignored.
func FuzzProbe(f *testing.F) {
	f.Add([]byte(`<s:Envelope xmlns:s="` + nsSOAP + `"><s:Body><d:Probe xmlns:d="` + nsWSD + `"><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`))
	s, _ := New(Config{Cameras: func() []Camera { return []Camera{cam1} }})
	s.ln = fakeListener{}
	d := &discovery{s: s}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, m := range d.answer(b) {
			if _, err := parseEnvelope(m); err != nil {
				t.Fatalf("a match that does not parse: %v", err)
			}
		}
	})
}

// fakeListener gives the fuzzed server an address without a socket.
type fakeListener struct{ net.Listener }

func (fakeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }
