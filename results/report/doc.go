// Package report renders a scored run for people and for CI: one self-contained HTML file
// (inline CSS and SVG charts from viz/chart, no scripts, nothing fetched) with the
// conformity verdict, scorecard and charts, and the regression comparison of a run against
// a baseline (table, HTML section, JUnit).
//
// It is the last step of the flow of ARCHITECTURE.md section 2: results scores, record keeps
// the run, conform judges it, report shows it. `trafficsim report` and `trafficsim compare`
// are thin wrappers over Render and Compare.
package report
