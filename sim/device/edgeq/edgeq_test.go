package edgeq_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/edgeq"
)

func open(t *testing.T, dir string, o edgeq.Options) *edgeq.Queue {
	t.Helper()
	q, err := edgeq.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func ids(t *testing.T, q *edgeq.Queue) []string {
	t.Helper()
	es, err := q.Peek(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if string(e.Payload) != "payload of "+e.ID {
			t.Fatalf("%s: payload %q", e.ID, e.Payload)
		}
		out = append(out, e.ID)
	}
	return out
}

func add(t *testing.T, q *edgeq.Queue, id string) bool {
	t.Helper()
	ok, err := q.Append(id, []byte("payload of "+id))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// Records come out in order, survive a reopen, leave only when acknowledged, and an id that is
// pending or was delivered is not queued twice.
func TestQueueOrderReopenAckDedup(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, edgeq.Options{SegmentBytes: 100}) // tiny segments: several files
	for i := range 10 {
		add(t, q, fmt.Sprintf("e%d", i))
	}
	if add(t, q, "e3") {
		t.Fatal("pending id e3 queued twice")
	}
	if err := q.Ack(4); err != nil {
		t.Fatal(err)
	}
	if add(t, q, "e1") {
		t.Fatal("delivered id e1 queued again")
	}
	q.Close()
	q = open(t, dir, edgeq.Options{SegmentBytes: 100})
	defer q.Close()
	if got := strings.Join(ids(t, q), ","); got != "e4,e5,e6,e7,e8,e9" {
		t.Fatalf("after reopen: %s", got)
	}
	if add(t, q, "e5") {
		t.Fatal("pending id e5 queued twice after reopen")
	}
	if err := q.Ack(6); err != nil {
		t.Fatal(err)
	}
	add(t, q, "e10")
	if got := strings.Join(ids(t, q), ","); got != "e10" {
		t.Fatalf("after ack all: %s", got)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.q"))
	if len(segs) > 2 {
		t.Errorf("delivered segments kept on disk: %v", segs)
	}
	if s := q.Stats(); s.Pending != 1 || s.Duplicates != 1 || s.Acked != 6 || s.Appended != 1 {
		t.Errorf("stats %+v", s)
	}
}

// A record torn by a crash in the middle of a write is cut off; the records before it remain.
func TestQueueTornTail(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, edgeq.Options{})
	add(t, q, "a")
	add(t, q, "b")
	q.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.q"))
	f, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3, 4, 0, 1, 'c'}) // header of a 40-byte record, 3 bytes of it
	f.Close()
	q = open(t, dir, edgeq.Options{})
	defer q.Close()
	if got := strings.Join(ids(t, q), ","); got != "a,b" {
		t.Fatalf("after torn tail: %s", got)
	}
	if s := q.Stats(); s.Truncated != 11 {
		t.Errorf("truncated %d bytes, want 11", s.Truncated)
	}
	add(t, q, "c")
	if got := strings.Join(ids(t, q), ","); got != "a,b,c" {
		t.Fatalf("append after cut: %s", got)
	}
}

