// Package bg is the background model of the reference device's detector and its blob finder,
// on the downscaled grey image: a running median while warming up, then a running mean that is
// slow where foreground so stopped vehicles stay visible.
package bg

// Model is the background model and blob finder on the downscaled grey image.
type Model struct {
	w, h  int
	BG    []int32 // background, grey * 256
	Mask  []uint8 // foreground of the newest frame, 1 = foreground
	dil   []uint8
	label []int32
	N     int // frames seen

	prev   []uint8  // previous image, during the warm-up
	stable []uint16 // frames each pixel has kept still, during the warm-up
}

// Blob is a connected foreground region, in small-image pixels.
type Blob struct {
	X0, Y0, X1, Y1 int // inclusive-exclusive box
	Area           int
}

// New returns the model of a w x h image.
func New(w, h int) *Model {
	return &Model{w: w, h: h, BG: make([]int32, w*h), Mask: make([]uint8, w*h), dil: make([]uint8, w*h), label: make([]int32, w*h)}
}

// Update classifies the pixels of cur against the background and updates it. While warming
// up the background is a running approximate median (a step of 3 grey levels towards each
// frame), which moving vehicles do not drag; then it is a running mean, fast on background
// pixels and very slow on foreground ones, so a stopped vehicle stays foreground for minutes.
func (m *Model) Update(cur []uint8, thr int32, warm int, fastShift, slowShift uint) {
	if m.N == 0 {
		for i, v := range cur {
			m.BG[i] = int32(v) << 8
		}
	}
	m.N++
	warming := m.N <= warm
	if warming {
		m.trackStill(cur)
	}
	for i, v := range cur {
		c := int32(v) << 8
		d := c - m.BG[i]
		ad := d
		if ad < 0 {
			ad = -ad
		}
		if warming {
			m.Mask[i] = 0
			switch {
			case d > 3<<8:
				m.BG[i] += 3 << 8
			case d < -3<<8:
				m.BG[i] -= 3 << 8
			default:
				m.BG[i] += d >> 1
			}
			continue
		}
		if m.N == warm+1 && m.stable != nil && int(m.stable[i]) >= warm/8 {
			m.BG[i] = c // still at the end of the warm-up: road, a ghost or a parked vehicle, learnt as is
			ad = 0
		}
		if ad > thr<<8 {
			m.Mask[i] = 1
			m.BG[i] += d >> slowShift
		} else {
			m.Mask[i] = 0
			m.BG[i] += d >> fastShift
		}
	}
}

// trackStill counts, per pixel, the frames since it last changed by more than 6 grey levels.
// At the end of the warm-up, pixels that differ from the median model but have been still for a
// third of the warm-up are learnt as they are: the median lagged behind there (a vehicle left
// just before the end, leaving its ghost) or a vehicle stands there since before the start.
// Moving vehicles are never still that long and stay foreground.
func (m *Model) trackStill(cur []uint8) {
	if m.prev == nil {
		m.prev = append([]uint8(nil), cur...)
		m.stable = make([]uint16, len(cur))
		return
	}
	for i, v := range cur {
		d := int(v) - int(m.prev[i])
		if d > 6 || d < -6 {
			m.stable[i] = 0
		} else if m.stable[i] < 65535 {
			m.stable[i]++
		}
	}
	copy(m.prev, cur)
}

// Absorb copies the current image into the background inside a box (ghosts, lighting).
func (m *Model) Absorb(cur []uint8, x0, y0, x1, y1 int) {
	for y := max(y0, 0); y < min(y1, m.h); y++ {
		for x := max(x0, 0); x < min(x1, m.w); x++ {
			m.BG[y*m.w+x] = int32(cur[y*m.w+x]) << 8
		}
	}
}

