package detect

import (
	"errors"
	"github.com/trafficsim/trafficsim/sim/device/detect/bg"
	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"math"
	"time"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/wire"
)

// Options tune the detector; zero fields take the defaults in the comments.
type Options struct {
	// Source is the device id written into events and event ids. Default "detect".
	Source string
	// Scale is the downscale factor of the analysed grey image. Default: the smallest that
	// brings the width to 480 px or less (3 for 1280x720).
	Scale int
	// Threshold is the grey difference (0-255) that makes a pixel foreground. Default 22.
	Threshold int
	// MinArea is the smallest blob in full-resolution pixels near the camera. Default 0.0006 of
	// the image (550 px at 720p). Farther away, a smaller blob is kept when it covers a third
	// of a motorbike seen at its distance (down to a quarter of MinArea).
	MinArea int
	// WarmUp is how long the background model learns, as a running median, before anything is
	// detected. Default 4 s (long enough that slow traffic present at the start leaves no ghost).
	WarmUp time.Duration
	// ParkingS is the dwell threshold of no-parking zones that give none. Default 60 s.
	ParkingS float64
	// Evidence controls the evidence JPEG: 0 = default (crop around the vehicle), -1 = none.
	Evidence int
	// Hold is how long an event waits for a better plate reading before it is returned (it
	// leaves earlier when its track ends). Default 2 s; the event time is not changed.
	Hold time.Duration
	// NoPlates disables plate reading (throughput comparisons). Default false.
	NoPlates bool
	// NoZoom disables the blob grouping of zoomed cameras (zoom.go; comparisons): their mask is
	// then labelled as an overview camera's. Default false.
	NoZoom bool
	// NoPhaseInference: a stop line whose signal head the camera does not see (it faces the
	// other way: the approach coming towards the camera), and that no head of its signal group
	// in view covers, takes by default the state of a seen head of the same road axis (lanes
	// parallel or opposite), as in two-phase plans where both directions of a road go together
	// (calibrations without signal groups). Set to leave such lines unjudged (UnreadSignals).
	// Lines judged by another head than their own are not judged by night: that approach
	// drives with its headlights towards the camera, and their glare on a wet road makes blobs
	// that cross the line.
	NoPhaseInference bool
	// MinContrast is the least contrast of the view (90th minus 10th percentile of its grey)
	// in which stop_line is judged. Default minStopSpread (80; a clear day is about 120, fog
	// 60, dusk 47, night 23); negative: always judged.
	MinContrast int
}

// Detector analyses one camera. Not safe for concurrent use.
type Detector struct {
	cal   wire.Calibration
	o     Options
	s     int
	w, h  int
	small []uint8
	fg    *bg.Model
	frame int
	fps   float64

	tracker *tk.Tracker[*track]
	lastT   time.Time

	signals     []signalState
	lineSig     map[string]int  // stop line id -> signal index
	inferred    map[string]bool // stop lines judged by another head than their own (group or axis)
	laneLine    map[string]int  // lane id -> stop line index
	lineLanes   []map[string]bool
	evidence    *decode.Frame             // current frame, for evidence crops
	dead        []*track                  // tracks ended this frame, to flush
	sceneLight  float64                   // mean grey of the background (day ~100+, night ~30)
	sceneSpread int                       // 90th minus 10th percentile of the grey image (day ~120, fog ~60, dusk ~47, night ~23)
	unread      []string                  // stop lines whose signal has no lamp regions in this camera
	topPlane    map[wire.Class][9]float64 // image -> road on the plane at each class's roof height
	helmets     []helmetMark              // recent no_helmet events, against duplicates (helmet.go)
	paxMarks    []helmetMark              // recent too_many_passengers events, against duplicates (passengers.go)

	zoomGap int // gap of a zoomed camera's vehicle pieces, small pixels; 0 = not zoomed (zoom.go)

	notJudged map[wire.ViolationType]int // analysed frames in which a type could not be judged (judge.go)
	analysed  int                        // frames analysed after the warm-up (judge.go)
}

