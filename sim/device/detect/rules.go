package detect

import (
	"crypto/sha1"
	"encoding/hex"
	"math"
	"time"

	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"github.com/trafficsim/trafficsim/wire"
)

// Rule constants (road-plane metres, seconds) shared by the rules below.
const (
	movingMS   = 1.5 // a track faster than this is moving
	stillMS    = 0.4 // and slower than this is stopped
	wrongCos   = -0.82
	wrongMinM  = 3.0 // metres against the lane during the 2 s hold
	minJudgePx = 30  // lane rules need a box this tall at 720p (far away, blobs of riders merge)
	// no road user's box is wider at its base (buses head-on 2.9-3.5 m, trucks seen from the
	// side of their lane up to 4 m)
	maxVehicleM = 4.5
	zoneAgree   = 1.35 // a zone's mean speed and the track's last second agree within this ratio
	movedOffIoU = 0.5  // a stopped vehicle whose box overlaps where it stopped less has moved off
	// front this far past a line after crossing on red: it went on (the world's GoOnM); a
	// vehicle seen crossing on red that stops nearer is a stop_line violation, not a red_light
	beyondStopM = 6.0
	// a vehicle not seen crossing (queued over the line, or merged while crossing) that stops
	// with its front this far past the line at most is a stop_line violation: further on, a
	// stopped blob is more often a queue inside the junction or a merge than one vehicle
	stopLineM = 3.0
	// a stopped front must be this far past the line at least: compliant vehicles stop a
	// metre or two before it and violators 0.8-2.5 m beyond (the world's overshoot), while the
	// box's bottom edge is off by half a metre where tyres and shadows barely differ from the
	// road (fog, dusk) and by a metre at night
	minBeyondM     = 0.4
	minBeyondDarkM = 1.0
	// the box of a road user judged at a stop line must be this high (metres of a post at its
	// ground point; riders and cars stand 1.5-1.7 m): lower boxes are pieces of a vehicle (a
	// plate and mudguard between the riders of a dense queue, a tail light at night) whose
	// bottom edge is not where the vehicle stands
	minWholeM = 1.0
	// stop_line is judged only in views of this much contrast (90th minus 10th percentile of
	// grey; clear day about 120): in fog (about 60), at dusk (47) and at night (23) the bottom
	// edges of stopped riders are off by a metre, as much as violators overshoot (dev seeds:
	// 0 right of 5 stamped in fog, dusk and night)
	minStopSpread = 80
	minSeen       = tk.MinSeen // frames before a track's rules run
	typicalLenM   = 4.5
	motoLenM      = 1.9
	truckLenM     = 8.0
	busLenM       = 11.0
	holdWrongS    = 2.0
	lostWrongS    = 1.2 // a wrong-way track lost after this much of its hold ...
	lostWrongMS   = 4.0 // ... at this mean speed against the lane is stamped all the same
	holdSidewalk  = 1.0
	// a lane hold of a track that came into the picture doing it is back-dated (heldSince) when
	// it began within maxBackLag of the track's birth, once minBackS of it were seen
	maxBackLag = time.Second
	minBackS   = 1.0
)

func classLen(c wire.Class) float64 {
	switch c {
	case wire.Motorbike, wire.Bicycle:
		return motoLenM
	case wire.Truck:
		return truckLenM
	case wire.Bus:
		return busLenM
	}
	return typicalLenM
}

func unit(p wire.Point) (wire.Point, float64) {
	n := math.Hypot(p[0], p[1])
	if n == 0 {
		return wire.Point{}, 0
	}
	return wire.Point{p[0] / n, p[1] / n}, n
}

func dot2(a, b wire.Point) float64 { return a[0]*b[0] + a[1]*b[1] }

// laneOf returns the index of the lane whose road polygon holds p, or -1.
func (d *Detector) laneOf(p wire.Point) int {
	for i, l := range d.cal.Lanes {
		if l.Road.Contains(p) {
			return i
		}
	}
	return -1
}

// lineSide is the signed distance of p from line l (positive on the side dir points to) and
// whether p is alongside the segment (within 1 m of its ends).
func lineSide(l wire.LineRegion, p wire.Point, dir wire.Point) (float64, bool) {
	a, b := l.Road[0], l.Road[1]
	u, n := unit(wire.Point{b[0] - a[0], b[1] - a[1]})
	if n == 0 {
		return 0, false
	}
	nrm := wire.Point{-u[1], u[0]}
	if dot2(nrm, dir) < 0 {
		nrm = wire.Point{-nrm[0], -nrm[1]}
	}
	v := wire.Point{p[0] - a[0], p[1] - a[1]}
	along := dot2(v, u)
	return dot2(v, nrm), along > -1 && along < n+1
}

