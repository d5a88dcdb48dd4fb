package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// TestLoadChecksBeforeItReads: what is not a regular file, or is too large, is refused before
// a byte is read (/dev/zero ran the loader out of memory, a FIFO hung it past SIGTERM), and
// nesting is bounded before the YAML decoder sees it (a description 100,000 deep took 4 GB).
func TestLoadChecksBeforeItReads(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(big, []byte(minimal+"notes: \""+strings.Repeat("x", MaxFileBytes)+"\"\n"), 0o644)
	cases := []struct{ name, arg, err string }{
		{"a device", "/dev/zero", "zero: not a regular file (a device)"},
		{"a named pipe", fifo, "pipe.yaml: not a regular file (a named pipe)"},
		{"a directory", dir, filepath.Base(dir) + ": not a regular file (a directory)"},
		{"too large", big, "big.yaml: file is larger than 1048576 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := Lookup(tc.arg); done <- err }()
			select {
			case err := <-done:
				if err == nil || err.Error() != tc.err {
					t.Fatalf("got %v\nwant %s", err, tc.err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Lookup hangs")
			}
		})
	}
}

func TestLoadBoundsNesting(t *testing.T) {
	cases := []struct{ name, yaml, err string }{
		{"flow sequences 100,000 deep", "name: x\ndescription: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n",
			"x.yaml:2: nested deeper than 32 levels"},
		{"block sequences on one line", "name: x\ndescription:\n  " + strings.Repeat("- ", 100) + "a\n",
			"x.yaml:3: indented deeper than 128 columns"},
		{"deep indentation", "name: x\ndescription:\n" + strings.Repeat(" ", 200) + "a: b\n",
			"x.yaml:3: indented deeper than 128 columns"},
		{"brackets inside quotes and comments are text", strings.Replace(minimal, "name: tiny", "name: tiny # "+strings.Repeat("[", 40), 1) +
			"notes: '" + strings.Repeat("{", 40) + "'\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(tc.yaml)}}, "x.yaml")
			if tc.err == "" {
				if err != nil && strings.Contains(err.Error(), "deeper") {
					t.Fatalf("refused as too deep: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.err {
				t.Fatalf("got %v\nwant %s", err, tc.err)
			}
		})
	}
}
