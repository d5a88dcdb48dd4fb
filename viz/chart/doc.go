// Package chart draws the static SVG charts the run report embeds (ARCHITECTURE.md section 3:
// viz owns the report charts): horizontal bars, grouped bars, a histogram with percentile
// markers, a per-row timeline of marks and a time series. Output is one <svg> element as a
// string, deterministic (fixed decimals), self-contained (no scripts, no external fonts) and
// readable in print. It knows nothing of scoring: callers pass labels and numbers.
package chart
