// Package conform judges a scored run against a conformity profile: a small YAML file of
// thresholds (plate reading >= 93% by day and >= 80% at night in the draft amendment of
// QCVN 05:2024/BCA, F1 and latency limits) and writes the verdicts as JUnit XML.
//
// It sits after scoring in the flow of ARCHITECTURE.md section 2: results scores a run,
// conform turns the score into pass/fail, results/report shows both. Metric names are shared
// with the regression gate (Lookup): "f1", "latency_p95", "f1.red_light" (per type),
// "plate_accuracy.night" (per condition: day, night, weather:rain, fault, no_fault),
// "recall.camera:cam-01" (per camera); "f1.*" stands for every violation type in the run.
package conform
