package netem

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A relay carries a host connection through the namespace's veth: the bytes arrive intact,
// they crossed the veth (its counters grew by at least as much), and the round trip the relay
// adds is there (a one-byte echo takes at least the round trip).
func TestRelayCarriesTCPThroughTheNamespace(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip(why)
	}
	pid := os.Getpid()
	ns, err := Create(fmt.Sprintf("tsr%d", pid%100000), (pid+7)%250)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ns.Close(); err != nil {
			t.Error(err)
		}
		if Exists(ns.Name) {
			t.Errorf("namespace %s left behind", ns.Name)
		}
	}()
	if err := ns.Shape(Link{Mbps: 20, Loss: 0.01}, Link{Mbps: 20, Loss: 0.01}); err != nil {
		t.Fatal(err)
	}
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	const rtt = 40 * time.Millisecond
	r, err := ns.Relay(echo.Addr().String(), rtt/2, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	before := counter(t, ns.HostDev, "rx_bytes")
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	start := time.Now()
	if _, err := c.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < rtt {
		t.Errorf("an echo took %v, less than the round trip %v", took, rtt)
	}
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	go c.Write(payload)
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("the echo differs from what was sent")
	}
	if crossed := counter(t, ns.HostDev, "rx_bytes") - before; crossed < int64(len(payload)) {
		t.Errorf("%d bytes crossed the veth for %d sent: the relay went around it", crossed, len(payload))
	}
}

// A relay that is closed ends its connections and its goroutines.
func TestRelayCloses(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip(why)
	}
	pid := os.Getpid()
	ns, err := Create(fmt.Sprintf("tsq%d", pid%100000), (pid+11)%250)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	go func() {
		for {
			c, err := sink.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	r, err := ns.Relay(sink.Addr().String(), 5*time.Millisecond, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))
	done := make(chan error)
	go func() { done <- r.Close() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the client's connection is still open after Close")
	}
}

func counter(t *testing.T, dev, name string) int64 {
	t.Helper()
	b, err := os.ReadFile("/sys/class/net/" + dev + "/statistics/" + name)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v
}
