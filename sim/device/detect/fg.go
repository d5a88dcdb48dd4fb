package detect

// fg is the background model and blob finder on the downscaled grey image.
type fg struct {
	w, h  int
	bg    []int32 // background, grey * 256
	mask  []uint8
	dil   []uint8
	label []int32
	n     int // frames seen

	prev   []uint8  // previous image, during the warm-up
	stable []uint16 // frames each pixel has kept still, during the warm-up
}

// blob is a connected foreground region, in small-image pixels.
type blob struct {
	x0, y0, x1, y1 int // inclusive-exclusive box
	area           int
}

func newFG(w, h int) *fg {
	return &fg{w: w, h: h, bg: make([]int32, w*h), mask: make([]uint8, w*h), dil: make([]uint8, w*h), label: make([]int32, w*h)}
}

// update classifies the pixels of cur against the background and updates it. While warming
// up the background is a running approximate median (a step of 3 grey levels towards each
// frame), which moving vehicles do not drag; then it is a running mean, fast on background
// pixels and very slow on foreground ones, so a stopped vehicle stays foreground for minutes.
func (m *fg) update(cur []uint8, thr int32, warm int, fastShift, slowShift uint) {
	if m.n == 0 {
		for i, v := range cur {
			m.bg[i] = int32(v) << 8
		}
	}
	m.n++
	warming := m.n <= warm
	if warming {
		m.trackStill(cur)
	}
	for i, v := range cur {
		c := int32(v) << 8
		d := c - m.bg[i]
		ad := d
		if ad < 0 {
			ad = -ad
		}
		if warming {
			m.mask[i] = 0
			switch {
			case d > 3<<8:
				m.bg[i] += 3 << 8
			case d < -3<<8:
				m.bg[i] -= 3 << 8
			default:
				m.bg[i] += d >> 1
			}
			continue
		}
		if m.n == warm+1 && m.stable != nil && int(m.stable[i]) >= warm/8 {
			m.bg[i] = c // still at the end of the warm-up: road, a ghost or a parked vehicle, learnt as is
			ad = 0
		}
		if ad > thr<<8 {
			m.mask[i] = 1
			m.bg[i] += d >> slowShift
		} else {
			m.mask[i] = 0
			m.bg[i] += d >> fastShift
		}
	}
}

// trackStill counts, per pixel, the frames since it last changed by more than 6 grey levels.
// At the end of the warm-up, pixels that differ from the median model but have been still for a
// third of the warm-up are learnt as they are: the median lagged behind there (a vehicle left
// just before the end, leaving its ghost) or a vehicle stands there since before the start.
// Moving vehicles are never still that long and stay foreground.
func (m *fg) trackStill(cur []uint8) {
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

// absorb copies the current image into the background inside a box (ghosts, lighting).
func (m *fg) absorb(cur []uint8, x0, y0, x1, y1 int) {
	for y := max(y0, 0); y < min(y1, m.h); y++ {
		for x := max(x0, 0); x < min(x1, m.w); x++ {
			m.bg[y*m.w+x] = int32(cur[y*m.w+x]) << 8
		}
	}
}

// blobs dilates the mask (3x3) and returns its 8-connected components of at least minArea
// mask pixels (area counts undilated pixels).
func (m *fg) blobs(minArea int) []blob {
	w, h := m.w, m.h
	// horizontal then vertical max: separable 3x3 dilation
	tmp := m.label // reuse as scratch, cleared below
	for y := 0; y < h; y++ {
		r := m.mask[y*w : (y+1)*w]
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
	var out []blob
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
				out = append(out, blob{x0: x, y0: y, x1: x + 1, y1: y + 1})
				k = len(out)
				idx[r] = k
			}
			b := &out[k-1]
			b.x0, b.y0 = min(b.x0, x), min(b.y0, y)
			b.x1, b.y1 = max(b.x1, x+1), max(b.y1, y+1)
			if m.mask[i] != 0 {
				b.area++
			}
		}
	}
	var kept []blob
	for _, b := range out {
		if b.area < minArea {
			continue
		}
		for _, p := range m.split(b) {
			if p.area >= minArea {
				kept = append(kept, p)
			}
		}
	}
	return kept
}

// split cuts a blob where its undilated mask has an empty column: objects side by side that the
// dilation joined. Each part's rows are recomputed from its own columns.
func (m *fg) split(b blob) []blob {
	w := m.w
	var parts []blob
	start := -1
	flush := func(x1 int) {
		p := blob{x0: start, x1: x1, y0: b.y1, y1: b.y0}
		for y := b.y0; y < b.y1; y++ {
			for x := start; x < x1; x++ {
				if m.mask[y*w+x] != 0 {
					p.area++
					p.y0, p.y1 = min(p.y0, y), max(p.y1, y+1)
				}
			}
		}
		if p.area > 0 {
			// keep the dilation margin the caller removes
			p.x0, p.y0, p.x1, p.y1 = max(0, p.x0-1), max(0, p.y0-1), min(w, p.x1+1), min(m.h, p.y1+1)
			parts = append(parts, p)
		}
		start = -1
	}
	for x := b.x0; x < b.x1; x++ {
		n := 0
		for y := b.y0; y < b.y1; y++ {
			n += int(m.mask[y*w+x])
		}
		if n > 0 && start < 0 {
			start = x
		} else if n == 0 && start >= 0 {
			flush(x)
		}
	}
	if start >= 0 {
		flush(b.x1)
	}
	if len(parts) <= 1 {
		return []blob{b}
	}
	return parts
}

// outline sums the gradient magnitude along the border of a box in the current image and in the
// background: a real object has its outline in the frame, a ghost only in the background.
func (m *fg) outline(cur []uint8, x0, y0, x1, y1 int) (inCur, inBG float64) {
	x0, y0 = max(x0, 1), max(y0, 1)
	x1, y1 = min(x1, m.w-1), min(y1, m.h-1)
	if x1-x0 < 3 || y1-y0 < 3 {
		return 0, 0
	}
	grad := func(x, y int) (float64, float64) {
		i := y*m.w + x
		c := abs(int(cur[i+1])-int(cur[i-1])) + abs(int(cur[i+m.w])-int(cur[i-m.w]))
		b := abs(int(m.bg[i+1]>>8)-int(m.bg[i-1]>>8)) + abs(int(m.bg[i+m.w]>>8)-int(m.bg[i-m.w]>>8))
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
