package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func readBack(t *testing.T, path string) ([]Record, Stats) {
	t.Helper()
	var got []Record
	l, err := Open(path, Options{}, func(r Record) error {
		got = append(got, Record{Kind: r.Kind, Time: r.Time, Data: append([]byte(nil), r.Data...)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return got, st
}

func TestAppendThenReplayGivesRecordsInOrder(t *testing.T) {
	for _, syncEach := range []bool{false, true} {
		t.Run(fmt.Sprintf("SyncEach=%v", syncEach), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			l, err := Open(path, Options{SyncEach: syncEach}, func(Record) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC)
			for i := range 5 {
				c := l.Append(Record{Kind: byte(i), Time: t0.Add(time.Duration(i) * time.Second), Data: []byte(fmt.Sprint("rec", i))})
				if err := c.Wait(); err != nil {
					t.Fatal(err)
				}
			}
			if st := l.Stats(); st.Records != 5 || st.Syncs == 0 {
				t.Fatalf("stats %+v", st)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			got, st := readBack(t, path)
			if len(got) != 5 || st.Replayed != 5 || st.Truncated != 0 {
				t.Fatalf("replayed %d records, stats %+v", len(got), st)
			}
			for i, r := range got {
				if r.Kind != byte(i) || string(r.Data) != fmt.Sprint("rec", i) || !r.Time.Equal(t0.Add(time.Duration(i)*time.Second)) {
					t.Fatalf("record %d = %+v", i, r)
				}
			}
		})
	}
}

func TestOpenCutsATornTail(t *testing.T) {
	cases := []struct {
		name string
		tail func(good []byte) []byte // bytes appended after two good records
	}{
		{"half a header", func([]byte) []byte { return []byte{9, 0, 0} }},
		{"header without payload", func([]byte) []byte { return []byte{20, 0, 0, 0, 1, 2, 3, 4, 1} }},
		{"length beyond the limit", func([]byte) []byte { return []byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0} }},
		{"bad checksum", func(good []byte) []byte {
			b := append([]byte(nil), good...)
			b[len(b)-1] ^= 0xff
			return b
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			l, err := Open(path, Options{}, func(Record) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if err := l.Append(Record{Kind: 1, Time: time.Unix(int64(i), 0), Data: []byte("ok")}).Wait(); err != nil {
					t.Fatal(err)
				}
			}
			l.Close()
			good, _ := os.ReadFile(path)
			frame := appendFrame(nil, Record{Kind: 1, Time: time.Unix(5, 0), Data: []byte("torn")})
			tail := tc.tail(frame)
			if err := os.WriteFile(path, append(append([]byte(nil), good...), tail...), 0o644); err != nil {
				t.Fatal(err)
			}
			got, st := readBack(t, path)
			if len(got) != 2 || st.Truncated != int64(len(tail)) {
				t.Fatalf("replayed %d, truncated %d; want 2, %d", len(got), st.Truncated, len(tail))
			}
			after, _ := os.ReadFile(path)
			if len(after) != len(good) {
				t.Fatalf("file is %d bytes after open, want %d", len(after), len(good))
			}
		})
	}
}

func TestConcurrentAppendsShareFsyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	l, err := Open(path, Options{}, func(Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := l.Append(Record{Kind: 2, Data: fmt.Appendf(nil, "%d-%d", w, i)}).Wait(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := l.Stats()
	l.Close()
	if st.Records != writers*each {
		t.Fatalf("records %d", st.Records)
	}
	if st.Syncs >= st.Records {
		t.Fatalf("%d fsyncs for %d records: no group commit", st.Syncs, st.Records)
	}
	got, _ := readBack(t, path)
	seen := map[string]bool{}
	for _, r := range got {
		if seen[string(r.Data)] {
			t.Fatalf("duplicate %s", r.Data)
		}
		seen[string(r.Data)] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("read back %d distinct records", len(seen))
	}
}

func TestAppendAfterCloseFails(t *testing.T) {
	for _, syncEach := range []bool{false, true} {
		l, err := Open(filepath.Join(t.TempDir(), "log"), Options{SyncEach: syncEach}, func(Record) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		if err := l.Append(Record{}).Wait(); !errors.Is(err, ErrClosed) {
			t.Fatalf("SyncEach=%v: got %v, want ErrClosed", syncEach, err)
		}
	}
}

func TestReplayErrorAbortsOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	l, _ := Open(path, Options{}, func(Record) error { return nil })
	l.Append(Record{Kind: 1}).Wait()
	l.Close()
	_, err := Open(path, Options{}, func(Record) error { return errors.New("bad record") })
	if err == nil || err.Error() != "wal: replay record 0: bad record" {
		t.Fatalf("got %v", err)
	}
}
