// Package capacity turns measured device knees and a rollout model into a capacity plan for the
// Project 8668 rollout: devices, clusters, uplink, storage and center ingest for a commune, a
// province and the country, with uncertainty bands from a seeded Monte Carlo over the model's
// ranges. It is pure (no sim package): the knees come from `trafficsim capacity knee` (sim/knee),
// the model from a strict YAML file whose every figure names its source.
package capacity