// lineDir is the travel direction of the lanes a stop line ends (mean of their directions).
func (d *Detector) lineDir(i int, fallback wire.Point) wire.Point {
	var s wire.Point
	for _, l := range d.cal.Lanes {
		if d.lineLanes[i][l.ID] {
			s[0] += l.Direction[0]
			s[1] += l.Direction[1]
		}
	}
	if u, n := unit(s); n > 0 {
		return u
	}
	return fallback
}

// Heights of the top of each class (roof, riders' heads) and how far the front bumper or wheel
// reaches ahead of that top edge, in metres.
var (
	topHeightM = map[wire.Class]float64{wire.Motorbike: 1.65, wire.Bicycle: 1.65, wire.Car: 1.5, wire.Truck: 3.0, wire.Bus: 3.2}
	topToFront = map[wire.Class]float64{wire.Motorbike: 0.8, wire.Bicycle: 0.8, wire.Car: 1.0, wire.Truck: 0.2, wire.Bus: 0.1}
)

// front estimates the road point of the vehicle's front. Coming towards the camera, the bottom
// centre of the box is the front bumper on the road. Going away, it is the rear, and the front
// is a vehicle length further on; but while the vehicle enters the picture from its bottom edge
// its rear is not in view: then the top edge of the box (roof front, riders' heads) is used, its
// ray meeting the plane at the class's roof height, the bumper a little further on.
func (d *Detector) front(tr *track, s sample, dir wire.Point) wire.Point {
	g := s.Ground
	cam := d.cal.Pinhole.Position
	if dot2(dir, wire.Point{cam[0] - g[0], cam[1] - g[1]}) >= 0 {
		return g
	}
	cls := tr.Class()
	if s.Box[3] >= float64(d.cal.Height-2*d.s) {
		if h, ok := d.topPlane[cls]; ok {
			if p, ok := wire.Apply(h, wire.Point{(s.Box[0] + s.Box[2]) / 2, s.Box[1]}); ok {
				k := topToFront[cls]
				return wire.Point{p[0] + dir[0]*k, p[1] + dir[1]*k}
			}
		}
	}
	l := classLen(cls)
	return wire.Point{g[0] + dir[0]*l, g[1] + dir[1]*l}
}

// ruleCtx is what every rule sees of one track after its newest sample: t is the frame's
// capture time; dir is the travel direction (the lane's when the track is slow); evs collects
// the events stamped.
type ruleCtx struct {
	tr        *track
	t         time.Time
	cur, prev sample
	g         wire.Point
	dir       wire.Point
	speed     float64
	lane      int
	cls       wire.Class
	entering  bool // cut by the image's bottom edge: its ground point is not in view
	evs       []wire.Event
}

// emit stamps one event of a type per track.
func (d *Detector) emit(c *ruleCtx, typ wire.ViolationType, at time.Time, box wire.Box, conf float64) {
	if c.tr.emitted[typ] {
		return
	}
	c.tr.emitted[typ] = true
	c.evs = append(c.evs, d.event(c.tr, typ, at, box, c.cls, conf))
}

// rule is one entry of the rule table: the violation type it stamps ("" for bookkeeping that
// later rules read), whether it needs a settled track (minSeen samples), and its function.
type rule struct {
	typ     wire.ViolationType
	settled bool
	run     func(d *Detector, c *ruleCtx)
}

// ruleTable is the rule table of ARCHITECTURE.md section 4, run in this order on every track after
// its newest sample (no_helmet and too_many_passengers look at pixels: helmet.go, passengers.go).
var ruleTable = []rule{
	// from a track's second sample on: at 140 km/h a car crosses a zone's entry line within
	// the first frames it is seen
	{wire.Speeding, false, (*Detector).speeding},
	{wire.RedLight, true, (*Detector).redLight},
	{wire.StopLineViolation, true, (*Detector).stopLine},
	{wire.WrongWay, true, (*Detector).wrongWay},
	{wire.WrongLane, true, (*Detector).wrongLane},
	{wire.Sidewalk, true, (*Detector).sidewalk},
	{"", true, (*Detector).stillness}, // stop_line (from the next frame) and parking read it
	{wire.IllegalParking, true, (*Detector).parking},
}

