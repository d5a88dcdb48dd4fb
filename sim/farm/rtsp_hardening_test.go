package farm

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/conn"
)

// rtspClient speaks raw RTSP to the fast path, adding digest credentials once challenged.
type rtspClient struct {
	t      *testing.T
	nc     net.Conn
	rc     *conn.Conn
	sender *auth.Sender
}

func dialRTSP(t *testing.T, f *Farm) *rtspClient {
	t.Helper()
	nc, err := net.Dial("tcp", f.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rtspClient{t: t, nc: nc, rc: conn.NewConn(bufio.NewReader(nc), nc)}
}

// raw sends text as is and reads the response.
func (c *rtspClient) raw(text string) *base.Response {
	c.t.Helper()
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write([]byte(text)); err != nil {
		c.t.Fatal(err)
	}
	res, err := c.rc.ReadResponse()
	if err != nil {
		c.t.Fatalf("reading the answer to %q: %v", text, err)
	}
	return res
}

// do sends a request with CSeq n, with credentials of user/pass once a challenge was seen.
func (c *rtspClient) do(method base.Method, url string, n int, header base.Header, user, pass string) *base.Response {
	c.t.Helper()
	u, err := base.ParseURL(url)
	if err != nil {
		c.t.Fatal(err)
	}
	req := &base.Request{Method: method, URL: u, Header: base.Header{"CSeq": base.HeaderValue{fmt.Sprint(n)}}}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.sender != nil {
		c.sender.AddAuthorization(req)
	}
	b, _ := req.Marshal()
	res := c.raw(string(b))
	if res.StatusCode == base.StatusUnauthorized && c.sender == nil && user != "" {
		c.sender = &auth.Sender{WWWAuth: res.Header["WWW-Authenticate"], User: user, Pass: pass}
		if err := c.sender.Initialize(); err != nil {
			c.t.Fatal(err)
		}
		return c.do(method, url, n, header, user, pass)
	}
	return res
}

// TestRTSPRefusesWhatGortsplibsServerRefuses: requests without exactly one numeric CSeq get
// 400 (RFC 2326 12.17); SETUP of a track the SDP does not list gets 400; interleaved channels
// beyond one byte or not a pair get 461; unknown paths are challenged like known ones (401),
// so cameras cannot be enumerated without credentials.
func TestRTSPRefusesWhatGortsplibsServerRefuses(t *testing.T) {
	t.Parallel()
	f := startFarm(t, Config{}, 25, TransportTCP)
	cam := f.Deployment().Cameras[0]
	host := strings.TrimPrefix(cam.URL, "rtsp://")
	host = host[:strings.Index(host, "/")]

	cseqCases := []struct {
		name, text string
	}{
		{"no CSeq", "OPTIONS rtsp://" + host + "/cam/cam-001 RTSP/1.0\r\n\r\n"},
		{"two CSeq", "OPTIONS rtsp://" + host + "/cam/cam-001 RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n"},
		{"CSeq not a number", "OPTIONS rtsp://" + host + "/cam/cam-001 RTSP/1.0\r\nCSeq: one\r\n\r\n"},
	}
	for _, tc := range cseqCases {
		c := dialRTSP(t, f)
		res := c.raw(tc.text)
		if res.StatusCode != base.StatusBadRequest || res.Header["CSeq"] != nil {
			t.Errorf("%s: %d CSeq %v, want 400 without CSeq", tc.name, res.StatusCode, res.Header["CSeq"])
		}
	}

	// without credentials an unknown camera and a known one are answered alike
	for _, path := range []string{"/cam/cam-001", "/cam/cam-999", "/nothing"} {
		c := dialRTSP(t, f)
		res := c.do(base.Describe, "rtsp://"+host+path, 1, nil, "", "")
		if res.StatusCode != base.StatusUnauthorized || res.Header["WWW-Authenticate"] == nil {
			t.Errorf("DESCRIBE %s without credentials: %d, want 401 with a challenge", path, res.StatusCode)
		}
	}

	setupCases := []struct {
		name, track, transport string
		status                 base.StatusCode
	}{
		{"track 0", "/trackID=0", "RTP/AVP/TCP;unicast;interleaved=0-1", base.StatusOK},
		{"the camera itself", "", "RTP/AVP/TCP;unicast;interleaved=2-3", base.StatusOK},
		{"the last channel pair", "/trackID=0", "RTP/AVP/TCP;unicast;interleaved=254-255", base.StatusOK},
		{"unknown track", "/trackID=99", "RTP/AVP/TCP;unicast;interleaved=0-1", base.StatusBadRequest},
		{"channels beyond a byte", "/trackID=0", "RTP/AVP/TCP;unicast;interleaved=255-256", base.StatusUnsupportedTransport},
		{"channels not a pair", "/trackID=0", "RTP/AVP/TCP;unicast;interleaved=4-9", base.StatusUnsupportedTransport},
	}
	for _, tc := range setupCases {
		c := dialRTSP(t, f)
		res := c.do(base.Setup, cam.URL+tc.track, 1, base.Header{"Transport": base.HeaderValue{tc.transport}}, cam.Username, cam.Password)
		if res.StatusCode != tc.status {
			t.Errorf("SETUP %s: %d, want %d", tc.name, res.StatusCode, tc.status)
		}
		if got := res.Header["CSeq"]; len(got) != 1 || got[0] != "1" {
			t.Errorf("SETUP %s: CSeq %v", tc.name, got)
		}
	}
}

// TestRTSPConnectionCapAndSetupTimeout: connections over MaxConns are closed at once, and a
// connection that sets nothing up is dropped after SetupTimeout.
func TestRTSPConnectionCapAndSetupTimeout(t *testing.T) {
	t.Parallel()
	f := startFarm(t, Config{MaxConns: 3, SetupTimeout: 300 * time.Millisecond}, 25, TransportTCP)
	var held []net.Conn
	for range 3 {
		nc, err := net.Dial("tcp", f.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		held = append(held, nc)
	}
	waitUntil(t, "3 connections open", func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.conns) == 3 })
	extra, err := net.Dial("tcp", f.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("the fourth connection was kept: %v", err)
	}
	if f.RefusedConns() != 1 {
		t.Fatalf("RefusedConns = %d", f.RefusedConns())
	}
	// the three silent ones are dropped after SetupTimeout
	start := time.Now()
	for _, nc := range held {
		nc.SetReadDeadline(time.Now().Add(8 * time.Second))
		if _, err := nc.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Fatalf("a silent connection was kept: %v", err)
		}
	}
	if took := time.Since(start); took > 6*time.Second { // 300 ms, with margin for a loaded machine
		t.Fatalf("silent connections dropped after %v", took)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUDPServerChallengesUnknownPaths: gortsplib's server for UDP cameras answers an unknown
// path like a wrong password too.
func TestUDPServerChallengesUnknownPaths(t *testing.T) {
	t.Parallel()
	f := startFarm(t, Config{}, 25, TransportUDP)
	cam := f.Deployment().Cameras[0]
	host := strings.TrimPrefix(cam.URL, "rtsp://")
	host = host[:strings.Index(host, "/")]
	for _, path := range []string{"/cam/" + cam.ID, "/cam/cam-999"} {
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		c := &rtspClient{t: t, nc: nc, rc: conn.NewConn(bufio.NewReader(nc), nc)}
		if res := c.do(base.Describe, "rtsp://"+host+path, 1, nil, "", ""); res.StatusCode != base.StatusUnauthorized {
			t.Errorf("DESCRIBE %s without credentials: %d, want 401", path, res.StatusCode)
		}
	}
}
