package detect

import "github.com/trafficsim/trafficsim/wire"

// judged records, per analysed frame, which violation types the detector could judge on this
// camera: a type none of whose rules can run (no signal head read for any stop line, a scene
// too dark to tell hair from a helmet) is not judged, and the device says nothing about it
// rather than guess. NotJudged sums it up for the scorecard.
func (d *Detector) judged() {
	if d.notJudged == nil {
		d.notJudged = map[wire.ViolationType]int{}
	}
	d.analysed++
	dark := d.sceneLight < minSceneLight
	lines := false
	for i, l := range d.cal.StopLines {
		if _, ok := d.lineSig[l.ID]; ok && d.lineJudged(i) {
			lines = true
		}
	}
	if len(d.cal.StopLines) > 0 && !lines {
		d.notJudged[wire.RedLight]++
	}
	if len(d.cal.StopLines) > 0 && (!lines || d.sceneSpread < d.o.MinContrast) {
		d.notJudged[wire.StopLineViolation]++
	}
	if d.sceneLight < minHelmetLight {
		d.notJudged[wire.NoHelmet]++
	}
	if dark {
		d.notJudged[wire.TooManyPassengers]++
		d.notJudged[wire.WrongWay]++
		d.notJudged[wire.Sidewalk]++
	}
}

// NotJudged returns, per violation type, the seconds of analysed video (after the warm-up)
// during which this camera's view did not allow judging that type at all (see judged): the
// device reported nothing of that type then, by choice, not by missing it.
func (d *Detector) NotJudged() map[wire.ViolationType]float64 {
	out := map[wire.ViolationType]float64{}
	for t, n := range d.notJudged {
		out[t] = float64(n) / d.fps
	}
	return out
}

// AnalysedS returns the seconds of video analysed after the warm-up: what NotJudged is a share of.
func (d *Detector) AnalysedS() float64 { return float64(d.analysed) / d.fps }