// rules runs the rule table on one track after its newest sample; t is the frame's capture time.
func (d *Detector) rules(tr *track, t time.Time) []wire.Event {
	if tr.Missed > 0 || len(tr.Hist) < 2 {
		return nil
	}
	cur, prev := tr.Hist[len(tr.Hist)-1], tr.Hist[len(tr.Hist)-2]
	if cur.WidthM > maxVehicleM || prev.WidthM > maxVehicleM {
		// wider than any vehicle: several merged, or glare on a wet road at night. A lane hold
		// does not run through it: the merged blob's motion is no one vehicle's
		tr.wrongSince, tr.laneSince = time.Time{}, time.Time{}
		return nil
	}
	c := &ruleCtx{tr: tr, t: t, cur: cur, prev: prev, g: cur.Ground, cls: tr.Class()}
	c.dir, c.speed = unit(tr.Vel)
	c.lane = d.laneOf(c.g)
	if c.speed < movingMS && c.lane >= 0 {
		c.dir = d.cal.Lanes[c.lane].Direction
	}
	c.entering = cur.Box[3] >= float64(d.cal.Height-2*d.s)
	for _, r := range ruleTable {
		if r.settled && tr.Seen < minSeen {
			continue // the other rules need a settled track
		}
		r.run(d, c)
	}
	return c.evs
}

// speeding times a track through the speed zones (speedZones).
func (d *Detector) speeding(c *ruleCtx) {
	d.speedZones(c.tr, c.prev, c.cur, c.dir, c.cls, func(typ wire.ViolationType, at time.Time, box wire.Box, conf, kmh float64) {
		n := len(c.evs)
		d.emit(c, typ, at, box, conf)
		if len(c.evs) > n { // the zone's mean speed goes with the event (wire.Event.SpeedKmh, #17)
			c.evs[n].SpeedKmh = math.Round(min(kmh, wire.MaxSpeedKmh)*10) / 10
		}
	})
}

// judgedLines calls f for every stop line whose signal this camera reads (lines judged by
// another head than their own are not judged in a dark scene) with the line's travel
// direction, the track's front now and at the previous sample as signed distances past the
// line, whether it is alongside the line, and whether its signal shows red.
func (d *Detector) judgedLines(c *ruleCtx, f func(i int, l wire.LineRegion, ld wire.Point, dc, dp float64, in, red bool)) {
	for i, l := range d.cal.StopLines {
		si, ok := d.lineSig[l.ID]
		if !ok || !d.lineJudged(i) {
			continue
		}
		ld := d.lineDir(i, c.dir)
		dc, in := lineSide(l, d.front(c.tr, c.cur, c.dir), ld)
		dp, _ := lineSide(l, d.front(c.tr, c.prev, c.dir), ld)
		f(i, l, ld, dc, dp, in, d.signals[si].state == red)
	}
}

// redLight: the front crosses a stop line on red. On a line judged by another head than its
// own (the approach towards the camera, far away) a crossing counts only for a box that can be
// one road user, steady in size and moving: there queues merge along the line of sight and
// their bottom edge jumps. A vehicle entering at the bottom edge has no ground speed yet.
func (d *Detector) redLight(c *ruleCtx) {
	tr, cur := c.tr, c.cur
	d.judgedLines(c, func(i int, l wire.LineRegion, ld wire.Point, dc, dp float64, in, red bool) {
		// a standing track does not cross: its blob jumping over the line is a passer-by
		// merging with it (its own speed is that of the merge)
		if in && dp < 0 && dc >= 0 && dot2(c.dir, ld) > 0.3 && red && tr.crossT.IsZero() && !tr.emitted[wire.StopLineViolation] && tr.stillSince.IsZero() && approached(tr, l, ld) &&
			(!d.inferred[l.ID] || single(cur, c.cls) && (c.speed >= stillMS || c.entering) && steady(tr, c.entering)) && d.crossable(tr, cur) {
			tr.crossT = interp(c.prev.T, cur.T, dp, dc)
			tr.crossLine, tr.crossBox = i, cur.Box
		}
		if !tr.crossT.IsZero() && tr.crossLine == i {
			tr.crossDist = dc
			if dc > beyondStopM {
				d.emit(c, wire.RedLight, tr.crossT, tr.crossBox, 0.8)
			}
		}
	})
}

