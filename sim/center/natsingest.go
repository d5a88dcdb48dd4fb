package center

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/sim/center/natsbox"
	"github.com/trafficsim/trafficsim/sim/center/wal"
	"github.com/trafficsim/trafficsim/wire"
)

// JetStream stream names: EVENTS (DEVICES account, traffic.events.>) and TRUTH (TRUTH
// account, truth.>). Both keep every message (limits retention, file storage) and drop a
// republished Nats-Msg-Id within their window. The center's own de-duplication, by (source,
// event_id) and rebuilt from the stream at start, is the one that counts; JetStream's keys on
// the Msg-Id alone, across devices, so on EVENTS it is kept at the server's minimum: a device
// that publishes another's predictable id first suppresses the real event only if it comes
// within 100 ms.
const (
	EventsStream          = "EVENTS"
	TruthStream           = "TRUTH"
	DuplicateWindow       = 2 * time.Minute
	EventsDuplicateWindow = 100 * time.Millisecond
)

// startNATS runs or joins NATS, makes sure both streams exist, and consumes them from the
// first message: the streams are the durable store of what arrives over NATS, so a restarted
// center rebuilds its state by reading them again. Start returns once both consumers have
// caught up with what the streams held at start.
func (c *Center) startNATS(ctx context.Context) error {
	cfg := c.cfg.NATS
	var evOpts, trOpts []nats.Option
	url := cfg.URL
	if url == "" {
		ce := natsbox.User{Name: "center-events", Pass: randomPass()}
		ct := natsbox.User{Name: "center-truth", Pass: randomPass()}
		var devs []natsbox.User
		for tok, dev := range c.cfg.Tokens {
			u := natsbox.User{Name: dev, Pass: tok}
			if c.cfg.Cameras != nil {
				// the server lets a device publish on its own cameras' subjects only: the
				// subject then names the sender (checked against source in onEventMsg)
				u.Subjects = []string{}
				for cam, owner := range c.cfg.Cameras {
					if owner == dev {
						u.Subjects = append(u.Subjects, wire.EventSubject+"."+cam)
					}
				}
				slices.Sort(u.Subjects)
			}
			devs = append(devs, u)
		}
		var leafs []natsbox.User
		for pass, id := range c.cfg.NATS.Leafs {
			leafs = append(leafs, natsbox.User{Name: id, Pass: pass})
		}
		box, err := natsbox.Start(natsbox.Config{
			LeafListen: cfg.LeafListen, Leafs: leafs,
			StoreDir: filepath.Join(c.cfg.DataDir, "jetstream"), Listen: cfg.Listen,
			Devices: devs, Truth: []natsbox.User{{Name: "truth", Pass: c.cfg.TruthToken}},
			CenterEvents: ce, CenterTruth: ct, SyncAlways: cfg.SyncAlways,
		})
		if err != nil {
			return fmt.Errorf("center: %w", err)
		}
		c.box = box
		evOpts = []nats.Option{nats.InProcessServer(box.Server()), nats.UserInfo(ce.Name, ce.Pass)}
		trOpts = []nats.Option{nats.InProcessServer(box.Server()), nats.UserInfo(ct.Name, ct.Pass)}
	} else {
		evOpts = []nats.Option{nats.UserInfo(cfg.EventsUser, cfg.EventsPass)}
		trOpts = []nats.Option{nats.UserInfo(cfg.TruthUser, cfg.TruthPass)}
	}
	// Asynchronous client errors (a slow consumer: the ordered consumer then resets itself and
	// loses nothing) are counted, not printed.
	onErr := nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) { c.m.natsErrors.Inc() })
	evOpts = append(evOpts, onErr)
	trOpts = append(trOpts, onErr)
	var err error
	if c.ncEvents, err = nats.Connect(url, append(evOpts, nats.Name("center-events"), nats.MaxReconnects(-1))...); err != nil {
		return fmt.Errorf("center: NATS events connection: %w", err)
	}
	if c.ncTruth, err = nats.Connect(url, append(trOpts, nats.Name("center-truth"), nats.MaxReconnects(-1))...); err != nil {
		return fmt.Errorf("center: NATS truth connection: %w", err)
	}
	evCaught, err := c.consume(ctx, c.ncEvents, EventsStream, wire.EventSubject+".>", c.onEventMsg)
	if err != nil {
		return err
	}
	trCaught, err := c.consume(ctx, c.ncTruth, TruthStream, "truth.>", c.onTruthMsg)
	if err != nil {
		return err
	}
	for _, ch := range []chan struct{}{evCaught, trCaught} {
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("center: replaying the NATS streams: %w", ctx.Err())
		}
	}
	return nil
}

