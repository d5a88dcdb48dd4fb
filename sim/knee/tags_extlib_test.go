//go:build extlib

package knee

// buildTags are the tags this test binary was built with, for the trafficsim binary it builds.
const buildTags = "extlib,pkgconfig"