// crossable reports whether a crossing of a stop line by a track's box can count: in a light
// view (day, fog) only a box that can be a whole road user and whose bottom no nearer road
// user's box hides; a lower box is a piece of a vehicle (the plate and mudguard of a motorbike
// queued before the line, between its neighbours) whose bottom edge jumps over the line while
// the vehicle stands (development fog seed: all 3 red_light false alarms). At dusk and at night
// a rider's blob is often only its lit upper half: there any box counts.
func (d *Detector) crossable(tr *track, s sample) bool {
	return d.sceneLight < minHelmetLight || whole(s) && !d.bottomHidden(tr)
}

// stopLine: a vehicle that drove, stopped at red with its front past a stop line (within
// stopLineM, or beyondStopM when it was seen crossing) and stands there for 1 s. The light
// when it stopped counts: one that stopped at red and moves off soon after the light turns
// green is judged by the light it stopped at.
func (d *Detector) stopLine(c *ruleCtx) {
	tr, cur := c.tr, c.cur
	if d.sceneSpread < d.o.MinContrast {
		return // not judged: too little contrast
	}
	d.judgedLines(c, func(i int, l wire.LineRegion, ld wire.Point, dc, dp float64, in, red bool) {
		crossed := !tr.crossT.IsZero() && tr.crossLine == i
		// not while cut by the bottom edge: its front is then a guess from the top edge, a
		// metre off, and its blob may hold the vehicle coming in behind it
		margin := minBeyondM
		if d.sceneLight < minSceneLight {
			margin = minBeyondDarkM
		}
		if in && !c.entering && (red || tr.stillRed&(1<<i) != 0) && dc > margin && whole(cur) && !d.bottomHidden(tr) && (dc < stopLineM || crossed && dc < beyondStopM) && c.speed < stillMS && !tr.stillSince.IsZero() &&
			c.t.Sub(tr.stillSince) >= time.Second && tr.MaxSpeed > movingMS {
			d.emit(c, wire.StopLineViolation, tr.stillSince, cur.Box, 0.7)
			// it stopped beyond the line: not a red_light, even when it drives on at green
			tr.crossT = time.Time{}
		}
	})
}

// lineJudged reports whether stop line i is judged in the current light. In a dark scene only
// lines whose traffic goes away from the camera are: the camera sees the vehicles' backs. Where
// it comes towards or across the camera, the blobs are headlights and their glare on the road,
// whose bottom edge is no vehicle's front (night rain: red_light and stop_line were 64 of 71
// false alarms). Lines judged by another head than their own are not judged in the dark.
func (d *Detector) lineJudged(i int) bool {
	if d.sceneLight >= minSceneLight {
		return true
	}
	return !d.inferred[d.cal.StopLines[i].ID] && d.lineAway(i)
}

// lineAway reports whether the traffic of stop line i drives away from the camera (within 45
// degrees of the direction from the camera to the line's middle).
func (d *Detector) lineAway(i int) bool {
	ld := d.lineDir(i, wire.Point{})
	cam := d.cal.Pinhole.Position
	l := d.cal.StopLines[i].Road
	to, n := unit(wire.Point{(l[0][0]+l[1][0])/2 - cam[0], (l[0][1]+l[1][1])/2 - cam[1]})
	return n > 0 && ld != (wire.Point{}) && dot2(ld, to) > math.Sqrt2/2
}

// bottomHidden reports whether the bottom of a track's box is covered by a nearer road user's
// box (one whose box reaches lower in the image and overlaps its bottom edge): its ground point
// is then where the other begins, not where it stands.
func (d *Detector) bottomHidden(tr *track) bool {
	b := tr.Last().Box
	for _, o := range d.tracker.Tracks {
		if o == tr || o.Missed > 0 || len(o.Hist) == 0 {
			continue
		}
		ob := o.Last().Box
		if ob[3] > b[3]+2 && ob[1] < b[3] && min(ob[2], b[2])-max(ob[0], b[0]) > 0.3*(b[2]-b[0]) {
			return true
		}
	}
	return false
}

// judgedLane reports whether a track's lane rules run on this sample: in a lane, moving, and
// tall enough in the picture (far away, blobs of riders merge).
func (d *Detector) judgedLane(c *ruleCtx) bool {
	return c.lane >= 0 && c.speed >= movingMS && c.cur.Box[3]-c.cur.Box[1] >= minJudgePx*float64(d.cal.Height)/720
}

