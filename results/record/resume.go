package record

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/wire"
)

// Resume opens the run folder of a center that stopped (or was killed) for appending again.
// The returned Writer knows every item the folder holds and skips them when they are handed
// to it again: a restarted center hands on everything its log and streams replay (it cannot
// tell what reached the record before the crash), so each acknowledged item ends up in the
// record exactly once. A last line cut short by the crash is removed first.
func Resume(dir string) (*Writer, error) {
	rec, err := Open(dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{Dir: dir, run: rec.Run, held: map[string]struct{}{}}
	for i := range rec.Events {
		w.held[eventKey(&rec.Events[i].Event)] = struct{}{}
	}
	for i := range rec.Truth {
		w.held[truthKey(&rec.Truth[i])] = struct{}{}
	}
	for i := range rec.Faults {
		w.held[faultKey(&rec.Faults[i])] = struct{}{}
	}
	for i := range rec.Delivery {
		w.held[deliveryKey(&rec.Delivery[i])] = struct{}{}
	}
	var ferr error
	open := func(name string) *os.File {
		if ferr != nil {
			return nil
		}
		path := filepath.Join(dir, name)
		if ferr = cutTornLine(path); ferr != nil {
			return nil
		}
		var f *os.File
		f, ferr = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		return f
	}
	w.TruthLog = &Log[wire.Violation]{f: open(TruthFile), n: int64(len(rec.Truth))}
	w.EventLog = &Log[results.Received]{f: open(EventsFile), n: int64(len(rec.Events))}
	w.FaultLog = &Log[wire.Fault]{f: open(FaultsFile), n: int64(len(rec.Faults))}
	w.DeliveryLog = &Log[wire.Delivery]{f: open(DeliveryFile), n: int64(len(rec.Delivery))}
	w.MatchLog = &Log[results.Match]{f: open(MatchesFile), n: int64(len(rec.Matches))}
	if ferr != nil {
		w.closeFiles()
		return nil, fmt.Errorf("record: %w", ferr)
	}
	return w, nil
}

// cutTornLine removes a last line without its newline (a write cut by a crash).
func cutTornLine(path string) error {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 || b[len(b)-1] == '\n' {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	return os.Truncate(path, int64(bytes.LastIndexByte(b, '\n')+1))
}

// Resumed tells sim/center that this Writer wants the items replayed at a restart (it keeps
// each once).
func (w *Writer) Resumed() bool { return w.held != nil }

// seen reports whether a resumed folder already holds key (and forgets it: the center hands
// each replayed item on once).
func (w *Writer) seen(key string) bool {
	if w.held == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.held[key]; ok {
		delete(w.held, key)
		return true
	}
	return false
}

// The keys are sim/center's de-duplication keys.
func eventKey(e *wire.Event) string { return "e\x00" + e.Source + "\x00" + e.EventID }
func truthKey(v *wire.Violation) string {
	return "v\x00" + v.ID + "\x00" + strconv.Itoa(v.Loop)
}
func faultKey(f *wire.Fault) string {
	return "f\x00" + f.Camera + "\x00" + f.Kind + "\x00" + strconv.FormatInt(f.Time.UnixNano(), 10)
}
func deliveryKey(d *wire.Delivery) string {
	return "d\x00" + d.Camera + "\x00" + strconv.FormatInt(d.From.UnixNano(), 10)
}
