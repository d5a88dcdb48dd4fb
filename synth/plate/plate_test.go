package plate

import (
	"slices"
	"testing"

	"github.com/trafficsim/trafficsim/wire"
)

func TestPlatesMatchTheClassFormat(t *testing.T) {
	m := New(7, Hanoi)
	local := 0
	colors := map[string]int{}
	for i := 0; i < 2000; i++ {
		c := wire.Classes[i%len(wire.Classes)]
		p := m.Make(c)
		if !Valid(c, p.Text) {
			t.Fatalf("%s plate %q does not match its format", c, p.Text)
		}
		if c == wire.Bicycle {
			continue
		}
		if slices.Contains(Hanoi, p.Text[:2]) {
			local++
		}
		wantRows := 1
		if c == wire.Motorbike {
			wantRows = 2
		}
		if p.Rows != wantRows {
			t.Errorf("%s plate %q has %d rows", c, p.Text, p.Rows)
		}
		colors[p.Color]++
	}
	if share := float64(local) / 1600; share < 0.8 || share > 0.9 {
		t.Errorf("local share %.2f, want about 0.85", share)
	}
	for _, c := range []string{"white", "yellow", "blue"} {
		if colors[c] == 0 {
			t.Errorf("no %s plates in 1600", c)
		}
	}
}

func TestPlatesAreSeeded(t *testing.T) {
	a, b, c := New(3, HCMC), New(3, HCMC), New(4, HCMC)
	same, diff := true, false
	for i := 0; i < 50; i++ {
		pa, pb, pc := a.Make(wire.Car), b.Make(wire.Car), c.Make(wire.Car)
		same = same && pa == pb
		diff = diff || pa != pc
		if !slices.Contains(HCMC, pa.Text[:2]) && !slices.Contains(Others, pa.Text[:2]) {
			t.Errorf("unknown province in %q", pa.Text)
		}
	}
	if !same || !diff {
		t.Errorf("same seed same plates: %v; other seed other plates: %v", same, diff)
	}
}

func TestValidExamples(t *testing.T) {
	cases := []struct {
		c    wire.Class
		text string
		ok   bool
	}{
		{wire.Car, "29A-123.45", true},
		{wire.Truck, "51C-678.90", true},
		{wire.Car, "29I-123.45", false},
		{wire.Car, "29A-12345", false},
		{wire.Motorbike, "29-B1 123.45", true},
		{wire.Motorbike, "29-B0 123.45", false},
		{wire.Motorbike, "29A-123.45", false},
		{wire.Bicycle, "", true},
	}
	for _, c := range cases {
		if got := Valid(c.c, c.text); got != c.ok {
			t.Errorf("Valid(%s, %q) = %v, want %v", c.c, c.text, got, c.ok)
		}
	}
}
