package cluster

import (
	"context"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/sim/wire"
)

// retryPause is the pause after the n-th forwarding attempt in a row that failed (n >= 1):
// 50 ms doubling up to max.
func retryPause(n int, max time.Duration) time.Duration {
	d := 50 * time.Millisecond
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// upstreamSubject maps a local stream subject (cluster.events.<camera>) to the center's
// (traffic.events.<camera>).
func upstreamSubject(local string) (string, bool) {
	cam, ok := strings.CutPrefix(local, localSubject+".")
	if !ok || cam == "" {
		return "", false
	}
	return wire.EventSubject + "." + cam, true
}

// forward runs until ctx ends: it fetches stored events in batches, publishes each to the
// center with its event_id as Nats-Msg-Id, and acknowledges the local copy only on the
// center's publish ack. A failed publish is handed back to the stream (redelivered after the
// retry pause), so an outage costs nothing but time.
func (c *Cluster) forward(ctx context.Context) {
	cons := c.consumer
	fails := 0
	busy := false // the last fetch found events: take what is there without waiting
	for ctx.Err() == nil {
		var batch jetstream.MessageBatch
		var err error
		if busy {
			batch, err = cons.FetchNoWait(c.cfg.Batch)
		} else {
			// Idle: wait for the next event (a pull of Batch would wait to fill it).
			batch, err = cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		}
		if err != nil {
			if !sleep(ctx, 100*time.Millisecond) {
				return
			}
			continue
		}
		type inflight struct {
			m jetstream.Msg
			f jetstream.PubAckFuture
		}
		var sent []inflight
		failed := false
		for m := range batch.Messages() {
			subj, ok := upstreamSubject(m.Subject())
			if !ok { // not ours: nothing can forward it
				m.Term()
				continue
			}
			pm := &nats.Msg{Subject: subj, Data: m.Data(), Header: nats.Header{}}
			pm.Header.Set(jetstream.MsgIDHeader, m.Headers().Get(jetstream.MsgIDHeader))
			f, err := c.upJS.PublishMsgAsync(pm)
			if err != nil {
				c.forwardErrs.Add(1)
				failed = true
				m.NakWithDelay(retryPause(fails+1, c.cfg.Retry))
				continue
			}
			sent = append(sent, inflight{m, f})
		}
		busy = len(sent) > 0
		for _, s := range sent {
			select {
			case <-s.f.Ok():
				s.m.Ack()
				c.forwarded.Add(1)
			case <-s.f.Err():
				c.forwardErrs.Add(1)
				failed = true
				s.m.NakWithDelay(retryPause(fails+1, c.cfg.Retry))
			case <-ctx.Done():
				return // unacknowledged: redelivered after AckWait or at the next Start
			}
		}
		if failed {
			fails++
			if !sleep(ctx, retryPause(fails, c.cfg.Retry)) {
				return
			}
		} else {
			fails = 0
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