// In a dark scene the wrong_way and sidewalk rules do not run: what moves is mostly
// lamp light, headlights and their pools of glare on a wet road running ahead of the vehicles
// towards the camera, against the lanes the camera watches, and over the kerbs.

// wrongWay: straight against the lane (within 35 degrees), staying in that lane, for 2 s and
// wrongMinM: a vehicle turning across the junction crosses lanes at an angle.
func (d *Detector) wrongWay(c *ruleCtx) {
	tr, g := c.tr, c.g
	if d.sceneLight < minSceneLight {
		tr.wrongSince = time.Time{} // not judged in the dark (comment above wrongWay)
		return
	}
	if d.judgedLane(c) {
		against := dot2(c.dir, d.cal.Lanes[c.lane].Direction) < wrongCos && (tr.wrongSince.IsZero() || c.lane == tr.wrongLane)
		if against && tr.wrongSince.IsZero() {
			tr.wrongLane, tr.wrongFrom = c.lane, g
		}
		tr.wrongSince = hold(tr.wrongSince, against, c.t)
	} else if c.speed >= movingMS {
		tr.wrongSince = time.Time{}
	}
	if tr.wrongSince.IsZero() {
		return
	}
	// and it went somewhere: at least wrongMinM against the lane during the hold
	ld := d.cal.Lanes[tr.wrongLane].Direction
	start := d.heldSince(tr, tr.wrongSince, tr.wrongLane, tr.wrongFrom, g, c.t)
	if c.t.Sub(start).Seconds() >= holdWrongS && -dot2(wire.Point{g[0] - tr.wrongFrom[0], g[1] - tr.wrongFrom[1]}, ld) >= wrongMinM {
		d.emit(c, wire.WrongWay, start.Add(time.Duration(holdWrongS*float64(time.Second))), c.cur.Box, 0.8)
	}
}

// wrongLane: a class the lane does not allow, going along it, for 2 s. It needs a clear
// class: two motorbikes side by side can look like a car.
func (d *Detector) wrongLane(c *ruleCtx) {
	tr := c.tr
	switch {
	case d.judgedLane(c):
		allowed := d.cal.Lanes[c.lane].Allowed
		lcls, notIn := tr.laneClass(allowed)
		tr.laneSince = hold(tr.laneSince, dot2(c.dir, d.cal.Lanes[c.lane].Direction) > 0.5 && !allows(allowed, lcls) && tr.Seen >= 10 && notIn >= 0.8, c.t)
	case c.speed >= movingMS:
		tr.laneSince = time.Time{}
	case c.speed < stillMS:
		// the world's hold runs only while the vehicle moves: one standing in the lane (a queue
		// at red) starts again when it drives on. A blob standing while its vehicle moves is a
		// merge with something else, no one vehicle's motion either.
		tr.laneSince = time.Time{}
	}
	if !tr.laneSince.IsZero() && c.t.Sub(tr.laneSince).Seconds() >= holdWrongS {
		if d.lostStamped(tr, c.cur.Box, wire.WrongLane) {
			// a vehicle stamped already, whose track was lost while this one took its blob
			tr.emitted[wire.WrongLane] = true
		}
		d.emit(c, wire.WrongLane, c.t, c.cur.Box, 0.6)
	}
}

// sidewalk: a motorbike on a sidewalk for 1 s.
func (d *Detector) sidewalk(c *ruleCtx) {
	tr := c.tr
	if d.sceneLight < minSceneLight {
		tr.walkSince = time.Time{} // not judged in the dark (comment above wrongWay)
		return
	}
	onWalk := false
	for _, z := range d.cal.Sidewalks {
		if z.Road.Contains(c.g) {
			onWalk = true
		}
	}
	tr.walkSince = hold(tr.walkSince, onWalk && c.cls == wire.Motorbike, c.t)
	if !tr.walkSince.IsZero() && c.t.Sub(tr.walkSince).Seconds() >= holdSidewalk {
		d.emit(c, wire.Sidewalk, c.t, c.cur.Box, 0.7)
	}
}

// stillness keeps when a track stopped (the onset is half the velocity window back) and which
// stop lines were at red then.
func (d *Detector) stillness(c *ruleCtx) {
	tr := c.tr
	v := tr.Velocity(time.Second)
	if v1 := math.Hypot(v[0], v[1]); v1 < stillMS && tr.stillSince.IsZero() {
		tr.stillSince = c.t.Add(-500 * time.Millisecond)
		tr.stillRed = 0
		for i, l := range d.cal.StopLines {
			if si, ok := d.lineSig[l.ID]; ok && i < 64 && d.signals[si].state == red {
				tr.stillRed |= 1 << i
			}
		}
	} else if v1 >= stillMS {
		tr.stillSince, tr.stillRed = time.Time{}, 0
	}
}

