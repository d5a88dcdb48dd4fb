package devicetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// cameraSkew is how far the farm camera's RTCP wall clock runs ahead of the machine's in the
// wall-clock case: not a whole number of hours, so a device on a wrong time zone fails too.
const cameraSkew = 47*time.Minute + 13*time.Second

// judgeDelay is how long after a violation a device may take to have its event on its own
// disk: a kill loses the events of violations closer to it than that.
const judgeDelay = 3 * time.Second

// Cases is the table every device runs.
var Cases = []Case{
	{Name: "EventTimeIsTheCameraWallClock", Faults: "skew:47m13s", Check: checkWallClock},
	{Name: "ReconnectsAfterTheSessionDrops", Faults: "disconnect:1s/6s", Check: checkReconnect},
	{Name: "ReconnectsAfterTheCameraRestarts", Faults: "reboot:1s/6s", Check: checkReconnect},
	{Name: "DeliversExactlyOnceAcrossAnUplinkOutage", Check: checkOutage},
	{Name: "DeliversExactlyOnceAfterAKillDuringAnOutage", Check: checkKill},
	{Name: "FollowsCamerasJSON", Check: checkFollows},
	{Name: "NamesABrokenCamera", Check: checkBroken},
}

// start runs the device on the farm cameras ids.
func (e *Env) start(ids ...string) error {
	for _, id := range ids {
		if err := e.AddCamera(id); err != nil {
			return err
		}
	}
	if err := e.WriteCameras(ids, nil); err != nil {
		return err
	}
	return e.StartDevice()
}

// heldFrom returns the held events of camera cam.
func (e *Env) heldFrom(cam string) []wire.Event {
	var out []wire.Event
	for _, ev := range e.Held() {
		if ev.CameraID == cam {
			out = append(out, ev)
		}
	}
	return out
}

// firstEvent waits for an event of camera cam at the center.
func (e *Env) firstEvent(cam string) error {
	return e.Wait("a first event of "+cam+" at the center", 6*time.Second, func() bool { return len(e.heldFrom(cam)) > 0 })
}

// matches pairs each truth violation of cam played in [from, to) with the held events of its
// camera and type within the window of its time on the camera's clock (wall + skew).
func (e *Env) matches(cam string, skew time.Duration, from, to time.Time) []match {
	evs := e.heldFrom(cam)
	var out []match
	for _, v := range e.Truth(cam) {
		if v.Wall.Before(from) || !v.Wall.Before(to) {
			continue
		}
		m := match{truth: v}
		at := v.Wall.Add(skew)
		for _, ev := range evs {
			if ev.Type == v.Type && absDur(ev.Time.Sub(at)) <= e.opts.Window {
				m.events = append(m.events, ev)
			}
		}
		out = append(out, m)
	}
	return out
}

