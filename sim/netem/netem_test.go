package netem

import (
	"slices"
	"testing"
	"time"
)

// One direction of a link in tc's words: half the round trip, the loss, the rate and a queue.
func TestNetemAndTBFArguments(t *testing.T) {
	tests := []struct {
		l          Link
		netem, tbf []string
	}{
		{Link{Mbps: 20, RTT: 40 * time.Millisecond, Loss: 0.005},
			[]string{"netem", "delay", "20000us", "loss", "0.5%", "rate", "20000kbit", "limit", "1666"},
			[]string{"tbf", "rate", "20000kbit", "burst", "25000", "limit", "2500000"}},
		{Link{RTT: 3 * time.Millisecond}, []string{"netem", "delay", "1500us"}, nil},
		{Link{Mbps: 0.5}, []string{"netem", "rate", "500kbit", "limit", "1000"},
			[]string{"tbf", "rate", "500kbit", "burst", "16384", "limit", "62500"}},
	}
	for _, tt := range tests {
		if got := tt.l.NetemArgs(); !slices.Equal(got, tt.netem) {
			t.Errorf("%+v: netem %q, want %q", tt.l, got, tt.netem)
		}
		if tt.tbf != nil {
			if got := tt.l.TBFArgs(); !slices.Equal(got, tt.tbf) {
				t.Errorf("%+v: tbf %q, want %q", tt.l, got, tt.tbf)
			}
		}
	}
}

func TestParseLossAndValidate(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  string
	}{
		{"0.5%", 0.005, ""},
		{"1%", 0.01, ""},
		{"0.02", 0.02, ""},
		{"lots", 0, `netem: loss "lots": not a number or percentage`},
		{"120%", 0, `netem: loss "120%" must be within 0-100%`},
	}
	for _, tt := range tests {
		got, err := ParseLoss(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseLoss(%q) = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got < tt.want-1e-12 || got > tt.want+1e-12 {
			t.Errorf("ParseLoss(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for l, want := range map[Link]string{
		{Mbps: -1}:          "netem: mbps -1 must not be negative",
		{RTT: -time.Second}: "netem: rtt -1s must not be negative",
		{Loss: 2}:           "netem: loss 2 must be within 0-1",
	} {
		if err := l.Validate(); err == nil || err.Error() != want {
			t.Errorf("%+v: %v, want %q", l, err, want)
		}
	}
	if _, err := Create("Bad Name", 1); err == nil || err.Error() != `netem: namespace name "Bad Name": 1-11 of a-z, 0-9 and -, starting with a letter` {
		t.Errorf("Create: %v", err)
	}
}
