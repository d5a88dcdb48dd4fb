package world

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/wire"
)

// World extent along the main road (metres from the camera foot) and across on the cross road.
const (
	yMin = -45.0
	yMax = 140.0
	xMax = 70.0
)

// SignalHeightM is the height of the amber lamp of the corner signal heads.
const SignalHeightM = 3.2

// mainLane is a lane of the main road.
type mainLane struct {
	id      string
	dir     int // +1 away (+y), -1 toward (-y)
	x0, x1  float64
	allowed []wire.Class
}

func (l *mainLane) xc() float64 { return (l.x0 + l.x1) / 2 }

func (l *mainLane) allows(c wire.Class) bool {
	for _, a := range l.allowed {
		if a == c {
			return true
		}
	}
	return false
}

// path is a polyline a vehicle follows, first point to last.
type path struct {
	pts   []wire.Point
	cum   []float64
	stopS float64 // arc length of the stop line, -1 without one
	sig   int     // signal group controlling it (0 main, 1 cross), -1 none
	lane  *mainLane
	turn  int // 0 straight, +1 right, -1 left
}

func newPath(pts []wire.Point) *path {
	p := &path{pts: pts, cum: make([]float64, len(pts)), stopS: -1, sig: -1}
	for i := 1; i < len(pts); i++ {
		p.cum[i] = p.cum[i-1] + math.Hypot(pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1])
	}
	return p
}

func (p *path) length() float64 { return p.cum[len(p.cum)-1] }

// at returns the point at arc length s and the unit tangent there (extrapolating past the ends).
func (p *path) at(s float64) (wire.Point, wire.Point) {
	i := 1
	for i < len(p.pts)-1 && p.cum[i] < s {
		i++
	}
	a, b := p.pts[i-1], p.pts[i]
	seg := p.cum[i] - p.cum[i-1]
	t := wire.Point{(b[0] - a[0]) / seg, (b[1] - a[1]) / seg}
	u := s - p.cum[i-1]
	return wire.Point{a[0] + t[0]*u, a[1] + t[1]*u}, t
}

// stopLine is a stop line as the rules see it.
type stopLine struct {
	id   string
	a, b wire.Point
	n    wire.Point // unit direction of travel of the controlled approach
	sig  int        // index into site.heads
}

// head is a signal head and the group whose cycle it shows.
type head struct {
	sig   wire.Signal
	group int
}

// laneRegion is a monitored lane polygon as the rules see it.
type laneRegion struct {
	id      string
	poly    wire.Polygon
	dir     wire.Point
	allowed []wire.Class
	x0, x1  float64 // bounding box, for a fast reject
	y0, y1  float64
}

func (l *laneRegion) contains(p wire.Point) bool {
	return p[0] >= l.x0 && p[0] <= l.x1 && p[1] >= l.y0 && p[1] <= l.y1 && l.poly.Contains(p)
}

func (l *laneRegion) allows(c wire.Class) bool {
	for _, a := range l.allowed {
		if a == c {
			return true
		}
	}
	return false
}

// zone is a monitored area (sidewalk or no-parking) with its bounding box.
type zone struct {
	id         string
	poly       wire.Polygon
	thresholdS float64
	x0, x1     float64
	y0, y1     float64
}

func newZone(id string, pg wire.Polygon, th float64) zone {
	z := zone{id: id, poly: pg, thresholdS: th, x0: math.Inf(1), y0: math.Inf(1), x1: math.Inf(-1), y1: math.Inf(-1)}
	for _, p := range pg {
		z.x0, z.x1 = min(z.x0, p[0]), max(z.x1, p[0])
		z.y0, z.y1 = min(z.y0, p[1]), max(z.y1, p[1])
	}
	return z
}

func (z *zone) contains(p wire.Point) bool {
	return p[0] >= z.x0 && p[0] <= z.x1 && p[1] >= z.y0 && p[1] <= z.y1 && z.poly.Contains(p)
}

// speedZone is a measured stretch for one direction: entry and exit lines across its lanes.
type speedZone struct {
	id          string
	dir         int // +1 away, -1 toward
	entry, exit float64
	x0, x1      float64
	length      float64
}

