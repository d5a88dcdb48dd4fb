package wal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// writeLog writes n records "rec<i>" and returns the file's bytes and each record's offset.
func writeLog(t *testing.T, path string, n int) ([]byte, []int) {
	t.Helper()
	var b []byte
	var offs []int
	for i := range n {
		offs = append(offs, len(b))
		b = appendFrame(b, Record{Kind: 1, Time: time.Unix(int64(i), 0), Data: []byte(fmt.Sprintf("rec%04d-%s", i, strings.Repeat("x", 50)))})
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b, offs
}

func TestOpenSkipsADamagedRecordAndKeepsTheRest(t *testing.T) {
	cases := []struct {
		name    string
		damage  func(b []byte, offs []int) // applied to a log of 100 records
		lost    []int                      // records that must be missing
		skipped int64
	}{
		{"a flipped payload byte at 10%", func(b []byte, offs []int) { b[offs[10]+20] ^= 0x40 }, []int{10}, 0},
		{"a flipped length byte", func(b []byte, offs []int) { b[offs[50]+1] ^= 0x01 }, []int{50}, 0},
		{"two damaged records", func(b []byte, offs []int) { b[offs[3]+12] ^= 1; b[offs[70]+30] ^= 1 }, []int{3, 70}, 0},
		{"zeros over three records", func(b []byte, offs []int) {
			clear(b[offs[20]:offs[23]])
		}, []int{20, 21, 22}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "events.log")
			orig, offs := writeLog(t, path, 100)
			bad := append([]byte(nil), orig...)
			tc.damage(bad, offs)
			os.WriteFile(path, bad, 0o644)
			var logged bytes.Buffer
			var got []string
			l, err := Open(path, Options{Logf: func(f string, a ...any) { fmt.Fprintf(&logged, f, a...) }}, func(r Record) error {
				got = append(got, string(r.Data[:7]))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			st := l.Stats()
			// what replays is every record but the lost ones, in order
			var want []string
			for i := range 100 {
				lost := false
				for _, j := range tc.lost {
					lost = lost || i == j
				}
				if !lost {
					want = append(want, fmt.Sprintf("rec%04d", i))
				}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("replayed %d records %v\nwant %d", len(got), got, len(want))
			}
			lostBytes := 0
			for _, j := range tc.lost {
				lostBytes += offs[j+1] - offs[j]
			}
			if st.Skipped != int64(lostBytes) || st.Truncated != 0 {
				t.Fatalf("stats %+v: want %d bytes skipped", st, lostBytes)
			}
			if !strings.Contains(logged.String(), "DAMAGED") || !strings.Contains(logged.String(), st.Damaged) {
				t.Fatalf("log says %q", logged.String())
			}
			if kept, _ := os.ReadFile(st.Damaged); !bytes.Equal(kept, bad) {
				t.Fatalf("the damaged copy %s is not the damaged file", st.Damaged)
			}
			// appends go on after the intact records; the next open finds no damage
			if err := l.Append(Record{Kind: 1, Time: time.Unix(1000, 0), Data: []byte("rec1000")}).Wait(); err != nil {
				t.Fatal(err)
			}
			l.Close()
			again, st2 := readBack(t, path)
			if len(again) != len(want)+1 || st2.Skipped != 0 || st2.Damaged != "" {
				t.Fatalf("second open: %d records, stats %+v", len(again), st2)
			}
		})
	}
}

// fullDisk fails every write with ENOSPC while full is set, after writing half of it.
type fullDisk struct {
	w    io.Writer
	full atomic.Bool
}

func (d *fullDisk) Write(b []byte) (int, error) {
	if d.full.Load() {
		n, _ := d.w.Write(b[:len(b)/2])
		return n, &os.PathError{Op: "write", Path: "events.log", Err: syscall.ENOSPC}
	}
	return d.w.Write(b)
}

func TestAFullDiskFailsCommitsThenRecoversWithoutRestart(t *testing.T) {
	for _, syncEach := range []bool{false, true} {
		t.Run(fmt.Sprintf("SyncEach=%v", syncEach), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			disk := &fullDisk{}
			var mu sync.Mutex
			var logged []string
			l, err := Open(path, Options{SyncEach: syncEach, RetryFor: 100 * time.Millisecond,
				WrapWriter: func(w io.Writer) io.Writer { disk.w = w; return disk },
				Logf:       func(f string, a ...any) { mu.Lock(); logged = append(logged, fmt.Sprintf(f, a...)); mu.Unlock() }},
				func(Record) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			rec := func(s string) Record { return Record{Kind: 1, Time: time.Unix(1, 0), Data: []byte(s)} }
			if err := l.Append(rec("before")).Wait(); err != nil {
				t.Fatal(err)
			}
			disk.full.Store(true)
			if err := l.Append(rec("while full")).Wait(); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("append on a full disk: %v, want ENOSPC", err)
			}
			// space is freed while a write is being retried: it succeeds
			c := make(chan error)
			go func() { c <- l.Append(rec("freed during retries")).Wait() }()
			time.Sleep(30 * time.Millisecond)
			disk.full.Store(false)
			if err := <-c; err != nil {
				t.Fatalf("append retried after space was freed: %v", err)
			}
			if err := l.Append(rec("after")).Wait(); err != nil {
				t.Fatal(err)
			}
			st := l.Stats()
			if st.Failures != 1 || st.Retries < 2 {
				t.Fatalf("stats %+v: want 1 failure and retries", st)
			}
			l.Close()
			got, st2 := readBack(t, path)
			var names []string
			for _, r := range got {
				names = append(names, string(r.Data))
			}
			if strings.Join(names, ",") != "before,freed during retries,after" || st2.Truncated != 0 || st2.Skipped != 0 {
				t.Fatalf("log holds %q, stats %+v", names, st2)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(logged) != 1 || !strings.Contains(logged[0], "no space left") {
				t.Fatalf("logged %q", logged)
			}
		})
	}
}

// FuzzOpenDamagedLog overwrites part of a log of 20 records with fuzz bytes: Open never fails
// or panics, replays only records that were written (in order, none twice), and a second Open
// finds the log clean with the same records.
func FuzzOpenDamagedLog(f *testing.F) {
	f.Add(uint16(100), []byte{0xff})
	f.Add(uint16(0), []byte{})
	f.Add(uint16(700), []byte{9, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(uint16(300), bytes.Repeat([]byte{0}, 200))
	f.Fuzz(func(t *testing.T, at uint16, junk []byte) {
		path := filepath.Join(t.TempDir(), "events.log")
		orig, _ := writeLog(t, path, 20)
		b := append([]byte(nil), orig...)
		pos := int(at) % (len(b) + 1)
		b = append(b[:pos], append(junk, b[min(pos+len(junk), len(b)):]...)...)
		os.WriteFile(path, b, 0o644)
		var got []string
		l, err := Open(path, Options{Logf: func(string, ...any) {}}, func(r Record) error {
			got = append(got, string(r.Data))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		last := -1
		for _, g := range got {
			var i int
			if _, err := fmt.Sscanf(g, "rec%04d-", &i); err != nil || i <= last || len(g) != 58 {
				t.Fatalf("replayed %q after record %d", g, last)
			}
			last = i
		}
		var again []string
		l2, err := Open(path, Options{Logf: func(string, ...any) { t.Error("damage found again") }}, func(r Record) error {
			again = append(again, string(r.Data))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		l2.Close()
		if strings.Join(again, ",") != strings.Join(got, ",") {
			t.Fatalf("second open replays %d records, first %d", len(again), len(got))
		}
	})
}

// TestAFlippedByteAt10PercentOfABigLog is the case at its size (about 6.8 MB, 40,000
// records of event-sized JSON): one flipped byte loses the one record it is in. Run with
// TRAFFICSIM_WAL_BIG=1 (the figure in BENCHMARKS.md); make test runs it on 4,000 records.
func TestAFlippedByteAt10PercentOfABigLog(t *testing.T) {
	n := 4000
	if os.Getenv("TRAFFICSIM_WAL_BIG") != "" {
		n = 40000
	}
	path := filepath.Join(t.TempDir(), "events.log")
	var b []byte
	for i := range n {
		data := fmt.Sprintf(`{"event_id":"dev-1/cam-%03d/red_light/%07d","camera_id":"cam-%03d","type":"red_light","time":"2026-11-27T10:00:00.123Z","plate":"29A-123.45","vehicle_class":"car","confidence":0.9,"source":"dev-1"}`, i%100, i, i%100)
		b = appendFrame(b, Record{Kind: 1, Time: time.Unix(int64(i), 0), Data: []byte(data)})
	}
	b[len(b)/10] ^= 0x20
	os.WriteFile(path, b, 0o644)
	var replayed int
	start := time.Now()
	l, err := Open(path, Options{Logf: t.Logf}, func(Record) error { replayed++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st := l.Stats()
	after, _ := os.Stat(path)
	t.Logf("%d records, %d bytes: %d replayed, %d bytes skipped, file %d bytes after, in %v", n, len(b), replayed, st.Skipped, after.Size(), time.Since(start))
	if replayed != n-1 {
		t.Fatalf("replayed %d of %d records, want all but the damaged one", replayed, n)
	}
}
