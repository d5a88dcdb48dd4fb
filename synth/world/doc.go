// Package world is the seeded traffic world of trafficsim and the truth it records.
//
// It sits right after the scenario in the flow of ARCHITECTURE.md section 2: Generate builds the
// site of a scenario (roads, lanes, stop lines, signals, sidewalks, zones, roadside props), runs a
// fixed-step simulation at dt = 1/fps (signal cycles, IDM car-following with real queues at red,
// lane changes with gap acceptance, left turns waiting for gaps in oncoming traffic, two-wheelers
// filtering, parked and stopping vehicles, and the behaviours that commit each violation type),
// looks at it through the camera (wire.Pinhole: boxes, visible fraction against nearer objects
// and frame edges, plate readability) and stamps violations by the rules of section 4. The result
// is wire.Truth (truth.json) and wire.Calibration (camera.json); the renderer draws frames from
// the same Truth, never from this package.
//
// # What the truth holds for drawing
//
//   - Scene.Surfaces, in drawing order; kinds: ground, grass, asphalt, sidewalk, median.
//   - Scene.Markings: every painted line; kinds solid, dashed, double (two lines), zigzag
//     (no-parking curb), stop (0.4 m stop bar); colours white or yellow. Scene.Crosswalks are the
//     individual zebra stripes. Scene.StopLines, Lanes and zones are the logical regions the
//     rules use (lane and sidewalk regions cover the stretch the camera sees well).
//   - Scene.Signals: three-lamp heads (wire.Signal.Lamps, wire.LampRadiusM) on a signal_pole
//     prop; Frame.Signals gives each head's light. Props: building, tree, streetlight,
//     signal_pole, each a footprint extruded to HeightM.
//   - Objects: class, size (the cuboid includes riders), colour, plate, riders and helmets.
//     Frame.Objects lists the objects whose body (synth/shape parts) projects into the image,
//     with position, heading, speed and braking; Box is shape.ImageBox (each part's hull
//     clipped to the image), the box of what the renderer draws.
//   - Occlusion: an object's silhouette is the union of its synth/shape parts' projected convex
//     hulls; nearer objects (smaller shape.DepthKey) cover farther ones, and so do
//     scenery pieces (shape.Scenery, the renderer's geometry) whose anchor is nearer than the
//     object's DepthKey. Visible is the share of the silhouette (the part outside the image
//     included) that is inside the image and not covered, counted on a CellPx grid, each cell
//     once per object; the renderer draws far to near by these depths.
//   - Plates: PlateBox is the plate facing the camera (wire.Object.PlateCorners); PlateRead
//     when it faces the camera, lies inside the image, its characters are at least MinCharPx
//     high with strokes at least MinStrokePx wide (PlateCharPx: what a real ANPR engine states
//     as its minimum) and no nearer object covers it.
//
// Determinism: every random draw comes from generators seeded by the scenario seed (one PCG
// stream per subsystem and a seeded gofakeit for plates); nothing iterates a map into output.
// Rates and rule constants are documented in rules.go and scenarios/README.md.
package world
