package cluster

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user + system) of this process so far: events per CPU second is
// less skewed by the other work on a shared machine than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// appendEvents writes a JSON array of n events with ids prefix-<from..from+n).
func appendEvents(b []byte, prefix string, from, n int) []byte {
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"event_id":"%s-%d","camera_id":"cam-%d","type":"red_light","time":"2026-11-27T10:00:00.123Z","plate":"29A-123.45","vehicle_class":"car","confidence":0.9,"box":[10,20,110,220],"source":"dev-1"}`,
			prefix, from+i, (from+i)%8)
	}
	return append(b, ']')
}

// postAll posts n events in arrays of batch from 8 concurrent clients to url.
func postAll(b *testing.B, url, token string, n, batch int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body []byte
			for {
				from := int(next.Add(int64(batch))) - batch
				if from >= n {
					return
				}
				body = appendEvents(body[:0], "b", from, min(batch, n-from))
				req, _ := http.NewRequest(http.MethodPost, url+"/v1/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := httpClient.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkClusterForward measures events/s from a device through the cluster to the center,
// with persistence on both sides (the cluster's JetStream file store, the center's EVENTS
// stream), b.N events in arrays of 100 from 8 clients; the time runs until the center holds
// all of them. Against it, in the same run: the same events posted straight to the center
// (direct: no cluster, what the cluster adds) and a forwarder with one event in flight
// (batch=1: the plain forwarder, publish and wait for each ack), and the cluster fsyncing
// every write (cluster-sync-always).
func BenchmarkClusterForward(b *testing.B) {
	for _, mode := range []struct {
		name  string
		batch int  // forwarder batch; 0: direct to the center
		sync  bool // the cluster fsyncs every write
	}{{"cluster", 256, false}, {"direct", 0, false}, {"batch=1", 1, false}, {"cluster-sync-always", 256, true}} {
		b.Run(mode.name, func(b *testing.B) {
			tc := newTestCenter(b, "dev-1")
			url, token := tc.c.EventsURL(), "tok-dev-1"
			if mode.batch > 0 {
				cl := startCluster(b, "", tc.upstream(), func(cfg *Config) { cfg.Batch, cfg.SyncAlways = mode.batch, mode.sync })
				url = cl.URL()
			}
			base := tc.c.Stats().Events
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			postAll(b, url, token, b.N, 100)
			deadline := time.Now().Add(5 * time.Minute)
			for tc.c.Stats().Events-base < b.N {
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d events at the center after 5 minutes", tc.c.Stats().Events-base, b.N)
				}
				time.Sleep(time.Millisecond)
			}
			wall, cpu := time.Since(start), cpuTime()-cpu0
			b.StopTimer()
			b.ReportMetric(float64(b.N)/wall.Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
		})
	}
}

// BenchmarkClusterLatency measures the delay one event takes from the device's POST until
// the center holds it, one event at a time (an idle cluster: what a violation waits before
// the center sees it), through the cluster and, in the same run, posted straight to the
// center. p50/p99 in microseconds.
func BenchmarkClusterLatency(b *testing.B) {
	for _, viaCluster := range []bool{true, false} {
		name := "direct"
		if viaCluster {
			name = "cluster"
		}
		b.Run(name, func(b *testing.B) {
			tc := newTestCenter(b, "dev-1")
			url := tc.c.EventsURL()
			if viaCluster {
				url = startCluster(b, "", tc.upstream(), nil).URL()
			}
			base := tc.c.Stats().Events
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				body := appendEvents(nil, "l", i, 1)
				start := time.Now()
				req, _ := http.NewRequest(http.MethodPost, url+"/v1/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer tok-dev-1")
				resp, err := httpClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					b.Fatalf("post: %v %v", err, resp)
				}
				resp.Body.Close()
				for tc.c.Stats().Events-base < i+1 {
					if time.Since(start) > 10*time.Second {
						b.Fatal("event not at the center after 10 s")
					}
					time.Sleep(50 * time.Microsecond)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
		})
	}
}
