package edgeq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Options tune a queue.
type Options struct {
	// SegmentBytes is the size after which a new segment file is started. Default 4 MiB.
	SegmentBytes int64
	// NoSync skips the fsync after each Append (faster, loses the last events on power cut,
	// still safe against a process kill). Default false: fsync every Append.
	NoSync bool
	// RecentIDs is how many delivered ids are remembered to refuse re-appends. Default 65536.
	RecentIDs int
}

// Entry is one queued record.
type Entry struct {
	ID      string
	Payload []byte
}

type pos struct {
	seg  int64
	off  int64
	size int64 // whole record
	id   string
}

// Stats are the queue's counters.
type Stats struct {
	Pending    int   // records waiting for delivery
	Appended   int64 // records appended since Open
	Duplicates int64 // Appends refused because the id was pending or recently delivered
	Acked      int64 // records acknowledged since Open
	Truncated  int64 // bytes of torn tail cut off at Open
}

// Queue is a persistent FIFO of identified records. Safe for concurrent use.
type Queue struct {
	mu      sync.Mutex
	dir     string
	o       Options
	pending []pos
	ids     map[string]bool // pending ids
	recent  map[string]bool // delivered ids (bounded)
	order   []string        // delivery order of recent, for eviction
	cur     *os.File        // segment being appended
	curSeg  int64
	curSize int64
	ack     pos // first undelivered (seg, off)
	st      Stats
	closed  bool
	readers map[int64]*os.File
}

const headerSize = 10

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrClosed is returned after Close.
var ErrClosed = errors.New("edgeq: queue closed")

// Open opens (or creates) the queue in dir, cutting off a torn tail.
func Open(dir string, o Options) (*Queue, error) {
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 4 << 20
	}
	if o.RecentIDs <= 0 {
		o.RecentIDs = 65536
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("edgeq: %w", err)
	}
	q := &Queue{dir: dir, o: o, ids: map[string]bool{}, recent: map[string]bool{}, readers: map[int64]*os.File{}}
	if err := q.readCursor(); err != nil {
		return nil, err
	}
	segs, err := q.segments()
	if err != nil {
		return nil, err
	}
	for i, s := range segs {
		last := i == len(segs)-1
		if err := q.scan(s, last); err != nil {
			return nil, err
		}
	}
	// remove segments wholly behind the cursor
	for _, s := range segs {
		if s < q.ack.seg {
			os.Remove(q.segPath(s))
		}
	}
	next := int64(1)
	if len(segs) > 0 {
		next = segs[len(segs)-1]
	}
	if err := q.openAppend(next); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Queue) segPath(n int64) string { return filepath.Join(q.dir, fmt.Sprintf("seg-%016d.q", n)) }

