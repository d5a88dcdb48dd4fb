package render

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
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

const noiseN = 256

// noiseImages returns the positive and negative halves of a seeded Gaussian grain tile with
// standard deviation sigma (share of full scale), as additive textures.
func noiseImages(seed uint64, sigma float64) (pos, neg *image.RGBA) {
	rng := rand.New(rand.NewPCG(seed, 0x677261696e))
	pos = image.NewRGBA(image.Rect(0, 0, noiseN, noiseN))
	neg = image.NewRGBA(image.Rect(0, 0, noiseN, noiseN))
	for i := 0; i < noiseN*noiseN; i++ {
		v := rng.NormFloat64() * sigma * 255
		// a little chroma noise on top of luma, as small sensors show
		var c [3]float64
		for k := range c {
			c[k] = v + rng.NormFloat64()*sigma*255*0.3
		}
		for k := range c {
			if c[k] >= 0 {
				pos.Pix[4*i+k] = uint8(min(c[k], 255))
			} else {
				neg.Pix[4*i+k] = uint8(min(-c[k], 255))
			}
		}
	}
	return pos, neg
}
