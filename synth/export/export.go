package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// Formats lists the export formats.
var Formats = []string{"mot", "coco"}

// MOTClass is the class column of gt.txt: MOT17's ids where MOT17 has the class (car 3,
// bicycle 4, motorbike 5), then ids of our own for truck and bus (written to gt/labels.txt).
var MOTClass = map[wire.Class]int{wire.Car: 3, wire.Bicycle: 4, wire.Motorbike: 5, wire.Truck: 13, wire.Bus: 14}

// Export writes clip dir in a format ("mot" or "coco") under out.
func Export(dir, format, out string) error {
	c, err := library.Open(dir)
	if err != nil {
		return err
	}
	t, err := c.Truth()
	if err != nil {
		return err
	}
	if len(t.Frames) != c.Meta.Frames {
		return fmt.Errorf("export: truth has %d frames, stream %d", len(t.Frames), c.Meta.Frames)
	}
	switch format {
	case "mot":
		return mot(c, t, filepath.Join(out, seqName(c)))
	case "coco":
		return coco(c, t, out)
	}
	return fmt.Errorf("export: unknown format %q (want mot or coco)", format)
}

func seqName(c *library.Clip) string {
	if c.Meta.Camera != "" && c.Meta.Camera != c.Meta.ID {
		return c.Meta.Camera + "-" + c.Meta.ID
	}
	return c.Meta.ID
}

// Decode writes every frame of the clip's stream as numbered JPEGs (pattern like "%06d.jpg",
// first number 1) into dir, with ffmpeg, and checks the count.
func Decode(c *library.Clip, dir, pattern string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return errors.New("export: ffmpeg not found: install it (apt-get install -y ffmpeg, or make setup)")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "h264", "-i", filepath.Join(c.Dir, library.StreamFile),
		"-q:v", "2", "-start_number", "1", filepath.Join(dir, pattern))
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("export: ffmpeg: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	n, err := filepath.Glob(filepath.Join(dir, strings.Replace(pattern, "%06d", "[0-9]*", 1)))
	if err != nil {
		return err
	}
	if len(n) != c.Meta.Frames {
		return fmt.Errorf("export: ffmpeg wrote %d frames, the clip has %d", len(n), c.Meta.Frames)
	}
	return nil
}

func mot(c *library.Clip, t *wire.Truth, seq string) error {
	if err := Decode(c, filepath.Join(seq, "img1"), "%06d.jpg"); err != nil {
		return err
	}
	ini := fmt.Sprintf("[Sequence]\nname=%s\nimDir=img1\nframeRate=%g\nseqLength=%d\nimWidth=%d\nimHeight=%d\nimExt=.jpg\n",
		filepath.Base(seq), t.FPS, len(t.Frames), t.Width, t.Height)
	if err := os.WriteFile(filepath.Join(seq, "seqinfo.ini"), []byte(ini), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(seq, "gt"), 0o755); err != nil {
		return err
	}
	var gt bytes.Buffer
	if err := WriteMOT(&gt, t); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(seq, "gt", "gt.txt"), gt.Bytes(), 0o644); err != nil {
		return err
	}
	var labels bytes.Buffer
	cls := make([]wire.Class, 0, len(MOTClass))
	for k := range MOTClass {
		cls = append(cls, k)
	}
	sort.Slice(cls, func(i, j int) bool { return MOTClass[cls[i]] < MOTClass[cls[j]] })
	for _, k := range cls {
		fmt.Fprintf(&labels, "%d %s\n", MOTClass[k], k)
	}
	return os.WriteFile(filepath.Join(seq, "gt", "labels.txt"), labels.Bytes(), 0o644)
}

// WriteMOT writes the truth as MOTChallenge gt.txt lines, sorted by frame then track:
// frame (1-based), id, left, top, width, height, considered (1, or 0 when under 10% visible),
// class (MOTClass), visibility. Objects out of view are left out.
func WriteMOT(w io.Writer, t *wire.Truth) error {
	cls := classes(t)
	for _, f := range t.Frames {
		for _, s := range f.Objects {
			if !s.InView || s.Box.Area() <= 0 {
				continue
			}
			c, ok := cls[s.ID]
			if !ok {
				return fmt.Errorf("export: frame %d: object %d is not in objects", f.Index, s.ID)
			}
			use := 1
			if s.Visible < 0.1 {
				use = 0
			}
			b := s.Box
			if _, err := fmt.Fprintf(w, "%d,%d,%.2f,%.2f,%.2f,%.2f,%d,%d,%.3f\n", f.Index+1, s.ID, b[0], b[1], b[2]-b[0], b[3]-b[1], use, MOTClass[c], s.Visible); err != nil {
				return err
			}
		}
	}
	return nil
}

