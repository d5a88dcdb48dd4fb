package load

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	simrun "github.com/trafficsim/trafficsim/sim/run"
)

// plane is a control plane on an embedded NATS server with a coordinator of n shards.
type plane struct {
	srv   *ControlServer
	coord *coordLink
	mu    sync.Mutex
	got   map[int][]Sample // non-gauge samples by shard
	logs  []string
}

func newPlane(t *testing.T, n int, plan string, now func() time.Time) *plane {
	t.Helper()
	srv, err := StartControlServer("127.0.0.1:0", "tok-"+t.Name()[:4])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	p := &plane{srv: srv, got: map[int][]Sample{}}
	welcome := func(i int) (Welcome, error) {
		return Welcome{Run: "r1", TruthURL: "nats://0.0.0.0:4222", Devices: []DeviceGrant{{Scenario: "knee", ID: groupID("knee", i, 0)}}}, nil
	}
	logf := func(f string, a ...any) {
		p.mu.Lock()
		p.logs = append(p.logs, fmt.Sprintf(f, a...))
		p.mu.Unlock()
	}
	p.coord, err = dialCoord(srv.URL(), n, plan, now, logf, welcome, func(i int, ss []Sample) {
		p.mu.Lock()
		p.got[i] = append(p.got[i], ss...)
		p.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.coord.close)
	return p
}

func (p *plane) shard(t *testing.T, i, n int, plan string) (*shardLink, *Welcome, error) {
	t.Helper()
	l, w, err := dialShard(context.Background(), p.srv.URL(), simrun.Shard{Index: i, Count: n}, plan, time.Now, 5*time.Second)
	if err == nil {
		t.Cleanup(l.close)
	}
	return l, w, err
}

// next is the next control message a shard gets, skipping ticks.
func next(t *testing.T, l *shardLink) Control {
	t.Helper()
	for {
		select {
		case c := <-l.ctl:
			if c.Kind != KindTick {
				return c
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no control message within 5s")
		}
	}
}

// The protocol end to end on a real embedded NATS server: both shards register (the
// coordinator waits for the last), get one start time, report samples (gauges are summed
// across shards, counters passed on), obey an abort, and end with a last report.
func TestShardsRegisterStartTogetherReportAndObeyAbort(t *testing.T) {
	p := newPlane(t, 2, "digest1", time.Now)
	regd := make(chan error, 1)
	go func() { regd <- p.coord.waitRegistered(context.Background(), 10*time.Second) }()
	a, wa, err := p.shard(t, 0, 2, "digest1")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-regd:
		t.Fatalf("the coordinator went on with one shard of two: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	b, wb, err := p.shard(t, 1, 2, "digest1")
	if err != nil {
		t.Fatal(err)
	}
	if err := <-regd; err != nil {
		t.Fatal(err)
	}
	if wa.Run != "r1" || wa.Devices[0].ID != "ref-knee-s0-1" || wb.Devices[0].ID != "ref-knee-s1-1" {
		t.Errorf("welcomes %+v %+v: each shard gets its own devices", wa, wb)
	}
	t0 := time.Now().Add(time.Second).Truncate(time.Microsecond)
	if err := p.coord.publish(Control{Kind: KindStart, T0: t0}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []*shardLink{a, b} {
		if c := next(t, l); c.Kind != KindStart || !c.T0.Equal(t0) {
			t.Fatalf("shard %d got %+v, want the start at %v", l.sh.Index, c, t0)
		}
	}
	now := time.Now()
	for i, l := range []*shardLink{a, b} {
		ss := []Sample{
			{Metric: mCameras.Name, Tags: map[string]string{"scenario": "knee"}, Value: float64(3 + i), Time: now},
			{Metric: mFramesSent.Name, Tags: map[string]string{"camera": fmt.Sprintf("cam-00%d", i+1)}, Value: 25, Time: now},
		}
		if err := l.report(ReportTick, 3+i, ss, ""); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.coord.online() != 7 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := p.coord.online(); got != 7 {
		t.Fatalf("online %d, want 3 + 4", got)
	}
	sums := p.coord.gaugeSums(now)
	if len(sums) != 1 || sums[0].Metric != "cameras" || sums[0].Value != 7 || sums[0].Tags["scenario"] != "knee" {
		t.Errorf("gauge sums %+v, want cameras{scenario:knee} 7", sums)
	}
	p.mu.Lock()
	if len(p.got[0]) != 1 || len(p.got[1]) != 1 || p.got[1][0].Value != 25 || !p.got[1][0].Time.Equal(now.Truncate(time.Microsecond)) {
		t.Errorf("counter samples %+v: one frames_delivered from each shard, its time kept", p.got)
	}
	p.mu.Unlock()

	p.coord.publish(Control{Kind: KindAbort, Reason: "threshold latency p(95)<1 failed (abortOnFail) at 7 cameras"})
	for _, l := range []*shardLink{a, b} {
		if c := next(t, l); c.Kind != KindAbort || !strings.Contains(c.Reason, "abortOnFail") {
			t.Fatalf("shard %d got %+v, want the abort", l.sh.Index, c)
		}
	}
	p.coord.publish(Control{Kind: KindEnd})
	for _, l := range []*shardLink{a, b} {
		if c := next(t, l); c.Kind != KindEnd {
			t.Fatalf("shard %d got %+v, want the end", l.sh.Index, c)
		}
		l.report(ReportDone, 0, nil, "")
	}
	p.coord.waitDone(5 * time.Second)
	rows := p.coord.rows(true, 10*time.Second)
	for i, r := range rows {
		if r.State != StateDone || r.Reports != 2 || r.Gaps != 0 || r.Peak != 3+i || r.Frames != 25 {
			t.Errorf("row %d: %+v, want done after 2 reports, peak %d, 25 frames", i, r, 3+i)
		}
	}
	if err := (&Result{Shards: rows}).ShardProblem(); err != nil {
		t.Error(err)
	}
}

// A shard that never registers: the coordinator gives up after its timeout and names it.
func TestCoordinatorNamesTheShardsThatNeverRegistered(t *testing.T) {
	p := newPlane(t, 4, "d", time.Now)
	for _, i := range []int{0, 2} {
		if _, _, err := p.shard(t, i, 4, "d"); err != nil {
			t.Fatal(err)
		}
	}
	err := p.coord.waitRegistered(context.Background(), 300*time.Millisecond)
	if want := "load: shards 1, 3 of 4 did not register within 300ms"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// A registration the coordinator refuses: the shard gets the exact reason and stops.
func TestRegistrationRefusals(t *testing.T) {
	p := newPlane(t, 2, "d1", time.Now)
	if _, _, err := p.shard(t, 0, 2, "d1"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		shard, of int
		plan      string
		want      string
	}{
		{"other count", 1, 3, "d1", "load: shard 1/3: the coordinator runs 2 shards"},
		{"other plan", 1, 2, "d2", "load: shard 1/2: its plan (digest d2) is not the coordinator's (d1)"},
		{"index out of range", 5, 2, "d1", "load: shard 5/2: index out of range"},
	}
	for _, tt := range tests {
		_, _, err := p.shard(t, tt.shard, tt.of, tt.plan)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
	// the same index from another process
	if w := registerAs(t, p, Register{Shard: 0, Of: 2, Host: "elsewhere", PID: 1, Plan: "d1"}); !strings.HasPrefix(w.Error, "load: shard 0/2 is registered already (") {
		t.Errorf("a second shard 0: %+v", w)
	}
	p.coord.publish(Control{Kind: KindStart, T0: time.Now()})
	if _, _, err := p.shard(t, 1, 2, "d1"); err == nil || err.Error() != "load: shard 1/2: the run has started" {
		t.Errorf("a shard after the start: %v", err)
	}
}

// registerAs sends a registration as another process would.
func registerAs(t *testing.T, p *plane, reg Register) Welcome {
	t.Helper()
	nc, err := nats.Connect(p.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	b, _ := json.Marshal(reg)
	m, err := nc.Request(SubjectRegister, b, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var w Welcome
	if err := json.Unmarshal(m.Data, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// A shard that dies mid-run is counted lost after the silence, its gauges leave the sums, and
// the run's result says so; nothing waits for it.
func TestShardThatFallsSilentIsCountedLost(t *testing.T) {
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	p := newPlane(t, 2, "d", now)
	a, _, _ := p.shard(t, 0, 2, "d")
	b, _, _ := p.shard(t, 1, 2, "d")
	if err := p.coord.waitRegistered(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	g := func(v float64) []Sample {
		return []Sample{{Metric: mPending.Name, Tags: map[string]string{}, Value: v, Time: now()}}
	}
	a.report(ReportTick, 2, g(5), "")
	b.report(ReportTick, 3, g(7), "")
	a.nc.Flush()
	b.nc.Flush()
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	clock = clock.Add(6 * time.Second)
	mu.Unlock()
	a.report(ReportTick, 2, g(5), "") // shard 0 goes on; shard 1 is silent
	a.nc.Flush()
	time.Sleep(100 * time.Millisecond)
	if lost := p.coord.checkLost(now(), 12*time.Second, 5*time.Second); !slices.Equal(lost, []int{1}) {
		t.Fatalf("lost %v, want [1]", lost)
	}
	if s := p.coord.gaugeSums(now()); len(s) != 1 || s[0].Value != 5 {
		t.Errorf("gauges %+v: the lost shard's pending events leave the sum", s)
	}
	if p.coord.online() != 2 {
		t.Errorf("online %d, want 2 (the lost shard's cameras are gone)", p.coord.online())
	}
	a.report(ReportDone, 0, nil, "")
	a.nc.Flush()
	p.coord.waitDone(2 * time.Second) // returns: a lost shard is not waited for
	err := (&Result{Shards: p.coord.rows(true, 20*time.Second)}).ShardProblem()
	if want := "load: 1 of 2 shards did not finish: shard 1 lost at 12s (no report for 5s)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// A shard notices a silent coordinator.
func TestShardNoticesASilentCoordinator(t *testing.T) {
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	p := newPlane(t, 1, "d", time.Now)
	l, _, err := dialShard(context.Background(), p.srv.URL(), simrun.Shard{Index: 0, Count: 1}, "d", now, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	mu.Lock()
	clock = clock.Add(20 * time.Second)
	mu.Unlock()
	if d := l.silentFor(); d != 20*time.Second {
		t.Errorf("silent for %v, want 20s", d)
	}
	p.coord.publish(Control{Kind: KindTick})
	next := time.Now().Add(2 * time.Second)
	for l.silentFor() != 0 && time.Now().Before(next) {
		time.Sleep(10 * time.Millisecond)
	}
	if d := l.silentFor(); d != 0 {
		t.Errorf("silent for %v after a tick, want 0", d)
	}
}

// No coordinator at the URL: the shard says where it looked, without the password.
func TestShardWithoutCoordinator(t *testing.T) {
	_, _, err := dialShard(context.Background(), "nats://shard:secret@127.0.0.1:1", simrun.Shard{Index: 0, Count: 2}, "d", time.Now, 300*time.Millisecond)
	if err == nil || !strings.HasPrefix(err.Error(), "load: shard 0/2: the coordinator at nats://shard:xxx@127.0.0.1:1: ") {
		t.Errorf("got %v", err)
	}
}

// Slot j of a scenario belongs to shard j mod N: every camera is served once, and a ramp
// never moves a camera from one shard to another.
func TestShardSlotsInterleave(t *testing.T) {
	s := &Scenario{Name: "k"}
	for _, n := range []int{0, 1, 5, 7, 12} {
		var all []string
		for i := range 3 {
			r := &runner{slots: simrun.Shard{Index: i, Count: 3}}
			sc := &scen{s: s, prefix: "cam-"}
			ids := r.slotIDs(sc, n)
			if more := r.slotIDs(sc, n+4); !slices.Equal(more[:len(ids)], ids) {
				t.Errorf("shard %d: at %d cameras %v, at %d %v: a ramp moved cameras", i, n, ids, n+4, more)
			}
			all = append(all, ids...)
		}
		slices.Sort(all)
		want := (&runner{}).slotIDs(&scen{s: s, prefix: "cam-"}, n)
		if !slices.Equal(all, want) {
			t.Errorf("%d cameras over 3 shards: %v, want each of %v once", n, all, want)
		}
	}
}

func TestSmartSlotsAndShardDevices(t *testing.T) {
	count := func(share float64, n int) int {
		c := 0
		for j := range n {
			if smartSlot(&Scenario{SmartShare: share}, j) {
				c++
			}
		}
		return c
	}
	for _, tt := range []struct {
		share float64
		n     int
		want  int
	}{{0, 10, 0}, {1, 10, 10}, {0.5, 10, 5}, {0.98, 100, 98}} {
		if got := count(tt.share, tt.n); got != tt.want {
			t.Errorf("share %g of %d slots: %d smart, want %d", tt.share, tt.n, got, tt.want)
		}
	}
	s := &Scenario{Executor: ConstantCameras, Cameras: 100, MaxCameras: 100, CamerasPerDevice: 10}
	if g := shardGroups(s, simrun.Shard{Index: 1, Count: 4}); g != 4 {
		t.Errorf("25 plain cameras of shard 1/4, 10 a device: %d devices, want 3 + a spare", g)
	}
	s.SmartShare = 1
	if g := shardGroups(s, simrun.Shard{Index: 1, Count: 4}); g != 1 {
		t.Errorf("smart cameras only: %d devices, want the spare only", g)
	}
}

// A shard reaches the center where it reached the coordinator when the center listens on
// every address.
func TestEndpointsTakeTheCoordinatorsHost(t *testing.T) {
	for _, tt := range []struct{ ep, center, want string }{
		{"http://0.0.0.0:8080", "nats://shard:x@10.213.5.1:4250", "http://10.213.5.1:8080"},
		{"nats://[::]:4222", "nats://shard:x@center.trafficsim:4250", "nats://center.trafficsim:4222"},
		{"http://127.0.0.1:8080", "nats://shard:x@10.213.5.1:4250", "http://127.0.0.1:8080"},
		{"", "nats://x@h:1", ""},
	} {
		if got := onHost(tt.ep, tt.center); got != tt.want {
			t.Errorf("onHost(%q, %q) = %q, want %q", tt.ep, tt.center, got, tt.want)
		}
	}
}