func (q *Queue) segments() ([]int64, error) {
	des, err := os.ReadDir(q.dir)
	if err != nil {
		return nil, fmt.Errorf("edgeq: %w", err)
	}
	var out []int64
	for _, de := range des {
		n := de.Name()
		if !strings.HasPrefix(n, "seg-") || !strings.HasSuffix(n, ".q") {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(n, "seg-"), ".q"), 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("edgeq: stray file %s in queue folder", n)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// readCursor loads the "acked" file; a missing file means nothing was delivered yet.
func (q *Queue) readCursor() error {
	b, err := os.ReadFile(filepath.Join(q.dir, "acked"))
	if errors.Is(err, os.ErrNotExist) {
		q.ack = pos{seg: 0, off: 0}
		return nil
	}
	if err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	var s, o int64
	if _, err := fmt.Sscanf(string(b), "%d %d\n", &s, &o); err != nil || s < 0 || o < 0 {
		return fmt.Errorf("edgeq: corrupt cursor file %q", strings.TrimSpace(string(b)))
	}
	q.ack = pos{seg: s, off: o}
	return nil
}

// scan reads a segment, registering the records at or after the cursor. A bad record in the
// last segment is a torn tail and is cut off; in an earlier segment it is an error.
func (q *Queue) scan(seg int64, last bool) error {
	f, err := os.OpenFile(q.segPath(seg), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	off := int64(0)
	for off < int64(len(data)) {
		id, size, err := parseRecord(data[off:])
		if err != nil {
			if !last {
				return fmt.Errorf("edgeq: segment %d offset %d: %w", seg, off, err)
			}
			q.st.Truncated += int64(len(data)) - off
			if err := f.Truncate(off); err != nil {
				return fmt.Errorf("edgeq: cutting torn tail: %w", err)
			}
			if err := f.Sync(); err != nil {
				return fmt.Errorf("edgeq: %w", err)
			}
			break
		}
		if seg > q.ack.seg || (seg == q.ack.seg && off >= q.ack.off) {
			q.pending = append(q.pending, pos{seg: seg, off: off, size: size, id: id})
			q.ids[id] = true
		}
		off += size
	}
	return nil
}

// parseRecord checks the record at the start of b and returns its id and whole size.
func parseRecord(b []byte) (id string, size int64, err error) {
	if len(b) < headerSize {
		return "", 0, errors.New("short header")
	}
	n := int64(binary.LittleEndian.Uint32(b[0:4]))
	if n < 2 || n > int64(len(b))-8 {
		return "", 0, fmt.Errorf("record length %d out of range", n)
	}
	body := b[8 : 8+n]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[4:8]) {
		return "", 0, errors.New("checksum mismatch")
	}
	il := int(binary.LittleEndian.Uint16(body[0:2]))
	if il+2 > len(body) {
		return "", 0, errors.New("id length out of range")
	}
	return string(body[2 : 2+il]), 8 + n, nil
}

func encodeRecord(id string, payload []byte) []byte {
	n := 2 + len(id) + len(payload)
	b := make([]byte, 8+n)
	binary.LittleEndian.PutUint32(b[0:4], uint32(n))
	binary.LittleEndian.PutUint16(b[8:10], uint16(len(id)))
	copy(b[10:], id)
	copy(b[10+len(id):], payload)
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(b[8:], castagnoli))
	return b
}

func (q *Queue) openAppend(seg int64) error {
	f, err := os.OpenFile(q.segPath(seg), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("edgeq: %w", err)
	}
	if q.cur != nil {
		q.cur.Close()
	}
	q.cur, q.curSeg, q.curSize = f, seg, st.Size()
	return syncDir(q.dir)
}

// Append adds a record unless its id is pending or was recently delivered (added is then false).
// It returns after the record is on disk (fsynced unless Options.NoSync).
func (q *Queue) Append(id string, payload []byte) (added bool, err error) {
	if id == "" {
		return false, errors.New("edgeq: empty id")
	}
	if len(id) > 1024 {
		return false, errors.New("edgeq: id longer than 1024 bytes")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false, ErrClosed
	}
	if q.ids[id] || q.recent[id] {
		q.st.Duplicates++
		return false, nil
	}
	if q.curSize >= q.o.SegmentBytes {
		if err := q.openAppend(q.curSeg + 1); err != nil {
			return false, err
		}
	}
	rec := encodeRecord(id, payload)
	if _, err := q.cur.Write(rec); err != nil {
		return false, fmt.Errorf("edgeq: %w", err)
	}
	if !q.o.NoSync {
		if err := q.cur.Sync(); err != nil {
			return false, fmt.Errorf("edgeq: %w", err)
		}
	}
	q.pending = append(q.pending, pos{seg: q.curSeg, off: q.curSize, size: int64(len(rec)), id: id})
	q.ids[id] = true
	q.curSize += int64(len(rec))
	q.st.Appended++
	return true, nil
}

// Peek returns up to max of the oldest pending records, in order, without removing them.
func (q *Queue) Peek(max int) ([]Entry, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrClosed
	}
	n := min(max, len(q.pending))
	out := make([]Entry, 0, n)
	for _, p := range q.pending[:n] {
		f, ok := q.readers[p.seg]
		if !ok {
			var err error
			if f, err = os.Open(q.segPath(p.seg)); err != nil {
				return nil, fmt.Errorf("edgeq: %w", err)
			}
			q.readers[p.seg] = f
		}
		b := make([]byte, p.size)
		if _, err := f.ReadAt(b, p.off); err != nil {
			return nil, fmt.Errorf("edgeq: reading segment %d: %w", p.seg, err)
		}
		id, _, err := parseRecord(b)
		if err != nil || id != p.id {
			return nil, fmt.Errorf("edgeq: segment %d offset %d changed on disk", p.seg, p.off)
		}
		out = append(out, Entry{ID: id, Payload: b[headerSize+len(id):]})
	}
	return out, nil
}

// Ack removes the n oldest pending records (delivered, or refused for good) and persists the
// cursor before it returns.
func (q *Queue) Ack(n int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if n <= 0 {
		return nil
	}
	if n > len(q.pending) {
		return fmt.Errorf("edgeq: ack of %d records, only %d pending", n, len(q.pending))
	}
	last := q.pending[n-1]
	next := pos{seg: last.seg, off: last.off + last.size}
	if n < len(q.pending) {
		next = q.pending[n]
	}
	if err := q.writeCursor(next.seg, next.off); err != nil {
		return err
	}
	for _, p := range q.pending[:n] {
		delete(q.ids, p.id)
		q.remember(p.id)
	}
	q.pending = append(q.pending[:0:0], q.pending[n:]...)
	q.st.Acked += int64(n)
	old := q.ack.seg
	q.ack = pos{seg: next.seg, off: next.off}
	for s := old; s < q.ack.seg; s++ {
		if s == 0 {
			continue
		}
		if f, ok := q.readers[s]; ok {
			f.Close()
			delete(q.readers, s)
		}
		os.Remove(q.segPath(s))
	}
	return nil
}

func (q *Queue) remember(id string) {
	q.recent[id] = true
	q.order = append(q.order, id)
	if len(q.order) > q.o.RecentIDs {
		delete(q.recent, q.order[0])
		q.order = q.order[1:]
	}
}

func (q *Queue) writeCursor(seg, off int64) error {
	tmp := filepath.Join(q.dir, "acked.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%d %d\n", seg, off); err != nil {
		f.Close()
		return fmt.Errorf("edgeq: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("edgeq: %w", err)
	}
	f.Close()
	if err := os.Rename(tmp, filepath.Join(q.dir, "acked")); err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	return syncDir(q.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("edgeq: %w", err)
	}
	return nil
}

// Len is the number of pending records.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// Stats returns the counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.st
	s.Pending = len(q.pending)
	return s
}

// Close closes the files; pending records stay on disk for the next Open.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	for _, f := range q.readers {
		f.Close()
	}
	return q.cur.Close()
}
