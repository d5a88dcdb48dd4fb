package center

import (
	"testing"

	"github.com/trafficsim/trafficsim/wire"
)

// Cameras that play the same clip report its violations under the same clip id and loop: the
// truth of one camera is no duplicate of another's (issue 14: a 1,000-camera run over four clips
// kept 60 truths, one per clip violation).
func TestTruthOfCamerasSharingAClipIsNotDeduplicated(t *testing.T) {
	var s sink
	c := startCenter(t, "", false, func(cfg *Config) { cfg.Scorer = s.scorer() })
	one := func(cam string, loop int) wire.Violation {
		return wire.Violation{ID: "v7/L1", Loop: loop, Type: wire.RedLight, Camera: cam, Wall: t0, Class: wire.Car}
	}
	cases := []struct {
		name  string
		v     wire.Violation
		reply string
	}{
		{"cam-1", one("cam-1", 1), `{"accepted":1,"duplicate":0}`},
		{"cam-2, same clip violation and loop", one("cam-2", 1), `{"accepted":1,"duplicate":0}`},
		{"cam-1 again", one("cam-1", 1), `{"accepted":0,"duplicate":1}`},
		{"cam-1, next loop", one("cam-1", 2), `{"accepted":1,"duplicate":0}`},
	}
	for _, tc := range cases {
		if code, body := post(t, c.TruthURL()+"/v1/truth", testTruthToken, "application/json", mustJSON(t, tc.v)); code != 202 || body != tc.reply {
			t.Fatalf("%s: got %d %s, want 202 %s", tc.name, code, body, tc.reply)
		}
	}
	if _, n, _ := s.counts(); n != 3 {
		t.Fatalf("scorer got %d truths, want 3", n)
	}
}
