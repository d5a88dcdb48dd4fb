package cluster

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// producer posts one event every interval to the cluster until stop, logging what was
// acknowledged (202).
type producer struct {
	sent *idLog
	done chan struct{}
	wg   sync.WaitGroup
}

func startProducer(t testing.TB, url, token, dev string, every time.Duration) *producer {
	p := &producer{sent: &idLog{}, done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for k := 0; ; k++ {
			e := event(fmt.Sprintf("p-%d", k), fmt.Sprintf("cam-%d", k%3), dev)
			if st, body := post(t, url, token, e); st != 202 {
				t.Errorf("post %s: %d %s", e.EventID, st, body)
				return
			}
			p.sent.add(e.EventID)
			select {
			case <-time.After(every):
			case <-p.done:
				return
			}
		}
	}()
	return p
}

func (p *producer) stop() []string {
	close(p.done)
	p.wg.Wait()
	return p.sent.all()
}

// proxy is the uplink: a TCP relay on 127.0.0.1 that can be cut (every connection closed,
// new ones refused) and restored.
type proxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func startProxy(t testing.TB, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		l.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.l.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		u, err := net.DialTimeout("tcp", p.target, time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[u] = true, true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, u)
		go p.pipe(u, c)
	}
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// outageRun produces events through a cluster while the center (or the uplink) goes away for
// outage and comes back: every acknowledged event must reach the center exactly once.
func outageRun(t testing.TB, uplink bool, outage time.Duration) {
	tc := newTestCenter(t, "dev-1")
	up := tc.upstream()
	var px *proxy
	if uplink {
		px = startProxy(t, tc.leaf)
		up.LeafURL = "nats-leaf://" + px.addr()
	}
	cl := startCluster(t, "", up, nil)
	prod := startProducer(t, cl.URL(), "tok-dev-1", "dev-1", 10*time.Millisecond)
	waitFor(t, "events at the center", 10*time.Second, func() bool { return tc.rec.distinct() >= 10 })

	if uplink {
		px.cut()
	} else {
		tc.stop()
	}
	waitFor(t, "the uplink down", 10*time.Second, func() bool { return !cl.Stats().UplinkUp })
	waitFor(t, "events held at the cluster", 10*time.Second, func() bool { return cl.Stats().Pending > 0 })
	time.Sleep(outage)
	held := cl.Stats().Pending
	if uplink {
		px.restore()
	} else {
		tc.start()
	}
	waitFor(t, "the uplink up", 10*time.Second, func() bool { return cl.Stats().UplinkUp })
	time.Sleep(300 * time.Millisecond)
	sent := prod.stop()
	waitFor(t, "every event at the center", 30*time.Second, func() bool { return tc.rec.distinct() >= len(sent) })
	waitFor(t, "nothing pending", 10*time.Second, func() bool { return cl.Stats().Pending == 0 })
	tc.exactlyOnce(t, sent)
	st := cl.Stats()
	t.Logf("%d events, %d held at the cluster during a %v outage; stats %+v", len(sent), held, outage, st)
	if held < uint64(outage.Seconds()*50) { // 100 events/s are posted
		t.Fatalf("only %d events held at the cluster during the outage", held)
	}
}

func TestCenterOutage(t *testing.T) { outageRun(t, false, *outage) }

func TestUplinkOutage(t *testing.T) { outageRun(t, true, *outage) }

// BenchmarkOutage is the long run of issue 6 for make bench: the center, then the uplink,
// away for 60 s while events keep coming; each must reach the center exactly once.
func BenchmarkOutage(b *testing.B) {
	for _, c := range []struct {
		name   string
		uplink bool
	}{{"center-60s", false}, {"uplink-60s", true}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				outageRun(b, c.uplink, time.Minute)
			}
		})
	}
}
