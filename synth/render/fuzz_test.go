package render

import (
	"encoding/json"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render/rendertest"
	"github.com/trafficsim/trafficsim/wire"
)

// FuzzBuilder feeds arbitrary truth JSON to the frame builder: it must reject what it cannot
// draw with an error, and draw the rest without panicking (no GPU involved).
func FuzzBuilder(f *testing.F) {
	for _, c := range []wire.Conditions{{TimeOfDay: "night", Weather: "rain", Overlay: true}, {TimeOfDay: "day", Weather: "fog"}} {
		b, _ := json.Marshal(rendertest.Truth(rendertest.Spec{Frames: 2, Width: 64, Height: 36, Conditions: c}))
		f.Add(b)
	}
	f.Add([]byte(`{"width":2,"height":2,"fps":1,"pinhole":{"focal_px":1,"height_m":-5,"tilt_deg":90},"objects":[{"id":0,"class":"car","length_m":1e9,"width_m":1,"height_m":1,"color":"#000000","plate":{"text":"ÿÿ","rows":2}}],"frames":[{"objects":[{"id":0}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr wire.Truth
		if json.Unmarshal(data, &tr) != nil || len(tr.Frames) > 4 || tr.Width > 256 || tr.Height > 256 {
			return
		}
		for _, m := range []Mode{Color, IDs} {
			b, err := newBuilder(&tr, m)
			if err != nil {
				return
			}
			for i := range tr.Frames {
				b.frame(i)
			}
		}
	})
}