// New checks the calibration and builds a detector for it.
func New(cal wire.Calibration, o Options) (*Detector, error) {
	if cal.Width <= 0 || cal.Height <= 0 {
		return nil, errors.New("detect: calibration has no image size")
	}
	if cal.FPS <= 0 {
		return nil, errors.New("detect: calibration has no fps")
	}
	if cal.ImageToRoad == ([9]float64{}) {
		return nil, errors.New("detect: calibration has no image_to_road homography")
	}
	if o.Source == "" {
		o.Source = "detect"
	}
	if o.Scale <= 0 {
		o.Scale = (cal.Width + 479) / 480
	}
	if o.Threshold <= 0 {
		o.Threshold = 22
	}
	if o.MinArea <= 0 {
		o.MinArea = int(0.0006 * float64(cal.Width*cal.Height))
	}
	if o.WarmUp <= 0 {
		o.WarmUp = 4 * time.Second
	}
	if o.ParkingS <= 0 {
		o.ParkingS = 60
	}
	if o.Hold <= 0 {
		o.Hold = 2 * time.Second
	}
	if o.MinContrast == 0 {
		o.MinContrast = minStopSpread
	}
	d := &Detector{cal: cal, o: o, s: o.Scale, fps: cal.FPS}
	d.w, d.h = cal.Width/o.Scale, cal.Height/o.Scale
	d.small = make([]uint8, d.w*d.h)
	d.fg = bg.New(d.w, d.h)
	d.tracker = tk.New(tk.Config[*track]{Width: cal.Width, Height: cal.Height, Margin: float64(2 * o.Scale), FPS: cal.FPS,
		New: newTrack, Parked: (*track).parked, Hold: d.hold})
	if !o.NoZoom {
		d.zoomGap = zoomGapPx(cal, o.Scale)
	}
	d.topPlane = map[wire.Class][9]float64{}
	if cal.Pinhole.FocalPx > 0 {
		for c, h := range topHeightM {
			p := cal.Pinhole
			p.HeightM -= h // the plane z = h seen from a camera h lower is its road plane
			if p.HeightM > 0.5 {
				if m, err := p.ImageToRoad(); err == nil {
					d.topPlane[c] = m
				}
			}
		}
	}
	d.lineSig = map[string]int{}
	d.inferred = map[string]bool{}
	d.laneLine = map[string]int{}
	sigIdx := map[string]int{}
	for i, s := range cal.Signals {
		sigIdx[s.ID] = i
		d.signals = append(d.signals, signalState{state: unknown})
	}
	for i, l := range cal.StopLines {
		// a stop line whose own head is out of view is judged by a head of its phase (the
		// calibration's signal groups) in view
		if j, ok := signalInView(cal.SignalGroups, l.Signal, sigIdx); ok {
			d.lineSig[l.ID] = j
			if _, own := sigIdx[l.Signal]; !own {
				d.inferred[l.ID] = true
			}
		}
		lanes := map[string]bool{}
		for _, id := range l.Lanes {
			lanes[id] = true
			d.laneLine[id] = i
		}
		d.lineLanes = append(d.lineLanes, lanes)
	}
	for _, ln := range cal.Lanes {
		if ln.StopLine == "" {
			continue
		}
		for i, l := range cal.StopLines {
			if l.ID == ln.StopLine {
				d.laneLine[ln.ID] = i
				d.lineLanes[i][ln.ID] = true
			}
		}
	}
	// a stop line whose signal head (and every head of its phase) this camera does not see has
	// no lamp regions: it takes the state of a seen head of the same road axis, or its red-light
	// and stop-line rules cannot run (UnreadSignals lists them)
	for i, l := range cal.StopLines {
		if _, ok := d.lineSig[l.ID]; ok || l.Signal == "" {
			continue
		}
		if j, ok := d.axisSignal(i); ok && !o.NoPhaseInference {
			d.lineSig[l.ID] = j
			d.inferred[l.ID] = true
			continue
		}
		d.unread = append(d.unread, l.ID)
	}
	return d, nil
}

// axisSignal finds a seen signal head for stop line i among the other stop lines whose lanes
// run along the same axis (parallel or opposite).
func (d *Detector) axisSignal(i int) (int, bool) {
	di := d.lineDir(i, wire.Point{})
	if di == (wire.Point{}) {
		return 0, false
	}
	for k, l := range d.cal.StopLines {
		j, ok := d.lineSig[l.ID]
		if k == i || !ok {
			continue
		}
		if dk := d.lineDir(k, wire.Point{}); math.Abs(dot2(di, dk)) > 0.9 {
			return j, true
		}
	}
	return 0, false
}

