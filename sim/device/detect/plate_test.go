package detect

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// drawPlate paints a plate into the Y plane the way the cameras' plates look: light plate,
// dark border and glyphs of wire.Glyphs laid out as on a real plate (one row for cars, two rows
// for motorbikes, text rows split at the space), antialiased by supersampling.
func drawPlate(f *decode.Frame, q quad, text string, bg, ink float64) {
	rows := []string{text}
	if i := strings.IndexByte(text, ' '); i > 0 {
		rows = []string{text[:i], text[i+1:]}
	}
	isInk := func(u, v float64) bool {
		if u < 0.035 || u > 0.965 || v < 0.1 || v > 0.9 {
			return u >= 0.02 && u <= 0.98 && v >= 0.04 && v <= 0.96
		}
		for ri, row := range rows {
			v0, v1 := 0.2, 0.8
			cw := 0.88 / float64(len(row))
			u0 := 0.06
			if len(rows) == 2 {
				v0, v1 = 0.13+0.4*float64(ri), 0.47+0.4*float64(ri)
				cw = math.Min(cw, 0.16)
				u0 = 0.5 - cw*float64(len(row))/2
			}
			if v < v0 || v >= v1 {
				continue
			}
			r := int((v - v0) / (v1 - v0) * 7)
			for ci := 0; ci < len(row); ci++ {
				cu := u0 + cw*float64(ci) + cw*0.1
				gw := cw * 0.8
				if u < cu || u >= cu+gw {
					continue
				}
				c := int((u - cu) / gw * 5)
				g := punct[row[ci]]
				if strings.IndexByte(digits+letters, row[ci]) >= 0 {
					g = wire.Glyphs[rune(row[ci])]
				}
				return g[r][c] == '#'
			}
		}
		return false
	}
	m := squareTo(q)
	sum := make([]float64, len(f.Y))
	cnt := make([]float64, len(f.Y))
	nu := int(q.width()*4) + 40 // about 4 x 4 samples per pixel
	nv := int(math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])*4) + 20
	for iv := 0; iv < nv; iv++ {
		for iu := 0; iu < nu; iu++ {
			u, v := (float64(iu)+0.5)/float64(nu), (float64(iv)+0.5)/float64(nv)
			x, y := m.at(u, v)
			i := int(y)*f.Width + int(x)
			if i < 0 || i >= len(f.Y) {
				continue
			}
			val := bg
			if isInk(u, v) {
				val = ink
			}
			sum[i] += val
			cnt[i]++
		}
	}
	for i, s := range sum {
		if cnt[i] > 0 {
			f.Y[i] = uint8(s / cnt[i])
		}
	}
}

// vehicleBox is a box around a plate the way a vehicle's box holds it: a plate width to each
// side, three plate heights above and one below.
func vehicleBox(q quad) wire.Box {
	w, h := q.width(), math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])
	return wire.Box{q[0][0] - w, q[0][1] - 3*h, q[1][0] + w, q[3][1] + h}
}

// grille paints dark vertical slats on a light panel (a radiator grille: strong steps that are
// not a plate) at x, y, w x h.
func grille(f *decode.Frame, x, y, w, h float64) {
	for yy := int(y); yy < int(y+h); yy++ {
		for xx := int(x); xx < int(x+w); xx++ {
			if yy < 0 || xx < 0 || yy >= f.Height || xx >= f.Width {
				continue
			}
			v := uint8(200)
			if (xx-int(x))%6 < 3 {
				v = 40
			}
			f.Y[yy*f.Width+xx] = v
		}
	}
}

var punct = map[byte][7]string{
	'-': {".....", ".....", ".....", ".###.", ".....", ".....", "....."},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
}

