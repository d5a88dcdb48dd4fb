package scenarios

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// minimal is a valid arterial scenario; cases edit it by string replacement.
const minimal = `name: tiny
scene:
  template: arterial
  lanes:
    - {id: a1, direction: away, allowed: [car]}
  speed_limits_kmh: {car: 50}
traffic:
  flow_per_hour: 600
  mix: {car: 1}
`

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		err  string
	}{
		{"unknown top-level key", minimal + "colour: red\n", "x.yaml:10: colour: unknown field"},
		{"unknown nested key", strings.Replace(minimal, "  flow_per_hour: 600", "  flow_per_hour: 600\n  flows: 3", 1), "x.yaml:9: traffic.flows: unknown field"},
		{"unknown key in a list item", strings.Replace(minimal, "allowed: [car]}", "allowed: [car], speed: 3}", 1), "x.yaml:5: scene.lanes[0].speed: unknown field"},
		{"wrong type", strings.Replace(minimal, "flow_per_hour: 600", "flow_per_hour: lots", 1), `x.yaml:8: traffic.flow_per_hour: want a number, got "lots"`},
		{"negative seed", minimal + "seed: -4\n", "x.yaml:10: seed: want a non-negative integer, got -4"},
		{"bad duration", minimal + "duration: forever\n", `x.yaml:10: duration: want a duration like 90s or 10m, got "forever"`},
		{"missing name", strings.Replace(minimal, "name: tiny\n", "", 1), "x.yaml:1: name: is required"},
		{"bad name", strings.Replace(minimal, "name: tiny", "name: Tiny Town", 1), `x.yaml:1: name: must be lower-case letters, digits and '-' (got "Tiny Town")`},
		{"unknown template", strings.Replace(minimal, "template: arterial", "template: roundabout", 1), `x.yaml:3: scene.template: must be intersection, arterial or expressway (got "roundabout")`},
		{"unknown class", strings.Replace(minimal, "allowed: [car]", "allowed: [car, tank]", 1), `x.yaml:5: scene.lanes[0].allowed[1]: unknown class "tank" (want one of motorbike, car, truck, bus, bicycle)`},
		{"bad direction", strings.Replace(minimal, "direction: away", "direction: up", 1), `x.yaml:5: scene.lanes[0].direction: must be away or toward (got "up")`},
		{"mix does not add up", strings.Replace(minimal, "mix: {car: 1}", "mix: {car: 0.9}", 1), "x.yaml:9: traffic.mix: shares must add up to 1 (got 0.9)"},
		{"class without lane", strings.Replace(minimal, "mix: {car: 1}", "mix: {car: 0.5, truck: 0.5}", 1), "x.yaml:9: traffic.mix.truck: no lane allows truck"},
		{"negative flow", strings.Replace(minimal, "flow_per_hour: 600", "flow_per_hour: -5", 1), "x.yaml:8: traffic.flow_per_hour: must be above 0 and at most 30000 (got -5)"},
		{"rate above one", minimal + "  violations: {wrong_way: 1.5}\n", "x.yaml:10: traffic.violations.wrong_way: must be between 0 and 1 (got 1.5)"},
		{"missing speed limit", strings.Replace(minimal, "allowed: [car]", "allowed: [car, bus]", 1), "x.yaml:6: scene.speed_limits_kmh.bus: is required: a lane allows bus"},
		{"red light without signals", minimal + "  violations: {red_light: 0.1}\n", "x.yaml:10: traffic.violations: red_light and stop_line need the intersection template (signals)"},
		{"speeding without zone", minimal + "  violations: {speeding: 0.1}\n", "x.yaml:10: traffic.violations.speeding: needs a scene.speed_zone"},
		{"intersection without signal", strings.Replace(minimal, "template: arterial", "template: intersection\n  cross: {lanes_each_way: 1}", 1), "x.yaml:2: scene.signal: is required for the intersection template"},
		{"camera position", minimal + "camera: {position_m: [1, 2, 3]}\n", "x.yaml:10: camera.position_m: must be [x, y] (got 3 numbers)"},
		{"tilt out of range", minimal + "camera: {tilt_deg: 95}\n", "x.yaml:10: camera.tilt_deg: must be between 1 and 89 (got 95)"},
		{"unknown plate region", minimal + "  plates: paris\n", `x.yaml:10: traffic.plates: must be hanoi or hcmc (got "paris")`},
		{"bad start time", minimal + "conditions: {start: yesterday}\n", `x.yaml:10: conditions.start: must be an RFC 3339 time (got "yesterday")`},
		{"unknown codec", minimal + "codec: vp9\n", `x.yaml:10: codec: must be h264 or h265 (got "vp9")`},
		{"toward after away", strings.Replace(minimal, "    - {id: a1, direction: away, allowed: [car]}", "    - {id: a1, direction: away, allowed: [car]}\n    - {id: t1, direction: toward, allowed: [car]}", 1), "x.yaml:6: scene.lanes[1].direction: toward lanes must come before away lanes (traffic keeps right)"},
		{"duplicate lane", strings.Replace(minimal, "    - {id: a1, direction: away, allowed: [car]}", "    - {id: a1, direction: away, allowed: [car]}\n    - {id: a1, direction: away, allowed: [car]}", 1), `x.yaml:6: scene.lanes[1].id: duplicate lane id "a1"`},
		{"empty file", "", "x.yaml:1: the file is empty"},
		{"not yaml", "name: [", "x.yaml:1: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(c.yaml)}}, "x.yaml")
			if err == nil {
				t.Fatalf("no error; want %q", c.err)
			}
			if !strings.HasPrefix(err.Error(), c.err) {
				t.Fatalf("error\n  %q\nwant\n  %q", err.Error(), c.err)
			}
		})
	}
}

