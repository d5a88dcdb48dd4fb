// Package world is the seeded traffic world of trafficsim and the truth it records.
//
// It sits right after the scenario in the flow of ARCHITECTURE.md section 2: Generate builds the
// site of a scenario (roads, lanes, stop lines, signals, sidewalks, zones, roadside props), runs a
// fixed-step simulation at dt = 1/fps (signal cycles, IDM car-following with real queues at red,
// lane changes with gap acceptance, turns, parked and stopping vehicles, and the behaviours that
// commit each violation type), looks at it through the camera (wire.Pinhole: boxes, visible
// fraction against nearer objects and frame edges, plate readability) and stamps violations by
// the rules of section 4. The result is wire.Truth (truth.json) and wire.Calibration
// (camera.json); the renderer draws frames from the same Truth, never from this package.
//
// Determinism: every random draw comes from generators seeded by the scenario seed (one PCG
// stream per subsystem and a seeded gofakeit for plates); nothing iterates a map into output.
package world