// shift moves q by dx, dy and scales it by s about its centre.
func (q quad) shift(dx, dy, s float64) quad {
	cx := (q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4
	cy := (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4
	var o quad
	for i, p := range q {
		o[i] = wire.Point{cx + (p[0]-cx)*s + dx, cy + (p[1]-cy)*s + dy}
	}
	return o
}

func grey(w, h int, v uint8) *decode.Frame {
	f := &decode.Frame{Width: w, Height: h, Y: make([]byte, w*h)}
	for i := range f.Y {
		f.Y[i] = v
	}
	return f
}

// plateLook is how a plate type looks in the Y plane (BT.601 luma of the renderer's plate
// colours) by day and at night (lit by the plate lamp at 60%), with the sensor noise of the
// scenarios (sigma 0.01 by day, 0.04 at night, of 255).
type plateLook struct {
	name     string
	bg, ink  float64
	noise    float64
	lightInk bool
}

var looks = []plateLook{
	{"white day", 236, 13, 3, false},
	{"yellow day", 194, 13, 3, false},
	{"blue day", 58, 242, 3, true},
	{"white night", 142, 8, 10, false},
	{"yellow night", 116, 8, 10, false},
}

// The reader reads plates of the plate font at the size the truth calls readable (characters
// >= 15 px high, strokes >= 2 px: one-row plates 142 px wide, two-row plates 85 px wide) and
// larger, seen at an angle (far side up to 20% shorter, sheared), found from a predicted
// position that is off by up to a quarter of the plate's width and 60% of its height, every
// plate type by day and at night. 20 plates per case.
func TestReadPlate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		layout  []string
		aspect  float64 // height / width
		widthPx float64
		want    float64 // least share read right
	}{
		{carLayout, 0.11 / 0.52, 142, 0.9},
		{carLayout, 0.11 / 0.52, 200, 0.9},
		{motoLayout, 0.14 / 0.19, 85, 0.9},
		{motoLayout, 0.14 / 0.19, 120, 0.9},
	}
	for _, c := range cases {
		for _, lk := range looks {
			if len(c.layout) == 2 && lk.name != "white day" && lk.name != "white night" {
				continue // motorbike plates are white
			}
			ok, n := 0, 20
			for k := 0; k < n; k++ {
				text := randomPlate(rng, c.layout)
				f := grey(500, 300, 90)
				w, h := c.widthPx, c.widthPx*c.aspect
				x0, y0 := 150+rng.Float64()*20, 80+rng.Float64()*10
				far := 1 - 0.2*rng.Float64() // the far side's height, relative
				skew := (rng.Float64() - 0.5) * 0.2 * h
				q := quad{{x0, y0 + skew}, {x0 + w, y0 - skew + h*(1-far)/2}, {x0 + w, y0 - skew + h*(1+far)/2}, {x0, y0 + h + skew}}
				drawPlate(f, q, text, lk.bg, lk.ink)
				grille(f, x0+w*0.1, y0-2.2*h, w*0.8, h*1.2)
				for i := range f.Y {
					f.Y[i] = uint8(math.Max(0, math.Min(255, float64(f.Y[i])+rng.NormFloat64()*lk.noise)))
				}
				pred := q.shift((rng.Float64()-0.5)*0.5*w, (rng.Float64()-0.5)*1.2*h, 1+(rng.Float64()-0.5)*0.2)
				got, score := readPlateNear(f, pred, vehicleBox(q), c.layout)
				if got == text && score >= minPlateScore {
					ok++
				} else if k < 2 {
					t.Logf("%v %s at %.0f px: read %q (%.2f), want %q", c.layout, lk.name, c.widthPx, got, score, text)
				}
			}
			t.Logf("%v %s at %.0f px wide: %d/%d read right", c.layout, lk.name, c.widthPx, ok, n)
			if share := float64(ok) / float64(n); share < c.want {
				t.Errorf("%v %s at %.0f px wide: %.0f%% read right, want >= %.0f%%", c.layout, lk.name, c.widthPx, 100*share, 100*c.want)
			}
		}
	}
}

func randomPlate(rng *rand.Rand, layout []string) string {
	var b strings.Builder
	for i, row := range layout {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j := 0; j < len(row); j++ {
			if cand := candidates(row[j]); cand != "" {
				b.WriteByte(cand[rng.IntN(len(cand))])
			} else {
				b.WriteByte(row[j])
			}
		}
	}
	return b.String()
}

// Blue plates print light ink on a dark plate: the reader tries both polarities.
func TestReadPlateInverted(t *testing.T) {
	f := grey(400, 200, 90)
	q := quad{{100, 80}, {200, 80}, {200, 101}, {100, 101}}
	drawPlate(f, q, "30E-005.55", 40, 230)
	if got, _ := readPlateNear(f, q.shift(6, -3, 1), vehicleBox(q), carLayout); got != "30E-005.55" {
		t.Errorf("read %q", got)
	}
}

