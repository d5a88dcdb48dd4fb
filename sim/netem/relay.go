package netem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// DialTCP opens a TCP connection to addr from inside the namespace: the socket is made on an OS
// thread moved into the namespace (a socket keeps the namespace it was made in), so its packets
// leave through the namespace's veth and its shaping, while the process stays in the host.
func (n *Namespace) DialTCP(ctx context.Context, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked when the thread cannot go back: it then dies with this goroutine
		host, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netem: %w", err)}
			return
		}
		defer host.Close()
		target, err := os.Open("/var/run/netns/" + n.Name)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netem: namespace %s: %w", n.Name, err)}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netem: enter namespace %s: %w", n.Name, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if unix.Setns(int(host.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// Relay carries TCP connections to a host address (a center's NATS leaf listener on
// 127.0.0.1, say) through a namespace and its shaped veth: a client in the host connects to
// Addr; the relay dials from inside the namespace to a forwarder on the host end of the veth,
// which connects to the target. So the bytes cross the veth both ways, with its bandwidth and
// loss. Where the kernel has no netem qdisc (no round trip on the wire), the forwarder holds
// each chunk for Delay (+ up to Jitter) in each direction: a round trip seen by the
// application, though not by TCP's own acknowledgements on the veth.
type Relay struct {
	Delay, Jitter time.Duration // added per direction by the forwarder

	ns       *Namespace
	target   string
	front    net.Listener // 127.0.0.1, host
	fwd      net.Listener // HostIP, host end of the veth
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
	closed   chan struct{}
	closeErr error
	once     sync.Once
}

// Relay starts a relay to target through the namespace; delay is added per direction (half
// the round trip the link should have), jitter on top of it per chunk.
func (n *Namespace) Relay(target string, delay, jitter time.Duration) (*Relay, error) {
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("netem: relay: %w", err)
	}
	fwd, err := net.Listen("tcp", net.JoinHostPort(n.HostIP, "0"))
	if err != nil {
		front.Close()
		return nil, fmt.Errorf("netem: relay: %w", err)
	}
	r := &Relay{Delay: delay, Jitter: jitter, ns: n, target: target, front: front, fwd: fwd,
		conns: map[net.Conn]struct{}{}, closed: make(chan struct{})}
	r.wg.Add(2)
	go r.acceptFront()
	go r.acceptFwd()
	return r, nil
}

// Addr is where host clients connect (127.0.0.1:port).
func (r *Relay) Addr() string { return r.front.Addr().String() }

// Close stops the relay and its connections and waits for them.
func (r *Relay) Close() error {
	r.once.Do(func() {
		close(r.closed)
		r.closeErr = errors.Join(r.front.Close(), r.fwd.Close())
		r.mu.Lock()
		for c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
	})
	r.wg.Wait()
	return r.closeErr
}

func (r *Relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.closed:
		c.Close()
		return false
	default:
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *Relay) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
	c.Close()
}

// acceptFront takes host clients and joins each to a connection made inside the namespace.
func (r *Relay) acceptFront() {
	defer r.wg.Done()
	for {
		c, err := r.front.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if !r.track(c) {
				return
			}
			defer r.untrack(c)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			in, err := r.ns.DialTCP(ctx, r.fwd.Addr().String())
			cancel()
			if err != nil {
				return
			}
			if !r.track(in) {
				return
			}
			defer r.untrack(in)
			r.pipe(c, in, 0, 0)
		}()
	}
}

// acceptFwd takes the connections that crossed the veth and joins each to the target, with
// the delay of the link.
func (r *Relay) acceptFwd() {
	defer r.wg.Done()
	for {
		c, err := r.fwd.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if !r.track(c) {
				return
			}
			defer r.untrack(c)
			out, err := net.DialTimeout("tcp", r.target, 10*time.Second)
			if err != nil {
				return
			}
			if !r.track(out) {
				return
			}
			defer r.untrack(out)
			r.pipe(c, out, r.Delay, r.Jitter)
		}()
	}
}

// pipe copies both ways until either side ends, each chunk held for delay (+ jitter).
func (r *Relay) pipe(a, b net.Conn, delay, jitter time.Duration) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		if delay == 0 && jitter == 0 {
			io.Copy(dst, src)
		} else {
			delayedCopy(dst, src, delay, jitter)
		}
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
}

// delayedCopy writes each chunk read from src to dst delay (+ a random part of jitter) after
// it was read, in order (a later chunk never overtakes an earlier one, as on one TCP stream).
func delayedCopy(dst io.Writer, src io.Reader, delay, jitter time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 1024) // ~32 MB in flight at most: the link's queue
	go func() {
		defer close(q)
		var last time.Time
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				at := time.Now().Add(delay)
				if jitter > 0 {
					at = at.Add(rand.N(jitter))
				}
				if at.Before(last) {
					at = last
				}
				last = at
				q <- chunk{b[:n], at}
			}
			if err != nil {
				return
			}
		}
	}()
	broken := false
	for c := range q {
		if broken {
			continue // drain so the reader ends
		}
		if w := time.Until(c.at); w > 0 {
			time.Sleep(w)
		}
		if _, err := dst.Write(c.b); err != nil {
			broken = true
			if cl, ok := src.(io.Closer); ok {
				cl.Close()
			}
		}
	}
}
