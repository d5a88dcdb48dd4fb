// Package threshold parses and judges pass/fail thresholds in k6's grammar, natively (k6 itself
// is AGPL and not used): a metric selector with tags, `latency{type:red_light}`, and expressions
// such as `p(95)<4000`, `avg<=200`, `rate>0.99`, `count==0`, parsed into a small AST (Expr) and
// judged against the aggregates of a metric (Sink).
//
// It sits with results (ARCHITECTURE.md section 2): load plans (sim/load) declare thresholds,
// the run's one aggregation loop feeds samples into sinks, and thresholds are judged over them.
// It imports nothing of the project.
package threshold