// parking: parked in a no-parking zone, from the stop until the vehicle moves off, i.e. its box
// leaves where it stopped (the road point alone jitters: the bottom of a parked car's blob
// creeps up as the background learns it, and others passing by merge with it).
func (d *Detector) parking(c *ruleCtx) {
	tr, cur, t := c.tr, c.cur, c.t
	v := tr.Velocity(time.Second)
	v1 := math.Hypot(v[0], v[1])
	zone := d.noParkingAt(c.g)
	// (a vehicle cut by the bottom edge stands when its top edge does too)
	standing := v1 < stillMS && !(c.entering && d.topMoving(tr))
	if tr.parkSince.IsZero() && zone >= 0 && standing {
		tr.parkSince, tr.parkBox = t.Add(-500*time.Millisecond), cur.Box
	} else if !tr.parkSince.IsZero() && (zone < 0 || v1 > movingMS || cur.Box.IoU(tr.parkBox) < movedOffIoU || c.entering && d.topMoving(tr)) {
		tr.parkSince = time.Time{}
	}
	// it drove in (or came in through the bottom edge), or it was there (maybe rolling to a
	// stop) when the device began to look
	if !tr.parkSince.IsZero() && (tr.MaxSpeed > movingMS || tr.AtStart || d.cameIn(tr)) {
		th := d.cal.NoParking[zone].ThresholdS
		if th <= 0 {
			th = d.o.ParkingS
		}
		if t.Sub(tr.parkSince).Seconds() >= th {
			d.emit(c, wire.IllegalParking, tr.parkSince.Add(time.Duration(th*float64(time.Second))), cur.Box, 0.8)
		}
	}
}

// heldSince is when a lane hold (wrong way, wrong lane) seen from since began in the world. A
// track that came into the picture already doing it (its first box at the image's edge, the
// hold from its first frames) was in the lane before the camera saw it: for the distance from
// its first road point back to the lane's end, at its mean speed since (measured over at least
// minBackS). The hold then counts from then, but at least minBackS must have been seen.
func (d *Detector) heldSince(tr *track, since time.Time, lane int, from, g wire.Point, t time.Time) time.Time {
	seen := t.Sub(since).Seconds()
	if !tr.BornEdge || since.Sub(tr.Born) > maxBackLag || seen < minBackS {
		return since
	}
	u, moved := unit(wire.Point{g[0] - from[0], g[1] - from[1]})
	if moved <= 0 {
		return since
	}
	road := d.cal.Lanes[lane].Road
	back := 0.0 // metres behind the first road point, still in the lane
	for k := 0.25; k <= 60; k += 0.25 {
		if !road.Contains(wire.Point{tr.FirstG[0] - u[0]*k, tr.FirstG[1] - u[1]*k}) {
			break
		}
		back = k
	}
	v := moved / seen
	b := math.Min(back/v+since.Sub(tr.Born).Seconds(), holdWrongS-minBackS)
	return since.Add(-time.Duration(b * float64(time.Second)))
}

// tallestM is the highest box (metres of a post at its ground point) one road user of a class
// shows: the height plus the length seen from above (measured on rendered frames: motorbikes
// 1.6-2.2, cars 2.0-3.4, buses 3.3-4.7). A taller box is a queue merged along the line of
// sight, whose bottom edge jumps from vehicle to vehicle.
var tallestM = map[wire.Class]float64{wire.Motorbike: 2.8, wire.Bicycle: 2.8, wire.Car: 3.8, wire.Truck: 5.5, wire.Bus: 5.5}

// whole reports whether a sample's box is high enough to be a whole road user (minWholeM; an
// unknown height passes).
func whole(s sample) bool { return s.HighM <= 0 || s.HighM >= minWholeM }

// single reports whether a sample's box can be one road user of class c.
func single(s sample, c wire.Class) bool {
	return s.HighM <= 0 || s.HighM <= tallestM[c]
}

