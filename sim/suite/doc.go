// Package suite provides conformity suites: a strict YAML file of scenario x condition x
// seed cells and the draft's requirements, run cell by cell (sequentially, or one shard of
// the cells) into one scorecard with a row per cell and per requirement. Its seeds come from
// results/seal, so they can stay secret until the test ends; its scorecard folder can be
// signed with results/sign. Truth comes from the world model (synth/world) only.
package suite
