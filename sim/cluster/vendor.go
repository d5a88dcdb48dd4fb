package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
	"github.com/trafficsim/trafficsim/wire"
)

// VendorCount counts what one vendor's box posted in its own format since Start.
type VendorCount struct {
	Events  int64  // events mapped and stored (duplicates included)
	Refused int64  // payloads refused (unmappable, bad credentials, bad camera id)
	LastErr string // the latest refusal, "" if none
}

// vendorIngest is the state of the vendor adapters (Config.Vendors).
type vendorIngest struct {
	byName map[string]*vendorState
	subs   []*nats.Subscription
	addr   string // of the MQTT listener
}

type vendorState struct {
	v               *adapt.Vendor
	events, refused atomic.Int64
	mu              sync.Mutex
	lastErr         string
}

func (s *vendorState) refuse(err error) {
	s.refused.Add(1)
	s.mu.Lock()
	s.lastErr = err.Error()
	s.mu.Unlock()
}

// checkVendors is New's part for Config.Vendors: names unique, each device with a token.
func (c *Cluster) checkVendors() error {
	c.vend = &vendorIngest{byName: map[string]*vendorState{}}
	for _, v := range c.cfg.Vendors {
		if err := v.Check(); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		if c.vend.byName[v.Name] != nil {
			return fmt.Errorf("cluster: vendor %q twice", v.Name)
		}
		if !c.devices[v.Device] {
			return fmt.Errorf("cluster: vendor %q: device %q has no token (Tokens)", v.Name, v.Device)
		}
		if v.MQTTTopic != "" && c.cfg.MQTTListen == "" {
			return fmt.Errorf("cluster: vendor %q has an mqtt_topic but MQTTListen is not set", v.Name)
		}
		c.vend.byName[v.Name] = &vendorState{v: v}
	}
	return nil
}

// mqttSubject is the NATS subject nats-server gives an MQTT topic filter (a/+/b -> a.*.b).
func mqttSubject(topic string) string {
	s := strings.ReplaceAll(topic, "/", ".")
	s = strings.ReplaceAll(s, "+", "*")
	return strings.ReplaceAll(s, "#", ">")
}

// publishAllow is the JSON list of subjects device dev may publish on: the event subjects
// and the MQTT topics of its vendors.
func (c *Cluster) publishAllow(dev string) string {
	allow := []string{`"` + wire.EventSubject + `.>"`}
	for _, v := range c.cfg.Vendors {
		if v.Device == dev && v.MQTTTopic != "" {
			allow = append(allow, fmt.Sprintf("%q", mqttSubject(v.MQTTTopic)))
		}
	}
	return "[" + strings.Join(allow, ", ") + "]"
}

// mqttOptions opens nats-server's MQTT listener (devices log in with their id and token).
func (c *Cluster) mqttOptions(opts *server.Options) error {
	if c.cfg.MQTTListen == "" {
		return nil
	}
	host, port, err := splitHostPort(c.cfg.MQTTListen)
	if err != nil {
		return fmt.Errorf("cluster: MQTTListen %q: want host:port", c.cfg.MQTTListen)
	}
	if port == 0 {
		// nats-server does not tell the port it picked: take a free one (the race with another
		// process taking it first is as small as for any test server).
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return fmt.Errorf("cluster: MQTTListen: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	opts.MQTT.Host, opts.MQTT.Port = host, port
	c.vend.addr = net.JoinHostPort(host, strconv.Itoa(port))
	return nil
}

// MQTTAddr is host:port of the MQTT listener ("" without MQTTListen).
func (c *Cluster) MQTTAddr() string {
	return c.vend.addr
}

// startVendors serves POST /v1/vendor/<name> and subscribes to the vendors' MQTT topics.
func (c *Cluster) startVendors(mux *http.ServeMux) error {
	mux.HandleFunc("/v1/vendor/{name}", c.handleVendor)
	for _, s := range c.vend.byName {
		if s.v.MQTTTopic == "" {
			continue
		}
		st := s
		sub, err := c.localNC.Subscribe(mqttSubject(st.v.MQTTTopic), func(m *nats.Msg) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, _, err := c.storeVendor(ctx, st, "", m.Data, nil); err != nil {
				c.refused.Add(1)
				st.refuse(err)
			}
		})
		if err != nil {
			return fmt.Errorf("cluster: vendor %q: %w", st.v.Name, err)
		}
		sub.SetPendingLimits(-1, -1) // a burst waits in memory rather than being dropped
		c.vend.subs = append(c.vend.subs, sub)
	}
	return c.localNC.Flush()
}

// VendorStats returns the counters of each vendor by name.
func (c *Cluster) VendorStats() map[string]VendorCount {
	out := map[string]VendorCount{}
	if c.vend == nil {
		return out
	}
	for name, s := range c.vend.byName {
		s.mu.Lock()
		out[name] = VendorCount{Events: s.events.Load(), Refused: s.refused.Load(), LastErr: s.lastErr}
		s.mu.Unlock()
	}
	return out
}

// vendorMetrics adds trafficsim_cluster_vendor_{events,refused}_total{vendor}.
func (c *Cluster) vendorMetrics(reg *prometheus.Registry, ns string, labels prometheus.Labels) {
	for name, s := range c.vend.byName {
		l := prometheus.Labels{"vendor": name}
		for k, v := range labels {
			l[k] = v
		}
		st := s
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: ns + "vendor_events_total",
			Help: "Events a vendor's box posted in its own format, mapped and stored.", ConstLabels: l},
			func() float64 { return float64(st.events.Load()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: ns + "vendor_refused_total",
			Help: "Payloads of a vendor's box refused (unmappable, credentials, camera id).", ConstLabels: l},
			func() float64 { return float64(st.refused.Load()) }))
	}
}

