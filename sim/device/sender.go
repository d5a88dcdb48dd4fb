package device

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// runSender delivers the edge queue in order: a 2xx removes the batch, a 4xx drops the refused
// event (found by resending one at a time), anything else retries with back-off.
func (d *Device) runSender(ctx context.Context) {
	url := strings.TrimRight(d.cfg.Events.HTTP, "/") + "/v1/events"
	attempt, single := 0, false
	for ctx.Err() == nil {
		n := d.cfg.BatchSize
		if single {
			n = 1
		}
		batch, err := d.q.Peek(n)
		if err != nil {
			d.cfg.Logf("device: edge queue: %v", err)
			attempt++
			sleep(ctx, Backoff(attempt, d.cfg.RetryMin, d.cfg.RetryMax))
			continue
		}
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
			case <-d.wake:
			case <-time.After(time.Second):
			}
			continue
		}
		var body bytes.Buffer
		body.WriteByte('[')
		for i, e := range batch {
			if i > 0 {
				body.WriteByte(',')
			}
			body.Write(e.Payload)
		}
		body.WriteByte(']')
		status, reply, err := d.post(ctx, url, body.Bytes())
		switch {
		case err != nil || retryable(status):
			if ctx.Err() != nil {
				return
			}
			d.sendErrs.Add(1)
			attempt++
			if attempt == 1 || attempt%10 == 0 {
				if err == nil {
					err = fmt.Errorf("HTTP %d: %s", status, strings.TrimSpace(string(reply)))
				}
				d.cfg.Logf("device: sending %d events (attempt %d): %v", len(batch), attempt, err)
			}
			sleep(ctx, Backoff(attempt, d.cfg.RetryMin, d.cfg.RetryMax))
		case status >= 200 && status < 300:
			attempt, single = 0, false
			if err := d.q.Ack(len(batch)); err != nil {
				d.cfg.Logf("device: edge queue: %v", err)
			}
			d.sent.Add(int64(len(batch)))
			var r struct {
				Accepted   *int64 `json:"accepted"`
				Duplicates *int64 `json:"duplicates"`
				Duplicate  *int64 `json:"duplicate"`
			}
			if json.Unmarshal(reply, &r) == nil {
				if r.Accepted != nil {
					d.accepted.Add(*r.Accepted)
				}
				if r.Duplicates != nil {
					d.dups.Add(*r.Duplicates)
				} else if r.Duplicate != nil {
					d.dups.Add(*r.Duplicate)
				}
			}
		default: // 4xx: refused
			attempt = 0
			if len(batch) > 1 {
				single = true // find the refused one
				continue
			}
			d.refused.Add(1)
			d.cfg.Logf("device: center refused event %s: HTTP %d: %s", batch[0].ID, status, strings.TrimSpace(string(reply)))
			if err := d.q.Ack(1); err != nil {
				d.cfg.Logf("device: edge queue: %v", err)
			}
		}
	}
}

func (d *Device) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if d.cfg.Events.Token != "" {
		req.Header.Set("Authorization", "Bearer "+d.cfg.Events.Token)
	}
	resp, err := d.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, reply, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
