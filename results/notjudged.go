package results

import (
	"math"
	"sort"
)

// NotJudged is what a device declined to judge on one camera because the camera's view did not
// allow it (too dark, too little contrast, no signal head seen), as the device reports it: the
// violations of those types still count as misses, but they were not guesses. Seconds are of
// video analysed after the device's warm-up.
type NotJudged struct {
	Light     string             `json:"light"` // day, night or unknown: the camera's ByCondition light
	Weather   string             `json:"weather,omitempty"`
	AnalysedS float64            `json:"analysed_s"`
	ByTypeS   map[string]float64 `json:"by_type_s"` // seconds not judged, per violation type
}

// Keys are the ByCondition keys the camera's seconds count under: its light and, when known,
// "weather:<w>".
func (n NotJudged) Keys() []string {
	k := []string{n.Light}
	if n.Weather != "" {
		k = append(k, "weather:"+n.Weather)
	}
	return k
}

// Share is the part of the analysed video a type was not judged in (0 without analysed video).
func (n NotJudged) Share(typ string) float64 {
	if n.AnalysedS <= 0 {
		return 0
	}
	return math.Min(1, n.ByTypeS[typ]/n.AnalysedS)
}

// NotJudgedByCondition sums the cameras' entries per ByCondition key (a camera counts under
// its light and its weather): the analysed seconds and, per type, the seconds not judged.
func NotJudgedByCondition(cams map[string]NotJudged) map[string]NotJudged {
	out := map[string]NotJudged{}
	ids := make([]string, 0, len(cams))
	for id := range cams {
		ids = append(ids, id)
	}
	sort.Strings(ids) // sums in one order: the same floats every time
	for _, id := range ids {
		c := cams[id]
		for _, k := range c.Keys() {
			s, ok := out[k]
			if !ok {
				s = NotJudged{Light: c.Light, ByTypeS: map[string]float64{}}
				if k != c.Light {
					s.Light, s.Weather = "", c.Weather
				}
			}
			s.AnalysedS += c.AnalysedS
			for t, v := range c.ByTypeS {
				s.ByTypeS[t] += v
			}
			out[k] = s
		}
	}
	return out
}

// ConditionOf is the ByCondition light of a camera's condition.
func ConditionOf(c Condition) NotJudged {
	return NotJudged{Light: light(c.Night), Weather: c.Weather}
}
