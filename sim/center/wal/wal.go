package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"time"
)

// Record is one entry of the log.
type Record struct {
	Kind byte      // what Data holds; the log does not interpret it
	Time time.Time // when the entry was received (stored with ns precision)
	Data []byte
}

// Options tune a Log.
type Options struct {
	// SyncEach makes every Append write and fsync on its own, holding the file (the plain
	// approach, kept for the benchmark ratio). Default false: group commit, where one fsync
	// covers every Append that arrived while the previous fsync ran.
	SyncEach bool
	// RetryFor is how long a failed write is retried, with backoff from 10 ms doubling to
	// 500 ms, before the commits it carries fail. The log stays usable after a failure (the
	// file is cut back to its last whole record and the next Append tries again), so a disk
	// that was full recovers without a restart. Default 2 s.
	RetryFor time.Duration
	// Logf reports damage skipped at Open and write failures. Default log.Printf.
	Logf func(format string, args ...any)
	// WrapWriter wraps the file's writes; for tests that simulate a full disk. Default none.
	WrapWriter func(io.Writer) io.Writer
}

// Stats counts what a Log has done since Open.
type Stats struct {
	Replayed  int64  // records read back at Open
	Truncated int64  // bytes of a torn tail cut off at Open
	Skipped   int64  // bytes of damaged records skipped at Open (intact records after them kept)
	Damaged   string // at Open: the copy kept of a damaged log ("" when none)
	Retries   int64  // failed writes retried since Open
	Failures  int64  // writes given up after RetryFor since Open (their commits failed)
	Records   int64  // records appended since Open
	Bytes     int64  // bytes written since Open
	Syncs     int64  // fsync calls since Open
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("wal: log is closed")

// header: payload length (u32), CRC-32C of the payload (u32); payload: kind (u8), unix ns (i64), data.
const (
	headerLen = 8
	fixedLen  = 9
	// MaxRecord bounds one record's payload; a larger length in a header marks a torn tail.
	MaxRecord = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Commit is the promise of an Append: Wait returns once its records are on disk (or failed).
type Commit struct {
	done chan struct{}
	err  error
}

// Wait blocks until the records of the Append are written and fsynced, and returns the error
// of that write or fsync.
func (c *Commit) Wait() error {
	<-c.done
	return c.err
}

func newCommit() *Commit { return &Commit{done: make(chan struct{})} }

func doneCommit(err error) *Commit {
	c := &Commit{done: make(chan struct{}), err: err}
	close(c.done)
	return c
}

// Log is an append-only file of framed records. Safe for concurrent use.
type Log struct {
	opts Options
	path string
	f    *os.File
	w    io.Writer // f, or the test's wrapper
	end  int64     // offset just past the last whole record on disk (writer only)

	mu     sync.Mutex // guards the fields below
	buf    []byte     // encoded records waiting for the writer
	cur    *Commit    // the commit buf belongs to
	broken error      // sticky fsync error: nothing is accepted after it (see writeBatch)
	closed bool
	stats  Stats

	wmu     sync.Mutex // SyncEach: serialises write+fsync
	kick    chan struct{}
	stopped chan struct{}
}

// Open opens (creating if needed) the log at path, calls replay for every intact record in
// order, and starts the writer. A torn tail (a crash mid-write) is cut off. Damaged records
// with intact records after them are skipped: the damaged file is kept beside the log (its
// name in Stats.Damaged), the log is rewritten with the intact records only, and what was
// skipped is reported through Logf. Data passed to replay is only valid during the call. An
// error from replay aborts Open.
func Open(path string, opts Options, replay func(Record) error) (*Log, error) {
	if opts.RetryFor <= 0 {
		opts.RetryFor = 2 * time.Second
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	l := &Log{opts: opts, path: path, f: f, cur: newCommit(), kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	sc, err := readAll(f, replay)
	if err != nil {
		f.Close()
		return nil, err
	}
	l.stats.Replayed = sc.n
	if len(sc.skipped) > 0 {
		if err := l.rewrite(sc); err != nil {
			l.f.Close()
			return nil, err
		}
	} else if sc.size > sc.good {
		if err := f.Truncate(sc.good); err != nil {
			f.Close()
			return nil, fmt.Errorf("wal: cut torn tail: %w", err)
		}
		l.stats.Truncated = sc.size - sc.good
	}
	end, err := l.f.Seek(0, io.SeekEnd)
	if err != nil {
		l.f.Close()
		return nil, fmt.Errorf("wal: %w", err)
	}
	l.end = end
	l.w = l.f
	if opts.WrapWriter != nil {
		l.w = opts.WrapWriter(l.f)
	}
	if opts.SyncEach {
		close(l.stopped)
	} else {
		go l.run()
	}
	return l, nil
}

// span is a byte range [from, to) of the log file.
type span struct{ from, to int64 }

// scan is what readAll found: intact records in spans (in order), damaged spans skipped.
type scan struct {
	n       int64
	good    int64  // end of the last intact record
	size    int64  // file size
	intact  []span // the intact records, merged, when damage was found
	skipped []span
}

// readAll replays intact records. It streams the file until the first frame that is not
// intact; only then is the rest read into memory to look for intact frames after the damage.
func readAll(f *os.File, replay func(Record) error) (sc scan, err error) {
	st, err := f.Stat()
	if err != nil {
		return sc, fmt.Errorf("wal: %w", err)
	}
	sc.size = st.Size()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [headerLen]byte
	var payload []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			break // clean end or torn header
		}
		size := binary.LittleEndian.Uint32(hdr[0:4])
		if size < fixedLen || size > MaxRecord {
			break
		}
		if cap(payload) < int(size) {
			payload = make([]byte, size)
		}
		payload = payload[:size]
		if _, err := io.ReadFull(r, payload); err != nil {
			break
		}
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(hdr[4:8]) {
			break
		}
		if err := replay(decode(payload)); err != nil {
			return sc, fmt.Errorf("wal: replay record %d: %w", sc.n, err)
		}
		sc.good += headerLen + int64(size)
		sc.n++
	}
	if sc.good == sc.size {
		return sc, nil
	}
	rest := make([]byte, sc.size-sc.good)
	if _, err := f.ReadAt(rest, sc.good); err != nil && err != io.EOF {
		return sc, fmt.Errorf("wal: %w", err)
	}
	base, prefix := sc.good, sc.good
	intact := []span{{0, prefix}}
	for pos := 0; pos < len(rest); {
		if k := frameLen(rest[pos:]); k > 0 {
			if err := replay(decode(rest[pos+headerLen : pos+k])); err != nil {
				return sc, fmt.Errorf("wal: replay record %d: %w", sc.n, err)
			}
			sc.n++
			at := base + int64(pos)
			if last := &intact[len(intact)-1]; last.to == at {
				last.to += int64(k)
			} else {
				intact = append(intact, span{at, at + int64(k)})
			}
			pos += k
			sc.good = base + int64(pos)
			continue
		}
		next := -1
		for j := pos + 1; j+headerLen+fixedLen <= len(rest); j++ {
			if frameLen(rest[j:]) > 0 {
				next = j
				break
			}
		}
		if next < 0 {
			break // nothing intact after: a torn tail
		}
		sc.skipped = append(sc.skipped, span{base + int64(pos), base + int64(next)})
		pos = next
	}
	if len(sc.skipped) > 0 {
		sc.intact = intact
	}
	return sc, nil
}

// frameLen is the length of the intact frame at the start of b, 0 if there is none.
func frameLen(b []byte) int {
	if len(b) < headerLen+fixedLen {
		return 0
	}
	size := binary.LittleEndian.Uint32(b[0:4])
	if size < fixedLen || size > MaxRecord || int64(size) > int64(len(b)-headerLen) {
		return 0
	}
	if crc32.Checksum(b[headerLen:headerLen+int(size)], castagnoli) != binary.LittleEndian.Uint32(b[4:8]) {
		return 0
	}
	return headerLen + int(size)
}

func decode(payload []byte) Record {
	return Record{Kind: payload[0], Time: time.Unix(0, int64(binary.LittleEndian.Uint64(payload[1:9]))), Data: payload[9:]}
}

// rewrite keeps the damaged file under a new name (a hard link to it) and replaces the log by
// a file of its intact records, so the damage is skipped once, not at every start.
func (l *Log) rewrite(sc scan) error {
	damaged := fmt.Sprintf("%s.damaged-%s", l.path, time.Now().UTC().Format("20060102T150405.000000000"))
	if err := os.Link(l.path, damaged); err != nil {
		return fmt.Errorf("wal: keep the damaged log: %w", err)
	}
	tmp := l.path + ".rewrite"
	out, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	for _, sp := range sc.intact {
		if _, err := io.Copy(out, io.NewSectionReader(l.f, sp.from, sp.to-sp.from)); err != nil {
			out.Close()
			return fmt.Errorf("wal: rewrite: %w", err)
		}
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("wal: rewrite: %w", err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		out.Close()
		return fmt.Errorf("wal: rewrite: %w", err)
	}
	l.f.Close()
	l.f = out
	var where []string
	for _, sp := range sc.skipped {
		l.stats.Skipped += sp.to - sp.from
		where = append(where, fmt.Sprintf("%d-%d", sp.from, sp.to))
	}
	l.stats.Truncated = sc.size - sc.good
	l.stats.Damaged = damaged
	l.opts.Logf("wal: %s is DAMAGED: skipped %d bytes in %d places (byte offsets %s), kept %d intact records; the damaged file is kept as %s",
		l.path, l.stats.Skipped, len(sc.skipped), strings.Join(where, ", "), sc.n, damaged)
	return nil
}

// appendFrame encodes one record onto b.
func appendFrame(b []byte, r Record) []byte {
	size := fixedLen + len(r.Data)
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = append(b, r.Kind)
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	b = append(b, r.Data...)
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(b[start+headerLen:], castagnoli))
	return b
}

// Append queues records to be written together; they are durable once the Commit's Wait
// returns nil. A crash before that may keep a prefix of them (each record is framed on its
// own, and the log is cut only at its tail): stored but never acknowledged, which a sender's
// retry then meets as duplicates.
func (l *Log) Append(recs ...Record) *Commit {
	for _, r := range recs {
		if fixedLen+len(r.Data) > MaxRecord {
			return doneCommit(fmt.Errorf("wal: record of %d bytes exceeds %d", len(r.Data), MaxRecord))
		}
	}
	if l.opts.SyncEach {
		return doneCommit(l.appendSync(recs))
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return doneCommit(ErrClosed)
	}
	if l.broken != nil {
		err := l.broken
		l.mu.Unlock()
		return doneCommit(err)
	}
	for _, r := range recs {
		l.buf = appendFrame(l.buf, r)
	}
	l.stats.Records += int64(len(recs))
	c := l.cur
	select { // under mu: Close closes kick under mu too
	case l.kick <- struct{}{}:
	default:
	}
	l.mu.Unlock()
	return c
}

func (l *Log) appendSync(recs []Record) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.mu.Lock()
	closed, broken := l.closed, l.broken
	l.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if broken != nil {
		return broken
	}
	var b []byte
	for _, r := range recs {
		b = appendFrame(b, r)
	}
	if err := l.writeBatch(b); err != nil {
		return err
	}
	l.mu.Lock()
	l.stats.Records += int64(len(recs))
	l.mu.Unlock()
	return nil
}

// writeBatch writes b at the end of the last whole record and fsyncs. A failed write (a full
// disk) is undone by cutting the file back and retried with backoff for RetryFor; then it
// fails, but the log stays usable. A failed fsync is sticky: after one, Linux may have dropped
// the dirty pages, so nothing written since the last good fsync can be trusted to be on disk.
func (l *Log) writeBatch(b []byte) error {
	delay := 10 * time.Millisecond
	give := time.Now().Add(l.opts.RetryFor)
	for {
		_, err := l.w.Write(b)
		if err == nil {
			if err := l.f.Sync(); err != nil {
				l.mu.Lock()
				l.broken = fmt.Errorf("wal: fsync: %w", err)
				l.mu.Unlock()
				return l.broken
			}
			l.end += int64(len(b))
			l.mu.Lock()
			l.stats.Bytes += int64(len(b))
			l.stats.Syncs++
			l.mu.Unlock()
			return nil
		}
		// cut a partial write off, so the file ends on a record boundary again
		if terr := l.f.Truncate(l.end); terr == nil {
			_, terr = l.f.Seek(l.end, io.SeekStart)
			err = errors.Join(err, terr)
		} else {
			err = errors.Join(err, terr)
		}
		l.mu.Lock()
		if time.Now().After(give) {
			l.stats.Failures++
			l.mu.Unlock()
			l.opts.Logf("wal: %s: write failed for %v, giving up this batch (the next append tries again): %v", l.path, l.opts.RetryFor, err)
			return fmt.Errorf("wal: %w", err)
		}
		l.stats.Retries++
		l.mu.Unlock()
		time.Sleep(delay)
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// run is the group-commit writer: it takes whatever accumulated, writes it in one call,
// fsyncs, and releases every waiter of that batch.
func (l *Log) run() {
	defer close(l.stopped)
	var spare []byte
	for range l.kick {
		for {
			l.mu.Lock()
			buf, c := l.buf, l.cur
			if len(buf) == 0 {
				l.mu.Unlock()
				break
			}
			l.buf, l.cur = spare[:0], newCommit()
			l.mu.Unlock()

			c.err = l.writeBatch(buf)
			close(c.done)
			spare = buf
		}
	}
}

// Stats returns the counters.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Close writes what is queued, stops the writer and closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	if !l.opts.SyncEach {
		close(l.kick) // run drains what is queued, then returns
	}
	l.mu.Unlock()
	<-l.stopped
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return l.f.Close()
}