// msgHandler handles one stream message: stored is JetStream's store time, seq its stream
// sequence; replaying is true for messages stored before Start.
type msgHandler func(m jetstream.Msg, stored time.Time, seq uint64, replaying bool)

// consume creates the stream if needed and consumes it from the start with an ordered
// consumer; the returned channel closes once the consumer reaches the stream's last message
// at start.
func (c *Center) consume(ctx context.Context, nc *nats.Conn, name, subjects string, h msgHandler) (chan struct{}, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("center: %w", err)
	}
	window := DuplicateWindow
	if name == EventsStream {
		window = EventsDuplicateWindow
	}
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subjects},
		Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy, Duplicates: window})
	if err != nil {
		return nil, fmt.Errorf("center: stream %s: %w", name, err)
	}
	last := st.CachedInfo().State.LastSeq
	caught := make(chan struct{})
	var once sync.Once
	if last == 0 {
		close(caught)
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return nil, fmt.Errorf("center: consumer of %s: %w", name, err)
	}
	var handled atomic.Uint64 // stream sequence of the last message handed on
	cc, err := cons.Consume(func(m jetstream.Msg) {
		// handlerMu keeps Close from returning while a message is being handed on.
		c.handlerMu.RLock()
		defer c.handlerMu.RUnlock()
		if c.handlersOff {
			return
		}
		md, err := m.Metadata()
		if err != nil {
			return // not a stream message
		}
		seq := md.Sequence.Stream
		h(m, md.Timestamp, seq, seq <= last)
		handled.Store(seq)
		if seq >= last && last > 0 {
			once.Do(func() { close(caught) })
		}
	}, jetstream.PullMaxMessagesWithBytesLimit(4096, 8<<20)) // bytes bound: array messages are large
	if err != nil {
		return nil, fmt.Errorf("center: consume %s: %w", name, err)
	}
	c.consumers = append(c.consumers, cc)
	c.drains = append(c.drains, func(ctx context.Context) error {
		for {
			info, err := st.Info(ctx)
			if err != nil {
				return fmt.Errorf("center: draining %s: %w", name, err)
			}
			left := int64(info.State.LastSeq) - int64(handled.Load())
			if left <= 0 {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("center: closing with %d stored messages of %s not handed on (they are handled at the next start): %w", left, name, ctx.Err())
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return caught, nil
}

// refuseNATS counts a refused message (not while replaying: it was counted before).
func (c *Center) refuseNATS(e *wire.RequestError, replaying bool) {
	if replaying {
		return
	}
	c.refused.Add(1)
	c.m.refuse(TransportNATS, e)
}

// receivedAt is the received time of EVENTS message seq: the center's clock for a new message
// (logged, not waited for: JetStream already holds the message), the logged time for one
// read again at Start, JetStream's store time when none was logged.
func (c *Center) receivedAt(seq uint64, stored time.Time, replaying bool) time.Time {
	if !replaying {
		now := c.now()
		c.log.Append(wal.Record{Kind: recNATSRecv, Time: now, Data: strconv.AppendUint(nil, seq, 10)})
		return now
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.natsRecv[seq]; ok {
		delete(c.natsRecv, seq)
		return t
	}
	return stored
}

// onEventMsg ingests traffic.events.<camera>: one event or an array, JSON.
func (c *Center) onEventMsg(m jetstream.Msg, stored time.Time, seq uint64, replaying bool) {
	evs, err := wire.ParseEventsJSON(m.Data())
	if err != nil {
		c.refuseNATS(err.(*wire.RequestError), replaying)
		return
	}
	camera := strings.TrimPrefix(m.Subject(), wire.EventSubject+".")
	for i := range evs {
		at := i
		if len(evs) == 1 {
			at = -1
		}
		if evs[i].CameraID != camera {
			c.refuseNATS(wire.BadRequest(wire.ReasonInvalid, "camera_id", at, "%q does not match the subject's camera %q", evs[i].CameraID, camera), replaying)
			return
		}
		if !c.devices[evs[i].Source] {
			c.refuseNATS(&wire.RequestError{Status: http.StatusForbidden, Reason: wire.ReasonForbidden, Field: "source", Index: at,
				Msg: fmt.Sprintf("unknown device %q", evs[i].Source)}, replaying)
			return
		}
		if owner, ok := c.cfg.Cameras[camera]; c.cfg.Cameras != nil && (!ok || owner != evs[i].Source) {
			// only the owner may publish on a camera's subject (natsbox permissions)
			c.refuseNATS(&wire.RequestError{Status: http.StatusForbidden, Reason: wire.ReasonForbidden, Field: "source", Index: at,
				Msg: fmt.Sprintf("%q is not the owner of camera %q (%q)", evs[i].Source, camera, owner)}, replaying)
			return
		}
	}
	acc, dup := c.acceptStreamed(evs, c.receivedAt(seq, stored, replaying), replaying)
	if !replaying {
		c.accepted.Add(int64(acc))
		c.duplicate.Add(int64(dup))
		c.m.accepted.WithLabelValues(TransportNATS).Add(float64(acc))
		c.m.duplicate.WithLabelValues(TransportNATS).Add(float64(dup))
	}
}

// truthSubjects maps a subject prefix to the truth kind it carries.
var truthSubjects = []struct {
	prefix string
	kind   byte
}{{wire.TruthSubject + ".", recTruth}, {wire.FaultSubject + ".", recFault}, {wire.DeliverySubject + ".", recDelivery}}

// onTruthMsg ingests truth.violations.<camera>, truth.faults.<camera>, truth.delivery.<camera>.
func (c *Center) onTruthMsg(m jetstream.Msg, received time.Time, _ uint64, replaying bool) {
	var kind byte
	var camera string
	for _, s := range truthSubjects {
		if rest, ok := strings.CutPrefix(m.Subject(), s.prefix); ok {
			kind, camera = s.kind, rest
		}
	}
	if kind == 0 {
		c.refuseNATS(wire.BadRequest(wire.ReasonInvalid, "", -1, "unknown truth subject %q", m.Subject()), replaying)
		return
	}
	items, err := parseTruth(kind, m.Data())
	if err != nil {
		c.refuseNATS(err.(*wire.RequestError), replaying)
		return
	}
	for i := range items {
		var got string
		field := "camera"
		switch kind {
		case recTruth:
			got = items[i].violation.Camera
		case recFault:
			got = items[i].fault.Camera
		default:
			got = items[i].delivery.Camera
		}
		if got != camera {
			at := i
			if len(items) == 1 {
				at = -1
			}
			c.refuseNATS(wire.BadRequest(wire.ReasonInvalid, field, at, "%q does not match the subject's camera %q", got, camera), replaying)
			return
		}
	}
	acc, dup, err := c.acceptTruth(items, received, false, replaying)
	if err != nil || replaying {
		return
	}
	name := truthKindName[kind]
	c.m.truth.WithLabelValues(TransportNATS, name).Add(float64(acc))
	c.m.truthDup.WithLabelValues(TransportNATS, name).Add(float64(dup))
}
