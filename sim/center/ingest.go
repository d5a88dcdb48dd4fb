package center

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/trafficsim/trafficsim/sim/center/wal"
	"github.com/trafficsim/trafficsim/wire"
)

// eventKey is the de-duplication key of an event: its event_id within its source. Ids are
// predictable (<source>/<camera>/<type>/<track>), so keyed by event_id alone a device could
// post another's next id first and have the real event dropped as a duplicate.
func eventKey(e *wire.Event) string { return e.Source + "\x00" + e.EventID }

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
	key := func(i int) string { return eventKey(&evs[i]) }
	c.mu.Lock()
	fresh, waits := claim(c.seenEvents, len(evs), key)
	var cm *wal.Commit
	if len(fresh) > 0 {
		cm = c.log.Append(wal.Record{Kind: recEvents, Time: received, Data: raw})
		for _, i := range fresh {
			c.seenEvents[key(i)] = cm
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
// While replaying (catching up with the stream at start) the Recorder is skipped unless it
// is a ResumedRecorder.
func (c *Center) acceptStreamed(evs []wire.Event, received time.Time, replaying bool) (accepted, duplicate int) {
	fresh := make([]int, 0, len(evs))
	c.mu.Lock()
	for i := range evs {
		k := eventKey(&evs[i])
		if _, ok := c.seenEvents[k]; ok {
			continue
		}
		c.seenEvents[k] = nil
		fresh = append(fresh, i)
	}
	c.mu.Unlock()
	c.handOn(evs, fresh, received, !replaying || c.resumed())
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

// parseTruth decodes and validates a body of one truth kind (wire.ParseTruth) into items.
func parseTruth(kind byte, body []byte) ([]truthItem, error) {
	switch kind {
	case recTruth:
		return truthItems(kind, body, func(it *truthItem, v wire.Violation) { it.violation = v })
	case recFault:
		return truthItems(kind, body, func(it *truthItem, f wire.Fault) { it.fault = f })
	default:
		return truthItems(kind, body, func(it *truthItem, d wire.Delivery) { it.delivery = d })
	}
}

func truthItems[T wire.TruthRecord](kind byte, body []byte, set func(*truthItem, T)) ([]truthItem, error) {
	recs, err := wire.ParseTruth[T](body)
	if err != nil {
		return nil, err
	}
	items := make([]truthItem, len(recs))
	for i, r := range recs {
		items[i].kind = kind
		set(&items[i], r)
		items[i].key = items[i].dedupKey()
	}
	return items, nil
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
		c.deliverTruth(items[i], !replaying, !replaying || c.resumed())
	}
	return len(fresh), len(items) - len(fresh), nil
}

// deliverTruth hands one item to the scorer, and to the recorder when record is true;
// count is false for a replay (counted before the restart).
func (c *Center) deliverTruth(it truthItem, count, record bool) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	s, r := c.cfg.Scorer, c.cfg.Recorder
	if !record {
		r = nil
	}
	switch it.kind {
	case recTruth:
		if count {
			c.truthN.Add(1)
		}
		if s != nil {
			s.AddTruth(it.violation)
		}
		if r != nil {
			r.Truth(it.violation)
		}
	case recFault:
		if count {
			c.faultN.Add(1)
		}
		if s != nil {
			s.AddFault(it.fault)
		}
		if r != nil {
			r.Fault(it.fault)
		}
	case recDelivery:
		if count {
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
