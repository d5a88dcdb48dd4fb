package center

import (
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/wire"
)

// fakeClock is a clock the test sets by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time  { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) set(t time.Time) { f.mu.Lock(); f.t = t; f.mu.Unlock() }
func (s *sink) received(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.events {
		if e.EventID == id {
			return s.recv[i]
		}
	}
	return time.Time{}
}

// One clock stamps received, over HTTP and NATS alike: each event gets the time Config.TimeNow
// said when the center took it (not JetStream's timestamp), and a restart under another time
// gives back the same received times, from the log for both transports.
func TestReceivedComesFromOneClockOnBothTransports(t *testing.T) {
	dir := t.TempDir()
	clk := &fakeClock{}
	var s sink
	c := startCenter(t, dir, true, func(cfg *Config) { cfg.TimeNow, cfg.Scorer = clk.now, s.scorer() })

	httpAt := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC) // years from the real clock: JetStream's time cannot pass for it
	clk.set(httpAt)
	if code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, event("h1"))); code != 202 {
		t.Fatalf("POST: %d %s", code, body)
	}
	natsAt := httpAt.Add(90 * time.Minute)
	clk.set(natsAt)
	_, js, _ := natsConnect(t, c.NATSURL(), "dev-1", "tok-1")
	if _, err := js.Publish(t.Context(), wire.EventSubject+".cam-1", mustJSON(t, event("n1"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the NATS event", func() bool { return c.Stats().Events == 2 })
	for _, w := range []struct {
		id   string
		want time.Time
	}{{"h1", httpAt}, {"n1", natsAt}} {
		if got := s.received(w.id); !got.Equal(w.want) {
			t.Errorf("%s received %v, want the clock's %v", w.id, got, w.want)
		}
	}
	c.Close()

	clk.set(natsAt.Add(24 * time.Hour))
	var s2 sink
	startCenter(t, dir, true, func(cfg *Config) { cfg.TimeNow, cfg.Scorer = clk.now, s2.scorer() })
	for _, w := range []struct {
		id   string
		want time.Time
	}{{"h1", httpAt}, {"n1", natsAt}} {
		if got := s2.received(w.id); !got.Equal(w.want) {
			t.Errorf("after a restart %s received %v, want %v as before", w.id, got, w.want)
		}
	}
}