// vendorReply is the answer to a vendor's push.
type vendorReply struct {
	Accepted  int      `json:"accepted"`
	Duplicate int      `json:"duplicate"`
	EventIDs  []string `json:"event_ids"`
}

// handleVendor takes a push in the vendor's format: the payload as the body (JSON or XML), or
// multipart/form-data with the payload part and optionally a JPEG part (as Hikvision's ANPR
// pushes carry their pictures). Credentials: bearer token, or Basic with the device id and
// token. 200 once stored; refusals are JSON errors naming the field, and counted.
func (c *Cluster) handleVendor(w http.ResponseWriter, r *http.Request) {
	st := c.vend.byName[r.PathValue("name")]
	fail := func(status int, field string, err error) {
		c.refused.Add(1)
		if st != nil {
			st.refuse(err)
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="trafficsim"`)
		}
		writeJSON(w, status, errorBody{Error: err.Error(), Field: field})
	}
	switch {
	case st == nil:
		fail(http.StatusNotFound, "", fmt.Errorf("no vendor %q at this cluster", r.PathValue("name")))
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		fail(http.StatusMethodNotAllowed, "", errors.New("use POST"))
		return
	}
	tok := ""
	if user, pass, ok := r.BasicAuth(); ok {
		if user == st.v.Device {
			tok = pass
		}
	} else if scheme, t, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		tok = t
	}
	if tok == "" || c.tokens[tok] != st.v.Device {
		fail(http.StatusUnauthorized, "", fmt.Errorf("vendor %s: credentials of device %q required (Bearer token, or Basic %s:<token>)", st.v.Name, st.v.Device, st.v.Device))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes))
	if err != nil {
		fail(http.StatusRequestEntityTooLarge, "", fmt.Errorf("body larger than %d bytes", c.cfg.MaxBodyBytes))
		return
	}
	ct := r.Header.Get("Content-Type")
	payload, jpeg := body, []byte(nil)
	if mt, params, _ := mime.ParseMediaType(ct); mt == "multipart/form-data" {
		if payload, ct, jpeg, err = splitMultipart(body, params["boundary"]); err != nil {
			fail(http.StatusBadRequest, "", fmt.Errorf("vendor %s: %w", st.v.Name, err))
			return
		}
	}
	acc, dup, err := c.storeVendor(r.Context(), st, ct, payload, jpeg)
	if err != nil {
		var ae *adapt.Error
		status, field := http.StatusServiceUnavailable, ""
		if errors.As(err, &ae) {
			status, field = http.StatusBadRequest, ae.Field
		}
		fail(status, field, err)
		return
	}
	writeJSON(w, http.StatusOK, vendorReply{Accepted: len(acc) - dup, Duplicate: dup, EventIDs: acc})
}

// splitMultipart finds the alert part (XML or JSON) and the first JPEG of a multipart push.
func splitMultipart(body []byte, boundary string) (payload []byte, ct string, jpeg []byte, err error) {
	if boundary == "" {
		return nil, "", nil, errors.New("multipart body without boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", nil, fmt.Errorf("multipart: %v", err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, "", nil, fmt.Errorf("multipart: %v", err)
		}
		pct := p.Header.Get("Content-Type")
		mt, _, _ := mime.ParseMediaType(pct)
		switch {
		case mt == "image/jpeg" && jpeg == nil:
			jpeg = b
		case payload == nil && (mt == "application/xml" || mt == "text/xml" || mt == "application/json" || mt == "text/plain" || mt == ""):
			payload, ct = b, pct
		}
	}
	if payload == nil {
		return nil, "", nil, errors.New("multipart body without an XML or JSON part")
	}
	return payload, ct, jpeg, nil
}

// storeVendor maps a payload and stores its events, each with the original payload kept as
// evidence (<data>/evidence/<camera>/<name>.<xml|json>; the event's reference points to it,
// or to the JPEG when the push carried one).
func (c *Cluster) storeVendor(ctx context.Context, st *vendorState, ct string, payload, jpeg []byte) (ids []string, dup int, err error) {
	evs, err := st.v.Map(ct, payload)
	if err != nil {
		return nil, 0, err
	}
	ext := ".json"
	if p := bytes.TrimSpace(payload); len(p) > 0 && p[0] == '<' {
		ext = ".xml"
	}
	for i := range evs {
		e := &evs[i]
		if !safeCamera.MatchString(e.CameraID) {
			return nil, 0, &adapt.Error{Vendor: st.v.Name, Field: "camera_id",
				Msg: fmt.Sprintf("%q: the cluster forwards only camera ids of letters, digits, _ and - (dot-separated; map it with cameras)", e.CameraID)}
		}
		path := filepath.Join(c.cfg.DataDir, "evidence", e.CameraID, EvidenceName(e.EventID)+ext)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, 0, err
		}
		if err := os.WriteFile(path, payload, 0o644); err != nil {
			return nil, 0, err
		}
		if jpeg != nil {
			e.Evidence = &wire.Evidence{JPEG: jpeg}
		} else {
			e.Evidence = &wire.Evidence{Ref: "cluster://" + c.cfg.ID + "/evidence/" + e.CameraID + "/" + EvidenceName(e.EventID) + ext}
		}
		ids = append(ids, e.EventID)
	}
	_, dup, err = c.store(ctx, evs)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot store: %w", err)
	}
	st.events.Add(int64(len(evs)))
	return slices.Clip(ids), dup, nil
}
