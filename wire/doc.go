// Package wire holds the public contracts of trafficsim: camera calibration, scene geometry,
// truth records and violation events, with the pure camera math both sides share, and the
// codec of the ingest API: ParseEvents and ParseTruth decode and validate a request body
// strictly, and a refusal is a *RequestError carrying the HTTP status, a Reason* metric label
// and the field and index at fault. The center and the cluster both parse with it, so neither
// side links the other.
//
// It is the one leaf package every part may import (ARCHITECTURE.md section 3): the world
// (synth) writes truth and calibration with it, the renderer draws through the same camera
// model, devices read calibration and write events, and results scores events against truth.
// It imports nothing of the project.
//
// Conventions: the road plane is metres with x to the east, y to the north and z up; angles in
// JSON are degrees; image pixels have x to the right and y down, origin at the top-left corner.
package wire
