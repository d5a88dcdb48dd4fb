package center

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/trafficsim/trafficsim/wire"
)

// ingestReply is the 202 body of POST /v1/events and the truth endpoints.
type ingestReply struct {
	Accepted  int `json:"accepted"`
	Duplicate int `json:"duplicate"`
}

func (c *Center) startHTTP() error {
	metricsHandler := promhttp.HandlerFor(c.m.reg, promhttp.HandlerOpts{})

	ev := http.NewServeMux()
	ev.HandleFunc("/v1/events", c.handleEvents)
	ev.Handle("/metrics", promhttp.HandlerFor(c.m.devReg, promhttp.HandlerOpts{}))

	tr := http.NewServeMux()
	tr.HandleFunc("/v1/truth", c.truthHandler(recTruth))
	tr.HandleFunc("/v1/faults", c.truthHandler(recFault))
	tr.HandleFunc("/v1/delivery", c.truthHandler(recDelivery))
	tr.HandleFunc("/v1/score", c.handleScore)
	tr.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		// truth counts move with truth: only the holder of the truth token reads them
		if rerr := c.truthAuth(r); rerr != nil {
			c.refuse(w, rerr)
			return
		}
		metricsHandler.ServeHTTP(w, r)
	})

	var err error
	if c.eventsListener, err = net.Listen("tcp", c.cfg.HTTPListen); err != nil {
		return fmt.Errorf("center: events listener: %w", err)
	}
	if c.truthListener, err = net.Listen("tcp", c.cfg.TruthListen); err != nil {
		c.eventsListener.Close()
		return fmt.Errorf("center: truth listener: %w", err)
	}
	c.eventsServer = &http.Server{Handler: ev, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	c.truthServer = &http.Server{Handler: tr, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	for _, p := range []struct {
		s *http.Server
		l net.Listener
	}{{c.eventsServer, c.eventsListener}, {c.truthServer, c.truthListener}} {
		c.wg.Go(func() { p.s.Serve(p.l) })
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// refuse counts and answers a refused request.
func (c *Center) refuse(w http.ResponseWriter, e *wire.RequestError) {
	c.refused.Add(1)
	c.m.refuse(TransportHTTP, e)
	switch e.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="trafficsim"`)
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", http.MethodPost)
	}
	writeJSON(w, e.Status, e.Body())
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, *wire.RequestError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &wire.RequestError{Status: http.StatusUnauthorized, Reason: wire.ReasonUnauthorized, Index: -1, Msg: "missing bearer token (Authorization: Bearer <token>)"}
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", &wire.RequestError{Status: http.StatusUnauthorized, Reason: wire.ReasonUnauthorized, Index: -1, Msg: "Authorization header is not a bearer token"}
	}
	return tok, nil
}

var errUnknownToken = &wire.RequestError{Status: http.StatusUnauthorized, Reason: wire.ReasonUnauthorized, Index: -1, Msg: "unknown token"}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// firstGrow bounds the buffer grown ahead of a body's bytes: a Content-Length is only a claim,
// and 120 connections claiming 16 MB each took the center from 59 MB to 2 GB before a byte came.
const firstGrow = 64 << 10

// readBody reads a body of at most max bytes within timeout; the buffer grows with the bytes
// received, not with the Content-Length claimed.
func readBody(w http.ResponseWriter, r *http.Request, max int64, timeout time.Duration, buf *bytes.Buffer) *wire.RequestError {
	tooLarge := &wire.RequestError{Status: http.StatusRequestEntityTooLarge, Reason: wire.ReasonTooLarge, Index: -1,
		Msg: fmt.Sprintf("body larger than %d bytes", max)}
	if r.ContentLength > max {
		return tooLarge
	}
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, firstGrow)))
	}
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			return tooLarge
		case errors.As(err, &ne) && ne.Timeout():
			return &wire.RequestError{Status: http.StatusRequestTimeout, Reason: wire.ReasonTimeout, Index: -1,
				Msg: fmt.Sprintf("body not received within %v", timeout)}
		}
		return &wire.RequestError{Status: http.StatusBadRequest, Reason: wire.ReasonBadJSON, Index: -1, Msg: "reading body: " + err.Error()}
	}
	return nil
}

func (c *Center) unavailable(w http.ResponseWriter, err error) {
	c.refuse(w, &wire.RequestError{Status: http.StatusServiceUnavailable, Reason: wire.ReasonUnavailable, Index: -1,
		Msg: "cannot store: " + err.Error()})
}

// handleEvents is POST /v1/events: a device posts one event or an array (all or nothing).
func (c *Center) handleEvents(w http.ResponseWriter, r *http.Request) {
	received := c.now()
	if r.Method != http.MethodPost {
		c.refuse(w, &wire.RequestError{Status: http.StatusMethodNotAllowed, Reason: wire.ReasonMethod, Index: -1, Msg: "use POST"})
		return
	}
	tok, rerr := bearer(r)
	if rerr != nil {
		c.refuse(w, rerr)
		return
	}
	device, ok := c.cfg.Tokens[tok]
	if !ok {
		c.refuse(w, errUnknownToken)
		return
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && mt != "multipart/form-data" {
		_, err := wire.ParseEvents(ct, nil)
		c.refuse(w, err.(*wire.RequestError))
		return
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bodyPool.Put(buf)
	if rerr := readBody(w, r, c.cfg.MaxBodyBytes, c.cfg.BodyTimeout, buf); rerr != nil {
		c.refuse(w, rerr)
		return
	}
	evs, single, err := wire.ParseEventBody(ct, buf.Bytes())
	if err != nil {
		c.refuse(w, err.(*wire.RequestError))
		return
	}
	for i := range evs {
		at := i
		if single {
			at = -1
		}
		if evs[i].Source != device {
			c.refuse(w, &wire.RequestError{Status: http.StatusForbidden, Reason: wire.ReasonForbidden, Field: "source", Index: at,
				Msg: fmt.Sprintf("the token belongs to device %q, not %q", device, evs[i].Source)})
			return
		}
		if rerr := c.owns(device, evs[i].CameraID, at); rerr != nil {
			c.refuse(w, rerr)
			return
		}
	}
	var raw []byte
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" {
		raw = buf.Bytes() // the log copies it
	}
	acc, dup, err := c.acceptEvents(evs, raw, received)
	if err != nil {
		c.unavailable(w, err)
		return
	}
	c.m.accepted.WithLabelValues(TransportHTTP).Add(float64(acc))
	c.m.duplicate.WithLabelValues(TransportHTTP).Add(float64(dup))
	c.m.commit.Observe(c.now().Sub(received).Seconds())
	writeJSON(w, http.StatusAccepted, ingestReply{Accepted: acc, Duplicate: dup})
}

// owns refuses an event for a camera its device was not given (when Config.Cameras is set).
func (c *Center) owns(device, camera string, at int) *wire.RequestError {
	if c.cfg.Cameras == nil {
		return nil
	}
	if owner, ok := c.cfg.Cameras[camera]; !ok || owner != device {
		return &wire.RequestError{Status: http.StatusForbidden, Reason: wire.ReasonForbidden, Field: "camera_id", Index: at,
			Msg: fmt.Sprintf("camera %q is not one of device %q's cameras", camera, device)}
	}
	return nil
}

// truthAuth checks the truth token.
func (c *Center) truthAuth(r *http.Request) *wire.RequestError {
	tok, rerr := bearer(r)
	if rerr != nil {
		return rerr
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(c.cfg.TruthToken)) != 1 {
		return errUnknownToken
	}
	return nil
}

// truthHandler is POST /v1/truth, /v1/faults and /v1/delivery: JSON object or array.
func (c *Center) truthHandler(kind byte) http.HandlerFunc {
	name := truthKindName[kind]
	return func(w http.ResponseWriter, r *http.Request) {
		received := c.now()
		if r.Method != http.MethodPost {
			c.refuse(w, &wire.RequestError{Status: http.StatusMethodNotAllowed, Reason: wire.ReasonMethod, Index: -1, Msg: "use POST"})
			return
		}
		if rerr := c.truthAuth(r); rerr != nil {
			c.refuse(w, rerr)
			return
		}
		ct := r.Header.Get("Content-Type")
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			c.refuse(w, &wire.RequestError{Status: http.StatusUnsupportedMediaType, Reason: wire.ReasonMediaType, Index: -1,
				Msg: fmt.Sprintf("content type %q: want application/json", ct)})
			return
		}
		var buf bytes.Buffer
		if rerr := readBody(w, r, c.cfg.MaxBodyBytes, c.cfg.BodyTimeout, &buf); rerr != nil {
			c.refuse(w, rerr)
			return
		}
		items, err := parseTruth(kind, buf.Bytes())
		if err != nil {
			c.refuse(w, err.(*wire.RequestError))
			return
		}
		acc, dup, err := c.acceptTruth(items, received, true, false)
		if err != nil {
			c.unavailable(w, err)
			return
		}
		c.m.truth.WithLabelValues(TransportHTTP, name).Add(float64(acc))
		c.m.truthDup.WithLabelValues(TransportHTTP, name).Add(float64(dup))
		writeJSON(w, http.StatusAccepted, ingestReply{Accepted: acc, Duplicate: dup})
	}
}

// handleScore is GET /v1/score. It is on the truth listener because a score is derived from
// truth: a device that could read it could tune itself against the hidden truth.
func (c *Center) handleScore(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, wire.ErrorBody{Error: "use GET"})
		return
	}
	if rerr := c.truthAuth(r); rerr != nil {
		c.refuse(w, rerr)
		return
	}
	if c.cfg.Score == nil {
		writeJSON(w, http.StatusNotFound, wire.ErrorBody{Error: "this center has no scorer"})
		return
	}
	writeJSON(w, http.StatusOK, c.Score())
}
