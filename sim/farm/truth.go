package farm

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trafficsim/trafficsim/wire"
)

// TruthSink receives the truth timeline of a farm: every violation of every loop of every
// camera, shifted to wall time, and every injected fault. Calls come from one goroutine of the
// farm, ahead of (never after) the frame they describe is sent.
type TruthSink interface {
	Violation(wire.Violation)
	Fault(wire.Fault)
}

// DeliverySink is a TruthSink that also takes what each camera delivered over a span (frames
// and bytes sent, summed over its readers), so scoring can see a camera that delivered nothing.
type DeliverySink interface {
	TruthSink
	Delivery(wire.Delivery)
}

// FuncSink is an in-process TruthSink of function fields; nil fields drop the item.
type FuncSink struct {
	OnViolation func(wire.Violation)
	OnFault     func(wire.Fault)
	OnDelivery  func(wire.Delivery)
}

var _ DeliverySink = FuncSink{}

// Delivery calls OnDelivery.
func (s FuncSink) Delivery(d wire.Delivery) {
	if s.OnDelivery != nil {
		s.OnDelivery(d)
	}
}

// Violation calls OnViolation.
func (s FuncSink) Violation(v wire.Violation) {
	if s.OnViolation != nil {
		s.OnViolation(v)
	}
}

// Fault calls OnFault.
func (s FuncSink) Fault(f wire.Fault) {
	if s.OnFault != nil {
		s.OnFault(f)
	}
}

// Sinks fans the timeline out to several sinks, in order (e.g. the center's NATS and a fleet
// of smart cameras).
type Sinks []TruthSink

var _ DeliverySink = Sinks(nil)

// Violation passes the item to every sink.
func (ss Sinks) Violation(v wire.Violation) {
	for _, s := range ss {
		s.Violation(v)
	}
}

// Fault passes the record to every sink.
func (ss Sinks) Fault(f wire.Fault) {
	for _, s := range ss {
		s.Fault(f)
	}
}

// Delivery passes the record to every sink that takes deliveries.
func (ss Sinks) Delivery(d wire.Delivery) {
	for _, s := range ss {
		if ds, ok := s.(DeliverySink); ok {
			ds.Delivery(d)
		}
	}
}

// JSONLSink writes the timeline as JSON lines in the layout of a run record (results/record):
// one wire.Violation per line to truth.jsonl, wire.Fault to faults.jsonl, wire.Delivery to
// delivery.jsonl. It is the record of a farm run without a center.
type JSONLSink struct {
	mu                     sync.Mutex
	truth, faults, deliver *json.Encoder
	err                    error
}

var _ DeliverySink = (*JSONLSink)(nil)

// NewJSONLSink writes to three writers; a nil writer drops its kind.
func NewJSONLSink(truth, faults, delivery io.Writer) *JSONLSink {
	enc := func(w io.Writer) *json.Encoder {
		if w == nil {
			return nil
		}
		return json.NewEncoder(w)
	}
	return &JSONLSink{truth: enc(truth), faults: enc(faults), deliver: enc(delivery)}
}

// One Encode is one Write of a whole line, so a killed process never leaves half a line.
func (s *JSONLSink) write(e *json.Encoder, v any) {
	if e == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := e.Encode(v); err != nil && s.err == nil {
		s.err = err
	}
}

// Violation writes a line to truth.jsonl.
func (s *JSONLSink) Violation(v wire.Violation) { s.write(s.truth, v) }

// Fault writes a line to faults.jsonl.
func (s *JSONLSink) Fault(f wire.Fault) { s.write(s.faults, f) }

// Delivery writes a line to delivery.jsonl.
func (s *JSONLSink) Delivery(d wire.Delivery) { s.write(s.deliver, d) }

// Err is the first write error.
func (s *JSONLSink) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// NATSSinkConfig configures a NATSSink.
type NATSSinkConfig struct {
	URL      string        // NATS URL of the center (required)
	User     string        // user of the truth account (devices cannot read truth.>)
	Password string        // its password
	Timeout  time.Duration // per publish acknowledgement [5s]
	// OnError is called with each failed publish (counted in Errors as well) [ignored].
	OnError func(error)
}

// NATSSink publishes the truth timeline with JetStream to wire.TruthSubject.<camera> and
// wire.FaultSubject.<camera>, with Nats-Msg-Id = <camera>/<id> so a redelivery is idempotent.
// A stream covering truth.> must exist (the center creates it).
type NATSSink struct {
	cfg    NATSSinkConfig
	nc     *nats.Conn
	js     nats.JetStreamContext
	errors atomic.Int64
}