func classes(t *wire.Truth) map[int]wire.Class {
	m := make(map[int]wire.Class, len(t.Objects))
	for _, o := range t.Objects {
		m[o.ID] = o.Class
	}
	return m
}

// COCO is the annotations.json document.
type COCO struct {
	Info        map[string]any   `json:"info"`
	Images      []COCOImage      `json:"images"`
	Annotations []COCOAnnotation `json:"annotations"`
	Categories  []COCOCategory   `json:"categories"`
}

// COCOImage is one frame.
type COCOImage struct {
	ID       int    `json:"id"`
	FileName string `json:"file_name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Frame    int    `json:"frame_index"`
	Video    string `json:"video_id"`
}

// COCOAnnotation is one box: a road user, or its plate (category "plate").
type COCOAnnotation struct {
	ID         int        `json:"id"`
	ImageID    int        `json:"image_id"`
	CategoryID int        `json:"category_id"`
	BBox       [4]float64 `json:"bbox"` // x, y, width, height
	Area       float64    `json:"area"`
	IsCrowd    int        `json:"iscrowd"`
	TrackID    int        `json:"track_id"`
	Visibility float64    `json:"visibility"`
	Attributes Attributes `json:"attributes"`
}

// Attributes are the truth's facts about a box.
type Attributes struct {
	Plate         string `json:"plate,omitempty"`
	PlateReadable bool   `json:"plate_readable,omitempty"`
	Riders        int    `json:"riders,omitempty"`
	NoHelmet      int    `json:"riders_without_helmet,omitempty"`
}

// COCOCategory is a class.
type COCOCategory struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	Supercategory string `json:"supercategory"`
}

// PlateCategory is the category id of plate boxes.
const PlateCategory = 6

// BuildCOCO converts a truth into COCO; file names are images/<prefix>_<frame 1-based>.jpg.
func BuildCOCO(t *wire.Truth, prefix string) (*COCO, error) {
	doc := &COCO{Info: map[string]any{"description": "trafficsim " + t.Scenario, "seed": t.Seed, "camera": t.Camera,
		"conditions": t.Conditions}}
	cat := map[wire.Class]int{}
	for i, c := range wire.Classes {
		cat[c] = i + 1
		doc.Categories = append(doc.Categories, COCOCategory{ID: i + 1, Name: string(c), Supercategory: "vehicle"})
	}
	doc.Categories = append(doc.Categories, COCOCategory{ID: PlateCategory, Name: "plate", Supercategory: "plate"})
	objs := map[int]*wire.Object{}
	for k := range t.Objects {
		objs[t.Objects[k].ID] = &t.Objects[k]
	}
	ann := 0
	for _, f := range t.Frames {
		img := COCOImage{ID: f.Index + 1, FileName: fmt.Sprintf("images/%s_%06d.jpg", prefix, f.Index+1), Width: t.Width, Height: t.Height, Frame: f.Index, Video: prefix}
		doc.Images = append(doc.Images, img)
		for _, s := range f.Objects {
			if !s.InView || s.Box.Area() <= 0 {
				continue
			}
			o, ok := objs[s.ID]
			if !ok {
				return nil, fmt.Errorf("export: frame %d: object %d is not in objects", f.Index, s.ID)
			}
			a := Attributes{Plate: o.Plate.Text, PlateReadable: s.PlateRead, Riders: len(o.Riders)}
			for _, r := range o.Riders {
				if !r.Helmet {
					a.NoHelmet++
				}
			}
			ann++
			doc.Annotations = append(doc.Annotations, box(ann, img.ID, cat[o.Class], s.ID, s.Box, s.Visible, a))
			if s.PlateBox != nil && s.PlateBox.Area() > 0 {
				ann++
				doc.Annotations = append(doc.Annotations, box(ann, img.ID, PlateCategory, s.ID, *s.PlateBox, s.Visible,
					Attributes{Plate: o.Plate.Text, PlateReadable: s.PlateRead}))
			}
		}
	}
	return doc, nil
}

func box(id, img, cat, track int, b wire.Box, vis float64, a Attributes) COCOAnnotation {
	r := func(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
	w, h := b[2]-b[0], b[3]-b[1]
	return COCOAnnotation{ID: id, ImageID: img, CategoryID: cat, BBox: [4]float64{r(b[0]), r(b[1]), r(w), r(h)}, Area: r(w * h),
		TrackID: track, Visibility: r(vis), Attributes: a}
}

func coco(c *library.Clip, t *wire.Truth, out string) error {
	prefix := seqName(c)
	if err := Decode(c, filepath.Join(out, "images"), prefix+"_%06d.jpg"); err != nil {
		return err
	}
	doc, err := BuildCOCO(t, prefix)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "annotations.json"), append(b, '\n'), 0o644)
}
