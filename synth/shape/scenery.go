package shape

import (
	"math"

	"github.com/trafficsim/trafficsim/wire"
)

// Scenery piece names.
const (
	Wall      = "wall"  // a building or box-like prop: its footprint extruded
	Trunk     = "trunk" // tree
	Crown     = "crown"
	Pole      = "pole"      // pole, street-light or signal pole
	LightArm  = "light-arm" // street-light arm
	Bracket   = "bracket"   // signal head bracket
	LampHead  = "lamp"
	Housing   = "housing" // signal head
	Backplate = "backplate"
)

// Occluder is a convex piece of scenery in world coordinates (two rings, like Part). Pieces with
// the same Group are drawn together and hide road users as one: a group is nearer than a road
// user when its Anchor's depth along the optical axis is smaller than the user's DepthKey.
type Occluder struct {
	Name   string
	Group  int
	Prop   int // index in Scene.Props, -1 for signal pieces
	Signal int // index in Scene.Signals, -1 for props
	Anchor wire.Vec3
	Pts    []wire.Vec3
}

// DepthKey is the occlusion order of a road user (the world's): depth of its cuboid's centre.
func DepthKey(cam wire.Pinhole, o *wire.Object, s wire.ObjectState) float64 {
	return cam.ToCamera(wire.Vec3{s.Pos[0], s.Pos[1], o.HeightM / 2})[2]
}

// SignalHead returns a signal head's facing (unit, road plane) and its housing's bottom and
// top heights.
func SignalHead(s wire.Signal) (f wire.Point, bot, top float64) {
	a := s.FacingDeg * math.Pi / 180
	l := s.Lamps()
	return wire.Point{math.Sin(a), math.Cos(a)}, l[2][2] - wire.LampRadiusM - 0.12, l[0][2] + wire.LampRadiusM + 0.12
}

// TowardRoad is the unit road-plane direction from (x, y) to the nearest lane centre point
// (street-light arms reach over the road).
func TowardRoad(sc *wire.Scene, x, y float64) wire.Point {
	best, bd := wire.Point{1, 0}, math.Inf(1)
	for _, l := range sc.Lanes {
		for _, q := range l.Center {
			d := math.Hypot(q[0]-x, q[1]-y)
			if d < bd && d > 0 {
				bd, best = d, wire.Point{(q[0] - x) / d, (q[1] - y) / d}
			}
		}
	}
	return best
}

// frame is a local frame on the road: x along f, y along l (left of f), z up.
type frame struct{ o, f, l wire.Point }

func (fr frame) at(x, y, z float64) wire.Vec3 {
	return wire.Vec3{fr.o[0] + fr.f[0]*x + fr.l[0]*y, fr.o[1] + fr.f[1]*x + fr.l[1]*y, z}
}

func (fr frame) box(x0, x1, y0, y1, z0, z1 float64) []wire.Vec3 {
	return []wire.Vec3{fr.at(x0, y0, z0), fr.at(x1, y0, z0), fr.at(x1, y1, z0), fr.at(x0, y1, z0),
		fr.at(x0, y0, z1), fr.at(x1, y0, z1), fr.at(x1, y1, z1), fr.at(x0, y1, z1)}
}

func prismAt(x, y, z0, z1, r0, r1 float64, k int) []wire.Vec3 {
	p := prismZ("", 0, x, y, z0, z1, r0, r1, k).Pts
	return p
}

// PropCentre returns a prop's footprint centroid and its radius (farthest footprint point).
func PropCentre(pr wire.Prop) (cx, cy, rad float64) {
	n := float64(len(pr.Footprint))
	for _, q := range pr.Footprint {
		cx, cy = cx+q[0]/n, cy+q[1]/n
	}
	for _, q := range pr.Footprint {
		rad = max(rad, math.Hypot(q[0]-cx, q[1]-cy))
	}
	return
}

// PropHeight is the drawn height of a prop (small values are raised to a visible minimum).
func PropHeight(pr wire.Prop) float64 {
	switch pr.Kind {
	case "tree":
		return max(pr.HeightM, 3)
	case "pole", "streetlight":
		return max(pr.HeightM, 2)
	}
	return max(pr.HeightM, 1)
}

// Scenery returns the scene's occluders: every prop (buildings and other box-like props as
// their extruded footprint, trees, poles, street-lights) and every signal (pole; head with its
// backplate), in the geometry the renderer draws.
func Scenery(sc *wire.Scene) []Occluder {
	var out []Occluder
	group := 0
	for i, pr := range sc.Props {
		if len(pr.Footprint) < 3 {
			continue
		}
		cx, cy, rad := PropCentre(pr)
		h := PropHeight(pr)
		add := func(name string, anchor wire.Vec3, pts []wire.Vec3) {
			out = append(out, Occluder{Name: name, Group: group, Prop: i, Signal: -1, Anchor: anchor, Pts: pts})
		}
		switch pr.Kind {
		case "tree":
			a := wire.Vec3{cx, cy, h / 2}
			r := max(rad, 1.2)
			add(Trunk, a, prismAt(cx, cy, 0, 0.45*h, 0.14, 0.11, 6))
			add(Crown, a, prismAt(cx, cy, 0.4*h, 0.75*h, 0.7*r, r, 8))
			add(Crown, a, prismAt(cx, cy, 0.75*h, h, r, 0.45*r, 8))
		case "pole", "streetlight":
			a := wire.Vec3{cx, cy, h / 2}
			add(Pole, a, prismAt(cx, cy, 0, h, 0.1, 0.07, 8))
			if pr.Kind == "streetlight" {
				arm := TowardRoad(sc, cx, cy)
				fr := frame{o: wire.Point{cx, cy}, f: arm, l: wire.Point{-arm[1], arm[0]}}
				add(LightArm, a, fr.box(0, 1.7, -0.04, 0.04, h-0.06, h))
				add(LampHead, a, fr.box(1.2, 1.9, -0.14, 0.14, h-0.17, h-0.02))
			}
		default:
			n := len(pr.Footprint)
			pts := make([]wire.Vec3, 2*n)
			for k, q := range pr.Footprint {
				pts[k] = wire.Vec3{q[0], q[1], 0}
				pts[n+k] = wire.Vec3{q[0], q[1], h}
			}
			add(Wall, wire.Vec3{cx, cy, h / 2}, pts)
		}
		group++
	}
	for i, s := range sc.Signals {
		f, bot, top := SignalHead(s)
		back := wire.Point{s.Position[0] - f[0]*0.45, s.Position[1] - f[1]*0.45}
		out = append(out, Occluder{Name: Pole, Group: group, Prop: -1, Signal: i, Anchor: wire.Vec3{back[0], back[1], s.HeightM},
			Pts: prismAt(back[0], back[1], 0, s.HeightM+0.9, 0.09, 0.07, 8)})
		group++
		fr := frame{o: s.Position, f: f, l: wire.Point{-f[1], f[0]}}
		hw := wire.LampRadiusM + 0.08
		a := wire.Vec3{s.Position[0], s.Position[1], s.HeightM}
		for _, p := range []struct {
			name string
			pts  []wire.Vec3
		}{
			{Housing, fr.box(-0.3, -0.005, -hw, hw, bot, top)},
			{Bracket, fr.box(-0.45, -0.3, -0.05, 0.05, bot+0.2, top-0.2)},
			{Backplate, fr.box(-0.012, -0.002, -hw-0.06, hw+0.06, bot-0.06, top+0.06)},
		} {
			out = append(out, Occluder{Name: p.name, Group: group, Prop: -1, Signal: i, Anchor: a, Pts: p.pts})
		}
		group++
	}
	return out
}
