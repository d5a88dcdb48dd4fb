package wire

// PlateSeries are the series letters of Circular 24/2023 plates (no I, J, O, Q, W; R is for
// trailers). A contract like the font: plates are made with them and read against them.
const PlateSeries = "ABCDEFGHKLMNPSTUVXYZ"

// Plate layouts as our plates print them: 'D' a digit, 'N' a digit 1-9, 'L' a series letter
// (PlateSeries), other bytes printed as they are. Text rows are split at the space.
var (
	CarPlateLayout       = []string{"DDL-DDD.DD"}
	MotorbikePlateLayout = []string{"DD-LN", "DDD.DD"}
)

// PlateLayout is the layout of a plate of rows text rows: two for motorbikes, one otherwise.
func PlateLayout(rows int) []string {
	if rows == 2 {
		return MotorbikePlateLayout
	}
	return CarPlateLayout
}

// FitsPlateLayout reports whether a plate's text (rows split at the space) fits a layout.
func FitsPlateLayout(text string, layout []string) bool {
	row, i := 0, 0
	for k := 0; k < len(text); k++ {
		c := text[k]
		if c == ' ' {
			if i != len(layout[row]) || row+1 >= len(layout) {
				return false
			}
			row, i = row+1, 0
			continue
		}
		if i >= len(layout[row]) || !fitsPlateKind(layout[row][i], c) {
			return false
		}
		i++
	}
	return row == len(layout)-1 && i == len(layout[row])
}

func fitsPlateKind(kind, c byte) bool {
	switch kind {
	case 'D':
		return c >= '0' && c <= '9'
	case 'N':
		return c >= '1' && c <= '9'
	case 'L':
		for k := 0; k < len(PlateSeries); k++ {
			if PlateSeries[k] == c {
				return true
			}
		}
		return false
	}
	return c == kind
}
