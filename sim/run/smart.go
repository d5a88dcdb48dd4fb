package run

// This file is stage 4 of a run: the truth path to the center and the smart cameras, which
// see the truth the run scores.

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/smartcam"
	"github.com/trafficsim/trafficsim/wire"
)

// startSmartCameras dials the truth path to the center and starts the smart cameras' fleet.
func (a *assembly) startSmartCameras() error {
	c, p := a.c, a.plan
	user, pass := a.cen.TruthCredentials()
	nsink, err := farm.DialNATSSink(farm.NATSSinkConfig{URL: a.cen.NATSURL(), User: user, Password: pass})
	if err != nil {
		return fmt.Errorf("run: truth to the center: %w", err)
	}
	a.nsink = nsink
	// every truth reaches the center (truth.jsonl is complete); scoring cuts (results.Cuts). The
	// end of scored truth is set once the cameras start: adding thousands of cameras takes
	// seconds, which the cameras then play (issue 14)
	a.plannedEnd = c.TimeNow().Add(c.Duration + 24*time.Hour)
	var smartSinks farm.Sinks
	if len(p.smartIDs) > 0 {
		send := smartcam.HTTPSender(wire.EventsEndpoint{HTTP: a.cen.EventsURL(), Token: p.smartTok}, refusedLog(c))
		if !c.Direct {
			// the clusters start once the farm has its URLs; until then batches wait in the fleet
			ofCamera := map[string]*region{}
			for _, r := range p.regions {
				for _, id := range r.Cameras {
					ofCamera[id] = r
				}
			}
			send = regionSend(p.regions, ofCamera)
		}
		fleet := smartcam.NewFleet(p.smartIDs, c.Seed, smartcam.Model{Source: SmartcamID}, send, c.TimeNow)
		a.fleet = fleet
		fctx, cancel := context.WithCancel(context.Background())
		a.fleetStop = cancel
		a.wg.Add(1)
		go func() { defer a.wg.Done(); fleet.Run(fctx) }()
		smartSinks = append(smartSinks, fleet)
	}
	// the smart cameras see the truth the run scores: none in the warm-up, after each loop's
	// cut or of frames the cameras will not play (emitted ahead of its frame)
	a.sink = &untilSink{next: smartSinks, end: a.plannedEnd, warm: c.WarmUp}
	return nil
}

// refusedLog logs a batch of smart-camera events the center or a cluster refused.
func refusedLog(c *resolved) func(int, string) {
	return func(status int, body string) { c.Logf("smart cameras: a batch was refused: %d %s", status, body) }
}

// untilSink passes the truth timeline on to the smart cameras, without the violations the run
// does not score (results.Cuts: before from, the devices' warm-up; at or after end, emitted
// ahead of frames the cameras will not play; after each loop's cut); it counts them. The
// center gets every truth and the scorers apply the same cuts.
type untilSink struct {
	next       farm.Sinks
	end        time.Time
	warm       time.Duration // also not scored: this long after each clip loop's cut
	mu         sync.Mutex
	from       time.Time
	early, cut int
}

func (s *untilSink) Violation(v wire.Violation) {
	s.mu.Lock()
	// a loop starts the clip again: the scene cuts, and a device must see it anew (truth stamped
	// at a loop's first frame is the traffic already in view)
	cut := v.Loop > 0 && v.T < s.warm.Seconds()
	early, late := v.Wall.Before(s.from) || cut, !v.Wall.Before(s.end)
	if early {
		s.early++
	} else if late {
		s.cut++
	}
	s.mu.Unlock()
	if early || late {
		return
	}
	s.next.Violation(v)
}

// setFrom sets the start of scoring (the cameras' start plus the warm-up).
func (s *untilSink) setFrom(t time.Time) {
	s.mu.Lock()
	s.from = t
	s.mu.Unlock()
}

// counts returns the truths left out before from and at or after end.
func (s *untilSink) counts() (early, late int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.early, s.cut
}

func (s *untilSink) Fault(f wire.Fault)       { s.next.Fault(f) }
func (s *untilSink) Delivery(d wire.Delivery) { s.next.Delivery(d) }

// setEnd moves the end earlier (an interrupted run).
func (s *untilSink) setEnd(t time.Time) {
	s.mu.Lock()
	if t.Before(s.end) {
		s.end = t
	}
	s.mu.Unlock()
}