// source spawns vehicles for one direction of a road.
type source struct {
	name    string
	cross   bool
	dir     int      // main road: +1/-1; cross road: +1 eastbound, -1 westbound
	rate    float64  // vehicles per second
	next    float64  // time of the next arrival
	queue   int      // arrivals waiting for space
	pending *arrival // the next one to enter, drawn already
}

// site is the built scene of a scenario: geometry for the renderer and regions for the rules.
type site struct {
	sc        *scenarios.Scenario
	scene     wire.Scene
	cam       wire.Pinhole
	lanes     []*mainLane
	laneW     float64
	xRoadL    float64 // carriageway edges, shoulders included
	xRoadR    float64
	swM       float64
	yNear     float64 // monitored stretch of the main road
	yFar      float64
	junction  bool
	stopAway  float64 // intersection: y of the stop lines
	stopTow   float64
	yc0, yc1  float64 // cross road carriageway
	crossLane float64
	nCross    int
	heads     []head
	stops     []stopLine
	regions   []laneRegion
	sidewalks []zone
	noParking []zone
	speed     []speedZone
	cycle     cycle
	// paths by origin: straight per main lane and direction; turns; cross road lanes.
	straight map[*mainLane]*path
	wrongWay map[*mainLane]*path
	turns    map[*mainLane][2]*path // [0] right, [1] left
	crossP   [2][]*path             // [0] eastbound, [1] westbound
	sources  []*source
}

// cycle is the fixed-time plan: main green, amber, all-red, cross green, amber, all-red.
type cycle struct {
	green, amber, allRed, crossGreen float64
	offset                           float64
}

func (c cycle) length() float64 { return 2*(c.amber+c.allRed) + c.green + c.crossGreen }

// light returns the light of a group at time t (seconds) and the time left in that state.
func (c cycle) light(group int, t float64) (wire.Light, float64) {
	L := c.length()
	u := math.Mod(t+c.offset, L)
	if u < 0 {
		u += L
	}
	if group == 1 {
		u = math.Mod(u+L-(c.green+c.amber+c.allRed), L)
		g, a := c.crossGreen, c.amber
		switch {
		case u < g:
			return wire.Green, g - u
		case u < g+a:
			return wire.Amber, g + a - u
		}
		return wire.Red, L - u
	}
	switch {
	case u < c.green:
		return wire.Green, c.green - u
	case u < c.green+c.amber:
		return wire.Amber, c.green + c.amber - u
	}
	return wire.Red, L - u
}

