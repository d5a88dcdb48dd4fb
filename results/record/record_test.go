package record_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/record/recordtest"
	"github.com/trafficsim/trafficsim/wire"
)

var update = flag.Bool("update", false, "rewrite results/testdata/run from the generator")

func TestWriteOpenRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run1")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w, err := record.Create(dir, record.Run{ID: "run1", Scenario: "s", Start: start, Machine: record.ThisMachine()})
	if err != nil {
		t.Fatal(err)
	}
	v := wire.Violation{ID: "v1", Type: wire.RedLight, Camera: "c1", Wall: start, Plate: "29A-123.45", PlateReadable: true, Class: wire.Car}
	e := results.Received{Event: wire.Event{EventID: "e1", CameraID: "c1", Type: wire.RedLight, Time: start, Plate: "<29A12345>", Source: "d"}, At: start.Add(time.Second)}
	f := wire.Fault{Time: start, Camera: "c1", Kind: wire.FaultFreeze, Duration: time.Second}
	for _, err := range []error{w.TruthLog.Append(v), w.EventLog.Append(e), w.FaultLog.Append(f), w.Sync()} {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, ms := results.ScoreRun([]wire.Violation{v}, []results.Received{e}, []wire.Fault{f}, results.Config{})
	for _, m := range ms {
		if err := w.MatchLog.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(start.Add(time.Minute), s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	r, err := record.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Run.End.Equal(start.Add(time.Minute)) || len(r.Truth) != 1 || len(r.Events) != 1 || len(r.Faults) != 1 || len(r.Matches) != 1 || r.Summary == nil {
		t.Fatalf("read back %+v", r)
	}
	if r.Events[0].Plate != "<29A12345>" || !r.Events[0].At.Equal(e.At) || r.Matches[0].Outcome != results.TP {
		t.Errorf("event or match changed on the way: %+v %+v", r.Events[0], r.Matches[0])
	}
	raw, _ := os.ReadFile(filepath.Join(dir, record.EventsFile))
	if !bytes.Contains(raw, []byte("<29A12345>")) || bytes.Count(raw, []byte("\n")) != 1 {
		t.Errorf("events.jsonl is not one unescaped line: %q", raw)
	}
	if _, err := record.Create(dir, record.Run{}); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("Create over a run: %v", err)
	}
}

func TestReadJSONLErrors(t *testing.T) {
	cases := []struct {
		name, in string
		n        int
		cut      bool
		err      string
	}{
		{"empty", "", 0, false, ""},
		{"two lines", "{\"camera\":\"a\"}\n{\"camera\":\"b\"}\n", 2, false, ""},
		{"last newline missing, complete", "{\"camera\":\"a\"}\n{\"camera\":\"b\"}", 2, false, ""},
		{"last line cut", "{\"camera\":\"a\"}\n{\"came", 1, true, ""},
		{"unknown field", "{\"camera\":\"a\"}\n{\"kamera\":\"b\"}\n", 0, false, `record: f.jsonl:2: json: unknown field "kamera"`},
		{"bad line", "{\"camera\":\"a\"}\n{\"camera\":\n", 0, false, "record: f.jsonl:2: unexpected EOF"},
		{"two values", "{} {}\n", 0, false, "record: f.jsonl:1: more than one JSON value"},
		{"blank line", "{}\n\n{}\n", 0, false, "record: f.jsonl:2: blank line"},
		{"wrong type", "{\"frames\":\"many\"}\n", 0, false, "record: f.jsonl:1: json: cannot unmarshal string into Go struct field Delivery.frames of type int64"},
	}
	for _, c := range cases {
		vs, cut, err := record.ReadJSONL[wire.Delivery](strings.NewReader(c.in), "f.jsonl")
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.err || (err == nil && (len(vs) != c.n || cut != c.cut)) {
			t.Errorf("%s: %d values, cut %v, error %q; want %d, %v, %q", c.name, len(vs), cut, got, c.n, c.cut, c.err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := record.Open(dir); err == nil || !strings.Contains(err.Error(), "run.json: no such file") {
		t.Errorf("missing run.json: %v", err)
	}
	os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"x","sceanrio":"y"}`), 0o644)
	if _, err := record.Open(dir); err == nil || err.Error() != `record: run.json: json: unknown field "sceanrio"` {
		t.Errorf("typo in run.json: %v", err)
	}
	os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"x"}`), 0o644)
	os.WriteFile(filepath.Join(dir, record.TruthFile), []byte("{\"id\":\"v1\"}\n{\"id\":"), 0o644)
	r, err := record.Open(dir)
	if err != nil || len(r.Truth) != 1 || len(r.Truncated) != 1 || r.Truncated[0] != record.TruthFile {
		t.Errorf("cut truth.jsonl: %v %+v", err, r)
	}
}

// TestTestdataRun regenerates results/testdata/run and compares it with the committed copy
// (-update rewrites it). The report golden test then renders it.
func TestTestdataRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := recordtest.Write(dir, recordtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary
	if s == nil || s.Truths < 200 || s.Overall.FP == 0 || s.Overall.FN == 0 || s.Overall.Duplicates == 0 || len(s.Delivery) != 6 {
		t.Fatalf("generated run lacks variety: %+v", s)
	}
	again, _ := r.Score()
	a, _ := json.Marshal(again)
	b, _ := json.Marshal(*s)
	if !bytes.Equal(a, b) {
		t.Errorf("scoring the record again gives another summary")
	}
	golden := filepath.Join("..", "testdata", "run")
	for _, name := range []string{record.RunFile, record.TruthFile, record.EventsFile, record.FaultsFile, record.DeliveryFile, record.MatchesFile, record.SummaryFile} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if *update {
			os.MkdirAll(golden, 0o755)
			if err := os.WriteFile(filepath.Join(golden, name), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from results/testdata/run (run with -update and review the diff)", name)
		}
	}
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte("{\"event_id\":\"e\",\"camera_id\":\"c\",\"type\":\"red_light\",\"time\":\"2026-01-01T00:00:00Z\",\"received_at\":\"2026-01-01T00:00:01Z\",\"confidence\":1,\"source\":\"d\"}\n"))
	f.Add([]byte("{}\n{\"event_id\":"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		vs, _, err := record.ReadJSONL[results.Received](bytes.NewReader(b), "f")
		if err != nil && vs != nil {
			t.Fatalf("values returned with an error")
		}
		for _, v := range vs { // whatever parsed must score without panicking
			results.ScoreRun(nil, []results.Received{v}, nil, results.Config{})
		}
	})
}

