package farm

import (
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

func TestFramesDue(t *testing.T) {
	cases := []struct {
		elapsed time.Duration
		fps     float64
		want    int64
	}{
		{-time.Millisecond, 25, 0},
		{0, 25, 1},
		{39 * time.Millisecond, 25, 1},
		{40 * time.Millisecond, 25, 2},
		{41 * time.Millisecond, 25, 2},
		{time.Second - 1, 25, 25},
		{time.Second, 25, 26},
		{time.Hour, 25, 90001},
		{33333332, 30, 1},
		{33333333, 30, 2},
		{24 * time.Hour, 29.97, 2589409},
	}
	for _, c := range cases {
		if got := FramesDue(c.elapsed, c.fps); got != c.want {
			t.Errorf("FramesDue(%v, %v) = %d, want %d", c.elapsed, c.fps, got, c.want)
		}
	}
}

func TestFrameDue(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		fps  float64
		n    int64
		want time.Duration
	}{
		{25, 0, 0},
		{25, 1, 40 * time.Millisecond},
		{25, 90000, time.Hour},
		{30, 1, 33333333 * time.Nanosecond},
		{30, 3, 100 * time.Millisecond},
	}
	for _, c := range cases {
		got := FrameDue(start, c.fps, c.n)
		if got.Sub(start) != c.want {
			t.Errorf("FrameDue(fps %v, n %d) = start+%v, want start+%v", c.fps, c.n, got.Sub(start), c.want)
		}
		// Frame n is due exactly when FramesDue turns to n+1.
		if FramesDue(c.want, c.fps) != c.n+1 || (c.n > 0 && FramesDue(c.want-1, c.fps) != c.n) {
			t.Errorf("FramesDue disagrees with FrameDue at frame %d", c.n)
		}
	}
}

func TestClipPosAndRTPTime(t *testing.T) {
	cases := []struct {
		n, offset   int64
		frames      int
		loop, frame int
	}{
		{0, 0, 25, 0, 0},
		{24, 0, 25, 0, 24},
		{25, 0, 25, 1, 0},
		{0, 10, 25, 0, 10},
		{15, 10, 25, 1, 0},
		{74, 1, 25, 3, 0},
	}
	for _, c := range cases {
		l, f := clipPos(c.n, c.offset, c.frames)
		if l != c.loop || f != c.frame {
			t.Errorf("clipPos(%d, %d, %d) = %d, %d; want %d, %d", c.n, c.offset, c.frames, l, f, c.loop, c.frame)
		}
	}
	if got := rtpTime(4294967000, 25, 1); got != 3304 {
		t.Errorf("rtpTime wraps wrongly: %d", got)
	}
	if got := rtpTime(0, 25, 25) - rtpTime(0, 25, 24); got != 3600 {
		t.Errorf("rtpTime step %d, want 3600", got)
	}
}

func TestPacketsBefore(t *testing.T) {
	cl := &clip{frames: make([]clipFrame, 3), cum: []int{0, 2, 3, 6}} // 2, 1 and 3 packets
	cases := []struct{ n, offset, want int64 }{
		{0, 0, 0}, {1, 0, 2}, {3, 0, 6}, {4, 0, 8}, {7, 0, 14},
		{1, 2, 3}, {2, 2, 5}, {4, 1, 7},
	}
	for _, c := range cases {
		if got := cl.packetsBefore(c.n, c.offset); got != c.want {
			t.Errorf("packetsBefore(%d, %d) = %d, want %d", c.n, c.offset, got, c.want)
		}
	}
}