// Process analyses one frame captured at t and returns the events it completes. Frames must
// come in capture order; a frame of another size is an error counted by the caller.
func (d *Detector) Process(f *decode.Frame, t time.Time) []wire.Event {
	if f.Width != d.cal.Width || f.Height != d.cal.Height {
		return nil
	}
	d.frame++
	d.evidence = f
	d.downscale(f)
	warm := int(d.o.WarmUp.Seconds()*d.fps + 0.5)
	d.fg.Update(d.small, int32(d.threshold()), warm, 4, 12)
	d.readSignals(f)
	if d.fg.N <= warm {
		d.lastT = t
		return nil
	}
	d.judged()
	minArea := max(1, d.o.MinArea/(4*d.s*d.s))
	obs := d.measure(d.zoomBlobs(minArea))
	d.associate(obs, t, d.fg.N == warm+1)
	var evs []wire.Event
	for _, tr := range d.tracker.Tracks {
		if !d.o.NoPlates {
			d.tryPlate(f, tr)
		}
		tr.pending = append(tr.pending, d.rules(tr, t)...)
		tr.pending = append(tr.pending, d.checkHelmet(f, tr, t)...)
		tr.pending = append(tr.pending, d.checkPassengers(f, tr, t)...)
		evs = d.flush(evs, tr, t, false)
	}
	for _, tr := range d.tracker.Dead {
		d.finish(tr)
		evs = d.flush(evs, tr, t, true)
	}
	d.lastT = t
	return evs
}

// Flush returns every event still waiting for a plate reading (end of stream).
func (d *Detector) Flush() []wire.Event {
	var evs []wire.Event
	for _, tr := range d.tracker.Tracks {
		d.finish(tr)
		evs = d.flush(evs, tr, d.lastT, true)
	}
	return evs
}

// flush moves a track's events that waited long enough (or all, when its track ended) to out,
// with the best plate reading of the track.
func (d *Detector) flush(out []wire.Event, tr *track, t time.Time, all bool) []wire.Event {
	keep := tr.pending[:0]
	for _, e := range tr.pending {
		if !all && t.Sub(e.Time) < d.o.Hold {
			keep = append(keep, e)
			continue
		}
		if tr.plateScore >= minPlateScore {
			e.Plate = tr.plate
			e.Confidence = math.Min(0.99, e.Confidence+0.05)
		}
		out = append(out, e)
	}
	tr.pending = keep
	return out
}

// threshold is the foreground threshold: Options.Threshold by day, lower in dark scenes where
// vehicles differ from the road by fewer grey levels, but not under 14 (below that, rain and
// headlight glare on a wet road become foreground: measured on intersection-night-rain).
func (d *Detector) threshold() int {
	if d.frame%25 == 1 {
		sum := 0
		var hist [256]int
		for _, v := range d.small {
			sum += int(v)
			hist[v]++
		}
		d.sceneLight = float64(sum) / float64(len(d.small))
		d.sceneSpread = percentile(&hist, len(d.small), 0.9) - percentile(&hist, len(d.small), 0.1)
	}
	return max(14, min(d.o.Threshold, int(d.sceneLight*0.2+0.5)))
}

// percentile is the grey level below which the share q of n pixels with histogram h lie.
func percentile(h *[256]int, n int, q float64) int {
	k := int(q * float64(n))
	for v, c := range h {
		if k -= c; k < 0 {
			return v
		}
	}
	return 255
}

// downscale averages s x s blocks of the Y plane (s = 1 copies).
func (d *Detector) downscale(f *decode.Frame) {
	s, W := d.s, f.Width
	if s == 1 {
		copy(d.small, f.Y)
		return
	}
	// sample a 2x2 block at the centre of each s x s cell: cheap and enough against noise
	o := (s - 1) / 2
	for y := 0; y < d.h; y++ {
		r0 := f.Y[(y*s+o)*W:]
		r1 := f.Y[(y*s+o+1)*W:]
		row := d.small[y*d.w : (y+1)*d.w]
		for x := range row {
			i := x*s + o
			row[x] = uint8((uint16(r0[i]) + uint16(r0[i+1]) + uint16(r1[i]) + uint16(r1[i+1]) + 2) >> 2)
		}
	}
}

func (d *Detector) measure(bs []bg.Blob) []obs {
	out := make([]obs, 0, len(bs))
	s := float64(d.s)
	for _, b := range bs {
		box := wire.Box{float64(b.X0) * s, float64(b.Y0) * s, float64(b.X1) * s, float64(b.Y1) * s}
		// the dilation grows blobs by one small pixel on each side
		box = wire.Box{box[0] + s, box[1] + s, box[2] - s, box[3] - s}
		if box[2] <= box[0] || box[3] <= box[1] {
			continue
		}
		g, ok := wire.Apply(d.cal.ImageToRoad, wire.Point{(box[0] + box[2]) / 2, box[3]})
		if !ok {
			continue
		}
		l, ok1 := wire.Apply(d.cal.ImageToRoad, wire.Point{box[0], box[3]})
		r, ok2 := wire.Apply(d.cal.ImageToRoad, wire.Point{box[2], box[3]})
		wm := 0.0
		if ok1 && ok2 {
			wm = math.Hypot(r[0]-l[0], r[1]-l[1])
		}
		if !d.onRoad(g) || d.onSignalHead(box) {
			continue // the camera's clock overlay, a lamp changing, trees, the cross street
		}
		area := b.Area * d.s * d.s
		if area < d.o.MinArea && float64(area) < minMotoShare*d.motoArea(g) {
			continue // smaller than a motorbike would be there: noise
		}
		out = append(out, obs{Box: box, Ground: g, WidthM: wm, HighM: d.heightM(g, box), Area: area})
	}
	return out
}

