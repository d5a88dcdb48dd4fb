package center

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/wire"
)

// cpuTime is the CPU time (user + system) of this process so far: events per CPU second is a
// figure the other helpers' load on the shared machine does not skew as much as wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// appendEventJSON writes one event with a unique id (cheaper than json.Marshal on the client).
func appendEventJSON(b []byte, id string) []byte {
	b = append(b, `{"event_id":"`...)
	b = append(b, id...)
	b = append(b, `","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.123Z","plate":"29A-123.45","vehicle_class":"car","confidence":0.9,"box":[10,20,110,220],"source":"dev-1"}`...)
	return b
}

func benchCenter(b *testing.B, withNATS, syncEach bool) *Center {
	c, err := New(Config{DataDir: b.TempDir(), Tokens: testTokens, TruthToken: testTruthToken,
		NATS: NATSConfig{Disable: !withNATS}, SyncEach: syncEach})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkHTTPIngest posts events over HTTP with persistence on: 64 concurrent clients,
// 1 or 100 events per request, against group commit (the center's way) and an fsync per
// request (the plain way). events/s is the figure; compare the two commits in one run.
func BenchmarkHTTPIngest(b *testing.B) {
	for _, batch := range []int{1, 100} {
		for _, mode := range []struct {
			name     string
			syncEach bool
		}{{"group-commit", false}, {"fsync-each", true}} {
			b.Run(fmt.Sprintf("batch=%d/%s", batch, mode.name), func(b *testing.B) {
				c := benchCenter(b, false, mode.syncEach)
				url := c.EventsURL() + "/v1/events"
				tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
				var seq atomic.Int64
				var failed atomic.Int64
				b.SetParallelism(32) // 32 x GOMAXPROCS clients: enough waiters to share fsyncs
				b.ResetTimer()
				start, cpu0 := time.Now(), cpuTime()
				b.RunParallel(func(pb *testing.PB) {
					var body []byte
					for pb.Next() {
						n := seq.Add(1)
						body = body[:0]
						if batch > 1 {
							body = append(body, '[')
						}
						for k := range batch {
							if k > 0 {
								body = append(body, ',')
							}
							body = appendEventJSON(body, strconv.FormatInt(n, 10)+"-"+strconv.Itoa(k))
						}
						if batch > 1 {
							body = append(body, ']')
						}
						req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
						req.Header.Set("Authorization", "Bearer tok-1")
						req.Header.Set("Content-Type", "application/json")
						resp, err := client.Do(req)
						if err != nil {
							failed.Add(1)
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusAccepted {
							failed.Add(1)
						}
					}
				})
				el, cpu := time.Since(start), cpuTime()-cpu0
				b.StopTimer()
				if f := failed.Load(); f > 0 {
					b.Fatalf("%d requests failed", f)
				}
				st := c.Stats()
				if st.EventsAccepted != int64(b.N*batch) {
					b.Fatalf("accepted %d, want %d", st.EventsAccepted, b.N*batch)
				}
				b.ReportMetric(float64(b.N*batch)/el.Seconds(), "events/s")
				b.ReportMetric(float64(b.N*batch)/cpu.Seconds(), "events/cpu-s")
				b.ReportMetric(float64(st.Log.Records)/float64(max(st.Log.Syncs, 1)), "requests/fsync")
			})
		}
	}
}

// BenchmarkNATSIngest publishes events to the embedded JetStream (file store) as a device and
// measures until the center has ingested all of them: asynchronous publishing (the way a
// device should publish) against waiting for each publish ack (the plain way), with one event
// per message and with arrays of 100 events per message.
func BenchmarkNATSIngest(b *testing.B) {
	for _, v := range []struct {
		mode  string
		batch int
	}{{"async", 1}, {"sync", 1}, {"async", 100}} {
		b.Run(fmt.Sprintf("batch=%d/%s", v.batch, v.mode), func(b *testing.B) {
			c := benchCenter(b, true, false)
			nc, err := nats.Connect(c.NATSURL(), nats.UserInfo("dev-1", "tok-1"))
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(8192))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			subject := wire.EventSubject + ".cam-1"
			var body []byte
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			for i := range b.N {
				id := "n" + strconv.Itoa(i)
				body = body[:0]
				if v.batch == 1 {
					body = appendEventJSON(body, id)
				} else {
					body = append(body, '[')
					for k := range v.batch {
						if k > 0 {
							body = append(body, ',')
						}
						body = appendEventJSON(body, id+"-"+strconv.Itoa(k))
					}
					body = append(body, ']')
				}
				if v.mode == "async" {
					if _, err := js.PublishAsync(subject, body, jetstream.WithMsgID(id), jetstream.WithStallWait(10*time.Second)); err != nil {
						b.Fatal(err)
					}
				} else if _, err := js.Publish(ctx, subject, body, jetstream.WithMsgID(id)); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case <-js.PublishAsyncComplete():
			case <-ctx.Done():
				b.Fatal("publish acks did not arrive")
			}
			pubDone := time.Since(start)
			want := int64(b.N * v.batch)
			for c.Stats().EventsAccepted < want {
				if ctx.Err() != nil {
					b.Fatalf("ingested %d of %d", c.Stats().EventsAccepted, want)
				}
				time.Sleep(time.Millisecond)
			}
			el, cpu := time.Since(start), cpuTime()-cpu0
			b.StopTimer()
			b.ReportMetric(float64(want)/el.Seconds(), "events/s")
			b.ReportMetric(float64(want)/cpu.Seconds(), "events/cpu-s")
			b.ReportMetric(float64(want)/pubDone.Seconds(), "acked-events/s")
		})
	}
}
