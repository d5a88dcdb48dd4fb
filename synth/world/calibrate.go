package world

import (
	"math"

	"github.com/trafficsim/trafficsim/wire"
)

// nearM is the least depth (metres along the optical axis) of road geometry projected into
// camera.json: polygons are cut there before projection.
const nearM = 1.0

// calibrate projects the site's regions into the image: camera.json.
func calibrate(st *site, id string) *wire.Calibration {
	cam := st.cam
	c := &wire.Calibration{ID: id, Width: cam.Width, Height: cam.Height, FPS: st.sc.FPS, Pinhole: cam,
		RoadToImage: cam.RoadToImage(), SpeedLimits: st.scene.SpeedLimits}
	c.ImageToRoad, _ = cam.ImageToRoad()
	for i := range c.RoadToImage {
		c.RoadToImage[i] = roundN(c.RoadToImage[i], 9)
		c.ImageToRoad[i] = roundN(c.ImageToRoad[i], 12)
	}
	sn := st.scene
	for _, l := range sn.Lanes {
		d := l.Direction()
		c.Lanes = append(c.Lanes, wire.LaneRegion{ID: l.ID, Road: l.Polygon, Image: imagePolygon(cam, l.Polygon),
			Direction: wire.Point{roundN(d[0], 6), roundN(d[1], 6)}, Allowed: l.Allowed, Signal: l.Signal, StopLine: l.StopLine})
	}
	for _, s := range sn.StopLines {
		c.StopLines = append(c.StopLines, wire.LineRegion{ID: s.ID, Road: [2]wire.Point{s.A, s.B}, Image: imageLine(cam, s.A, s.B), Signal: s.Signal, Lanes: s.Lanes})
	}
	for _, s := range sn.Signals {
		lamps := s.Lamps()
		var boxes [3]wire.Box
		seen := true
		img := wire.Box{0, 0, float64(cam.Width), float64(cam.Height)}
		for i, p := range lamps {
			px, depth, ok := cam.Project(p)
			if !ok {
				seen = false
				break
			}
			r := cam.FocalPx * wire.LampRadiusM / depth
			boxes[i] = roundBox(wire.Box{px[0] - r, px[1] - r, px[0] + r, px[1] + r})
			seen = seen && boxes[i].Intersect(img).Area() > 0
		}
		if !seen {
			continue // a head out of the picture has no image region
		}
		c.Signals = append(c.Signals, wire.SignalRegion{ID: s.ID, Red: boxes[0], Amber: boxes[1], Green: boxes[2], Lanes: s.Lanes})
	}
	var order []int // phases in the order of their first head
	byPhase := map[int][]string{}
	for _, h := range st.heads {
		if byPhase[h.group] == nil {
			order = append(order, h.group)
		}
		byPhase[h.group] = append(byPhase[h.group], h.sig.ID)
	}
	for _, g := range order {
		if len(byPhase[g]) > 1 {
			c.SignalGroups = append(c.SignalGroups, byPhase[g])
		}
	}
	for _, z := range sn.NoParking {
		c.NoParking = append(c.NoParking, wire.ZoneRegion{ID: z.ID, Road: z.Polygon, Image: imagePolygon(cam, z.Polygon), ThresholdS: z.ThresholdS})
	}
	for _, z := range sn.Sidewalks {
		c.Sidewalks = append(c.Sidewalks, wire.ZoneRegion{ID: z.ID, Road: z.Polygon, Image: imagePolygon(cam, z.Polygon)})
	}
	for _, z := range sn.SpeedZones {
		c.SpeedZones = append(c.SpeedZones, wire.SpeedZoneRegion{ID: z.ID, Lanes: z.Lanes, LengthM: z.LengthM,
			Entry: wire.LineRegion{ID: z.ID + "-entry", Road: z.Entry, Image: imageLine(cam, z.Entry[0], z.Entry[1])},
			Exit:  wire.LineRegion{ID: z.ID + "-exit", Road: z.Exit, Image: imageLine(cam, z.Exit[0], z.Exit[1])}})
	}
	return c
}

func roundN(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}

// depthOf is the depth along the optical axis of a road point: affine in x and y.
func depthOf(cam wire.Pinhole, p wire.Point) float64 {
	return cam.ToCamera(wire.Vec3{p[0], p[1], 0})[2]
}

// imagePolygon cuts a road polygon at the near depth, projects it and clips it to the image;
// empty when nothing of it is in view.
func imagePolygon(cam wire.Pinhole, pg wire.Polygon) wire.Polygon {
	var cut []wire.Point
	for i := range pg {
		p, q := pg[i], pg[(i+1)%len(pg)]
		dp, dq := depthOf(cam, p)-nearM, depthOf(cam, q)-nearM
		if dp >= 0 {
			cut = append(cut, p)
		}
		if (dp >= 0) != (dq >= 0) {
			t := dp / (dp - dq)
			cut = append(cut, wire.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])})
		}
	}
	if len(cut) < 3 {
		return nil
	}
	img := make([]wire.Point, 0, len(cut))
	for _, p := range cut {
		px, _, ok := cam.Project(wire.Vec3{p[0], p[1], 0})
		if !ok {
			return nil
		}
		img = append(img, px)
	}
	out := clipRect(img, 0, 0, float64(cam.Width), float64(cam.Height))
	if len(out) < 3 {
		return nil
	}
	res := make(wire.Polygon, len(out))
	for i, p := range out {
		res[i] = wire.Point{roundN(p[0], 2), roundN(p[1], 2)}
	}
	return res
}

// imageLine cuts a road segment at the near depth, projects it and clips it to the image.
func imageLine(cam wire.Pinhole, a, b wire.Point) [2]wire.Point {
	da, db := depthOf(cam, a)-nearM, depthOf(cam, b)-nearM
	if da < 0 && db < 0 {
		return [2]wire.Point{}
	}
	if da < 0 || db < 0 {
		t := da / (da - db)
		m := wire.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
		if da < 0 {
			a = m
		} else {
			b = m
		}
	}
	pa, _, _ := cam.Project(wire.Vec3{a[0], a[1], 0})
	pb, _, _ := cam.Project(wire.Vec3{b[0], b[1], 0})
	// Liang-Barsky against the image rectangle.
	t0, t1 := 0.0, 1.0
	dx, dy := pb[0]-pa[0], pb[1]-pa[1]
	for _, e := range [4][2]float64{{-dx, pa[0]}, {dx, float64(cam.Width) - pa[0]}, {-dy, pa[1]}, {dy, float64(cam.Height) - pa[1]}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return [2]wire.Point{}
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
	}
	if t0 > t1 {
		return [2]wire.Point{}
	}
	return [2]wire.Point{
		{roundN(pa[0]+t0*dx, 2), roundN(pa[1]+t0*dy, 2)},
		{roundN(pa[0]+t1*dx, 2), roundN(pa[1]+t1*dy, 2)},
	}
}