// recorder is the shape of sim/center's Recorder and DeliveryRecorder (results may not
// import sim; the center declares the interface, the Writer must fit it).
type recorder interface {
	Event(e wire.Event, received time.Time)
	Truth(wire.Violation)
	Fault(wire.Fault)
	Delivery(wire.Delivery)
}

var _ recorder = (*record.Writer)(nil)

func TestRecorderMethodsCountErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	w, err := record.Create(dir, record.Run{ID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w.Truth(wire.Violation{ID: "v", Camera: "c", Type: wire.RedLight, Wall: at})
	w.Event(wire.Event{EventID: "e", CameraID: "c", Type: wire.RedLight, Time: at, Source: "d"}, at.Add(time.Second))
	w.Fault(wire.Fault{Camera: "c", Time: at, Kind: wire.FaultLoss})
	w.Delivery(wire.Delivery{Camera: "c", Frames: 25})
	w.Match(results.Match{Outcome: results.TP, Camera: "c"})
	if w.WriteErrors() != 0 || w.Err() != nil {
		t.Fatalf("errors before close: %d %v", w.WriteErrors(), w.Err())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Truth(wire.Violation{ID: "late"})
	if w.WriteErrors() != 1 || w.Err() == nil || !strings.Contains(w.Err().Error(), "file already closed") {
		t.Errorf("a write after Close: %d errors, %v", w.WriteErrors(), w.Err())
	}
	r, err := record.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Truth) != 1 || len(r.Events) != 1 || len(r.Faults) != 1 || len(r.Delivery) != 1 || len(r.Matches) != 1 || !r.Events[0].At.Equal(at.Add(time.Second)) {
		t.Errorf("read back %+v", r)
	}
}

// TestResumeKeepsEachItemOnce: a resumed run folder skips the items it holds when a restarted
// center hands them on again, appends the others, and drops a line cut by the crash.
func TestResumeKeepsEachItemOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w, err := record.Create(dir, record.Run{ID: "run", Start: start})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(src, id string) wire.Event {
		return wire.Event{EventID: id, CameraID: "c1", Type: wire.RedLight, Time: start, Source: src}
	}
	v1 := wire.Violation{ID: "v1", Type: wire.RedLight, Camera: "c1", Wall: start}
	w.Event(ev("d1", "e1"), start)
	w.Truth(v1)
	w.Close()
	// the crash cut a line short
	f, _ := os.OpenFile(filepath.Join(dir, record.EventsFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"event_id":"e2","cam`)
	f.Close()

	w, err = record.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Resumed() {
		t.Fatal("Resumed() = false")
	}
	w.Event(ev("d1", "e1"), start) // replayed, held
	w.Event(ev("d1", "e2"), start) // replayed, not held (its line was cut)
	w.Event(ev("d2", "e1"), start) // another device's e1: its own event
	w.Truth(v1)
	w.Truth(wire.Violation{ID: "v2", Type: wire.RedLight, Camera: "c1", Wall: start})
	if err := w.Close(); err != nil || w.WriteErrors() != 0 {
		t.Fatal(err, w.WriteErrors())
	}
	r, err := record.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range r.Events {
		got = append(got, e.Source+"/"+e.EventID)
	}
	if strings.Join(got, ",") != "d1/e1,d1/e2,d2/e1" || len(r.Truth) != 2 || len(r.Truncated) != 0 {
		t.Fatalf("events %v, %d truth, truncated %v", got, len(r.Truth), r.Truncated)
	}
}
