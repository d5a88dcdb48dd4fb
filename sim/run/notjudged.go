package run

import (
	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/device"
)

// notJudged is the scorecard's "not judged" per camera: what the reference devices declined to
// judge (device.CameraStats.NotJudged), under the condition the run's scenario films in. Cameras
// whose device does not say (external boxes, smart cameras) are left out.
func notJudged(st device.Stats, night bool, weather string) map[string]results.NotJudged {
	var out map[string]results.NotJudged
	for id, cs := range st.Cameras {
		if cs.AnalysedS <= 0 {
			continue
		}
		n := results.ConditionOf(results.Condition{Night: night, Weather: weather})
		n.AnalysedS, n.ByTypeS = cs.AnalysedS, map[string]float64{}
		for t, v := range cs.NotJudged {
			n.ByTypeS[string(t)] = v
		}
		if out == nil {
			out = map[string]results.NotJudged{}
		}
		out[id] = n
	}
	return out
}
