package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/wire"
)

// File names inside a run folder.
const (
	RunFile      = "run.json"
	TruthFile    = "truth.jsonl"
	EventsFile   = "events.jsonl"
	FaultsFile   = "faults.jsonl"
	DeliveryFile = "delivery.jsonl"
	MatchesFile  = "matches.jsonl"
	SummaryFile  = "summary.json"
	ReportFile   = "report.html"
	JUnitFile    = "junit.xml"
)

// Run is run.json.
type Run struct {
	ID       string            `json:"id"`
	Scenario string            `json:"scenario"`
	Seeds    map[string]uint64 `json:"seeds"`    // e.g. "scenario": 42, "faults": 7
	Versions map[string]string `json:"versions"` // e.g. "trafficsim", "go", "device"
	Device   Device            `json:"device"`
	Machine  Machine           `json:"machine"`
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end,omitzero"`
	WindowMs float64           `json:"window_ms,omitempty"` // matching window used; 0 = default
	GraceMs  float64           `json:"grace_ms,omitempty"`
	Cameras  int               `json:"cameras,omitempty"`
	Notes    string            `json:"notes,omitempty"`
}

// Device is the device under test.
type Device struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"` // intermediate-device, regional-cluster, vendor
	Vendor   string `json:"vendor,omitempty"`
	Version  string `json:"version,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
}

// Machine is where the run happened.
type Machine struct {
	Host string `json:"host"`
	OS   string `json:"os"`
	Arch string `json:"arch"`
	CPUs int    `json:"cpus"`
	Go   string `json:"go"`
}

// ThisMachine describes the machine the program runs on.
func ThisMachine() Machine {
	h, _ := os.Hostname()
	return Machine{Host: h, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Go: runtime.Version()}
}

// Config returns the scoring configuration the run used.
func (r Run) Config() results.Config {
	return results.Config{Window: time.Duration(r.WindowMs * 1e6), Grace: time.Duration(r.GraceMs * 1e6)}
}

// Log appends values of one type to a JSONL file. Safe for concurrent use.
type Log[T any] struct {
	mu  sync.Mutex
	f   *os.File
	buf bytes.Buffer
	n   int64
}

// Append writes v as one line (one write(2) call).
func (l *Log[T]) Append(v T) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
	enc := json.NewEncoder(&l.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode ends the line with '\n'
		return fmt.Errorf("record: %s: %w", filepath.Base(l.f.Name()), err)
	}
	if _, err := l.f.Write(l.buf.Bytes()); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	l.n++
	return nil
}

// Count is the number of lines appended.
func (l *Log[T]) Count() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *Log[T]) file() *os.File { return l.f }

func (l *Log[T]) sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Sync()
}

// Writer writes a run folder. Safe for concurrent use.
//
// The logs can be appended to directly (errors returned), or through the methods Truth,
// Event, Fault, Delivery and Match, which fit sim/center's Recorder: they return nothing, so
// a failed write is counted and its first error kept (WriteErrors, Err), never dropped
// silently.
type Writer struct {
	Dir         string
	TruthLog    *Log[wire.Violation]
	EventLog    *Log[results.Received]
	FaultLog    *Log[wire.Fault]
	DeliveryLog *Log[wire.Delivery]
	MatchLog    *Log[results.Match]

	mu      sync.Mutex
	run     Run
	closed  bool
	errs    int64
	lastErr error
	held    map[string]struct{} // Resume: the keys of the items the folder held
}

func (w *Writer) note(err error) {
	if err == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs++
	if w.lastErr == nil {
		w.lastErr = err
	}
}

// Truth appends a truth violation to truth.jsonl.
func (w *Writer) Truth(v wire.Violation) {
	if !w.seen(truthKey(&v)) {
		w.note(w.TruthLog.Append(v))
	}
}

// Event appends a device event and its receive time to events.jsonl.
func (w *Writer) Event(e wire.Event, received time.Time) {
	if !w.seen(eventKey(&e)) {
		w.note(w.EventLog.Append(results.Received{Event: e, At: received}))
	}
}

// Fault appends an injected fault to faults.jsonl.
func (w *Writer) Fault(f wire.Fault) {
	if !w.seen(faultKey(&f)) {
		w.note(w.FaultLog.Append(f))
	}
}

// Delivery appends a frame-delivery count to delivery.jsonl.
func (w *Writer) Delivery(d wire.Delivery) {
	if !w.seen(deliveryKey(&d)) {
		w.note(w.DeliveryLog.Append(d))
	}
}

// Match appends a scored match to matches.jsonl (a Live's OnMatch can call it).
func (w *Writer) Match(m results.Match) { w.note(w.MatchLog.Append(m)) }

// WriteErrors is the number of appends through the methods above that failed; Err the first
// of their errors.
func (w *Writer) WriteErrors() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.errs
}

// Err returns the first error of an append through the methods above.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}

// Create makes the run folder dir (it must not exist, or be empty), writes run.json and
// opens the JSONL files for appending.
func Create(dir string, run Run) (*Writer, error) {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("record: %s is not empty", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	w := &Writer{Dir: dir, run: run}
	if err := writeJSON(filepath.Join(dir, RunFile), run); err != nil {
		return nil, err
	}
	var err error
	open := func(name string) *os.File {
		if err != nil {
			return nil
		}
		var f *os.File
		f, err = os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_EXCL, 0o644)
		return f
	}
	w.TruthLog = &Log[wire.Violation]{f: open(TruthFile)}
	w.EventLog = &Log[results.Received]{f: open(EventsFile)}
	w.FaultLog = &Log[wire.Fault]{f: open(FaultsFile)}
	w.DeliveryLog = &Log[wire.Delivery]{f: open(DeliveryFile)}
	w.MatchLog = &Log[results.Match]{f: open(MatchesFile)}
	if err != nil {
		w.closeFiles()
		return nil, fmt.Errorf("record: %w", err)
	}
	return w, nil
}

func (w *Writer) files() []*os.File {
	var fs []*os.File
	for _, l := range []interface{ file() *os.File }{w.TruthLog, w.EventLog, w.FaultLog, w.DeliveryLog, w.MatchLog} {
		if f := l.file(); f != nil {
			fs = append(fs, f)
		}
	}
	return fs
}

func (w *Writer) closeFiles() error {
	var errs []error
	for _, f := range w.files() {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Sync fsyncs the JSONL files.
func (w *Writer) Sync() error {
	return errors.Join(w.TruthLog.sync(), w.EventLog.sync(), w.FaultLog.sync(), w.DeliveryLog.sync(), w.MatchLog.sync())
}

// Finish records the end time in run.json and writes summary.json.
func (w *Writer) Finish(end time.Time, score results.Score) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.run.End = end
	return errors.Join(writeJSON(filepath.Join(w.Dir, RunFile), w.run), WriteSummary(w.Dir, score))
}

// Close fsyncs and closes the files. Calling it again does nothing.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return errors.Join(w.Sync(), w.closeFiles())
}

// WriteSummary writes summary.json into a run folder.
func WriteSummary(dir string, s results.Score) error {
	return writeJSON(filepath.Join(dir, SummaryFile), s)
}

// WriteMatches replaces matches.jsonl (used when a run is scored again offline).
func WriteMatches(dir string, ms []results.Match) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := range ms {
		if err := enc.Encode(&ms[i]); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(dir, MatchesFile), b.Bytes())
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("record: %s: %w", filepath.Base(path), err)
	}
	return writeFile(path, append(b, '\n'))
}

// writeFile replaces a file atomically (temporary file, fsync, rename).
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// Record is a run folder read back.
type Record struct {
	Dir      string
	Run      Run
	Truth    []wire.Violation
	Events   []results.Received
	Faults   []wire.Fault
	Delivery []wire.Delivery
	Matches  []results.Match
	Summary  *results.Score // nil when summary.json is missing
	// Truncated names the JSONL files whose last line was cut short (and skipped).
	Truncated []string
}

// Open reads a run folder. run.json is required and must be valid (Run.Validate); a
// missing JSONL file or summary.json reads as empty. Every file must be a regular file within
// its size limit (MaxRunBytes, MaxLogBytes): a folder given by a careless operator may hold a
// FIFO or a link to /dev/zero.
func Open(dir string) (*Record, error) {
	r := &Record{Dir: dir}
	b, err := readSmall(filepath.Join(dir, RunFile))
	if err != nil {
		return nil, err
	}
	if err := strictJSON(b, &r.Run); err != nil {
		return nil, fmt.Errorf("record: %s: %w", RunFile, err)
	}
	if err := r.Run.Validate(); err != nil {
		return nil, fmt.Errorf("record: %s: %w", RunFile, err)
	}
	if err := readLog(dir, TruthFile, &r.Truth, &r.Truncated); err != nil {
		return nil, err
	}
	if err := readLog(dir, EventsFile, &r.Events, &r.Truncated); err != nil {
		return nil, err
	}
	if err := readLog(dir, FaultsFile, &r.Faults, &r.Truncated); err != nil {
		return nil, err
	}
	if err := readLog(dir, DeliveryFile, &r.Delivery, &r.Truncated); err != nil {
		return nil, err
	}
	if err := readLog(dir, MatchesFile, &r.Matches, &r.Truncated); err != nil {
		return nil, err
	}
	if b, err := readSmall(filepath.Join(dir, SummaryFile)); err == nil {
		var s results.Score
		if err := strictJSON(b, &s); err != nil {
			return nil, fmt.Errorf("record: %s: %w", SummaryFile, err)
		}
		r.Summary = &s
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("record: %w", err)
	}
	return r, nil
}

// Score scores the record again (truth, events, faults, deliveries) with the run's config.
func (r *Record) Score() (results.Score, []results.Match) {
	s, ms := results.ScoreRun(r.Truth, r.Events, r.Faults, r.Run.Config())
	s.AddDeliveries(r.Delivery)
	return s, ms
}

// Size limits of the files of a run folder.
const (
	MaxRunBytes = 1 << 20 // run.json, summary.json
	MaxLogBytes = 8 << 30 // one JSONL file
)

// checkFile refuses what is not a regular file (checked before opening: opening a FIFO
// blocks) or is larger than limit.
func checkFile(path string, limit int64) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("record: %s is not a regular file (%s)", path, FileKind(st.Mode()))
	}
	if st.Size() > limit {
		return fmt.Errorf("record: %s is larger than %d bytes", path, limit)
	}
	return nil
}

// FileKind names what a file that is not a regular one is, for error messages.
func FileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.Type().String()
}

// readSmall reads a JSON file of a run folder after checkFile.
func readSmall(path string) ([]byte, error) {
	if err := checkFile(path, MaxRunBytes); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("record: %w", err)
		}
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxRunBytes+1))
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return b, nil
}

// MaxRunSpan bounds a run's length in run.json (end - start).
const MaxRunSpan = 366 * 24 * time.Hour

// Validate checks run.json: an end not before the start and at most MaxRunSpan after it, and
// scoring settings within range.
func (r Run) Validate() error {
	switch {
	case !r.End.IsZero() && r.End.Before(r.Start):
		return fmt.Errorf("end: %s is before start %s", r.End.Format(time.RFC3339), r.Start.Format(time.RFC3339))
	case !r.End.IsZero() && !r.Start.IsZero() && r.End.Sub(r.Start) > MaxRunSpan:
		return fmt.Errorf("end: %s is more than %v after start %s", r.End.Format(time.RFC3339), MaxRunSpan, r.Start.Format(time.RFC3339))
	case !(r.WindowMs >= 0 && r.WindowMs <= 3.6e6):
		return fmt.Errorf("window_ms: %v must be within 0..3600000", r.WindowMs)
	case !(r.GraceMs >= 0 && r.GraceMs <= 3.6e6):
		return fmt.Errorf("grace_ms: %v must be within 0..3600000", r.GraceMs)
	case r.Cameras < 0:
		return fmt.Errorf("cameras: %d must not be negative", r.Cameras)
	}
	return nil
}

func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

func readLog[T any](dir, name string, out *[]T, truncated *[]string) error {
	path := filepath.Join(dir, name)
	if err := checkFile(path, MaxLogBytes); errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	vs, cut, err := ReadJSONL[T](f, name)
	if err != nil {
		return err
	}
	if cut {
		*truncated = append(*truncated, name)
	}
	*out = vs
	return nil
}

// ReadJSONL reads one JSON value of type T per line; unknown fields and malformed lines are
// errors naming name:line. A last line without its newline is skipped and reported as cut
// (a writer killed mid-write by something other than this package). Blank lines are errors.
func ReadJSONL[T any](r io.Reader, name string) (vs []T, cut bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err == io.EOF {
			if len(b) > 0 {
				var v T
				if strictJSON(b, &v) != nil {
					return vs, true, nil
				}
				vs = append(vs, v) // complete JSON, only the newline is missing
			}
			return vs, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("record: %s:%d: %w", name, line, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, false, fmt.Errorf("record: %s:%d: blank line", name, line)
		}
		var v T
		if err := strictJSON(b, &v); err != nil {
			return nil, false, fmt.Errorf("record: %s:%d: %w", name, line, err)
		}
		vs = append(vs, v)
	}
}
