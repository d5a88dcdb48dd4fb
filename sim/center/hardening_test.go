package center

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/trafficsim/trafficsim/wire"
)

// openBody sends the headers of a POST /v1/events claiming a body of claim bytes, then the
// first part bytes of it, and leaves the connection open.
func openBody(t testing.TB, url string, claim int, part string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	fmt.Fprintf(nc, "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", claim, part)
	return nc
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestAClaimedContentLengthHoldsNoMemoryUntilTheBytesArrive: connections that claim a 16 MB
// body and send one byte cost the center kilobytes each, not 16 MB. TRAFFICSIM_ATTACK_CONNS
// sets the number of connections (default 10; the figure in BENCHMARKS.md is for 120).
func TestAClaimedContentLengthHoldsNoMemoryUntilTheBytesArrive(t *testing.T) {
	conns := 10
	if s := os.Getenv("TRAFFICSIM_ATTACK_CONNS"); s != "" {
		conns, _ = strconv.Atoi(s)
	}
	c := startCenter(t, "", false, nil)
	before := heapInUse()
	for range conns {
		openBody(t, c.EventsURL(), 16_000_000, "[")
	}
	time.Sleep(500 * time.Millisecond) // the server has read every request's headers
	grown := int64(heapInUse()) - int64(before)
	t.Logf("%d connections claiming 16 MB: heap in use grew by %.1f MB (from %.1f MB)", conns, float64(grown)/1e6, float64(before)/1e6)
	if limit := int64(conns) << 20; grown > limit {
		t.Fatalf("heap grew by %d bytes for %d connections, want at most %d (1 MiB each; main grew 16 MB each)", grown, conns, limit)
	}
}

// TestATrickledBodyIsCutAtTheBodyTimeout: a body sent a byte at a time is answered 408 when
// BodyTimeout has passed, and its connection is let go.
func TestATrickledBodyIsCutAtTheBodyTimeout(t *testing.T) {
	c := startCenter(t, "", false, func(cfg *Config) { cfg.BodyTimeout = 300 * time.Millisecond })
	nc := openBody(t, c.EventsURL(), 1000, "[")
	start := time.Now()
	go func() {
		for range 100 {
			time.Sleep(100 * time.Millisecond)
			if _, err := nc.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatalf("no answer within 10 s: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), `"error":"body not received within 300ms"`) {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if took > 5*time.Second { // the trickle goes on for 10 s; 5 s leaves margin for a loaded machine
		t.Fatalf("answered after %v", took)
	}
	if got := metricValue(t, c, "trafficsim_center_refused_total", map[string]string{"reason": wire.ReasonTimeout}); got != 1 {
		t.Fatalf("refused{reason=timeout} = %v", got)
	}
}

// TestDeduplicationIsPerSource: a device that posts another device's (predictable) event_id
// first does not make the real event a duplicate, over HTTP and over NATS.
func TestDeduplicationIsPerSource(t *testing.T) {
	c := startCenter(t, "", true, nil)
	mine := event("dev-2/cam-1/red_light/7")
	mine.Source = "dev-2"
	squat := mine
	squat.Source = "dev-1"
	if code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, squat)); code != 202 {
		t.Fatalf("squatter: %d %s", code, body)
	}
	if code, body := post(t, c.EventsURL()+"/v1/events", "tok-2", "application/json", mustJSON(t, mine)); code != 202 || body != `{"accepted":1,"duplicate":0}` {
		t.Fatalf("the real event: %d %s", code, body)
	}
	if code, body := post(t, c.EventsURL()+"/v1/events", "tok-2", "application/json", mustJSON(t, mine)); body != `{"accepted":0,"duplicate":1}` {
		t.Fatalf("the real event again: %d %s", code, body)
	}
	// NATS: the same, with the event_id as Nats-Msg-Id (what devices and clusters send)
	natsMine, natsSquat := mine, squat
	natsMine.EventID, natsSquat.EventID = "dev-2/cam-1/red_light/8", "dev-2/cam-1/red_light/8"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range []struct {
		user, pass string
		ev         wire.Event
	}{{"dev-1", "tok-1", natsSquat}, {"dev-2", "tok-2", natsMine}} {
		_, js, _ := natsConnect(t, c.NATSURL(), p.user, p.pass)
		m := &nats.Msg{Subject: wire.EventSubject + ".cam-1", Data: mustJSON(t, p.ev), Header: nats.Header{}}
		m.Header.Set(nats.MsgIdHdr, p.ev.EventID)
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond) // past JetStream's own window
	}
	waitFor(t, "4 events held", func() bool { return c.Stats().Events == 4 })
}

