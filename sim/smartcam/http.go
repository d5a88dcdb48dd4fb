package smartcam

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// HTTPSender posts batches to an events endpoint (POST <http>/v1/events with the bearer
// token). A 4xx refusal is final and reported by refused (the batch is not retried); a 5xx or
// a network error returns an error, which keeps the batch queued in the Fleet.
func HTTPSender(ep wire.EventsEndpoint, refused func(status int, body string)) func(context.Context, []wire.Event) error {
	client := &http.Client{Timeout: 10 * time.Second}
	url := strings.TrimRight(ep.HTTP, "/") + "/v1/events"
	return func(ctx context.Context, evs []wire.Event) error {
		body, err := json.Marshal(evs)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ep.Token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode < 500:
			if refused != nil {
				refused(resp.StatusCode, string(msg))
			}
			return nil
		default:
			return fmt.Errorf("smartcam: %s: %s", resp.Status, bytes.TrimSpace(msg))
		}
	}
}
