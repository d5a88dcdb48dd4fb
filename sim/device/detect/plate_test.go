package detect

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/wire"
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
	sum := make([]float64, len(f.Y))
	cnt := make([]float64, len(f.Y))
	nu := int(q.width()*4) + 40 // about 4 x 4 samples per pixel
	nv := int(math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])*4) + 20
	for iv := 0; iv < nv; iv++ {
		for iu := 0; iu < nu; iu++ {
			u, v := (float64(iu)+0.5)/float64(nu), (float64(iv)+0.5)/float64(nv)
			x, y := q.at(u, v)
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

var punct = map[byte][7]string{
	'-': {".....", ".....", ".....", ".###.", ".....", ".....", "....."},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
}

func grey(w, h int, v uint8) *decode.Frame {
	f := &decode.Frame{Width: w, Height: h, Y: make([]byte, w*h)}
	for i := range f.Y {
		f.Y[i] = v
	}
	return f
}

// The reader reads plates of the plate font, found from a predicted position that is off by
// up to a quarter of the plate's width and 60% of its height, with grey noise (sigma 6), 30
// plates per size. Measured: one-row plates 130 px wide 29/30, 90 px 28/30; two-row plates
// 50 px wide 26/30, 40 px 27/30 (glyph columns of 1.4-2.3 px).
func TestReadPlate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		layout  []string
		aspect  float64 // height / width
		widthPx float64
		want    float64 // least share read right
	}{
		{carLayout, 0.11 / 0.52, 130, 0.9},
		{carLayout, 0.11 / 0.52, 90, 0.85},
		{motoLayout, 0.14 / 0.19, 50, 0.85},
		{motoLayout, 0.14 / 0.19, 40, 0.8},
	}
	for _, c := range cases {
		ok, n := 0, 30
		for k := 0; k < n; k++ {
			text := randomPlate(rng, c.layout)
			f := grey(400, 200, 90)
			w, h := c.widthPx, c.widthPx*c.aspect
			x0, y0 := 150+rng.Float64()*20, 80+rng.Float64()*10
			skew := (rng.Float64() - 0.5) * 0.1 * h
			q := quad{{x0, y0 + skew}, {x0 + w, y0 - skew}, {x0 + w, y0 + h - skew}, {x0, y0 + h + skew}}
			drawPlate(f, q, text, 220, 30)
			for i := range f.Y {
				f.Y[i] = uint8(math.Max(0, math.Min(255, float64(f.Y[i])+rng.NormFloat64()*6)))
			}
			pred := q.shift((rng.Float64()-0.5)*0.5*w, (rng.Float64()-0.5)*1.2*h, 1+(rng.Float64()-0.5)*0.2)
			got, score := readPlateNear(f, pred, c.layout)
			if got == text && score >= minPlateScore {
				ok++
			} else if k < 3 {
				t.Logf("%v at %.0f px: read %q (%.2f), want %q", c.layout, c.widthPx, got, score, text)
			}
		}
		t.Logf("%v at %.0f px wide: %d/%d read right", c.layout, c.widthPx, ok, n)
		if share := float64(ok) / float64(n); share < c.want {
			t.Errorf("%v at %.0f px wide: %.0f%% read right, want >= %.0f%%", c.layout, c.widthPx, 100*share, 100*c.want)
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
			switch row[j] {
			case 'D':
				b.WriteByte(digits[rng.IntN(10)])
			case 'L':
				b.WriteByte(letters[rng.IntN(len(letters))])
			default:
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
	if got, _ := readPlateNear(f, q.shift(6, -3, 1), carLayout); got != "30E-005.55" {
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
	cx, cy := q.at(0.5, 0.5)
	if math.Hypot(cx-c[0], cy-c[1]) > 0.5 || q[0][0] > q[1][0] || q[0][1] > q[3][1] {
		t.Errorf("quad %v, centre (%.1f, %.1f), want %v", q, cx, cy, c)
	}
}
