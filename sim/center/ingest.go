package center

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/trafficsim/trafficsim/sim/center/wal"
	"github.com/trafficsim/trafficsim/sim/wire"
)

// inBatch marks an event_id first seen earlier in the same request.
var inBatch = &wal.Commit{}

// acceptEvents stores the new events of one request in the log (raw is their JSON as
// received, or nil to marshal them), waits until they are on disk, then hands them on. A
// duplicate of an event still being written waits for that write too, so a reply never
// claims an event that could be lost.
func (c *Center) acceptEvents(evs []wire.Event, raw []byte, received time.Time) (accepted, duplicate int, err error) {
	if raw == nil {
		if raw, err = json.Marshal(evs); err != nil {
			return 0, 0, err
		}
	}
	key := func(i int) string { return evs[i].EventID }
	c.mu.Lock()
	fresh, waits := claim(c.seenEvents, len(evs), key)
	var cm *wal.Commit
	if len(fresh) > 0 {
		cm = c.log.Append(wal.Record{Kind: recEvents, Time: received, Data: raw})
		for _, i := range fresh {
			c.seenEvents[evs[i].EventID] = cm
		}
	}
	c.mu.Unlock()

	if err := c.settle(cm, waits, c.seenEvents, fresh, key); err != nil {
		return 0, 0, err
	}
	c.handOn(evs, fresh, received, true)
	c.accepted.Add(int64(len(fresh)))
	c.duplicate.Add(int64(len(evs) - len(fresh)))
	return len(fresh), len(evs) - len(fresh), nil
}

// acceptStreamed takes events already stored by JetStream: only de-duplication and hand-on.
// While replaying (catching up with the stream at start) the Recorder is skipped.
func (c *Center) acceptStreamed(evs []wire.Event, received time.Time, replaying bool) (accepted, duplicate int) {
	fresh := make([]int, 0, len(evs))
	c.mu.Lock()
	for i := range evs {
		if _, ok := c.seenEvents[evs[i].EventID]; ok {
			continue
		}
		c.seenEvents[evs[i].EventID] = nil
		fresh = append(fresh, i)
	}
	c.mu.Unlock()
	c.handOn(evs, fresh, received, !replaying)
	return len(fresh), len(evs) - len(fresh)
}

func (c *Center) handOn(evs []wire.Event, fresh []int, received time.Time, record bool) {
	rec := c.cfg.Recorder
	if !record {
		rec = nil
	}
	if len(fresh) == 0 || (c.cfg.Scorer == nil && rec == nil) {
		return
	}
	c.outMu.Lock()
	defer c.outMu.Unlock()
	for _, i := range fresh {
		if c.cfg.Scorer != nil {
			c.cfg.Scorer.AddEvent(evs[i], received)
		}
		if rec != nil {
			rec.Event(evs[i], received)
		}
	}
}

// truthItem is one violation, fault or delivery with its de-duplication key.
type truthItem struct {
	kind      byte
	key       string
	violation wire.Violation
	fault     wire.Fault
	delivery  wire.Delivery
}

// Truth kinds as named in URLs, subjects and metrics.
var truthKindName = map[byte]string{recTruth: "violation", recFault: "fault", recDelivery: "delivery"}

func decodeTruthItem(kind byte, data []byte) (truthItem, error) {
	it := truthItem{kind: kind}
	var err error
	switch kind {
	case recTruth:
		err = json.Unmarshal(data, &it.violation)
	case recFault:
		err = json.Unmarshal(data, &it.fault)
	case recDelivery:
		err = json.Unmarshal(data, &it.delivery)
	}
	if err != nil {
		return it, err
	}
	it.key = it.dedupKey()
	return it, nil
}

func (it *truthItem) dedupKey() string {
	switch it.kind {
	case recTruth:
		// violation ids are a clip's: cameras playing the same clip share them
		return "v\x00" + it.violation.Camera + "\x00" + it.violation.ID + "\x00" + strconv.Itoa(it.violation.Loop)
	case recFault:
		return "f\x00" + it.fault.Camera + "\x00" + it.fault.Kind + "\x00" + strconv.FormatInt(it.fault.Time.UnixNano(), 10)
	default:
		return "d\x00" + it.delivery.Camera + "\x00" + strconv.FormatInt(it.delivery.From.UnixNano(), 10)
	}
}

func (it *truthItem) marshal() []byte {
	var b []byte
	switch it.kind {
	case recTruth:
		b, _ = json.Marshal(it.violation)
	case recFault:
		b, _ = json.Marshal(it.fault)
	default:
		b, _ = json.Marshal(it.delivery)
	}
	return b
}

var faultKinds = map[string]bool{wire.FaultDisconnect: true, wire.FaultFreeze: true, wire.FaultLoss: true,
	wire.FaultJitter: true, wire.FaultBitrate: true, wire.FaultSkew: true, wire.FaultReboot: true}

// validate checks a truth item; the error names the field.
func (it *truthItem) validate() *wire.FieldError {
	bad := func(f, r string) *wire.FieldError { return &wire.FieldError{Field: f, Reason: r} }
	switch it.kind {
	case recTruth:
		v := &it.violation
		switch {
		case v.ID == "":
			return bad("id", "required")
		case !v.Type.Valid():
			if v.Type == "" {
				return bad("type", "required")
			}
			_, err := wire.ParseViolationType(string(v.Type))
			return bad("type", err.Error())
		case v.Camera == "":
			return bad("camera", "required")
		case v.Wall.IsZero():
			return bad("wall", "required (RFC 3339): truth sent to a center is wall-time truth")
		case v.Class != "" && !v.Class.Valid():
			return bad("class", fmt.Sprintf("unknown class %q", v.Class))
		}
	case recFault:
		f := &it.fault
		switch {
		case f.Time.IsZero():
			return bad("time", "required (RFC 3339)")
		case f.Camera == "":
			return bad("camera", "required")
		case !faultKinds[f.Kind]:
			return bad("kind", fmt.Sprintf("unknown fault kind %q", f.Kind))
		case f.Duration < 0:
			return bad("duration_ns", "must not be negative")
		}
	case recDelivery:
		d := &it.delivery
		switch {
		case d.Camera == "":
			return bad("camera", "required")
		case d.From.IsZero():
			return bad("from", "required (RFC 3339)")
		case d.To.Before(d.From):
			return bad("to", "must not be before from")
		case d.Frames < 0:
			return bad("frames", "must not be negative")
		case d.Bytes < 0:
			return bad("bytes", "must not be negative")
		case d.Late < 0:
			return bad("late", "must not be negative")
		}
	}
	return nil
}

