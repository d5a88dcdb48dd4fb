package wire

import "testing"

// The layouts accept the plates of Circular 24/2023 and nothing else.
func TestFitsPlateLayout(t *testing.T) {
	for _, c := range []struct {
		text   string
		layout []string
		want   bool
	}{
		{"30E-005.55", CarPlateLayout, true},
		{"29-B1 234.56", MotorbikePlateLayout, true},
		{"29-B0 234.56", MotorbikePlateLayout, false}, // N is 1-9
		{"30I-005.55", CarPlateLayout, false},         // I is no series letter
		{"30E-005.5", CarPlateLayout, false},
		{"30E-005.555", CarPlateLayout, false},
		{"29-B1", MotorbikePlateLayout, false},
		{"29-B1 234.56 7", MotorbikePlateLayout, false},
		{"30E-005.55", MotorbikePlateLayout, false},
		{"", CarPlateLayout, false},
	} {
		if got := FitsPlateLayout(c.text, c.layout); got != c.want {
			t.Errorf("FitsPlateLayout(%q, %v) = %v, want %v", c.text, c.layout, got, c.want)
		}
	}
}