func rect(x0, y0, x1, y1 float64) wire.Polygon {
	return wire.Polygon{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func classes(names []string) []wire.Class {
	out := make([]wire.Class, len(names))
	for i, n := range names {
		out[i] = wire.Class(n)
	}
	return out
}

// groundDistance returns the y where the image row at the centre column meets the road.
func groundDistance(cam wire.Pinhole, row float64) float64 {
	inv, err := cam.ImageToRoad()
	if err != nil {
		return 0
	}
	p, ok := wire.Apply(inv, wire.Point{cam.Cx, row})
	if !ok {
		return math.Inf(1)
	}
	return p[1]
}

func buildSite(sc *scenarios.Scenario, seed uint64) (*site, error) {
	s := &site{sc: sc, straight: map[*mainLane]*path{}, wrongWay: map[*mainLane]*path{}, turns: map[*mainLane][2]*path{}}
	w, h := sc.Resolution.Width, sc.Resolution.Height
	s.cam = wire.Pinhole{
		FocalPx: sc.Camera.FocalPx, Cx: float64(w) / 2, Cy: float64(h) / 2,
		Position: wire.Point{sc.Camera.PositionM[0], sc.Camera.PositionM[1]},
		HeightM:  sc.Camera.HeightM, TiltDeg: sc.Camera.TiltDeg, PanDeg: sc.Camera.PanDeg, Width: w, Height: h,
	}
	s.yNear = max(groundDistance(s.cam, 0.97*float64(h)), yMin+10)
	s.yFar = min(groundDistance(s.cam, 0.18*float64(h)), yMax-20)
	if !(s.yFar > s.yNear+10) {
		return nil, fmt.Errorf("camera: the road in view is too short (%.1f to %.1f m ahead); tilt the camera down", s.yNear, s.yFar)
	}
	ss := sc.Scene
	s.laneW = ss.LaneWidthM
	s.swM = ss.SidewalkM
	nT := 0
	for _, l := range ss.Lanes {
		if l.Direction == "toward" {
			nT++
		}
	}
	W := float64(len(ss.Lanes))*s.laneW + ss.MedianM
	x := -W / 2
	for i, l := range ss.Lanes {
		if i == nT && i > 0 {
			x += ss.MedianM
		}
		d := 1
		if l.Direction == "toward" {
			d = -1
		}
		s.lanes = append(s.lanes, &mainLane{id: l.ID, dir: d, x0: x, x1: x + s.laneW, allowed: classes(l.Allowed)})
		x += s.laneW
	}
	s.xRoadL, s.xRoadR = -W/2-ss.ShoulderM, W/2+ss.ShoulderM
	s.junction = ss.Template == "intersection"
	sn := &s.scene
	sn.Template = ss.Template
	sn.SpeedLimits = map[wire.Class]float64{}
	for _, c := range wire.Classes {
		if v := ss.SpeedLimitsKmh.Get(string(c)); v > 0 {
			sn.SpeedLimits[c] = v
		}
	}
	ground := "ground"
	if ss.Template == "expressway" {
		ground = "grass"
	}
	sn.Surfaces = append(sn.Surfaces, wire.Surface{Kind: ground, Polygon: rect(-xMax, yMin, xMax, yMax)})
	sn.Surfaces = append(sn.Surfaces, wire.Surface{Kind: "asphalt", Polygon: rect(s.xRoadL, yMin, s.xRoadR, yMax)})
	cw := max(ss.SidewalkM, 3.0) // crosswalk width
	if s.junction {
		s.nCross = ss.Cross.LanesEachWay
		s.crossLane = ss.Cross.LaneWidthM
		s.stopAway = ss.StopLineM
		s.yc0 = s.stopAway + 1 + cw
		s.yc1 = s.yc0 + 2*float64(s.nCross)*s.crossLane
		s.stopTow = s.yc1 + cw + 1
		sn.Surfaces = append(sn.Surfaces, wire.Surface{Kind: "asphalt", Polygon: rect(-xMax, s.yc0, xMax, s.yc1)})
		sig := ss.Signal
		s.cycle = cycle{green: sig.Green.Seconds(), amber: sig.Amber.Seconds(), allRed: sig.AllRed.Seconds(), crossGreen: sig.CrossGreen.Seconds()}
		// Different seeds (cameras) see the cycle at different phases.
		s.cycle.offset = rand.New(rand.NewPCG(seed, 11)).Float64() * s.cycle.length()
	}
	// Median and sidewalks, interrupted by the cross road.
	spans := [][2]float64{{yMin, yMax}}
	if s.junction {
		spans = [][2]float64{{yMin, s.yc0}, {s.yc1, yMax}}
	}
	for _, sp := range spans {
		if ss.MedianM > 0 {
			y0, y1 := sp[0], sp[1]
			if s.junction && y1 == s.yc0 {
				y1 = s.stopAway - 0.5
			}
			if s.junction && y0 == s.yc1 {
				y0 = s.stopTow + 0.5
			}
			sn.Surfaces = append(sn.Surfaces, wire.Surface{Kind: "median", Polygon: rect(-ss.MedianM/2, y0, ss.MedianM/2, y1)})
		}
		if ss.SidewalkM > 0 {
			for i, x0 := range []float64{s.xRoadL - ss.SidewalkM, s.xRoadR} {
				pg := rect(x0, sp[0], x0+ss.SidewalkM, sp[1])
				sn.Surfaces = append(sn.Surfaces, wire.Surface{Kind: "sidewalk", Polygon: pg})
				// The monitored part of each sidewalk is a rule region.
				y0, y1 := max(sp[0], s.yNear), min(sp[1], s.yFar)
				if y1 > y0+2 {
					side := [2]string{"left", "right"}[i]
					id := fmt.Sprintf("sw-%s-%d", side, len(s.sidewalks)/2+1)
					s.sidewalks = append(s.sidewalks, newZone(id, rect(x0, y0, x0+ss.SidewalkM, y1), 0))
				}
			}
		}
	}
	if s.junction && ss.SidewalkM > 0 {
		for _, y := range [][2]float64{{s.yc0 - ss.SidewalkM, s.yc0}, {s.yc1, s.yc1 + ss.SidewalkM}} {
			sn.Surfaces = append(sn.Surfaces,
				wire.Surface{Kind: "sidewalk", Polygon: rect(-xMax, y[0], s.xRoadL-ss.SidewalkM, y[1])},
				wire.Surface{Kind: "sidewalk", Polygon: rect(s.xRoadR+ss.SidewalkM, y[0], xMax, y[1])})
		}
	}
	s.markings(cw)
	s.buildLanes()
	s.buildZones()
	s.buildProps(seed)
	s.buildSources()
	for i := range s.sidewalks {
		z := &s.sidewalks[i]
		sn.Sidewalks = append(sn.Sidewalks, wire.Zone{ID: z.id, Polygon: z.poly})
	}
	for i := range s.noParking {
		z := &s.noParking[i]
		sn.NoParking = append(sn.NoParking, wire.Zone{ID: z.id, Polygon: z.poly, ThresholdS: z.thresholdS})
	}
	return s, nil
}

// markings paints lane dividers, centre lines, edge lines and crosswalk stripes.
func (s *site) markings(cw float64) {
	sn := &s.scene
	spans := [][2]float64{{yMin, yMax}}
	if s.junction {
		spans = [][2]float64{{yMin, s.stopAway}, {s.stopTow, yMax}}
	}
	for _, sp := range spans {
		for i := 1; i < len(s.lanes); i++ {
			a, b := s.lanes[i-1], s.lanes[i]
			if a.dir == b.dir {
				sn.Markings = append(sn.Markings, wire.Marking{Kind: "dashed", Color: "white", WidthM: 0.15, Points: []wire.Point{{a.x1, sp[0]}, {a.x1, sp[1]}}})
			} else if b.x0 == a.x1 {
				sn.Markings = append(sn.Markings, wire.Marking{Kind: "double", Color: "yellow", WidthM: 0.35, Points: []wire.Point{{a.x1, sp[0]}, {a.x1, sp[1]}}})
			} else {
				for _, x := range []float64{a.x1 + 0.1, b.x0 - 0.1} {
					sn.Markings = append(sn.Markings, wire.Marking{Kind: "solid", Color: "yellow", WidthM: 0.15, Points: []wire.Point{{x, sp[0]}, {x, sp[1]}}})
				}
			}
		}
		for _, x := range []float64{s.lanes[0].x0 + 0.1, s.lanes[len(s.lanes)-1].x1 - 0.1} {
			sn.Markings = append(sn.Markings, wire.Marking{Kind: "solid", Color: "white", WidthM: 0.15, Points: []wire.Point{{x, sp[0]}, {x, sp[1]}}})
		}
	}
	if !s.junction {
		return
	}
	// Cross road: centre line and dividers outside the junction.
	mid := (s.yc0 + s.yc1) / 2
	for _, xs := range [][2]float64{{-xMax, s.xRoadL - cw - 1}, {s.xRoadR + cw + 1, xMax}} {
		sn.Markings = append(sn.Markings, wire.Marking{Kind: "double", Color: "yellow", WidthM: 0.35, Points: []wire.Point{{xs[0], mid}, {xs[1], mid}}})
		for k := 1; k < s.nCross; k++ {
			for _, y := range []float64{mid - float64(k)*s.crossLane, mid + float64(k)*s.crossLane} {
				sn.Markings = append(sn.Markings, wire.Marking{Kind: "dashed", Color: "white", WidthM: 0.15, Points: []wire.Point{{xs[0], y}, {xs[1], y}}})
			}
		}
	}
	// Crosswalk stripes (0.5 m wide, 0.5 m apart) across all four arms.
	stripe := func(horizontal bool, lo, hi, a, b float64) {
		for t := lo + 0.25; t+0.5 <= hi; t += 1 {
			if horizontal { // stripes across a north-south road: run along y
				sn.Crosswalks = append(sn.Crosswalks, rect(t, a, t+0.5, b))
			} else {
				sn.Crosswalks = append(sn.Crosswalks, rect(a, t, b, t+0.5))
			}
		}
	}
	stripe(true, s.xRoadL, s.xRoadR, s.yc0-cw, s.yc0-0.5)
	stripe(true, s.xRoadL, s.xRoadR, s.yc1+0.5, s.yc1+cw)
	stripe(false, s.yc0, s.yc1, s.xRoadL-cw, s.xRoadL-0.5)
	stripe(false, s.yc0, s.yc1, s.xRoadR+0.5, s.xRoadR+cw)
	// Stop lines and signal heads: away, toward, eastbound, westbound.
	var away, toward []string
	for _, l := range s.lanes {
		if l.dir > 0 {
			away = append(away, l.id)
		} else {
			toward = append(toward, l.id)
		}
	}
	var east, west []string
	for k := 1; k <= s.nCross; k++ {
		east = append(east, fmt.Sprintf("e%d", k))
		west = append(west, fmt.Sprintf("w%d", k))
	}
	xm := 0.0
	for _, l := range s.lanes {
		if l.dir > 0 {
			xm = l.x0
			break
		}
	}
	xt := xm
	if len(toward) > 0 {
		xt = s.lanes[len(toward)-1].x1
	}
	xs := s.xRoadR + cw + 1
	defs := []struct {
		id, sig string
		a, b    wire.Point
		n       wire.Point
		lanes   []string
		pos     wire.Point
		facing  float64
		group   int
	}{
		{"sl-away", "sig-away", wire.Point{xm, s.stopAway}, wire.Point{s.lanes[len(s.lanes)-1].x1, s.stopAway}, wire.Point{0, 1}, away, wire.Point{s.xRoadR + 0.8, s.yc1 + 1}, 180, 0},
		{"sl-toward", "sig-toward", wire.Point{s.lanes[0].x0, s.stopTow}, wire.Point{xt, s.stopTow}, wire.Point{0, -1}, toward, wire.Point{s.xRoadL - 0.8, s.yc0 - 1}, 0, 0},
		{"sl-east", "sig-east", wire.Point{-xs, s.yc0}, wire.Point{-xs, mid}, wire.Point{1, 0}, east, wire.Point{s.xRoadR + 1, s.yc0 - 0.8}, 270, 1},
		{"sl-west", "sig-west", wire.Point{xs, mid}, wire.Point{xs, s.yc1}, wire.Point{-1, 0}, west, wire.Point{s.xRoadL - 1, s.yc1 + 0.8}, 90, 1},
	}
	for _, d := range defs {
		if len(d.lanes) == 0 {
			continue
		}
		sn.StopLines = append(sn.StopLines, wire.StopLine{ID: d.id, A: d.a, B: d.b, Signal: d.sig, Lanes: d.lanes})
		// The paint: every painted thing is a marking (or crosswalk stripe); StopLines are the
		// logical lines the rules use, centred on the paint.
		sn.Markings = append(sn.Markings, wire.Marking{Kind: "stop", Color: "white", WidthM: 0.4, Points: []wire.Point{d.a, d.b}})
		sg := wire.Signal{ID: d.sig, Position: d.pos, HeightM: SignalHeightM, FacingDeg: d.facing, Lanes: d.lanes}
		sn.Signals = append(sn.Signals, sg)
		s.heads = append(s.heads, head{sig: sg, group: d.group})
		s.stops = append(s.stops, stopLine{id: d.id, a: d.a, b: d.b, n: d.n, sig: len(s.heads) - 1})
		sn.Props = append(sn.Props, wire.Prop{Kind: "signal_pole", Footprint: square(d.pos, 0.08), HeightM: SignalHeightM - wire.LampSpacingM - 0.25, Color: "#3a3a3a"})
	}
}

func square(c wire.Point, half float64) wire.Polygon {
	return rect(c[0]-half, c[1]-half, c[0]+half, c[1]+half)
}

// buildLanes makes the monitored lane regions and the paths vehicles follow.
func (s *site) buildLanes() {
	sn := &s.scene
	addRegion := func(id string, pg wire.Polygon, center []wire.Point, allowed []wire.Class, sig, stop string, width float64) {
		l := wire.Lane{ID: id, Center: center, WidthM: width, Polygon: pg, Allowed: allowed, Signal: sig, StopLine: stop}
		sn.Lanes = append(sn.Lanes, l)
		r := laneRegion{id: id, poly: pg, dir: l.Direction(), allowed: allowed, x0: math.Inf(1), y0: math.Inf(1), x1: math.Inf(-1), y1: math.Inf(-1)}
		for _, p := range pg {
			r.x0, r.x1 = min(r.x0, p[0]), max(r.x1, p[0])
			r.y0, r.y1 = min(r.y0, p[1]), max(r.y1, p[1])
		}
		s.regions = append(s.regions, r)
	}
	for _, l := range s.lanes {
		// A main lane's region runs through the junction: the cross road has no regions
		// inside the main road, so the lane a vehicle travels in stays defined across it.
		spans := [][2]float64{{s.yNear, s.yFar}}
		for _, sp := range spans {
			id, sig, stop := l.id, "", ""
			if s.junction {
				if l.dir > 0 {
					sig, stop = "sig-away", "sl-away"
				} else {
					sig, stop = "sig-toward", "sl-toward"
				}
			}
			c := []wire.Point{{l.xc(), sp[0]}, {l.xc(), sp[1]}}
			if l.dir < 0 {
				c[0], c[1] = c[1], c[0]
			}
			addRegion(id, rect(l.x0, sp[0], l.x1, sp[1]), c, l.allowed, sig, stop, s.laneW)
		}
		y0, y1 := yMin, yMax
		if l.dir < 0 {
			y0, y1 = y1, y0
		}
		p := newPath([]wire.Point{{l.xc(), y0}, {l.xc(), y1}})
		p.lane = l
		if s.junction {
			p.sig = 0
			if l.dir > 0 {
				p.stopS = s.stopAway - yMin
			} else {
				p.stopS = yMax - s.stopTow
			}
		}
		s.straight[l] = p
		// Against the lane: from its end to its start, hugging the curb side of the lane.
		off := (s.laneW/2 - 0.7) * float64(l.dir)
		wp := newPath([]wire.Point{{l.xc() + off, y1}, {l.xc() + off, y0}})
		wp.lane = l
		s.wrongWay[l] = wp
	}
	if !s.junction {
		return
	}
	// Cross road lanes: eastbound on the south half, westbound on the north half.
	mid := (s.yc0 + s.yc1) / 2
	all := wire.Classes
	xs := s.xRoadR + max(s.swM, 3) + 1
	for k := 0; k < s.nCross; k++ {
		ye := mid - (float64(k)+0.5)*s.crossLane // k = 0 is next to the centre line
		yw := mid + (float64(k)+0.5)*s.crossLane
		e := newPath([]wire.Point{{-xMax, ye}, {xMax, ye}})
		e.sig, e.stopS = 1, xMax-xs
		wpth := newPath([]wire.Point{{xMax, yw}, {-xMax, yw}})
		wpth.sig, wpth.stopS = 1, xMax-xs
		s.crossP[0] = append(s.crossP[0], e)
		s.crossP[1] = append(s.crossP[1], wpth)
		idE, idW := fmt.Sprintf("e%d", k+1), fmt.Sprintf("w%d", k+1)
		y0e, y1e := ye-s.crossLane/2, ye+s.crossLane/2
		y0w, y1w := yw-s.crossLane/2, yw+s.crossLane/2
		addRegion(idE, rect(-xs-25, y0e, -xs, y1e), []wire.Point{{-xs - 25, ye}, {-xs, ye}}, all, "sig-east", "sl-east", s.crossLane)
		addRegion(idE+"-x", rect(xs-1, y0e, xs+25, y1e), []wire.Point{{xs - 1, ye}, {xs + 25, ye}}, all, "", "", s.crossLane)
		addRegion(idW, rect(xs, y0w, xs+25, y1w), []wire.Point{{xs + 25, yw}, {xs, yw}}, all, "sig-west", "sl-west", s.crossLane)
		addRegion(idW+"-x", rect(-xs-25, y0w, -xs+1, y1w), []wire.Point{{-xs + 1, yw}, {-xs - 25, yw}}, all, "", "", s.crossLane)
	}
	// Turns from the outermost (right) and innermost (left) lane of each direction.
	for _, l := range s.lanes {
		st := s.straight[l]
		var right, left *path
		for _, t := range []int{1, -1} {
			// Heading east when turning right from away, west when turning right from toward.
			east := (t > 0) == (l.dir > 0)
			k := 0 // left turns end next to the centre line, right turns at the curb
			if t > 0 {
				k = s.nCross - 1
			}
			var ty float64
			if east {
				ty = mid - (float64(k)+0.5)*s.crossLane
			} else {
				ty = mid + (float64(k)+0.5)*s.crossLane
			}
			var entry wire.Point
			if l.dir > 0 {
				entry = wire.Point{l.xc(), s.yc0}
			} else {
				entry = wire.Point{l.xc(), s.yc1}
			}
			ex := s.xRoadR + 0.5
			xEnd := xMax
			if !east {
				ex, xEnd = s.xRoadL-0.5, -xMax
			}
			pts := []wire.Point{st.pts[0], {entry[0], entry[1]}}
			ctrl := wire.Point{entry[0], ty}
			exitP := wire.Point{ex, ty}
			for i := 1; i <= 10; i++ {
				u := float64(i) / 10
				pts = append(pts, wire.Point{
					(1-u)*(1-u)*entry[0] + 2*(1-u)*u*ctrl[0] + u*u*exitP[0],
					(1-u)*(1-u)*entry[1] + 2*(1-u)*u*ctrl[1] + u*u*exitP[1],
				})
			}
			pts = append(pts, wire.Point{xEnd, ty})
			p := newPath(pts)
			p.lane, p.sig, p.stopS, p.turn = l, 0, st.stopS, t
			if t > 0 {
				right = p
			} else {
				left = p
			}
		}
		s.turns[l] = [2]*path{right, left}
	}
}

// buildZones makes no-parking zones and speed zones.
func (s *site) buildZones() {
	sn := &s.scene
	for _, np := range s.sc.Scene.NoParking {
		x0, x1 := s.xRoadR-1.3, s.xRoadR
		if np.Side == "left" {
			x0, x1 = s.xRoadL, s.xRoadL+1.3
		}
		s.noParking = append(s.noParking, newZone(np.ID, rect(x0, np.FromM, x1, np.ToM), np.Threshold.Seconds()))
		sn.Markings = append(sn.Markings, wire.Marking{Kind: "zigzag", Color: "yellow", WidthM: 0.12, Points: []wire.Point{{(x0 + x1) / 2, np.FromM}, {(x0 + x1) / 2, np.ToM}}})
	}
	if z := s.sc.Scene.SpeedZone; z != nil {
		for _, dir := range []int{1, -1} {
			var ids []string
			x0, x1 := math.Inf(1), math.Inf(-1)
			for _, l := range s.lanes {
				if l.dir == dir {
					ids = append(ids, l.id)
					x0, x1 = min(x0, l.x0), max(x1, l.x1)
				}
			}
			if len(ids) == 0 {
				continue
			}
			en, ex := z.FromM, z.ToM
			name := "sz-away"
			if dir < 0 {
				en, ex, name = z.ToM, z.FromM, "sz-toward"
			}
			s.speed = append(s.speed, speedZone{id: name, dir: dir, entry: en, exit: ex, x0: x0, x1: x1, length: z.ToM - z.FromM})
			sn.SpeedZones = append(sn.SpeedZones, wire.SpeedZone{ID: name, Lanes: ids,
				Entry: [2]wire.Point{{x0, en}, {x1, en}}, Exit: [2]wire.Point{{x0, ex}, {x1, ex}}, LengthM: z.ToM - z.FromM})
		}
	}
}

var buildingColors = []string{"#d9c7a3", "#c9b28f", "#e6dccb", "#b9c4c9", "#d4a373", "#e9edc9", "#a3b18a", "#cdb4db", "#f1e3d3", "#bfbfbf"}

// buildProps lines the road with buildings (tube houses in town), trees and street lights.
func (s *site) buildProps(seed uint64) {
	r := rand.New(rand.NewPCG(seed, 12))
	sn := &s.scene
	urban := s.sc.Scene.Template != "expressway"
	for _, side := range []int{-1, 1} {
		edge := s.xRoadR + s.swM
		if side < 0 {
			edge = s.xRoadL - s.swM
		}
		spans := [][2]float64{{yMin, yMax}}
		if s.junction {
			spans = [][2]float64{{yMin, s.yc0 - s.swM - 1}, {s.yc1 + s.swM + 1, yMax}}
		}
		for _, sp := range spans {
			if urban {
				for y := sp[0]; y < sp[1]-3; {
					wd := min(4+r.Float64()*4, sp[1]-y)
					depth := 10 + r.Float64()*6
					x0, x1 := edge+0.3, edge+0.3+depth
					if side < 0 {
						x0, x1 = edge-0.3-depth, edge-0.3
					}
					sn.Props = append(sn.Props, wire.Prop{Kind: "building", Footprint: rect(x0, y, x1, y+wd), HeightM: 7 + r.Float64()*16, Color: buildingColors[r.IntN(len(buildingColors))]})
					y += wd
				}
			}
			for y := sp[0] + 4 + r.Float64()*4; y < sp[1]-2; y += 9 + r.Float64()*5 {
				x := edge - float64(side)*0.8
				if !urban {
					x = edge + float64(side)*(4+r.Float64()*8)
				}
				sn.Props = append(sn.Props, wire.Prop{Kind: "tree", Footprint: square(wire.Point{x, y}, 1.4+r.Float64()*0.8), HeightM: 5 + r.Float64()*4, Color: "#3f7d3a"})
			}
			for y := sp[0] + 10; y < sp[1]-2; y += 30 {
				x := s.xRoadR + 0.5
				if side < 0 {
					x = s.xRoadL - 0.5
				}
				sn.Props = append(sn.Props, wire.Prop{Kind: "streetlight", Footprint: square(wire.Point{x, y}, 0.12), HeightM: 9, Color: "#8a8a8a"})
			}
		}
	}
	if s.junction {
		for _, q := range [][2]float64{{-1, -1}, {1, -1}, {-1, 1}, {1, 1}} {
			y0, y1 := s.yc1+s.swM+0.3, s.yc1+s.swM+0.3+12
			if q[1] < 0 {
				y0, y1 = s.yc0-s.swM-0.3-12, s.yc0-s.swM-0.3
			}
			start := s.xRoadR + s.swM + 0.3
			if q[0] < 0 {
				start = s.xRoadL - s.swM - 0.3
			}
			for d := 0.0; d < 40; {
				wd := 4 + r.Float64()*4
				xa, xb := start+d, start+d+wd
				if q[0] < 0 {
					xa, xb = start-d-wd, start-d
				}
				sn.Props = append(sn.Props, wire.Prop{Kind: "building", Footprint: rect(xa, y0, xb, y1), HeightM: 7 + r.Float64()*16, Color: buildingColors[r.IntN(len(buildingColors))]})
				d += wd
			}
		}
	}
}

// buildSources sets the arrival rates per direction.
func (s *site) buildSources() {
	tr := s.sc.Traffic
	nA, nT := 0, 0
	for _, l := range s.lanes {
		if l.dir > 0 {
			nA++
		} else {
			nT++
		}
	}
	total := float64(nA + nT)
	if nA > 0 {
		s.sources = append(s.sources, &source{name: "away", dir: 1, rate: tr.FlowPerHour / 3600 * float64(nA) / total})
	}
	if nT > 0 {
		s.sources = append(s.sources, &source{name: "toward", dir: -1, rate: tr.FlowPerHour / 3600 * float64(nT) / total})
	}
	if s.junction {
		f := s.sc.Scene.Cross.FlowPerHour / 3600 / 2
		s.sources = append(s.sources, &source{name: "east", cross: true, dir: 1, rate: f}, &source{name: "west", cross: true, dir: -1, rate: f})
	}
}
