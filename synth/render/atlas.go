package render

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/trafficsim/trafficsim/wire"
)

// atlas is the one source texture of every batch: a white square and a radial glow.
func atlas() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, texW, texH))
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
		}
	}
	for y := 0; y < glowN; y++ {
		for x := 0; x < glowN; x++ {
			dx := (float64(x)+0.5)/glowN*2 - 1
			dy := (float64(y)+0.5)/glowN*2 - 1
			r := math.Sqrt(dx*dx + dy*dy)
			a := 0.0
			if r < 1 {
				a = math.Pow(1-r, 2.2)
			}
			v := uint8(math.Round(a * 255)) // premultiplied white
			img.SetRGBA(glowU0+x, y, color.RGBA{v, v, v, v})
		}
	}
	return img
}

// clamp8[v+128] is v clamped to a byte, for v in -128..383.
var clamp8 = func() (t [512]byte) {
	for i := range t {
		t[i] = byte(min(max(i-128, 0), 255))
	}
	return
}()

// grain is a seeded table of sensor noise in 1/255 steps (Gaussian, sigma as a share of full
// scale); a frame adds it from a random offset, on the CPU beside the renderer: a full-screen
// pass costs llvmpipe more than the whole loop here.
type grain struct {
	tab []int8
	n   int // pixels per frame
}

func newGrain(seed uint64, sigma float64, pixels int) *grain {
	rng := rand.New(rand.NewPCG(seed, wire.StreamGrain))
	g := &grain{tab: make([]int8, 2*pixels), n: pixels}
	for i := range g.tab {
		g.tab[i] = int8(min(max(math.Round(rng.NormFloat64()*sigma*255), -127), 127))
	}
	return g
}

// apply adds the grain to an opaque RGBA picture (luma noise), starting at a frame's offset.
func (g *grain) apply(pix []byte, frame uint64, seed uint64) {
	off := int(rand.New(rand.NewPCG(seed, wire.StreamGrainFrame^frame)).IntN(g.n))
	tab := g.tab[off : off+g.n]
	n := min(len(pix)/4, len(tab))
	pix = pix[:4*n]
	for j := 0; j < n; j++ {
		d := int(tab[j]) + 128
		p := pix[4*j : 4*j+3 : 4*j+3]
		p[0] = clamp8[int(p[0])+d]
		p[1] = clamp8[int(p[1])+d]
		p[2] = clamp8[int(p[2])+d]
	}
}
