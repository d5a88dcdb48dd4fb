package detect

import (
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/wire"
)

// Helmet check constants: the head band is the top 0.22 m of a motorbike's box (riders' heads),
// its central 60%; hair is dark and grey, helmet shells are coloured or light (a black helmet
// reads as hair: a known miss of this check).
const (
	headBandM     = 0.22
	hairY         = 50   // luma at or below which a pixel can be hair
	hairChroma    = 14   // and whose chroma stays this close to grey
	bareShare     = 0.3  // share of hair pixels in the head band that means a bare head
	helmetVotes   = 5    // head measurements per track before deciding
	minHeadPx     = 7    // head band narrower than this in pixels is not judged
	minSceneLight = 60   // darker scenes (night) are not judged: hair and shells look alike
	minMotoMS     = 4.5  // slower two-wheelers may be bicycles, which the rule does not cover
	maxAloneM     = 1.0  // a blob wider than this at its base holds more than one motorbike
	maxHairM      = 0.25 // a bare head is about 0.21 m wide, a helmet about 0.29 m
)

// checkHelmet measures the head band of a motorbike track once per frame while it is fully in
// view, and after helmetVotes measurements stamps no_helmet when most say bare, at the first frame the track was fully visible.
func (d *Detector) checkHelmet(f *decode.Frame, tr *track, t time.Time) []wire.Event {
	if tr.helmetDone || tr.missed > 0 || tr.seen < minSeen || tr.class() != wire.Motorbike || d.sceneLight < minSceneLight {
		return nil
	}
	b := tr.last().box
	if w := tr.last().widthM; w <= 0 || w > maxAloneM {
		return nil // not one motorbike alone in its blob: the top of the box may be anything
	}
	if b[3]-b[1] < 1.4*(b[2]-b[0]) {
		return nil // a rider seen from behind or the front is tall and narrow
	}
	if b[0] < 2 || b[1] < 2 || b[2] > float64(f.Width-2) || b[3] > float64(f.Height-2) {
		return nil // not fully visible
	}
	ppm := 0.0
	if h := d.heightM(tr.last().ground, b); h > 0 {
		ppm = (b[3] - b[1]) / h
	}
	if ppm <= 0 {
		return nil
	}
	band := headBandM * ppm
	w := b[2] - b[0]
	x0, x1 := b[0]+0.2*w, b[2]-0.2*w
	if x1-x0 < minHeadPx || band < 3 {
		return nil
	}
	hair, n, widest := 0, 0, 0
	for y := int(b[1]); y < int(b[1]+band) && y < f.Height; y++ {
		run := 0
		for x := int(b[0]); x < int(b[2]); x++ {
			yv := f.Y[y*f.Width+x]
			ci := (y/2)*f.CW() + x/2
			cb, cr := int(f.Cb[ci])-128, int(f.Cr[ci])-128
			dark := yv <= hairY && cb < hairChroma && cb > -hairChroma && cr < hairChroma && cr > -hairChroma
			if dark {
				run++
				widest = max(widest, run)
			} else {
				run = 0
			}
			if float64(x) >= x0 && float64(x) < x1 {
				if dark {
					hair++
				}
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	if tr.helmetN == 0 {
		tr.helmetT, tr.helmetBox = t, b
	}
	tr.helmetN++
	// dark and as narrow as a head: a black helmet is dark too, but a third wider
	if float64(hair)/float64(n) >= bareShare && float64(widest)/ppm < maxHairM {
		tr.bareN++
	}
	if tr.helmetN < helmetVotes {
		return nil
	}
	if tr.maxSpeed < minMotoMS {
		return nil // keep measuring until it shows it is a motorbike (or the track ends)
	}
	tr.helmetDone = true
	if tr.bareN*4 < tr.helmetN*3 { // three quarters of the measurements say bare
		return nil
	}
	tr.emitted[wire.NoHelmet] = true
	return []wire.Event{d.event(tr, wire.NoHelmet, tr.firstFull(tr.helmetT), tr.helmetBox, wire.Motorbike, conf(float64(tr.bareN)/float64(tr.helmetN)-0.5, 0.5))}
}
