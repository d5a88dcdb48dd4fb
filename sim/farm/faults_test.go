package farm

import (
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	cases := []struct {
		spec string
		want []Fault
	}{
		{"", nil},
		{"disconnect:10s/60s@10%", []Fault{{Kind: "disconnect", Duration: 10 * time.Second, Every: time.Minute, Share: 0.1}}},
		{"loss:2%@cam-003", []Fault{{Kind: "loss", Percent: 2, Camera: "cam-003"}}},
		{"reboot:5s/2m, freeze:1s/10s@all", []Fault{
			{Kind: "reboot", Duration: 5 * time.Second, Every: 2 * time.Minute},
			{Kind: "freeze", Duration: time.Second, Every: 10 * time.Second}}},
		{"jitter:30ms,skew:-1.5s,bitrate:25%", []Fault{
			{Kind: "jitter", Duration: 30 * time.Millisecond},
			{Kind: "skew", Duration: -1500 * time.Millisecond},
			{Kind: "bitrate", Percent: 25}}},
	}
	for _, c := range cases {
		got, err := ParseFaults(c.spec)
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: got %+v, want %+v", c.spec, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: item %d = %+v, want %+v", c.spec, i, got[i], c.want[i])
			}
			again, err := ParseFaults(got[i].String())
			if err != nil || len(again) != 1 || again[0] != got[i] {
				t.Errorf("%q: String %q does not parse back: %+v %v", c.spec, got[i].String(), again, err)
			}
		}
	}
}

func TestParseFaultsErrors(t *testing.T) {
	cases := []struct{ spec, err string }{
		{"boom", `faults: item 1 "boom": unknown kind "boom" (want one of disconnect, freeze, loss, jitter, bitrate, skew, reboot)`},
		{"loss:2%,", `faults: item 2 "": empty item`},
		{"disconnect:10s", `faults: item 1 "disconnect:10s": disconnect needs D/T, e.g. disconnect:10s/60s`},
		{"freeze:x/10s", `faults: item 1 "freeze:x/10s": bad duration "x"`},
		{"reboot:-1s/10s", `faults: item 1 "reboot:-1s/10s": duration "-1s" must be positive`},
		{"disconnect:60s/60s", `faults: item 1 "disconnect:60s/60s": duration 1m0s must be shorter than period 1m0s`},
		{"loss", `faults: item 1 "loss": loss needs a percentage, e.g. loss:10%`},
		{"loss:2", `faults: item 1 "loss:2": percentage "2" must end with %`},
		{"loss:101%", `faults: item 1 "loss:101%": percentage "101%" must be in (0, 100]`},
		{"bitrate:100%", `faults: item 1 "bitrate:100%": bitrate share 100% changes nothing`},
		{"jitter:0s", `faults: item 1 "jitter:0s": duration "0s" must be positive`},
		{"skew:0s", `faults: item 1 "skew:0s": skew must not be zero`},
		{"skew:soon", `faults: item 1 "skew:soon": bad duration "soon"`},
		{"loss:1%@", `faults: item 1 "loss:1%@": empty target after @`},
		{"loss:1%@0%", `faults: item 1 "loss:1%@0%": target share: percentage "0%" must be in (0, 100]`},
	}
	for _, c := range cases {
		_, err := ParseFaults(c.spec)
		if err == nil || err.Error() != c.err {
			t.Errorf("ParseFaults(%q) error\n got %v\nwant %s", c.spec, err, c.err)
		}
	}
}

func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"disconnect:10s/60s@10%", "loss:2%@cam-003", "jitter:30ms,skew:-1s", "bitrate:50%@all", "reboot:1s/2s", "@", ",", "loss:%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := ParseFaults(s)
		if err != nil {
			return
		}
		for _, ft := range fs {
			again, err := ParseFaults(ft.String())
			if err != nil || len(again) != 1 {
				t.Fatalf("%q: %q does not parse back: %v", s, ft.String(), err)
			}
			_ = faultsAt([]Fault{ft}, time.Minute)
		}
	})
}

// A share picks exactly that share of any prefix of cameras, spread evenly.
func TestFaultShare(t *testing.T) {
	f := Fault{Kind: "loss", Percent: 1, Share: 0.1}
	var picked []int
	for k := 0; k < 30; k++ {
		if f.applies("x", k) {
			picked = append(picked, k)
		}
	}
	if len(picked) != 3 || picked[0] != 9 || picked[1] != 19 || picked[2] != 29 {
		t.Fatalf("10%% of 30 cameras picked %v, want [9 19 29]", picked)
	}
	if !(Fault{Camera: "cam-2"}).applies("cam-2", 5) || (Fault{Camera: "cam-2"}).applies("cam-3", 1) || !(Fault{}).applies("any", 0) {
		t.Fatal("camera and all targets")
	}
}

func TestFaultsAt(t *testing.T) {
	fs := []Fault{
		{Kind: "disconnect", Duration: 2 * time.Second, Every: 10 * time.Second},
		{Kind: "freeze", Duration: time.Second, Every: 4 * time.Second},
		{Kind: "reboot", Duration: time.Second, Every: 25 * time.Second},
		{Kind: "loss", Percent: 5},
		{Kind: "skew", Duration: time.Second},
	}
	cases := []struct {
		at   time.Duration
		want faultState
	}{
		{0, faultState{loss: 0.05, skew: time.Second}},
		{4 * time.Second, faultState{frozen: true, frozenFrom: 4 * time.Second, loss: 0.05, skew: time.Second}},
		{5 * time.Second, faultState{loss: 0.05, skew: time.Second}},
		{11 * time.Second, faultState{down: true, loss: 0.05, skew: time.Second}},
		{12 * time.Second, faultState{frozen: true, frozenFrom: 12 * time.Second, loss: 0.05, skew: time.Second}},
		{25500 * time.Millisecond, faultState{reboot: true, reboots: 1, loss: 0.05, skew: time.Second}},
		{26 * time.Second, faultState{reboots: 1, loss: 0.05, skew: time.Second}},
	}
	for _, c := range cases {
		if got := faultsAt(fs, c.at); got != c.want {
			t.Errorf("at %v: %+v, want %+v", c.at, got, c.want)
		}
	}
}