func TestLoadDefaults(t *testing.T) {
	s, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(minimal)}}, "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Seed != 1 || s.Duration != 10*time.Minute || s.FPS != 25 || s.Resolution != (Resolution{1280, 720}) {
		t.Errorf("defaults: seed %d duration %s fps %g resolution %v", s.Seed, s.Duration, s.FPS, s.Resolution)
	}
	if s.Codec != "h264" {
		t.Errorf("default codec %q, want h264", s.Codec)
	}
	if s.Camera.HeightM != 7 || s.Scene.LaneWidthM != 3.5 || s.Conditions.TimeOfDay != "day" || !*s.Conditions.Overlay {
		t.Errorf("defaults: camera %+v lane width %g conditions %+v", s.Camera, s.Scene.LaneWidthM, s.Conditions)
	}
}

func TestShippedScenarios(t *testing.T) {
	want := []string{"arterial", "expressway", "intersection-anpr", "intersection-anpr-night", "intersection-day", "intersection-night-rain"}
	if got := Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	enabled := map[string]string{
		"intersection-day":        "red_light stop_line wrong_lane no_helmet too_many_passengers",
		"intersection-night-rain": "red_light stop_line wrong_lane no_helmet too_many_passengers",
		"intersection-anpr":       "wrong_lane no_helmet too_many_passengers",
		"intersection-anpr-night": "wrong_lane no_helmet too_many_passengers",
		"arterial":                "speeding wrong_way no_helmet illegal_parking sidewalk",
		"expressway":              "speeding wrong_way wrong_lane",
	}
	for _, n := range want {
		s, err := Lookup(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if s.Name != n {
			t.Errorf("%s.yaml is named %q", n, s.Name)
		}
		if got := strings.Join(s.Enabled(), " "); got != enabled[n] {
			t.Errorf("%s enables %q, want %q", n, got, enabled[n])
		}
	}
	if s, _ := Lookup("intersection-day"); s.Traffic.Mix.Motorbike < 0.75 {
		t.Errorf("intersection-day must be Hanoi-like (about 80%% motorbikes), got %g", s.Traffic.Mix.Motorbike)
	}
}

func TestLookupFileOnDisk(t *testing.T) {
	dir := t.TempDir()
	f := dir + "/mine.yaml"
	if err := writeFile(f, minimal); err != nil {
		t.Fatal(err)
	}
	s, err := Lookup(f)
	if err != nil || s.Name != "tiny" || s.File != f {
		t.Fatalf("Lookup(%s) = %+v, %v", f, s, err)
	}
	if _, err := Lookup(dir + "/none.yaml"); err == nil || !strings.Contains(err.Error(), "neither a shipped name") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimal))
	for _, n := range Names() {
		b, _ := Shipped().(interface{ ReadFile(string) ([]byte, error) }).ReadFile(n + ".yaml")
		f.Add(b)
	}
	f.Add([]byte("name: [\n"))
	f.Add([]byte("scene: {lanes: [{id: 1}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type res struct {
			s   *Scenario
			err error
		}
		ch := make(chan res, 1)
		go func() { s, err := Parse("f.yaml", data); ch <- res{s, err} }()
		var r res
		select {
		case r = <-ch:
		case <-time.After(2 * time.Second):
			t.Fatalf("Parse hangs on %q", data)
		}
		s, err := r.s, r.err
		if err == nil && s == nil {
			t.Fatal("nil scenario without error")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func TestShippedIsAFileSystem(t *testing.T) {
	var files []string
	for _, n := range Names() {
		files = append(files, n+".yaml")
	}
	if err := fstest.TestFS(Shipped(), files...); err != nil {
		t.Fatal(err)
	}
}
