package render_test

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/wire"
)

var previewDir = flag.String("preview", "", "write the test frames as PNG into this folder, to look at them")

// TestMain runs the tests beside ebiten's game loop, which owns the main thread.
func TestMain(m *testing.M) {
	flag.Parse()
	code := 0
	if err := render.Main(func() error { code = m.Run(); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

// renderAll renders frames of t in a mode and calls fn for each (the image is valid during fn).
func renderAll(t testing.TB, tr *wire.Truth, opts render.Options, fn func(i int, img *image.RGBA)) {
	t.Helper()
	// bounded: a minute plus 0.1 s a frame (the -long clips are 15,000 frames)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second+time.Duration(len(tr.Frames))*100*time.Millisecond)
	defer cancel()
	s, err := render.Start(ctx, tr, opts)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for f := range s.Frames() {
		fn(f.Index, f.Image)
		f.Release()
		n++
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
}

func savePNG(t testing.TB, name string, img image.Image) {
	if *previewDir == "" {
		return
	}
	if err := os.MkdirAll(*previewDir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(*previewDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