var _ DeliverySink = (*NATSSink)(nil)

// DialNATSSink connects to the center's NATS server. Publishes are asynchronous (up to 4,096
// in flight), so a slow acknowledgement never holds the timeline back; failures are counted.
func DialNATSSink(cfg NATSSinkConfig) (*NATSSink, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	nc, err := nats.Connect(cfg.URL, nats.UserInfo(cfg.User, cfg.Password), nats.Name("trafficsim-farm"))
	if err != nil {
		return nil, fmt.Errorf("farm: truth sink: %w", err)
	}
	s := &NATSSink{cfg: cfg, nc: nc}
	js, err := nc.JetStream(nats.MaxWait(cfg.Timeout), nats.PublishAsyncMaxPending(4096),
		nats.PublishAsyncErrHandler(func(_ nats.JetStream, m *nats.Msg, err error) {
			s.fail(fmt.Errorf("farm: truth sink: %s: %w", m.Subject, err))
		}))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("farm: truth sink: %w", err)
	}
	s.js = js
	return s, nil
}

func (s *NATSSink) fail(err error) {
	s.errors.Add(1)
	if s.cfg.OnError != nil {
		s.cfg.OnError(err)
	}
}

// Violation publishes one truth item.
func (s *NATSSink) Violation(v wire.Violation) {
	s.publish(wire.TruthSubject+"."+v.Camera, v.Camera+"/"+v.ID, v)
}

// Fault publishes one fault record; its id is kind@time.
func (s *NATSSink) Fault(f wire.Fault) {
	s.publish(wire.FaultSubject+"."+f.Camera, f.Camera+"/"+f.Kind+"@"+f.Time.UTC().Format(time.RFC3339Nano), f)
}

func (s *NATSSink) publish(subject, id string, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		m := nats.NewMsg(subject)
		m.Data = b
		m.Header.Set(nats.MsgIdHdr, id)
		_, err = s.js.PublishMsgAsync(m)
	}
	if err != nil {
		s.fail(fmt.Errorf("farm: truth sink: %s: %w", subject, err))
	}
}

// Delivery publishes a delivery record to wire.DeliverySubject.<camera>.
func (s *NATSSink) Delivery(d wire.Delivery) {
	s.publish(wire.DeliverySubject+"."+d.Camera, d.Camera+"/delivery@"+d.To.UTC().Format(time.RFC3339Nano), d)
}

// Errors is the number of failed publishes.
func (s *NATSSink) Errors() int64 { return s.errors.Load() }

// Sync waits until every publish so far is acknowledged (or Timeout passes).
func (s *NATSSink) Sync() error {
	select {
	case <-s.js.PublishAsyncComplete():
		return nil
	case <-time.After(s.cfg.Timeout):
		return fmt.Errorf("farm: truth sink: publishes not acknowledged within %v", s.cfg.Timeout)
	}
}

// Close waits for outstanding acknowledgements, then disconnects.
func (s *NATSSink) Close() error {
	err := s.Sync()
	s.nc.Close()
	return err
}

// timelineItem is one violation of a clip at camera frame N in clip loop Loop.
type timelineItem struct {
	N    int64
	Loop int
	V    wire.Violation
}

// violationsIn lists the clip's violations at camera frames [from, to), the clip looping and
// the camera starting offset frames into it. Pure.
func violationsIn(vs []wire.Violation, frames int, offset, from, to int64) []timelineItem {
	if from < 0 {
		from = 0
	}
	if to <= from || len(vs) == 0 {
		return nil
	}
	var out []timelineItem
	firstLoop, _ := clipPos(from, offset, frames)
	lastLoop, _ := clipPos(to-1, offset, frames)
	for l := firstLoop; l <= lastLoop; l++ {
		for _, v := range vs {
			if v.Frame < 0 || v.Frame >= frames {
				continue
			}
			n := int64(l)*int64(frames) + int64(v.Frame) - offset
			if n >= from && n < to {
				out = append(out, timelineItem{N: n, Loop: l, V: v})
			}
		}
	}
	return out
}

// wallViolation is the truth item of a violation played by a camera at wall time wall.
func wallViolation(it timelineItem, camera string, wall time.Time) wire.Violation {
	v := it.V
	v.ID = fmt.Sprintf("%s/L%d", v.ID, it.Loop)
	v.Camera = camera
	v.Wall = wall
	v.Loop = it.Loop
	return v
}
