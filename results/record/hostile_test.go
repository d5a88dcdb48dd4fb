package record_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/results/record"
)

// TestOpenRefusesBadRunFolders: run.json is validated, and no file of a run folder is read
// unless it is a regular file within its size limit (a FIFO hung report, /dev/zero ran it out
// of memory), each refusal an exact message.
func TestOpenRefusesBadRunFolders(t *testing.T) {
	start := `"start":"2026-03-02T01:00:00Z"`
	cases := []struct {
		name  string
		setup func(dir string)
		err   string // a suffix after "record: "
	}{
		{"end before start", func(dir string) {
			os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"x",`+start+`,"end":"2026-03-02T00:00:00Z"}`), 0o644)
		}, "run.json: end: 2026-03-02T00:00:00Z is before start 2026-03-02T01:00:00Z"},
		{"end in year 9999", func(dir string) {
			os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"x",`+start+`,"end":"9999-12-31T00:00:00Z"}`), 0o644)
		}, "run.json: end: 9999-12-31T00:00:00Z is more than 8784h0m0s after start 2026-03-02T01:00:00Z"},
		{"negative window", func(dir string) {
			os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"x",`+start+`,"window_ms":-1}`), 0o644)
		}, "run.json: window_ms: -1 must be within 0..3600000"},
		{"negative cameras", func(dir string) {
			os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"x",`+start+`,"cameras":-2}`), 0o644)
		}, "run.json: cameras: -2 must not be negative"},
		{"run.json a FIFO", func(dir string) { syscall.Mkfifo(filepath.Join(dir, record.RunFile), 0o644) },
			"DIR/run.json is not a regular file (a named pipe)"},
		{"run.json a link to /dev/zero", func(dir string) { os.Symlink("/dev/zero", filepath.Join(dir, record.RunFile)) },
			"DIR/run.json is not a regular file (a device)"},
		{"run.json too large", func(dir string) {
			os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"`+strings.Repeat("x", record.MaxRunBytes)+`"}`), 0o644)
		}, "DIR/run.json is larger than 1048576 bytes"},
		{"events.jsonl a FIFO", func(dir string) {
			os.WriteFile(filepath.Join(dir, record.RunFile), []byte(`{"id":"x",`+start+`}`), 0o644)
			syscall.Mkfifo(filepath.Join(dir, record.EventsFile), 0o644)
		}, "DIR/events.jsonl is not a regular file (a named pipe)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(dir)
			done := make(chan error, 1)
			go func() { _, err := record.Open(dir); done <- err }()
			select {
			case err := <-done:
				want := "record: " + strings.ReplaceAll(tc.err, "DIR", dir)
				if err == nil || err.Error() != want {
					t.Fatalf("got %v\nwant %s", err, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Open hangs")
			}
		})
	}
}

// FuzzOpenRunJSON feeds run.json: Open never panics, and what it accepts is valid.
func FuzzOpenRunJSON(f *testing.F) {
	f.Add([]byte(`{"id":"x","start":"2026-03-02T01:00:00Z","end":"2026-03-02T01:10:00Z","window_ms":2000}`))
	f.Add([]byte(`{"id":"x","start":"2026-03-02T01:00:00Z","end":"9999-12-31T00:00:00Z"}`))
	f.Add([]byte(`{"start":"2026-03-02T01:00:00Z","end":"2026-03-01T00:00:00Z","grace_ms":1e308}`))
	f.Add([]byte(`{"id":"x","seeds":{"a":1},"versions":{"b":"c"},"cameras":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, record.RunFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := record.Open(dir)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "record: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if err := r.Run.Validate(); err != nil {
			t.Fatalf("Open accepted an invalid run.json: %v", err)
		}
	})
}
