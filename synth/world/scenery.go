package world

import (
	"math"

	"github.com/trafficsim/trafficsim/sim/wire"
)

// occluder is a convex piece of scenery in world coordinates; pieces of one prop or signal head
// share the anchor whose depth orders them against road users (nearer when the anchor's depth
// is smaller than the user's DepthKey).
type occluder struct {
	anchor wire.Vec3
	pts    []wire.Vec3
}

// sceneryOccluders returns the props and signal heads as the renderer draws them (this mirrors
// synth/shape.Scenery of the renderer: buildings and other box-like props as their extruded
// footprint, trees as trunk and two crown frusta, poles as slim prisms, signal heads as pole,
// housing and backplate); thin parts (street-light arms, brackets) are left out.
func sceneryOccluders(sc *wire.Scene) []occluder {
	var out []occluder
	for _, pr := range sc.Props {
		if len(pr.Footprint) < 3 {
			continue
		}
		cx, cy, rad := propCentre(pr)
		h := propHeight(pr)
		a := wire.Vec3{cx, cy, h / 2}
		switch pr.Kind {
		case "tree":
			r := max(rad, 1.2)
			out = append(out,
				occluder{a, prism(cx, cy, 0, 0.45*h, 0.14, 0.11, 6)},
				occluder{a, prism(cx, cy, 0.4*h, 0.75*h, 0.7*r, r, 8)},
				occluder{a, prism(cx, cy, 0.75*h, h, r, 0.45*r, 8)})
		case "pole", "streetlight", "signal_pole":
			if pr.Kind == "signal_pole" {
				out = append(out, occluder{a, extrude(pr.Footprint, h)})
				continue
			}
			out = append(out, occluder{a, prism(cx, cy, 0, h, 0.1, 0.07, 8)})
		default:
			out = append(out, occluder{a, extrude(pr.Footprint, h)})
		}
	}
	for _, s := range sc.Signals {
		fa := s.FacingDeg * math.Pi / 180
		f := wire.Point{math.Sin(fa), math.Cos(fa)}
		l := s.Lamps()
		bot, top := l[2][2]-wire.LampRadiusM-0.12, l[0][2]+wire.LampRadiusM+0.12
		back := wire.Point{s.Position[0] - f[0]*0.45, s.Position[1] - f[1]*0.45}
		out = append(out, occluder{wire.Vec3{back[0], back[1], s.HeightM}, prism(back[0], back[1], 0, s.HeightM+0.9, 0.09, 0.07, 8)})
		a := wire.Vec3{s.Position[0], s.Position[1], s.HeightM}
		left := wire.Point{-f[1], f[0]}
		hw := wire.LampRadiusM + 0.08
		box := func(x0, x1, y0, y1, z0, z1 float64) []wire.Vec3 {
			at := func(x, y, z float64) wire.Vec3 {
				return wire.Vec3{s.Position[0] + f[0]*x + left[0]*y, s.Position[1] + f[1]*x + left[1]*y, z}
			}
			return []wire.Vec3{at(x0, y0, z0), at(x1, y0, z0), at(x1, y1, z0), at(x0, y1, z0),
				at(x0, y0, z1), at(x1, y0, z1), at(x1, y1, z1), at(x0, y1, z1)}
		}
		out = append(out,
			occluder{a, box(-0.3, -0.005, -hw, hw, bot, top)},
			occluder{a, box(-0.012, -0.002, -hw-0.06, hw+0.06, bot-0.06, top+0.06)})
	}
	return out
}

func propCentre(pr wire.Prop) (cx, cy, rad float64) {
	n := float64(len(pr.Footprint))
	for _, q := range pr.Footprint {
		cx, cy = cx+q[0]/n, cy+q[1]/n
	}
	for _, q := range pr.Footprint {
		rad = max(rad, math.Hypot(q[0]-cx, q[1]-cy))
	}
	return
}

func propHeight(pr wire.Prop) float64 {
	switch pr.Kind {
	case "tree":
		return max(pr.HeightM, 3)
	case "pole", "streetlight":
		return max(pr.HeightM, 2)
	}
	return max(pr.HeightM, 1)
}

// prism is a k-sided frustum around (x, y) from radius r0 at z0 to r1 at z1.
func prism(x, y, z0, z1, r0, r1 float64, k int) []wire.Vec3 {
	pts := make([]wire.Vec3, 2*k)
	for i := 0; i < k; i++ {
		a := 2 * math.Pi * (float64(i) + 0.5) / float64(k)
		pts[i] = wire.Vec3{x + r0*math.Cos(a), y + r0*math.Sin(a), z0}
		pts[k+i] = wire.Vec3{x + r1*math.Cos(a), y + r1*math.Sin(a), z1}
	}
	return pts
}

func extrude(fp wire.Polygon, h float64) []wire.Vec3 {
	n := len(fp)
	pts := make([]wire.Vec3, 2*n)
	for k, q := range fp {
		pts[k] = wire.Vec3{q[0], q[1], 0}
		pts[n+k] = wire.Vec3{q[0], q[1], h}
	}
	return pts
}