func TestViolationsIn(t *testing.T) {
	vs := []wire.Violation{{ID: "a", Frame: 2}, {ID: "b", Frame: 8}, {ID: "bad", Frame: 10}}
	cases := []struct {
		name             string
		offset, from, to int64
		want             []timelineItem
	}{
		{"first loop", 0, 0, 10, []timelineItem{{N: 2, Loop: 0, V: vs[0]}, {N: 8, Loop: 0, V: vs[1]}}},
		{"end exclusive", 0, 0, 8, []timelineItem{{N: 2, Loop: 0, V: vs[0]}}},
		{"second loop", 0, 10, 20, []timelineItem{{N: 12, Loop: 1, V: vs[0]}, {N: 18, Loop: 1, V: vs[1]}}},
		{"offset", 5, 0, 10, []timelineItem{{N: 3, Loop: 0, V: vs[1]}, {N: 7, Loop: 1, V: vs[0]}}},
		{"empty", 0, 3, 3, nil},
		{"negative from", 0, -5, 3, []timelineItem{{N: 2, Loop: 0, V: vs[0]}}},
	}
	for _, c := range cases {
		got := violationsIn(vs, 10, c.offset, c.from, c.to)
		if len(got) != len(c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i].N != c.want[i].N || got[i].Loop != c.want[i].Loop || got[i].V.ID != c.want[i].V.ID {
				t.Errorf("%s: item %d = %+v, want %+v", c.name, i, got[i], c.want[i])
			}
		}
	}
	v := wallViolation(timelineItem{N: 12, Loop: 1, V: vs[0]}, "cam-7", time.Unix(100, 0))
	if v.ID != "a/L1" || v.Camera != "cam-7" || v.Loop != 1 || !v.Wall.Equal(time.Unix(100, 0)) {
		t.Errorf("wallViolation = %+v", v)
	}
}

// The SDP of a camera carries its parameter sets, so a reader can set up its decoder before
// the first keyframe.
func TestSDPHasParameterSets(t *testing.T) {
	cl := &clip{sps: []byte{0x67, 0x42, 0xc0, 0x1f, 0xd9}, pps: []byte{0x68, 0xce, 0x3c, 0x80}}
	b, err := sessionDescription(cl.format()).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", "packetization-mode=1", "sprop-parameter-sets=Z0LAH9k=,aM48gA==", "a=control:trackID=0"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("SDP lacks %q:\n%s", want, b)
		}
	}
}

func TestSinksFanOut(t *testing.T) {
	var got []string
	rec := func(name string) FuncSink {
		return FuncSink{OnViolation: func(v wire.Violation) { got = append(got, name+":"+v.ID) },
			OnFault: func(f wire.Fault) { got = append(got, name+":"+f.Kind) }}
	}
	s := Sinks{rec("a"), FuncSink{}, rec("b")}
	s.Violation(wire.Violation{ID: "v1/L0"})
	s.Fault(wire.Fault{Kind: "loss"})
	if strings.Join(got, " ") != "a:v1/L0 b:v1/L0 a:loss b:loss" {
		t.Fatalf("fan-out %v", got)
	}
}

func TestJSONLSink(t *testing.T) {
	var tr, fa, de strings.Builder
	s := NewJSONLSink(&tr, &fa, &de)
	s.Violation(wire.Violation{ID: "v1/L2", Camera: "cam-1", Type: wire.RedLight, Loop: 2, Wall: time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)})
	s.Fault(wire.Fault{Camera: "cam-1", Kind: "loss", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Params: map[string]float64{"percent": 2}})
	s.Delivery(wire.Delivery{Camera: "cam-1", From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC), Frames: 250, Bytes: 1000})
	cases := []struct{ name, got, want string }{
		{"truth.jsonl", tr.String(), `{"id":"v1/L2","type":"red_light","camera":"cam-1","frame":0,"t":0,"wall":"2026-01-01T00:00:01Z","loop":2,"object":0,"class":"","box":[0,0,0,0]}` + "\n"},
		{"faults.jsonl", fa.String(), `{"time":"2026-01-01T00:00:00Z","camera":"cam-1","kind":"loss","duration_ns":0,"params":{"percent":2}}` + "\n"},
		{"delivery.jsonl", de.String(), `{"camera":"cam-1","from":"2026-01-01T00:00:00Z","to":"2026-01-01T00:00:10Z","frames":250,"bytes":1000}` + "\n"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, c.want)
		}
	}
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	NewJSONLSink(nil, nil, nil).Violation(wire.Violation{ID: "dropped"}) // nil writers drop their kind
}