// Blobs dilates the mask (3x3) and returns its 8-connected components of at least minArea
// mask pixels (area counts undilated pixels).
func (m *Model) Blobs(minArea int) []Blob {
	w, h := m.w, m.h
	// horizontal then vertical max: separable 3x3 dilation
	tmp := m.label // reuse as scratch, cleared below
	for y := 0; y < h; y++ {
		r := m.Mask[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			v := r[x]
			if x > 0 && r[x-1] != 0 {
				v = 1
			}
			if x+1 < w && r[x+1] != 0 {
				v = 1
			}
			tmp[y*w+x] = int32(v)
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := tmp[y*w+x]
			if y > 0 && tmp[(y-1)*w+x] != 0 {
				v = 1
			}
			if y+1 < h && tmp[(y+1)*w+x] != 0 {
				v = 1
			}
			m.dil[y*w+x] = uint8(v)
		}
	}
	clear(m.label)
	// two-pass labelling with union-find
	parent := []int32{0}
	find := func(a int32) int32 {
		for parent[a] != a {
			parent[a] = parent[parent[a]]
			a = parent[a]
		}
		return a
	}
	union := func(a, b int32) int32 {
		a, b = find(a), find(b)
		if a < b {
			parent[b] = a
			return a
		}
		parent[a] = b
		return b
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if m.dil[i] == 0 {
				continue
			}
			var l int32
			try := func(j int) {
				if lj := m.label[j]; lj != 0 {
					if l == 0 {
						l = lj
					} else if lj != l {
						l = union(l, lj)
					}
				}
			}
			if x > 0 {
				try(i - 1)
			}
			if y > 0 {
				if x > 0 {
					try(i - w - 1)
				}
				try(i - w)
				if x+1 < w {
					try(i - w + 1)
				}
			}
			if l == 0 {
				l = int32(len(parent))
				parent = append(parent, l)
			}
			m.label[i] = l
		}
	}
	idx := make([]int, len(parent))
	var out []Blob
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			l := m.label[i]
			if l == 0 {
				continue
			}
			r := find(l)
			k := idx[r]
			if k == 0 {
				out = append(out, Blob{X0: x, Y0: y, X1: x + 1, Y1: y + 1})
				k = len(out)
				idx[r] = k
			}
			b := &out[k-1]
			b.X0, b.Y0 = min(b.X0, x), min(b.Y0, y)
			b.X1, b.Y1 = max(b.X1, x+1), max(b.Y1, y+1)
			if m.Mask[i] != 0 {
				b.Area++
			}
		}
	}
	var kept []Blob
	for _, b := range out {
		if b.Area < minArea {
			continue
		}
		for _, p := range m.split(b) {
			if p.Area >= minArea {
				kept = append(kept, p)
			}
		}
	}
	return kept
}

// split cuts a blob where its undilated mask has an empty column: objects side by side that the
// dilation joined. Each part's rows are recomputed from its own columns.
func (m *Model) split(b Blob) []Blob {
	w := m.w
	var parts []Blob
	start := -1
	flush := func(x1 int) {
		p := Blob{X0: start, X1: x1, Y0: b.Y1, Y1: b.Y0}
		for y := b.Y0; y < b.Y1; y++ {
			for x := start; x < x1; x++ {
				if m.Mask[y*w+x] != 0 {
					p.Area++
					p.Y0, p.Y1 = min(p.Y0, y), max(p.Y1, y+1)
				}
			}
		}
		if p.Area > 0 {
			// keep the dilation margin the caller removes
			p.X0, p.Y0, p.X1, p.Y1 = max(0, p.X0-1), max(0, p.Y0-1), min(w, p.X1+1), min(m.h, p.Y1+1)
			parts = append(parts, p)
		}
		start = -1
	}
	for x := b.X0; x < b.X1; x++ {
		n := 0
		for y := b.Y0; y < b.Y1; y++ {
			n += int(m.Mask[y*w+x])
		}
		if n > 0 && start < 0 {
			start = x
		} else if n == 0 && start >= 0 {
			flush(x)
		}
	}
	if start >= 0 {
		flush(b.X1)
	}
	if len(parts) <= 1 {
		return []Blob{b}
	}
	return parts
}

// Outline sums the gradient magnitude along the border of a box in the current image and in the
// background: a real object has its outline in the frame, a ghost only in the background.
func (m *Model) Outline(cur []uint8, x0, y0, x1, y1 int) (inCur, inBG float64) {
	x0, y0 = max(x0, 1), max(y0, 1)
	x1, y1 = min(x1, m.w-1), min(y1, m.h-1)
	if x1-x0 < 3 || y1-y0 < 3 {
		return 0, 0
	}
	grad := func(x, y int) (float64, float64) {
		i := y*m.w + x
		c := abs(int(cur[i+1])-int(cur[i-1])) + abs(int(cur[i+m.w])-int(cur[i-m.w]))
		b := abs(int(m.BG[i+1]>>8)-int(m.BG[i-1]>>8)) + abs(int(m.BG[i+m.w]>>8)-int(m.BG[i-m.w]>>8))
		return float64(c), float64(b)
	}
	add := func(x, y int) {
		c, b := grad(x, y)
		inCur += c
		inBG += b
	}
	for x := x0; x < x1; x++ {
		add(x, y0)
		add(x, y1-1)
	}
	for y := y0 + 1; y < y1-1; y++ {
		add(x0, y)
		add(x1-1, y)
	}
	return
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