type match struct {
	truth  wire.Violation
	events []wire.Event
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// exactlyOnce waits until every truth of cam in [from, to) has its event at the center and
// then says which have none or more than one.
func (e *Env) exactlyOnce(cam string, from, to time.Time) error {
	var ms []match
	err := e.Wait("every violation's event at the center", 6*time.Second, func() bool {
		ms = e.matches(cam, 0, from, to)
		for _, m := range ms {
			if len(m.events) == 0 {
				return false
			}
		}
		return true
	})
	var bad []string
	for _, m := range ms {
		switch n := len(m.events); {
		case n == 0:
			bad = append(bad, fmt.Sprintf("violation %s at %s: no event (lost)", m.truth.ID, clock(m.truth.Wall)))
		case n > 1:
			var ids []string
			for _, ev := range m.events {
				ids = append(ids, ev.EventID)
			}
			bad = append(bad, fmt.Sprintf("violation %s at %s: %d events (duplicates: %s)", m.truth.ID, clock(m.truth.Wall), n, strings.Join(ids, ", ")))
		}
	}
	if len(ms) == 0 {
		return fmt.Errorf("no violation played between %s and %s: the case proves nothing", clock(from), clock(to))
	}
	if len(bad) > 0 {
		return fmt.Errorf("not exactly once (%d violations played): %s", len(ms), strings.Join(bad, "; "))
	}
	e.opts.Logf("%d violations of %s between %s and %s: each at the center once", len(ms), cam, clock(from), clock(to))
	return err
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05.000") }

// checkWallClock: the farm camera's RTCP sender reports run cameraSkew ahead of the machine's
// clock; every event must carry the camera's time of its frame, not the device's.
func checkWallClock(ctx context.Context, e *Env) error {
	if err := e.start("cam-1"); err != nil {
		return err
	}
	if err := e.Wait("two events at the center", 6*time.Second, func() bool { return len(e.heldFrom("cam-1")) >= 2 }); err != nil {
		return err
	}
	var bad []string
	truth := e.Truth("cam-1")
	for _, ev := range e.heldFrom("cam-1") {
		best := time.Duration(1 << 62)
		var near wire.Violation
		for _, v := range truth {
			if d := absDur(ev.Time.Sub(v.Wall.Add(cameraSkew))); d < best {
				best, near = d, v
			}
		}
		if best <= e.opts.Window {
			continue
		}
		onDevice := false // the event matches a violation on the machine's clock
		for _, v := range truth {
			onDevice = onDevice || absDur(ev.Time.Sub(v.Wall)) <= e.opts.Window
		}
		why := fmt.Sprintf("event %s at %s: the camera's clock showed the nearest violation at %s (%v away)", ev.EventID, clock(ev.Time), clock(near.Wall.Add(cameraSkew)), best.Round(time.Millisecond))
		if onDevice {
			why += "; the event is on the device's own clock, not the camera's RTCP wall clock"
		}
		bad = append(bad, why)
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	e.opts.Logf("%d events on the camera's clock (%v ahead of the machine's)", len(e.heldFrom("cam-1")), cameraSkew)
	return nil
}

// checkReconnect: the camera drops its sessions (or restarts) 6 s after it starts, for 1 s;
// the device must play it again and report from it again.
func checkReconnect(ctx context.Context, e *Env) error {
	if err := e.start("cam-1"); err != nil {
		return err
	}
	if err := e.Wait("the device playing cam-1", 0, func() bool { return e.Readers("cam-1") > 0 }); err != nil {
		return err
	}
	down := e.CameraStart("cam-1").Add(6 * time.Second)
	back := down.Add(time.Second)
	if err := e.sleepUntil(back); err != nil {
		return err
	}
	if err := e.Wait("the device playing cam-1 again after the camera came back", 0, func() bool { return e.Readers("cam-1") > 0 }); err != nil {
		return err
	}
	return e.Wait("an event of a frame after the camera came back", 6*time.Second, func() bool {
		for _, ev := range e.heldFrom("cam-1") {
			if ev.Time.After(back) {
				return true
			}
		}
		return false
	})
}

// checkOutage: what the device reports to goes away for 4 s and comes back on its data; every
// violation from the first event on, those played during the outage too, must be at the
// center once.
func checkOutage(ctx context.Context, e *Env) error {
	if err := e.start("cam-1"); err != nil {
		return err
	}
	if err := e.firstEvent("cam-1"); err != nil {
		return err
	}
	from := firstTruth(e, "cam-1")
	e.UplinkDown()
	if err := e.sleepUntil(time.Now().Add(4 * time.Second)); err != nil {
		return err
	}
	if err := e.UplinkUp(); err != nil {
		return err
	}
	return e.exactlyOnce("cam-1", from, time.Now())
}

// checkKill: the uplink goes away, the device is killed 6 s later while events wait in its
// queue, the uplink comes back and the device is started again on the same state: every
// violation from the first event until judgeDelay before the kill (or the device's delivery lag
// before the outage plus 1 s, if longer) must be at the center once.
func checkKill(ctx context.Context, e *Env) error {
	if err := e.start("cam-1"); err != nil {
		return err
	}
	if err := e.firstEvent("cam-1"); err != nil {
		return err
	}
	from := firstTruth(e, "cam-1")
	// a loaded machine lags: what the device took to deliver before counts as its judging time
	judged := max(judgeDelay, e.Lag()+time.Second)
	e.UplinkDown()
	if err := e.sleepUntil(time.Now().Add(6 * time.Second)); err != nil {
		return err
	}
	killed := time.Now()
	if err := e.KillDevice(); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	if err := e.UplinkUp(); err != nil {
		return err
	}
	if err := e.StartDevice(); err != nil {
		return err
	}
	// a device may hold an event a moment for a better plate reading (the reference one 2 s):
	// what it had judgeDelay (or its delivery lag before the outage, if longer) to judge must
	// have reached its disk
	e.opts.Logf("delivery lag before the outage %v: violations up to %v before the kill count", e.Lag().Round(time.Millisecond), judged.Round(time.Millisecond))
	return e.exactlyOnce("cam-1", from, killed.Add(-judged))
}

// firstTruth is the wall time of the violation of the first event held from cam (its match
// with the smallest time).
func firstTruth(e *Env, cam string) time.Time {
	first := time.Time{}
	for _, ev := range e.heldFrom(cam) {
		if first.IsZero() || ev.Time.Before(first) {
			first = ev.Time
		}
	}
	return first.Add(-e.opts.Window)
}

// checkFollows: a camera added to cameras.json is played and reported, a camera removed is
// let go.
func checkFollows(ctx context.Context, e *Env) error {
	if err := e.start("cam-1"); err != nil {
		return err
	}
	if err := e.Wait("the device playing cam-1", 0, func() bool { return e.Readers("cam-1") > 0 }); err != nil {
		return err
	}
	if err := e.AddCamera("cam-2"); err != nil {
		return err
	}
	if err := e.WriteCameras([]string{"cam-1", "cam-2"}, nil); err != nil {
		return err
	}
	if err := e.Wait("the device playing cam-2 after it was added to cameras.json", 0, func() bool { return e.Readers("cam-2") > 0 }); err != nil {
		return err
	}
	if err := e.firstEvent("cam-2"); err != nil {
		return err
	}
	if err := e.WriteCameras([]string{"cam-2"}, nil); err != nil {
		return err
	}
	if err := e.Wait("the device letting cam-1 go after it left cameras.json", 0, func() bool { return e.Readers("cam-1") == 0 }); err != nil {
		return err
	}
	if e.Readers("cam-2") == 0 {
		return errors.New("the device let cam-2 go with cam-1")
	}
	return nil
}

// checkBroken: cameras.json lists a camera with a wrong password and one whose calibration
// says another frame size than its stream has; the device must name both in its log and go
// on reporting the good camera.
func checkBroken(ctx context.Context, e *Env) error {
	for _, id := range []string{"cam-1", "cam-badpass", "cam-badsize"} {
		if err := e.AddCamera(id); err != nil {
			return err
		}
	}
	err := e.WriteCameras([]string{"cam-1", "cam-badpass", "cam-badsize"}, func(c *wire.Calibration) {
		switch c.ID {
		case "cam-badpass":
			c.Password += "-wrong"
		case "cam-badsize":
			c.Width, c.Height = 2*c.Width, 2*c.Height
		}
	})
	if err != nil {
		return err
	}
	if err := e.StartDevice(); err != nil {
		return err
	}
	if err := e.firstEvent("cam-1"); err != nil {
		return fmt.Errorf("the good camera beside the broken ones: %w", err)
	}
	var missing []string
	e.Wait("the broken cameras named in the device's log", 0, func() bool {
		missing = missing[:0]
		log := e.Log()
		for _, id := range []string{"cam-badpass", "cam-badsize"} {
			if !strings.Contains(log, id) {
				missing = append(missing, id)
			}
		}
		return len(missing) == 0
	})
	if len(missing) > 0 {
		return fmt.Errorf("the device's log does not name %s (a broken camera dropped silently)", strings.Join(missing, " and "))
	}
	return nil
}