// TestDeviceMetricsShowNothingOfTruth: /metrics of the device listener has the event counts,
// and no series that moves when truth arrives.
func TestDeviceMetricsShowNothingOfTruth(t *testing.T) {
	c := startCenter(t, "", false, nil)
	scrape := func() string {
		resp, err := http.Get(c.EventsURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var keep []string // series values, without the comments
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "#") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, event("e1"))); code != 202 {
		t.Fatalf("%d %s", code, body)
	}
	before := scrape()
	v := wire.Violation{ID: "v1", Type: wire.RedLight, Camera: "cam-1", Wall: t0}
	if code, body := post(t, c.TruthURL()+"/v1/truth", testTruthToken, "application/json", mustJSON(t, v)); code != 202 {
		t.Fatalf("truth: %d %s", code, body)
	}
	after := scrape()
	if before != after {
		t.Fatalf("device metrics moved when truth arrived:\nbefore\n%s\nafter\n%s", before, after)
	}
	for _, bad := range []string{"truth", "log_bytes", "fsync", "process_", "go_memstats"} {
		if strings.Contains(after, bad) {
			t.Fatalf("device metrics show %q:\n%s", bad, after)
		}
	}
	if !strings.Contains(after, `trafficsim_center_events_accepted_total{transport="http"} 1`) {
		t.Fatalf("device metrics lack the event count:\n%s", after)
	}
}

// TestEventsForCamerasTheDeviceDoesNotOwnAreRefused: with Config.Cameras set, HTTP answers
// 403 naming camera_id, and NATS refuses to carry another device's camera subject (the
// server's permissions), so a NATS message's subject names its sender.
func TestEventsForCamerasTheDeviceDoesNotOwnAreRefused(t *testing.T) {
	c := startCenter(t, "", true, func(cfg *Config) { cfg.Cameras = map[string]string{"cam-1": "dev-1", "cam-2": "dev-2"} })
	e := event("e1")
	e.CameraID = "cam-2"
	code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, e))
	if code != 403 || body != `{"error":"camera_id: camera \"cam-2\" is not one of device \"dev-1\"'s cameras","field":"camera_id"}` {
		t.Fatalf("%d %s", code, body)
	}
	e.CameraID = "cam-9"
	if code, _ := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, e)); code != 403 {
		t.Fatalf("unknown camera: %d", code)
	}
	// NATS: dev-1 claims to be dev-2 on dev-2's camera: the server refuses the publish
	spoof := event("n1")
	spoof.CameraID, spoof.Source = "cam-2", "dev-2"
	_, js, _ := natsConnect(t, c.NATSURL(), "dev-1", "tok-1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := js.Publish(ctx, wire.EventSubject+".cam-2", mustJSON(t, spoof)); err == nil {
		t.Fatal("dev-1 published on cam-2's subject")
	}
	// on its own camera, a foreign source is refused by the center
	spoof.CameraID = "cam-1"
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	if _, err := js.Publish(ctx2, wire.EventSubject+".cam-1", mustJSON(t, spoof)); err != nil {
		t.Fatal(err)
	}
	own := event("n2")
	if _, err := js.Publish(ctx2, wire.EventSubject+".cam-1", mustJSON(t, own)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the own event", func() bool { return c.Stats().Events == 1 })
	waitFor(t, "the spoofed one refused", func() bool {
		return metricValue(t, c, "trafficsim_center_refused_total", map[string]string{"transport": "nats", "reason": wire.ReasonForbidden}) == 1
	})
	if _, err := New(Config{DataDir: "x", TruthToken: "t", Tokens: testTokens, Cameras: map[string]string{"cam-1": "dev-9"}}); err == nil ||
		err.Error() != `center: camera "cam-1" belongs to "dev-9", which has no token` {
		t.Fatalf("New with a camera of an unknown device: %v", err)
	}
}
