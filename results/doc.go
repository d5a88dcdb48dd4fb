// Package results scores a device under test: it matches the violation events a device sent
// to the center against the truth the world recorded, and turns the pairs into metrics.
//
// It sits at the end of the flow of ARCHITECTURE.md section 2: the camera farm publishes wall
// time truth, the center receives device events, and results decides which event detected
// which violation. It imports only the leaf contracts (wire), so scoring is pure and runs
// the same live (Live, called by sim/center) and offline over a finished run (ScoreRun).
//
// Matching (ARCHITECTURE.md section 4) is done per camera and violation type: one truth to at
// most one event, |t_event - t_truth| <= Window, and among all such pairings the one with the
// most pairs and, among those, the least total time error. It is solved exactly by a dynamic
// programme over the time-sorted truths and events (see match.go for why that is optimal).
//
// Definitions used by every metric:
//   - an event whose event_id was already seen is a duplicate: it is reported (outcome "dup")
//     and otherwise ignored; the first one received counts;
//   - a matched pair is a TP, an unmatched truth a FN, an unmatched event a FP; a second event
//     for one truth is therefore a FP;
//   - plate accuracy = TPs whose event plate equals the truth plate (wire.NormalizePlate) /
//     TPs whose truth has a plate; a TP whose truth has no plate is not counted either way;
//   - time error = event time - truth wall time of a TP; latency = received at center - truth
//     wall time of a TP (negative latencies, from clock skew, are counted as 0);
//   - conditions: a truth is "night" or "day" by Violation.Night, "weather:<w>" by
//     Violation.Weather, "fault" when a fault on its camera covers its wall time, else
//     "no_fault". An unmatched event takes the conditions of Config.Cameras[camera] when
//     given, else of the latest truth on its camera at or before the event time, else
//     "unknown"; its fault tag is decided by its own time.
package results
