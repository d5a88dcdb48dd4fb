package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/wire"
)

// errorBody is the JSON of a refusal, the same as the center's.
type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	Index *int   `json:"index,omitempty"`
}

type ingestReply struct {
	Accepted  int `json:"accepted"`
	Duplicate int `json:"duplicate"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (c *Cluster) refuse(w http.ResponseWriter, e *wire.RequestError) {
	c.refused.Add(1)
	switch e.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="trafficsim"`)
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", http.MethodPost)
	}
	b := errorBody{Error: e.Error(), Field: e.Field}
	if e.Index >= 0 {
		i := e.Index
		b.Index = &i
	}
	writeJSON(w, e.Status, b)
}

func refusal(status int, reason, field string, index int, format string, args ...any) *wire.RequestError {
	return &wire.RequestError{Status: status, Reason: reason, Field: field, Index: index, Msg: fmt.Sprintf(format, args...)}
}

// safeCamera: a camera id the cluster can forward is a NATS subject (traffic.events.<camera>)
// and a folder name.
var safeCamera = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// safeFile: an event_id usable as a file name as it is.
var safeFile = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

// EvidenceName is the file name (without .jpg) of an event's evidence: the event_id when it
// is a plain file name, else "sha256-<hex of the event_id>".
func EvidenceName(eventID string) string {
	if safeFile.MatchString(eventID) {
		return eventID
	}
	h := sha256.Sum256([]byte(eventID))
	return "sha256-" + hex.EncodeToString(h[:])
}

// EvidencePath is where the evidence of an event is stored under the data directory, and
// EvidenceRef the reference a forwarded event carries instead of the bytes.
func EvidencePath(dataDir, camera, eventID string) string {
	return filepath.Join(dataDir, "evidence", camera, EvidenceName(eventID)+".jpg")
}

// EvidenceRef is cluster://<cluster>/evidence/<camera>/<name>.jpg.
func EvidenceRef(cluster, camera, eventID string) string {
	return "cluster://" + cluster + "/evidence/" + camera + "/" + EvidenceName(eventID) + ".jpg"
}

// writeEvidence stores a JPEG atomically (temporary file, then rename).
// count is false when the same evidence is written again (a redelivered message).
func (c *Cluster) writeEvidence(camera, eventID string, jpeg []byte, count bool) error {
	path := EvidencePath(c.cfg.DataDir, camera, eventID)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, jpeg, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if count {
		c.evidenceFiles.Add(1)
	}
	return nil
}

// handleEvents is POST /v1/events: the center's contract (same parsing, validation and
// refusals), answered 202 once every event is stored in the local stream.
func (c *Cluster) handleEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		c.refuse(w, refusal(http.StatusMethodNotAllowed, wire.ReasonMethod, "", -1, "use POST"))
		return
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	switch {
	case h == "":
		c.refuse(w, refusal(http.StatusUnauthorized, wire.ReasonUnauthorized, "", -1, "missing bearer token (Authorization: Bearer <token>)"))
		return
	case !ok || !strings.EqualFold(scheme, "Bearer") || tok == "":
		c.refuse(w, refusal(http.StatusUnauthorized, wire.ReasonUnauthorized, "", -1, "Authorization header is not a bearer token"))
		return
	}
	device, ok := c.tokens[tok]
	if !ok {
		c.refuse(w, refusal(http.StatusUnauthorized, wire.ReasonUnauthorized, "", -1, "unknown token"))
		return
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "application/json" && mt != "multipart/form-data" {
		_, err := wire.ParseEvents(ct, nil)
		c.refuse(w, err.(*wire.RequestError))
		return
	}
	tooLarge := refusal(http.StatusRequestEntityTooLarge, wire.ReasonTooLarge, "", -1, "body larger than %d bytes", c.cfg.MaxBodyBytes)
	if r.ContentLength > c.cfg.MaxBodyBytes {
		c.refuse(w, tooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.refuse(w, tooLarge)
		} else {
			c.refuse(w, refusal(http.StatusBadRequest, wire.ReasonBadJSON, "", -1, "reading body: %v", err))
		}
		return
	}
	evs, err := wire.ParseEvents(ct, body)
	if err != nil {
		c.refuse(w, err.(*wire.RequestError))
		return
	}
	// An index is reported for arrays only, as the center does.
	single := len(evs) == 1 && (mt != "application/json" || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")))
	for i := range evs {
		at := i
		if single {
			at = -1
		}
		if evs[i].Source != device {
			c.refuse(w, refusal(http.StatusForbidden, wire.ReasonForbidden, "source", at, "the token belongs to device %q, not %q", device, evs[i].Source))
			return
		}
		if !safeCamera.MatchString(evs[i].CameraID) {
			c.refuse(w, refusal(http.StatusBadRequest, wire.ReasonInvalid, "camera_id", at,
				"%q: the cluster forwards only camera ids of letters, digits, _ and - (dot-separated)", evs[i].CameraID))
			return
		}
	}
	acc, dup, err := c.store(r.Context(), evs)
	if err != nil {
		c.refuse(w, refusal(http.StatusServiceUnavailable, wire.ReasonUnavailable, "", -1, "cannot store: %v", err))
		return
	}
	writeJSON(w, http.StatusAccepted, ingestReply{Accepted: acc, Duplicate: dup})
}

// store writes the evidence of evs to disk and the events (with references) to the local
// stream, returning once JetStream has stored every one.
func (c *Cluster) store(ctx context.Context, evs []wire.Event) (acc, dup int, err error) {
	futures := make([]jetstream.PubAckFuture, 0, len(evs))
	for i := range evs {
		e := evs[i]
		if e.Evidence != nil && len(e.Evidence.JPEG) > 0 {
			if err := c.writeEvidence(e.CameraID, e.EventID, e.Evidence.JPEG, true); err != nil {
				return 0, 0, fmt.Errorf("evidence: %w", err)
			}
			e.Evidence = &wire.Evidence{Ref: EvidenceRef(c.cfg.ID, e.CameraID, e.EventID)}
		}
		data, err := json.Marshal(&e)
		if err != nil {
			return 0, 0, err
		}
		m := &nats.Msg{Subject: localSubject + "." + e.CameraID, Data: data, Header: nats.Header{}}
		m.Header.Set(jetstream.MsgIDHeader, e.EventID)
		f, err := c.localJS.PublishMsgAsync(m)
		if err != nil {
			return 0, 0, err
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for _, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				dup++
			} else {
				acc++
			}
		case err := <-f.Err():
			return 0, 0, err
		case <-timeout.C:
			return 0, 0, errors.New("no store acknowledgement within 10s")
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}
	c.received.Add(int64(acc))
	c.duplicate.Add(int64(dup))
	return acc, dup, nil
}
