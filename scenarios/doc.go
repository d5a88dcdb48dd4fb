// Package scenarios loads and validates scenario files (YAML) and ships the standard ones.
//
// A scenario is the first box of the flow in ARCHITECTURE.md section 2: it names the site (a
// scene template with its lanes, stop lines, signal cycle, sidewalks, no-parking zones and speed
// limits), the camera pose, the conditions (time of day, weather, sensor noise), the traffic
// (flow, class mix, behaviour, per-type violation rates) and the deployment later stages use.
// synth/world turns a Scenario into truth; this package imports nothing of the project.
//
// Loading is strict: unknown keys, wrong types and bad values are errors of the form
// "FILE:LINE: FIELD: problem", where FIELD is the dotted YAML path (e.g. traffic.mix.car).
package scenarios
