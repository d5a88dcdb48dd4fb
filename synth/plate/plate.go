package plate

import (
	"fmt"
	"regexp"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/trafficsim/trafficsim/wire"
)

// Series letters in use (no I, J, O, Q, W; R is for trailers).
var Series = []string{"A", "B", "C", "D", "E", "F", "G", "H", "K", "L", "M", "N", "P", "S", "T", "U", "V", "X", "Y", "Z"}

// Region is a set of province codes with their weights of appearance.
type Region struct {
	Codes []string
	// LocalShare is the share of plates from Codes[0:Local]; the rest come from Others.
	LocalShare float64
}

// Province codes (DOMAIN.md): Hanoi 29-33 and 40; HCMC 41, 50-59; and a selection of others.
var (
	Hanoi  = []string{"29", "30", "31", "32", "33", "40"}
	HCMC   = []string{"41", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59"}
	Others = []string{"15", "16", "34", "43", "92", "65", "83", "95", "14", "36", "37", "79", "85", "60", "39", "93", "99", "98", "75"}
)

// Maker draws plates from one seeded generator.
type Maker struct {
	f     *gofakeit.Faker
	local []string
	share float64 // share of local plates, default 0.85
	seen  map[string]bool
}

// New returns a Maker seeded with seed whose plates are mostly from the local province codes.
func New(seed uint64, local []string) *Maker {
	s := int64(seed & (1<<63 - 1))
	if s == 0 {
		s = 1 // gofakeit seeds 0 from crypto/rand
	}
	if len(local) == 0 {
		local = Hanoi
	}
	return &Maker{f: gofakeit.NewUnlocked(s), local: local, share: 0.85, seen: map[string]bool{}}
}

func (m *Maker) province() string {
	if m.f.Rand.Float64() < m.share {
		return m.local[m.f.IntRange(0, len(m.local)-1)]
	}
	return Others[m.f.IntRange(0, len(Others)-1)]
}

// Make returns a new plate for a vehicle of class c (bicycles get an empty plate), unique within
// the Maker.
func (m *Maker) Make(c wire.Class) wire.Plate {
	if c == wire.Bicycle {
		return wire.Plate{}
	}
	for {
		p := m.make(c)
		if !m.seen[p.Text] {
			m.seen[p.Text] = true
			return p
		}
	}
}

func (m *Maker) make(c wire.Class) wire.Plate {
	prov := m.province()
	series := Series[m.f.IntRange(0, len(Series)-1)]
	digits := m.f.Numerify("###.##")
	if c == wire.Motorbike {
		return wire.Plate{Text: fmt.Sprintf("%s-%s%d %s", prov, series, m.f.IntRange(1, 9), digits), Rows: 2, Color: "white"}
	}
	color := "white"
	u := m.f.Rand.Float64()
	switch c {
	case wire.Car:
		if u < 0.12 {
			color = "yellow" // taxis and ride-hailing
		} else if u < 0.15 {
			color = "blue"
		}
	case wire.Truck:
		if u < 0.6 {
			color = "yellow"
		}
	case wire.Bus:
		if u < 0.9 {
			color = "yellow"
		}
	}
	return wire.Plate{Text: fmt.Sprintf("%s%s-%s", prov, series, digits), Rows: 1, Color: color}
}

// The formats of Circular 24/2023: province code, series, digits.
var (
	CarFormat       = regexp.MustCompile(`^[0-9]{2}[ABCDEFGHKLMNPSTUVXYZ]-[0-9]{3}\.[0-9]{2}$`)
	MotorbikeFormat = regexp.MustCompile(`^[0-9]{2}-[ABCDEFGHKLMNPSTUVXYZ][1-9] [0-9]{3}\.[0-9]{2}$`)
)

// Valid reports whether text has the format of class c.
func Valid(c wire.Class, text string) bool {
	switch c {
	case wire.Motorbike:
		return MotorbikeFormat.MatchString(text)
	case wire.Bicycle:
		return text == ""
	}
	return CarFormat.MatchString(text)
}