// The predicted plate of a car at a known place projects where the pinhole puts it.
func TestPlateQuadProjection(t *testing.T) {
	cal := site(t)
	d, _ := New(cal, Options{})
	q, ok := d.plateQuad(wire.Point{1.75, 20}, wire.Point{0, -1}, false)
	if !ok {
		t.Fatal("not projected")
	}
	c, _, _ := cam.Project(wire.Vec3{1.75, 20, carPlateZ})
	cx, cy := squareTo(q).at(0.5, 0.5)
	if math.Hypot(cx-c[0], cy-c[1]) > 0.5 || q[0][0] > q[1][0] || q[0][1] > q[3][1] {
		t.Errorf("quad %v, centre (%.1f, %.1f), want %v", q, cx, cy, c)
	}
}

// The reader's gate measures characters as the truth does (synth/world's PlateCharPx): a
// one-row plate 142 x 30 px square-on has 18 px characters and 2 px strokes; a two-row plate
// 85 x 62.6 px has 21.3 px characters and 2 px strokes.
func TestCharPx(t *testing.T) {
	rect := func(w, h float64) quad { return quad{{10, 10}, {10 + w, 10}, {10 + w, 10 + h}, {10, 10 + h}} }
	cases := []struct {
		layout       []string
		q            quad
		char, stroke float64
	}{
		{carLayout, rect(142, 142*0.11/0.52), 18.02, 2.0},
		{motoLayout, rect(85, 85*0.14/0.19), 21.3, 2.0},
		{carLayout, quad{{0, 0}, {300, 10}, {300, 30}, {0, 40}}, 12, 300.17 * 0.01408},
	}
	for _, c := range cases {
		ch, sw := charPx(c.q, c.layout)
		if math.Abs(ch-c.char) > 0.01*c.char || math.Abs(sw-c.stroke) > 0.01*c.stroke {
			t.Errorf("%v %v: %.2f px characters, %.2f px strokes, want %.2f, %.2f", c.layout, c.q, ch, sw, c.char, c.stroke)
		}
	}
}

// BenchmarkReadPlate times one reading (find, fit, read) of a plate at the readability floor
// and at twice its width.
func BenchmarkReadPlate(b *testing.B) {
	for _, c := range []struct {
		name   string
		layout []string
		w, h   float64
	}{
		{"car-142px", carLayout, 142, 30}, {"car-284px", carLayout, 284, 60},
		{"moto-85px", motoLayout, 85, 63}, {"moto-170px", motoLayout, 170, 125},
	} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			text := randomPlate(rng, c.layout)
			f := grey(600, 400, 90)
			q := quad{{100, 100}, {100 + c.w, 100}, {100 + c.w, 100 + c.h}, {100, 100 + c.h}}
			drawPlate(f, q, text, 236, 13)
			pred := q.shift(0.1*c.w, 0.3*c.h, 1.05)
			for b.Loop() {
				if got, _ := readPlateNear(f, pred, vehicleBox(q), c.layout); got != text {
					b.Fatalf("read %q, want %q", got, text)
				}
			}
		})
	}
}

