package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
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
}

// Stats counts what a Log has done since Open.
type Stats struct {
	Replayed  int64 // records read back at Open
	Truncated int64 // bytes of a torn tail cut off at Open
	Records   int64 // records appended since Open
	Bytes     int64 // bytes written since Open
	Syncs     int64 // fsync calls since Open
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
	f    *os.File

	mu     sync.Mutex // guards the fields below
	buf    []byte     // encoded records waiting for the writer
	cur    *Commit    // the commit buf belongs to
	broken error      // sticky write error: nothing is accepted after it
	closed bool
	stats  Stats

	wmu     sync.Mutex // SyncEach: serialises write+fsync
	kick    chan struct{}
	stopped chan struct{}
}

// Open opens (creating if needed) the log at path, calls replay for every intact record in
// order, cuts off a torn tail (a crash mid-write) and starts the writer. Data passed to replay
// is only valid during the call. An error from replay aborts Open.
func Open(path string, opts Options, replay func(Record) error) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	l := &Log{opts: opts, f: f, cur: newCommit(), kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	good, n, err := readAll(f, replay)
	if err != nil {
		f.Close()
		return nil, err
	}
	l.stats.Replayed = n
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: %w", err)
	}
	if end > good {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, fmt.Errorf("wal: cut torn tail: %w", err)
		}
		l.stats.Truncated = end - good
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: %w", err)
	}
	if opts.SyncEach {
		close(l.stopped)
	} else {
		go l.run()
	}
	return l, nil
}

// readAll replays intact records and returns the offset just past the last one.
func readAll(f *os.File, replay func(Record) error) (good, n int64, err error) {
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [headerLen]byte
	var payload []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return good, n, nil // clean end or torn header
		}
		size := binary.LittleEndian.Uint32(hdr[0:4])
		if size < fixedLen || size > MaxRecord {
			return good, n, nil
		}
		if cap(payload) < int(size) {
			payload = make([]byte, size)
		}
		payload = payload[:size]
		if _, err := io.ReadFull(r, payload); err != nil {
			return good, n, nil
		}
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(hdr[4:8]) {
			return good, n, nil
		}
		rec := Record{Kind: payload[0], Time: time.Unix(0, int64(binary.LittleEndian.Uint64(payload[1:9]))), Data: payload[9:]}
		if err := replay(rec); err != nil {
			return good, n, fmt.Errorf("wal: replay record %d: %w", n, err)
		}
		good += headerLen + int64(size)
		n++
	}
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
	_, err := l.f.Write(b)
	if err == nil {
		err = l.f.Sync()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.broken = fmt.Errorf("wal: %w", err)
		return l.broken
	}
	l.stats.Records += int64(len(recs))
	l.stats.Bytes += int64(len(b))
	l.stats.Syncs++
	return nil
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

			_, err := l.f.Write(buf)
			if err == nil {
				err = l.f.Sync()
			}
			l.mu.Lock()
			if err != nil {
				err = fmt.Errorf("wal: %w", err)
				l.broken = err
			} else {
				l.stats.Bytes += int64(len(buf))
				l.stats.Syncs++
			}
			l.mu.Unlock()
			c.err = err
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
