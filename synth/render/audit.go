package render

import (
	"fmt"
	"image"
	"math"

	"github.com/trafficsim/trafficsim/wire"
)

// ObjectAudit compares one object of one frame: the truth against the pixels drawn for it.
type ObjectAudit struct {
	ID           int
	TruthBox     wire.Box // from the truth (projected cuboid, clipped to the image)
	PixelBox     wire.Box // the object's drawn silhouette alone, clipped to the image
	IoU          float64  // of TruthBox and PixelBox
	TruthVisible float64  // from the truth
	PixelVisible float64  // pixels of the object in the ID buffer / pixels of its whole silhouette
	AlonePx      int      // pixels of the silhouette drawn alone, frame edge ignored
	AloneInImage int      // the same, inside the image
	SeenPx       int      // pixels of the object in the ID buffer
	SceneryPx    int      // pixels of its silhouette in the image hidden by scenery (props, signals)
	PlateRead    bool     // truth says the plate is readable
	TruthPlate   *wire.Box
	PixelPlate   wire.Box // plate pixels of the object in the ID buffer (what is seen of it)
	DrawnPlate   wire.Box // the plate's drawn triangles alone, clipped to the image
}

// Auditor checks ID-buffer frames against a truth with the renderer's own geometry: the
// silhouette of each object is rasterised from the very triangles the GPU drew (pixel centres
// inside), so "alone" needs no extra GPU pass.
type Auditor struct {
	t *wire.Truth
	b *builder
}

// NewAuditor prepares an audit of t.
func NewAuditor(t *wire.Truth) (*Auditor, error) {
	b, err := newBuilder(t, IDs)
	if err != nil {
		return nil, err
	}
	return &Auditor{t: t, b: b}, nil
}

// Frame audits frame i given its ID-buffer image (rendered with Mode IDs).
func (a *Auditor) Frame(i int, ids *image.RGBA) ([]ObjectAudit, error) {
	t := a.t
	if i < 0 || i >= len(t.Frames) {
		return nil, fmt.Errorf("render: audit frame %d outside 0-%d", i, len(t.Frames)-1)
	}
	if ids.Bounds().Dx() != t.Width || ids.Bounds().Dy() != t.Height {
		return nil, fmt.Errorf("render: audit image %v, truth %dx%d", ids.Bounds(), t.Width, t.Height)
	}
	a.b.frame(i)
	// what the ID buffer shows
	type acc struct {
		seen  int
		plate wire.Box
	}
	seen := map[int]*acc{}
	W, H := t.Width, t.Height
	for y := 0; y < H; y++ {
		row := ids.Pix[y*ids.Stride : y*ids.Stride+4*W]
		for x := 0; x < W; x++ {
			id, plate, ok := DecodeID(row[4*x], row[4*x+1], row[4*x+2])
			if !ok {
				continue
			}
			s := seen[id]
			if s == nil {
				s = &acc{plate: emptyBox()}
				seen[id] = s
			}
			s.seen++
			if plate {
				s.plate = grow(s.plate, x, y)
			}
		}
	}
	var out []ObjectAudit
	states := map[int]*wire.ObjectState{}
	for k := range t.Frames[i].Objects {
		states[t.Frames[i].Objects[k].ID] = &t.Frames[i].Objects[k]
	}
	for _, it := range a.b.items {
		if it.obj < 0 {
			continue
		}
		st := states[it.obj]
		alone, inImg, box, scenery, plate := raster(it, ids)
		au := ObjectAudit{ID: it.obj, TruthBox: st.Box, PixelBox: box, TruthVisible: st.Visible,
			AlonePx: alone, AloneInImage: inImg, SceneryPx: scenery, DrawnPlate: plate, PlateRead: st.PlateRead, TruthPlate: st.PlateBox, PixelPlate: emptyBox()}
		if s := seen[it.obj]; s != nil {
			au.SeenPx, au.PixelPlate = s.seen, s.plate
		}
		if alone > 0 {
			au.PixelVisible = float64(au.SeenPx) / float64(alone)
		}
		au.IoU = st.Box.IoU(box)
		out = append(out, au)
	}
	return out, nil
}

func emptyBox() wire.Box { return wire.Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)} }

func grow(b wire.Box, x, y int) wire.Box {
	return wire.Box{min(b[0], float64(x)), min(b[1], float64(y)), max(b[2], float64(x+1)), max(b[3], float64(y+1))}
}

// raster counts the pixel centres covered by an item's triangles (union), in total and inside
// the image, returns the covered box clipped to the image, and counts the covered pixels where
// the ID buffer shows scenery.
func raster(it item, ids *image.RGBA) (alone, inImg int, box wire.Box, scenery int, plate wire.Box) {
	W, H := ids.Bounds().Dx(), ids.Bounds().Dy()
	v := it.src.v
	idx := it.src.idx[it.i0:it.i1]
	box = emptyBox()
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, ix := range idx {
		p := v[ix]
		x0, y0 = min(x0, float64(p.DstX)), min(y0, float64(p.DstY))
		x1, y1 = max(x1, float64(p.DstX)), max(y1, float64(p.DstY))
	}
	if len(idx) == 0 {
		return 0, 0, box, 0, box
	}
	ox, oy := int(math.Floor(x0)), int(math.Floor(y0))
	w, h := int(math.Ceil(x1))-ox+1, int(math.Ceil(y1))-oy+1
	if w <= 0 || h <= 0 || w*h > 1<<26 {
		return 0, 0, box, 0, box
	}
	cov := make([]bool, w*h)
	plate = emptyBox()
	for k := 0; k+2 < len(idx); k += 3 {
		a, b, c := v[idx[k]], v[idx[k+1]], v[idx[k+2]]
		ax, ay, bx, by, cx, cy := float64(a.DstX), float64(a.DstY), float64(b.DstX), float64(b.DstY), float64(c.DstX), float64(c.DstY)
		area := (bx-ax)*(cy-ay) - (by-ay)*(cx-ax)
		if area == 0 {
			continue
		}
		tx0, tx1 := int(math.Floor(min(ax, bx, cx))), int(math.Ceil(max(ax, bx, cx)))
		ty0, ty1 := int(math.Floor(min(ay, by, cy))), int(math.Ceil(max(ay, by, cy)))
		for y := ty0; y <= ty1; y++ {
			py := float64(y) + 0.5
			for x := tx0; x <= tx1; x++ {
				px := float64(x) + 0.5
				e0 := (bx-ax)*(py-ay) - (by-ay)*(px-ax)
				e1 := (cx-bx)*(py-by) - (cy-by)*(px-bx)
				e2 := (ax-cx)*(py-cy) - (ay-cy)*(px-cx)
				if area < 0 {
					e0, e1, e2 = -e0, -e1, -e2
				}
				if e0 < 0 || e1 < 0 || e2 < 0 {
					continue
				}
				cov[(y-oy)*w+(x-ox)] = true
				if a.ColorB > 0.5 && x >= 0 && y >= 0 && x < W && y < H { // plate triangles (ID mode)
					plate = grow(plate, x, y)
				}
			}
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !cov[y*w+x] {
				continue
			}
			alone++
			gx, gy := x+ox, y+oy
			if gx >= 0 && gy >= 0 && gx < W && gy < H {
				inImg++
				box = grow(box, gx, gy)
				px := ids.Pix[gy*ids.Stride+4*gx:]
				if IsScenery(px[0], px[1], px[2]) {
					scenery++
				}
			}
		}
	}
	return alone, inImg, box, scenery, plate
}
