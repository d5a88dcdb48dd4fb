package stats

import "slices"

func sortFloats(a []float64) { slices.Sort(a) }