// steady reports whether the newest box of a track has the size of its recent boxes (within
// 20% in height and width): a blob that just merged with a passing vehicle grows at once and
// its bottom edge jumps, which is no crossing. A vehicle entering at the bottom edge grows in
// height as it comes in: only its width is compared.
func steady(tr *track, entering bool) bool {
	n := len(tr.Hist)
	if n < 4 {
		return false
	}
	var h, w float64
	for _, s := range tr.Hist[n-4 : n-1] {
		h += s.Box[3] - s.Box[1]
		w += s.Box[2] - s.Box[0]
	}
	h, w = h/3, w/3
	c := tr.Hist[n-1].Box
	return (entering || math.Abs(c[3]-c[1]-h) <= 0.2*h) && math.Abs(c[2]-c[0]-w) <= 0.2*w
}

// noParkingAt returns the index of the no-parking zone holding p, or -1.
func (d *Detector) noParkingAt(p wire.Point) int {
	for i, z := range d.cal.NoParking {
		if z.Road.Contains(p) {
			return i
		}
	}
	return -1
}

// parked reports whether a track has stood in a no-parking zone for over 2 s.
func (tr *track) parked(t time.Time) bool {
	return !tr.parkSince.IsZero() && t.Sub(tr.parkSince) > 2*time.Second
}

// approached reports whether the track was seen on the approach side of a line, alongside it:
// a vehicle that comes out of the cross street inside the junction never was.
func approached(tr *track, l wire.LineRegion, ld wire.Point) bool {
	for _, h := range tr.Hist {
		if dist, in := lineSide(l, h.Ground, ld); in && dist < -1 {
			return true
		}
	}
	return false
}

// finish runs when a track ends (left the view, lost, or end of stream): a vehicle that crossed
// on red and was last seen past the line without stopping went on.
//
// A vehicle that went the wrong way for most of the 2 s hold, fast and straight, and then
// vanished inside the picture into the traffic it drove against (merged with a queue) is
// stamped at the 2 s mark it was heading for.
func (d *Detector) finish(tr *track) {
	if !tr.crossT.IsZero() && !tr.emitted[wire.RedLight] && !tr.emitted[wire.StopLineViolation] && tr.crossDist > 1.5 {
		tr.emitted[wire.RedLight] = true
		tr.pending = append(tr.pending, d.event(tr, wire.RedLight, tr.crossT, tr.crossBox, tr.Class(), 0.7))
	}
	if tr.wrongSince.IsZero() || tr.emitted[wire.WrongWay] {
		return
	}
	last := tr.Last()
	held := last.T.Sub(tr.wrongSince).Seconds()
	ld := d.cal.Lanes[tr.wrongLane].Direction
	gone := -dot2(wire.Point{last.Ground[0] - tr.wrongFrom[0], last.Ground[1] - tr.wrongFrom[1]}, ld)
	b := last.Box
	inside := b[0] > edgePx && b[1] > edgePx && b[2] < float64(d.cal.Width)-edgePx && b[3] < float64(d.cal.Height)-edgePx
	if inside && held >= lostWrongS && gone >= lostWrongMS*held { // out of the picture, no camera sees its 2 s mark
		tr.emitted[wire.WrongWay] = true
		start := d.heldSince(tr, tr.wrongSince, tr.wrongLane, tr.wrongFrom, last.Ground, last.T)
		at := start.Add(time.Duration(holdWrongS * float64(time.Second)))
		tr.pending = append(tr.pending, d.event(tr, wire.WrongWay, at, last.Box, tr.Class(), 0.6))
	}
}

// speedZones times a track through each speed zone: crossing times of the entry and exit lines,
// interpolated within the frame; the mean speed over the zone's length against the class's
// limit.
func (d *Detector) speedZones(tr *track, prev, cur sample, dir wire.Point, cls wire.Class, emit func(typ wire.ViolationType, at time.Time, box wire.Box, conf, kmh float64)) {
	for zi, z := range d.cal.SpeedZones {
		zd := d.zoneDir(z, dir)
		de, ine := lineSide(z.Entry, cur.Ground, zd)
		dpe, _ := lineSide(z.Entry, prev.Ground, zd)
		if ine && dpe < 0 && de >= 0 {
			tr.zoneIn[zi] = interp(prev.T, cur.T, dpe, de)
		}
		dx, inx := lineSide(z.Exit, cur.Ground, zd)
		dpx, _ := lineSide(z.Exit, prev.Ground, zd)
		if in, ok := tr.zoneIn[zi]; ok && inx && dpx < 0 && dx >= 0 {
			out := interp(prev.T, cur.T, dpx, dx)
			delete(tr.zoneIn, zi)
			length := z.LengthM
			if length <= 0 {
				length = math.Hypot(mid(z.Exit)[0]-mid(z.Entry)[0], mid(z.Exit)[1]-mid(z.Entry)[1])
			}
			if dt := out.Sub(in).Seconds(); dt > 0 {
				kmh := length / dt * 3.6
				// the zone's mean must agree with the track's own recent speed: a track that
				// jumped to another vehicle's blob on the way has a mean no vehicle drove
				v := tr.Velocity(time.Second)
				own := math.Hypot(v[0], v[1]) * 3.6
				if tr.Seen < minSeen || own < kmh/zoneAgree || own > kmh*zoneAgree {
					continue
				}
				if lim, ok := d.cal.SpeedLimits[cls]; ok && lim > 0 && kmh > lim {
					emit(wire.Speeding, cur.T, cur.Box, conf(kmh/lim-1, 0.15), kmh)
				}
			}
		}
	}
}