// renderedPlates are crops of the Y plane of clips that synth/render drew and x264 encoded
// (2 Mbit/s), around plates the truth marks readable: scenarios intersection-day (seed 1001)
// and intersection-night-rain (seed 2002, rain streaks, plates lit by their lamps) with an ANPR
// camera (2560 x 1440, focal 6000 px, 7 m up, tilt 20 degrees; "anpr5": 5 m up, tilt 16, where
// motorbikes' two-row plates are readable). quad is the plate the
// calibration predicts from the truth box's bottom centre, moved into the crop (its place is
// off, its size close).
var renderedPlates = []struct {
	file, text, class, color string
	q                        quad
}{
	{"intersection-day-anpr-0242-32.png", "34S-917.45", "car", "white", quad{{218.7, 41.2}, {382.3, 45.1}, {382.8, 77.8}, {219.6, 73.8}}},
	{"intersection-day-anpr-0521-44.png", "31N-207.13", "car", "white", quad{{235.5, 45.5}, {411.9, 50.1}, {412.6, 84.9}, {236.6, 80.3}}},
	{"intersection-day-anpr-1294-48.png", "65Y-338.71", "car", "white", quad{{195.4, 36.5}, {343.1, 39.8}, {343.5, 69.6}, {196.0, 66.4}}},
	{"intersection-day-anpr-1807-51.png", "40L-743.63", "truck", "white", quad{{199.1, -52.5}, {345.6, -49.4}, {346.0, -19.7}, {199.8, -22.9}}},
	{"intersection-day-anpr-2570-61.png", "95S-225.44", "car", "blue", quad{{241.0, 46.5}, {420.6, 51.2}, {421.4, 86.7}, {242.2, 81.9}}},
	{"intersection-day-anpr-2945-87.png", "29K-843.62", "car", "white", quad{{232.9, 44.5}, {407.0, 49.0}, {407.7, 83.5}, {234.0, 79.0}}},
	{"intersection-day-anpr-2996-108.png", "29E-526.03", "car", "white", quad{{278.1, 60.2}, {479.9, 52.1}, {481.0, 90.8}, {279.6, 99.0}}},
	{"intersection-night-rain-anpr-1315-80.png", "30X-402.26", "truck", "white", quad{{235.0, -60.1}, {406.2, -55.8}, {406.9, -21.8}, {236.1, -26.1}}},
	{"intersection-night-rain-anpr-1595-101.png", "29V-708.75", "car", "white", quad{{209.2, 41.5}, {370.1, 45.3}, {370.6, 77.5}, {210.1, 73.6}}},
	{"intersection-night-rain-anpr-1966-120.png", "29N-176.93", "car", "white", quad{{214.8, 40.9}, {377.0, 44.7}, {377.5, 77.2}, {215.7, 73.2}}},
	{"intersection-day-anpr5-0074-132.png", "29-F5 954.52", "motorbike", "white", quad{{122.1, 69.7}, {212.9, 71.2}, {212.0, 134.2}, {121.4, 132.7}}},
	{"intersection-day-anpr5-1084-177.png", "33-T8 320.24", "motorbike", "white", quad{{106.4, 83.6}, {190.7, 85.4}, {189.5, 144.3}, {105.5, 142.4}}},
	{"intersection-day-anpr5-2847-254.png", "15-A8 485.41", "motorbike", "white", quad{{44.6, 83.2}, {131.0, 85.1}, {127.7, 144.9}, {41.4, 142.9}}},
}

// The reader reads the renderer's own plates after H.264, searching the whole crop (a plate
// width to each side, two plate heights above and below) from the predicted plate.
func TestReadRenderedPlates(t *testing.T) {
	for _, c := range renderedPlates {
		fh, err := os.Open(filepath.Join("testdata", "plates", c.file))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		g, ok := img.(*image.Gray)
		if !ok {
			t.Fatalf("%s: %T, want grey", c.file, img)
		}
		f := &decode.Frame{Width: g.Rect.Dx(), Height: g.Rect.Dy(), Y: g.Pix}
		layout := layoutFor(c.class == "motorbike")
		got, score := readPlateNear(f, c.q, wire.Box{0, 0, float64(f.Width), float64(f.Height)}, layout)
		if got != c.text || score < minPlateScore {
			t.Errorf("%s (%s %s): read %q (score %.2f), want %q", c.file, c.color, c.class, got, score, c.text)
		}
	}
}

// Whatever the predicted plate and the vehicle's box (the blob and the calibration may give
// anything), reading returns: no panic, no endless search, a score of at most 1.
func FuzzReadPlateNear(f *testing.F) {
	f.Add(100.0, 80.0, 240.0, 110.0, 0.0, 0.0, 400.0, 200.0, false)
	f.Add(-1e9, 5.0, 1e9, 7.0, -50.0, -50.0, 1e6, 1e6, true)
	f.Add(10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, false)
	f.Add(math.NaN(), 1.0, 2.0, 3.0, 0.0, 0.0, 10.0, 10.0, true)
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, bx0, by0, bx1, by1 float64, moto bool) {
		fr := grey(400, 200, 90)
		drawPlate(fr, quad{{100, 80}, {240, 80}, {240, 110}, {100, 110}}, "30E-005.55", 230, 20)
		q := quad{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
		layout := layoutFor(moto)
		if _, s := readPlateNear(fr, q, wire.Box{bx0, by0, bx1, by1}, layout); s > 1+1e-9 {
			t.Errorf("score %g", s)
		}
	})
}