// parseTruth decodes a JSON object or array of one truth kind, strictly, and validates it.
func parseTruth(kind byte, body []byte) ([]truthItem, error) {
	b := skipSpace(body)
	if len(b) == 0 {
		return nil, badRequest(ReasonBadJSON, "", -1, "empty body: want a JSON object or array")
	}
	var raws []json.RawMessage
	single := b[0] == '{'
	switch b[0] {
	case '{':
		raws = []json.RawMessage{b}
	case '[':
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, badRequest(ReasonBadJSON, "", -1, "invalid JSON: %s", trimJSON(err))
		}
		if len(raws) == 0 {
			return nil, badRequest(ReasonBadJSON, "", -1, "empty array")
		}
	default:
		return nil, badRequest(ReasonBadJSON, "", -1, "want a JSON object or array")
	}
	items := make([]truthItem, len(raws))
	for i, raw := range raws {
		at := i
		if single {
			at = -1
		}
		it := truthItem{kind: kind}
		var dst any
		switch kind {
		case recTruth:
			dst = &it.violation
		case recFault:
			dst = &it.fault
		default:
			dst = &it.delivery
		}
		if err := decodeStrict(raw, dst); err != nil {
			return nil, badRequest(ReasonBadJSON, "", at, "%s", trimJSON(err))
		}
		if fe := it.validate(); fe != nil {
			return nil, badRequest(ReasonInvalid, fe.Field, at, "%s", fe.Reason)
		}
		it.key = it.dedupKey()
		items[i] = it
	}
	return items, nil
}

func trimJSON(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "json: " {
		return s[6:]
	}
	return s
}

// acceptTruth stores new truth items (in the log when logged is true; JetStream already holds
// them otherwise), then hands them on (not to the Recorder while replaying).
func (c *Center) acceptTruth(items []truthItem, received time.Time, logged, replaying bool) (accepted, duplicate int, err error) {
	key := func(i int) string { return items[i].key }
	var recs []wal.Record
	c.mu.Lock()
	fresh, waits := claim(c.seenTruth, len(items), key)
	if logged {
		for _, i := range fresh {
			recs = append(recs, wal.Record{Kind: items[i].kind, Time: received, Data: items[i].marshal()})
		}
	}
	var cm *wal.Commit
	if len(recs) > 0 {
		cm = c.log.Append(recs...)
	}
	for _, i := range fresh {
		c.seenTruth[items[i].key] = cm
	}
	c.mu.Unlock()
	if err := c.settle(cm, waits, c.seenTruth, fresh, key); err != nil {
		return 0, 0, err
	}
	for _, i := range fresh {
		c.deliverTruth(items[i], !replaying)
	}
	return len(fresh), len(items) - len(fresh), nil
}

// deliverTruth hands one item to the scorer, and to the recorder unless it is a replay.
func (c *Center) deliverTruth(it truthItem, record bool) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	s, r := c.cfg.Scorer, c.cfg.Recorder
	if !record {
		r = nil
	}
	switch it.kind {
	case recTruth:
		if record {
			c.truthN.Add(1)
		}
		if s != nil {
			s.AddTruth(it.violation)
		}
		if r != nil {
			r.Truth(it.violation)
		}
	case recFault:
		if record {
			c.faultN.Add(1)
		}
		if s != nil {
			s.AddFault(it.fault)
		}
		if r != nil {
			r.Fault(it.fault)
		}
	case recDelivery:
		if record {
			c.deliveryN.Add(1)
		}
		if ds, ok := s.(DeliveryScorer); ok {
			ds.AddDelivery(it.delivery)
		}
		if dr, ok := r.(DeliveryRecorder); ok {
			dr.Delivery(it.delivery)
		}
	}
}

// claim marks the keys not seen before as being written (inBatch) and returns their indexes,
// with the in-flight commits of the keys that are duplicates. Call with c.mu held.
func claim(seen map[string]*wal.Commit, n int, key func(int) string) (fresh []int, waits []*wal.Commit) {
	fresh = make([]int, 0, n)
	for i := range n {
		if cm, ok := seen[key(i)]; ok {
			if cm != nil && cm != inBatch {
				waits = append(waits, cm)
			}
			continue
		}
		seen[key(i)] = inBatch
		fresh = append(fresh, i)
	}
	return fresh, waits
}

// settle waits for the commit of the fresh keys and for the in-flight commits they duplicate;
// on failure it forgets the fresh keys, so a retry is not taken for a duplicate.
func (c *Center) settle(cm *wal.Commit, waits []*wal.Commit, seen map[string]*wal.Commit, fresh []int, key func(int) string) error {
	var err error
	if cm != nil {
		err = cm.Wait()
	}
	for _, w := range waits {
		if werr := w.Wait(); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		c.mu.Lock()
		for _, i := range fresh {
			if seen[key(i)] == cm {
				delete(seen, key(i))
			}
		}
		c.mu.Unlock()
	}
	return err
}
