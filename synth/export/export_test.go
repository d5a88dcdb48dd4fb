package export_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/synth/export"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/synth/render/rendertest"
)

func clip(t *testing.T) *library.Clip {
	tr := rendertest.Truth(rendertest.Spec{Frames: 20, Width: 320, Height: 240})
	return librarytest.MakeClip(t, t.TempDir(), librarytest.Spec{ID: "exp", Frames: 20, Width: 320, Height: 240, Truth: tr})
}

func inView(t *testing.T, c *library.Clip) (n, plates int) {
	tr, err := c.Truth()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tr.Frames {
		for _, s := range f.Objects {
			if s.InView {
				n++
				if s.PlateBox != nil {
					plates++
				}
			}
		}
	}
	return
}

func TestMOTLayout(t *testing.T) {
	c := clip(t)
	out := t.TempDir()
	if err := export.Export(c.Dir, "mot", out); err != nil {
		t.Fatal(err)
	}
	seq := filepath.Join(out, "exp")
	ini, err := os.ReadFile(filepath.Join(seq, "seqinfo.ini"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Sequence]", "name=exp", "imDir=img1", "frameRate=25", "seqLength=20", "imWidth=320", "imHeight=240", "imExt=.jpg"} {
		if !strings.Contains(string(ini), want+"\n") {
			t.Errorf("seqinfo.ini lacks %q:\n%s", want, ini)
		}
	}
	imgs, _ := filepath.Glob(filepath.Join(seq, "img1", "*.jpg"))
	if len(imgs) != 20 || filepath.Base(imgs[0]) != "000001.jpg" {
		t.Errorf("img1 holds %d frames, first %v", len(imgs), imgs)
	}
	gt, err := os.ReadFile(filepath.Join(seq, "gt", "gt.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(gt)), "\n")
	n, _ := inView(t, c)
	if len(lines) != n {
		t.Errorf("gt.txt has %d lines, truth %d objects in view", len(lines), n)
	}
	for _, l := range lines {
		if f := strings.Split(l, ","); len(f) != 9 {
			t.Fatalf("gt.txt line %q has %d fields, want 9", l, len(f))
		}
	}
	if !strings.HasPrefix(lines[0], "1,1,") {
		t.Errorf("first line %q: want frame 1, object 1", lines[0])
	}
	labels, _ := os.ReadFile(filepath.Join(seq, "gt", "labels.txt"))
	if string(labels) != "3 car\n4 bicycle\n5 motorbike\n13 truck\n14 bus\n" {
		t.Errorf("labels.txt:\n%s", labels)
	}
}

func TestCOCOLayout(t *testing.T) {
	c := clip(t)
	out := t.TempDir()
	if err := export.Export(c.Dir, "coco", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "annotations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc export.COCO
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	n, plates := inView(t, c)
	if len(doc.Images) != 20 || len(doc.Annotations) != n+plates || len(doc.Categories) != 6 {
		t.Errorf("%d images, %d annotations (want %d + %d plates), %d categories", len(doc.Images), len(doc.Annotations), n, plates, len(doc.Categories))
	}
	for _, im := range doc.Images {
		if _, err := os.Stat(filepath.Join(out, im.FileName)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[int]bool{}
	for _, a := range doc.Annotations {
		if seen[a.ID] || a.BBox[2] <= 0 || a.BBox[3] <= 0 || a.ImageID < 1 || a.ImageID > 20 {
			t.Fatalf("bad annotation %+v", a)
		}
		seen[a.ID] = true
	}
}

func TestExportErrors(t *testing.T) {
	c := clip(t)
	for _, tc := range []struct{ name, dir, format, want string }{
		{"unknown format", c.Dir, "kitti", `export: unknown format "kitti" (want mot or coco)`},
		{"not a clip", t.TempDir(), "mot", "library: open "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := export.Export(tc.dir, tc.format, t.TempDir())
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want prefix %q", err, tc.want)
			}
		})
	}
}