// BenchmarkPlateReading measures the plate reader on the clips of TRAFFICSIM_CLIPS (`make
// bench-accuracy` sets it per shipped scenario) over every object whose plate the truth marks readable, given the object's
// box (as if the detector's blob were right: it isolates the reader from blob tracking): every
// 5th frame the plate is predicted from the box's bottom centre by the calibration and read;
// per object the best-scoring reading counts, as a track keeps its best. Truth is only read to
// score. Reports the share of objects read right by day and at night; the table is logged.
//
//	TRAFFICSIM_CLIPS=DIR go test -tags extlib,pkgconfig ./sim/device/detect/ -run XXX -bench PlateReading -benchtime 1x -v
func BenchmarkPlateReading(b *testing.B) {
	clips := librarytest.FromEnv(b)
	if len(clips) == 0 {
		return
	}
	for range b.N {
		type tally struct{ objects, right, wrong, frames, framesRight int }
		byCond := map[string]*tally{}
		var tab strings.Builder
		for _, c := range clips {
			cal, err := c.Calibration()
			if err != nil {
				b.Fatal(err)
			}
			tr, err := c.Truth()
			if err != nil {
				b.Fatal(err)
			}
			d, err := New(*cal, Options{Source: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			dec, err := decode.New(decode.Options{})
			if err != nil {
				b.Fatal(err)
			}
			data, err := c.Stream()
			if err != nil {
				b.Fatal(err)
			}
			objs := map[int]*wire.Object{}
			for i := range tr.Objects {
				objs[tr.Objects[i].ID] = &tr.Objects[i]
			}
			type best struct {
				text  string
				score float64
			}
			res := map[int]*best{}
			cond := "day"
			if tr.Conditions.Night() {
				cond = "night"
			}
			if byCond[cond] == nil {
				byCond[cond] = &tally{}
			}
			t := byCond[cond]
			var f decode.Frame
			for i := range c.Index.Frames {
				ok, err := dec.Decode(c.AccessUnit(data, i), &f)
				if err != nil || !ok || i%5 != 0 || i >= len(tr.Frames) {
					continue
				}
				for _, s := range tr.Frames[i].Objects {
					if !s.PlateRead {
						continue
					}
					o := objs[s.ID]
					g, ok := wire.Apply(d.cal.ImageToRoad, wire.Point{(s.Box[0] + s.Box[2]) / 2, s.Box[3]})
					if !ok {
						continue
					}
					cam := d.cal.Pinhole.Position
					dir, _ := unit(wire.Point{g[0] - cam[0], g[1] - cam[1]})
					if l := d.laneOf(g); l >= 0 {
						dir = d.cal.Lanes[l].Direction
					}
					moto := o.Class == wire.Motorbike
					q, ok := d.plateQuad(g, dir, moto)
					if !ok {
						continue
					}
					layout := layoutFor(moto)
					text, score := readPlateNear(&f, q, s.Box, layout)
					t.frames++
					if score >= minPlateScore && text == o.Plate.Text {
						t.framesRight++
					}
					if r := res[s.ID]; r == nil || score > r.score {
						res[s.ID] = &best{text, score}
					}
				}
			}
			dec.Close()
			for id, r := range res {
				t.objects++
				switch {
				case r.score < minPlateScore:
				case r.text == objs[id].Plate.Text:
					t.right++
				default:
					t.wrong++
				}
			}
		}
		for _, cond := range []string{"day", "night"} {
			t := byCond[cond]
			if t == nil || t.objects == 0 {
				continue
			}
			fmt.Fprintf(&tab, "%-6s %3d objects with readable plates: %3d read right (%.1f%%), %d wrong; frames %d/%d right\n",
				cond, t.objects, t.right, 100*float64(t.right)/float64(t.objects), t.wrong, t.framesRight, t.frames)
			b.ReportMetric(100*float64(t.right)/float64(t.objects), "%right-"+cond)
		}
		b.Logf("%d clips from %s\n%s", len(clips), os.Getenv("TRAFFICSIM_CLIPS"), tab.String())
	}
}