// minMotoShare is the share of a motorbike's expected pixel area that a blob smaller than
// MinArea must cover to be kept (riders' dark and road-coloured parts are not foreground).
const minMotoShare = 0.35

// motoArea is the pixel area a motorbike with its rider covers standing at road point g, seen
// from behind: 0.7 m wide, 1.5 m high at the scale of the road there.
func (d *Detector) motoArea(g wire.Point) float64 {
	l, ok1 := wire.Apply(d.cal.RoadToImage, wire.Point{g[0] - 0.35, g[1]})
	r, ok2 := wire.Apply(d.cal.RoadToImage, wire.Point{g[0] + 0.35, g[1]})
	if !ok1 || !ok2 {
		return 0
	}
	ppm := math.Hypot(r[0]-l[0], r[1]-l[1]) / 0.7
	return 0.7 * 1.5 * ppm * ppm
}

// roadMarginM is how far outside the calibrated regions a ground point may lie and still be a
// road user of this camera (a car straddling a lane edge, a motorbike leaving a sidewalk).
const roadMarginM = 2.0

// onRoad reports whether a ground point is within the calibrated lanes, sidewalks or zones (or
// near them). A calibration without any region analyses everything.
func (d *Detector) onRoad(p wire.Point) bool {
	haveRegions := false
	check := func(pg wire.Polygon) bool {
		if len(pg) < 3 {
			return false
		}
		haveRegions = true
		return pg.Contains(p) || distToPolygon(pg, p) < roadMarginM
	}
	for _, l := range d.cal.Lanes {
		if check(l.Road) {
			return true
		}
	}
	for _, z := range d.cal.Sidewalks {
		if check(z.Road) {
			return true
		}
	}
	for _, z := range d.cal.NoParking {
		if check(z.Road) {
			return true
		}
	}
	// a speed zone may reach beyond the monitored lanes: vehicles must be followed to its ends
	for _, z := range d.cal.SpeedZones {
		if check(wire.Polygon{z.Entry.Road[0], z.Entry.Road[1], z.Exit.Road[1], z.Exit.Road[0]}) {
			return true
		}
	}
	return !haveRegions
}

// onSignalHead reports whether most of a box lies on a signal head (its lamps changing are not
// a road user).
func (d *Detector) onSignalHead(b wire.Box) bool {
	for _, s := range d.cal.Signals {
		h := wire.Box{min(s.Red[0], s.Amber[0], s.Green[0]), min(s.Red[1], s.Amber[1], s.Green[1]),
			max(s.Red[2], s.Amber[2], s.Green[2]), max(s.Red[3], s.Amber[3], s.Green[3])}
		w, ht := h[2]-h[0], h[3]-h[1]
		h = wire.Box{h[0] - w, h[1] - ht/2, h[2] + w, h[3] + ht/2} // the housing around the lamps
		if b.Area() > 0 && b.Intersect(h).Area() > 0.5*b.Area() {
			return true
		}
	}
	return false
}

// distToPolygon is the distance from p to the nearest edge of pg.
func distToPolygon(pg wire.Polygon, p wire.Point) float64 {
	best := math.Inf(1)
	for i := range pg {
		a, b := pg[i], pg[(i+1)%len(pg)]
		dx, dy := b[0]-a[0], b[1]-a[1]
		l2 := dx*dx + dy*dy
		t := 0.0
		if l2 > 0 {
			t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
		}
		best = math.Min(best, math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy))
	}
	return best
}

// heightM estimates the height of an object standing at road point g whose image box is box:
// pixels per metre of a vertical post at g, from the pinhole model.
func (d *Detector) heightM(g wire.Point, box wire.Box) float64 {
	p := d.cal.Pinhole
	if p.FocalPx == 0 {
		return 0
	}
	a, _, ok1 := p.Project(wire.Vec3{g[0], g[1], 0})
	b, _, ok2 := p.Project(wire.Vec3{g[0], g[1], 1})
	if !ok1 || !ok2 || a[1]-b[1] <= 0 {
		return 0
	}
	return (box[3] - box[1]) / (a[1] - b[1])
}