func (d *Detector) zoneDir(z wire.SpeedZoneRegion, fallback wire.Point) wire.Point {
	u, n := unit(wire.Point{mid(z.Exit)[0] - mid(z.Entry)[0], mid(z.Exit)[1] - mid(z.Entry)[1]})
	if n == 0 {
		return fallback
	}
	return u
}

func mid(l wire.LineRegion) wire.Point {
	return wire.Point{(l.Road[0][0] + l.Road[1][0]) / 2, (l.Road[0][1] + l.Road[1][1]) / 2}
}

// hold keeps the start time of a condition while it holds and clears it when it does not.
func hold(since time.Time, cond bool, t time.Time) time.Time {
	switch {
	case !cond:
		return time.Time{}
	case since.IsZero():
		return t
	}
	return since
}

// interp is the time at which a signed distance going from dp (at tp) to dc (at tc) is zero.
func interp(tp, tc time.Time, dp, dc float64) time.Time {
	if dc == dp {
		return tc
	}
	f := -dp / (dc - dp)
	return tp.Add(time.Duration(f * float64(tc.Sub(tp))))
}

func allows(cs []wire.Class, c wire.Class) bool {
	if len(cs) == 0 {
		return true
	}
	for _, a := range cs {
		if a == c {
			return true
		}
	}
	return false
}

// conf maps a margin over a threshold to a confidence in 0.5..0.95.
func conf(margin, full float64) float64 {
	return math.Min(0.95, 0.5+0.45*math.Max(0, margin)/full)
}

// event builds the event of a track; the id is stable for the same stream and detection.
func (d *Detector) event(tr *track, typ wire.ViolationType, at time.Time, box wire.Box, cls wire.Class, c float64) wire.Event {
	id := d.o.Source + "/" + d.cal.ID + "/" + string(typ) + "/" + tr.ID
	if len(id) > 128 {
		h := sha1.Sum([]byte(id))
		id = hex.EncodeToString(h[:])
	}
	b := clampBox(box, d.cal.Width, d.cal.Height)
	e := wire.Event{EventID: id, CameraID: d.cal.ID, Type: typ, Time: at.UTC().Truncate(time.Millisecond),
		VehicleClass: cls, Confidence: c, Source: d.o.Source}
	if b.Area() > 0 {
		e.Box = &b
	}
	if d.o.Evidence >= 0 && d.evidence != nil && b.Area() > 0 {
		if j, err := evidenceJPEG(d.evidence, b); err == nil {
			e.Evidence = &wire.Evidence{JPEG: j}
		}
	}
	return e
}

func clampBox(b wire.Box, w, h int) wire.Box {
	return wire.Box{math.Max(0, b[0]), math.Max(0, b[1]), math.Min(float64(w), b[2]), math.Min(float64(h), b[3])}
}

// laneClass is a track's class for the wrong_lane rule and the share of its frames read as a
// class the lane does not allow: a slow two-wheeler whose tyre says bicycle is one, its
// motorbike-sized frames a bicycle's.
func (tr *track) laneClass(allowed []wire.Class) (wire.Class, float64) {
	if tr.bicycle() && tr.MaxSpeed < maxBicycleMS && !allows(allowed, wire.Bicycle) {
		return wire.Bicycle, tr.ShareNotIn([]wire.Class{wire.Car, wire.Truck, wire.Bus})
	}
	return tr.Class(), tr.ShareNotIn(allowed)
}
