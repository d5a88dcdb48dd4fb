package results

import (
	"reflect"
	"testing"
)

// Not-judged seconds add up per condition as ByCondition counts: under the camera's light and
// its weather; a share is of the analysed video and never above 1.
func TestNotJudgedByCondition(t *testing.T) {
	cams := map[string]NotJudged{
		"a": {Light: Night, Weather: "rain", AnalysedS: 60, ByTypeS: map[string]float64{"red_light": 30}},
		"b": {Light: Night, Weather: "clear", AnalysedS: 40, ByTypeS: map[string]float64{"red_light": 40, "no_helmet": 40}},
		"c": {Light: Day, Weather: "clear", AnalysedS: 100, ByTypeS: map[string]float64{}},
	}
	got := NotJudgedByCondition(cams)
	want := map[string]NotJudged{
		Night:           {Light: Night, AnalysedS: 100, ByTypeS: map[string]float64{"red_light": 70, "no_helmet": 40}},
		Day:             {Light: Day, AnalysedS: 100, ByTypeS: map[string]float64{}},
		"weather:rain":  {Weather: "rain", AnalysedS: 60, ByTypeS: map[string]float64{"red_light": 30}},
		"weather:clear": {Weather: "clear", AnalysedS: 140, ByTypeS: map[string]float64{"red_light": 40, "no_helmet": 40}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("by condition:\n got %+v\nwant %+v", got, want)
	}
	for _, c := range []struct {
		n    NotJudged
		typ  string
		want float64
	}{
		{got[Night], "red_light", 0.7},
		{got[Night], "stop_line", 0},
		{NotJudged{AnalysedS: 10, ByTypeS: map[string]float64{"x": 10.04}}, "x", 1}, // counted per second, rounded
		{NotJudged{}, "x", 0},
	} {
		if s := c.n.Share(c.typ); s != c.want {
			t.Errorf("share of %s in %+v = %v, want %v", c.typ, c.n, s, c.want)
		}
	}
}