func TestQueueErrors(t *testing.T) {
	cases := []struct {
		name  string
		setup func(dir string)
		op    func(q *edgeq.Queue) error
		want  string
	}{
		{"empty id", nil, func(q *edgeq.Queue) error { _, err := q.Append("", nil); return err }, "edgeq: empty id"},
		{"long id", nil, func(q *edgeq.Queue) error { _, err := q.Append(strings.Repeat("x", 1025), nil); return err },
			"edgeq: id longer than 1024 bytes"},
		{"ack too many", nil, func(q *edgeq.Queue) error { q.Append("x", nil); return q.Ack(2) },
			"edgeq: ack of 2 records, only 1 pending"},
		{"after close", nil, func(q *edgeq.Queue) error { q.Close(); _, err := q.Append("x", nil); return err },
			"edgeq: queue closed"},
		{"corrupt cursor", func(dir string) { os.WriteFile(filepath.Join(dir, "acked"), []byte("zz"), 0o644) }, nil,
			`edgeq: corrupt cursor file "zz"`},
		{"stray segment", func(dir string) { os.WriteFile(filepath.Join(dir, "seg-x.q"), nil, 0o644) }, nil,
			"edgeq: stray file seg-x.q in queue folder"},
		{"bad earlier segment", func(dir string) {
			os.WriteFile(filepath.Join(dir, "seg-0000000000000001.q"), []byte("garbage!garbage!"), 0o644)
			os.WriteFile(filepath.Join(dir, "seg-0000000000000002.q"), nil, 0o644)
		}, nil, "edgeq: segment 1 offset 0: record length 1651663207 out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.setup != nil {
				c.setup(dir)
			}
			q, err := edgeq.Open(dir, edgeq.Options{})
			if err == nil {
				defer q.Close()
				err = c.op(q)
			}
			if err == nil || err.Error() != c.want {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

// TestQueueSurvivesSIGKILL runs a real child process that appends and acknowledges as fast as
// it can and kills it with SIGKILL at several moments. After the reopen: every record the child
// reported appended and did not start to acknowledge is pending; none it reported acknowledged
// is; pending records keep their append order and none is there twice.
func TestQueueSurvivesSIGKILL(t *testing.T) {
	if os.Getenv("EDGEQ_CHILD") != "" {
		child()
		return
	}
	dir := t.TempDir()
	rank := map[string]int{}
	acking, acked := map[string]bool{}, map[string]bool{}
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestQueueSurvivesSIGKILL$")
		cmd.Env = append(os.Environ(), "EDGEQ_CHILD="+dir, fmt.Sprintf("EDGEQ_ROUND=%d", round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		lines := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch f[0] {
			case "appended":
				rank[f[1]] = len(rank)
			case "acking":
				acking[f[1]] = true
			case "acked":
				acked[f[1]] = true
			case "error":
				t.Fatal(sc.Text())
			}
			lines++
			if lines == 60+round*37 {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		cmd.Wait()
	}
	q := open(t, dir, edgeq.Options{SegmentBytes: 512})
	defer q.Close()
	got := ids(t, q)
	pending := map[string]bool{}
	last := -1
	for _, id := range got {
		if pending[id] {
			t.Fatalf("%s pending twice", id)
		}
		pending[id] = true
		if acked[id] {
			t.Fatalf("%s acknowledged yet pending", id)
		}
		if r, ok := rank[id]; ok {
			if r < last {
				t.Fatalf("%s out of order", id)
			}
			last = r
		}
	}
	for id := range rank {
		if !acking[id] && !pending[id] {
			t.Fatalf("%s lost: appended, never acknowledged, not pending", id)
		}
	}
	if len(acked) == 0 || len(got) == 0 {
		t.Fatalf("test did nothing: %d acked, %d pending", len(acked), len(got))
	}
}

func child() {
	dir := os.Getenv("EDGEQ_CHILD")
	round := os.Getenv("EDGEQ_ROUND")
	q, err := edgeq.Open(dir, edgeq.Options{SegmentBytes: 512})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	say := func(a ...any) { fmt.Println(a...) }
	for i := 0; ; i++ {
		id := fmt.Sprintf("r%s-%d", round, i)
		if _, err := q.Append(id, []byte("payload of "+id)); err != nil {
			say("error", err)
			os.Exit(1)
		}
		say("appended", id)
		if i%3 == 2 {
			es, err := q.Peek(1)
			if err != nil {
				say("error", err)
				os.Exit(1)
			}
			say("acking", es[0].ID)
			if err := q.Ack(1); err != nil {
				say("error", err)
				os.Exit(1)
			}
			say("acked", es[0].ID)
		}
		if i > 100000 {
			time.Sleep(time.Hour)
		}
	}
}

func FuzzOpen(f *testing.F) {
	f.Add([]byte{12, 0, 0, 0, 0, 0, 0, 0, 1, 0, 'a', 'b', 'c', 'd'})
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, seg []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "seg-0000000000000001.q"), seg, 0o644)
		q, err := edgeq.Open(dir, edgeq.Options{})
		if err != nil {
			return
		}
		defer q.Close()
		if _, err := q.Peek(100); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Append("new", []byte("x")); err != nil {
			t.Fatal(err)
		}
	})
}
