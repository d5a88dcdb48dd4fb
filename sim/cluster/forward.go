package cluster

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/wire"
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
			m  jetstream.Msg
			fs []jetstream.PubAckFuture
		}
		var sent []inflight
		failed := false
		for m := range batch.Messages() {
			msgs, rerr := c.upstreamMsgs(m)
			if rerr != nil { // nothing can ever forward it
				c.refused.Add(1)
				m.Term()
				continue
			}
			var fs []jetstream.PubAckFuture
			for _, pm := range msgs {
				f, err := c.upJS.PublishMsgAsync(pm)
				if err != nil {
					c.forwardErrs.Add(1)
					failed = true
					break
				}
				fs = append(fs, f)
			}
			if len(fs) < len(msgs) {
				m.NakWithDelay(retryPause(fails+1, c.cfg.Retry))
				continue
			}
			sent = append(sent, inflight{m, fs})
		}
		busy = len(sent) > 0
		for _, s := range sent {
			ok := true
			for _, f := range s.fs {
				select {
				case <-f.Ok():
					c.forwarded.Add(1)
				case <-f.Err():
					c.forwardErrs.Add(1)
					ok = false
				case <-ctx.Done():
					return // unacknowledged: redelivered after AckWait or at the next Start
				}
			}
			if ok {
				s.m.Ack()
			} else {
				failed = true
				s.m.NakWithDelay(retryPause(fails+1, c.cfg.Retry))
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

// upstreamMsgs turns a stored message into what goes to the center. An HTTP-ingested event
// (cluster.events.<camera>) was validated and had its evidence stored at ingest: it goes as it
// is. A NATS-ingested message (traffic.events.<camera>, one event or an array) is checked
// here, as the center checks its NATS messages, its evidence stored, and each event sent on
// its own with its event_id as message id.
func (c *Cluster) upstreamMsgs(m jetstream.Msg) ([]*nats.Msg, *wire.RequestError) {
	if subj, ok := upstreamSubject(m.Subject()); ok {
		pm := &nats.Msg{Subject: subj, Data: m.Data(), Header: nats.Header{}}
		pm.Header.Set(jetstream.MsgIDHeader, m.Headers().Get(jetstream.MsgIDHeader))
		return []*nats.Msg{pm}, nil
	}
	camera, ok := strings.CutPrefix(m.Subject(), wire.EventSubject+".")
	if !ok {
		return nil, refusal(400, wire.ReasonInvalid, "", -1, "unknown subject %q", m.Subject())
	}
	evs, err := wire.ParseEvents("application/json", m.Data())
	if err != nil {
		return nil, err.(*wire.RequestError)
	}
	first := true
	if md, err := m.Metadata(); err == nil {
		first = md.NumDelivered == 1
	}
	out := make([]*nats.Msg, 0, len(evs))
	for i := range evs {
		e := evs[i]
		at := i
		if len(evs) == 1 {
			at = -1
		}
		switch {
		case e.CameraID != camera:
			return nil, refusal(400, wire.ReasonInvalid, "camera_id", at, "%q does not match the subject's camera %q", e.CameraID, camera)
		case !c.devices[e.Source]:
			return nil, refusal(403, wire.ReasonForbidden, "source", at, "unknown device %q", e.Source)
		case !safeCamera.MatchString(camera):
			return nil, refusal(400, wire.ReasonInvalid, "camera_id", at, "%q: the cluster forwards only camera ids of letters, digits, _ and - (dot-separated)", camera)
		}
		if e.Evidence != nil && len(e.Evidence.JPEG) > 0 {
			if err := c.writeEvidence(e.CameraID, e.EventID, e.Evidence.JPEG, first); err != nil {
				return nil, refusal(503, wire.ReasonUnavailable, "evidence", at, "cannot store: %v", err)
			}
			e.Evidence = &wire.Evidence{Ref: EvidenceRef(c.cfg.ID, e.CameraID, e.EventID)}
		}
		data, _ := json.Marshal(&e)
		pm := &nats.Msg{Subject: wire.EventSubject + "." + camera, Data: data, Header: nats.Header{}}
		pm.Header.Set(jetstream.MsgIDHeader, e.EventID)
		out = append(out, pm)
	}
	if first {
		c.received.Add(int64(len(evs)))
	}
	return out, nil
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
