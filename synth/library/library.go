package library

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trafficsim/trafficsim/wire"
)

// File names inside a clip folder.
const (
	StreamFile  = "stream.h264"
	IndexFile   = "index.json"
	TruthFile   = "truth.json"
	CameraFile  = "camera.json"
	MetaFile    = "meta.json"
	PreviewFile = "preview.png"
)

// Meta describes a clip.
type Meta struct {
	ID          string  `json:"id"` // content hash of the inputs; the folder name
	Scenario    string  `json:"scenario"`
	Seed        uint64  `json:"seed"`
	Camera      string  `json:"camera"`
	Renderer    string  `json:"renderer"` // renderer version that drew it
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	FPS         float64 `json:"fps"`
	Frames      int     `json:"frames"`
	BitrateKbps int     `json:"bitrate_kbps"`
	GOP         int     `json:"gop"`
	Profile     string  `json:"profile"`
	Conditions  string  `json:"conditions,omitempty"` // e.g. "night rain"
	// Codec of the stream: "" or "h264" (H.264), "h265" (HEVC; stream.h264 then holds H.265
	// Annex B access units: the file name is kept so every reader finds the stream).
	Codec string `json:"codec,omitempty"`
}

// Codecs of a clip's stream.
const (
	CodecH264 = "h264"
	CodecH265 = "h265"
)

// Duration of the clip in seconds.
func (m Meta) Duration() float64 {
	if m.FPS == 0 {
		return 0
	}
	return float64(m.Frames) / m.FPS
}

// Frame locates one access unit in the stream.
type Frame struct {
	Offset int64 `json:"off"`
	Size   int   `json:"size"`
	Key    bool  `json:"key,omitempty"`
}

// Index is index.json: the frames of the stream in order; frame i is shown at i/FPS.
type Index struct {
	FPS    float64 `json:"fps"`
	Frames []Frame `json:"frames"`
}

// Key hashes the inputs that determine a clip into its folder name.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Clip is an opened clip folder.
type Clip struct {
	Dir   string
	Meta  Meta
	Index Index
}

// Open reads a clip's metadata and index.
func Open(dir string) (*Clip, error) {
	c := &Clip{Dir: dir}
	if err := readJSON(filepath.Join(dir, MetaFile), &c.Meta); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, IndexFile), &c.Index); err != nil {
		return nil, err
	}
	if len(c.Index.Frames) == 0 {
		return nil, fmt.Errorf("library: %s: clip has no frames", dir)
	}
	return c, nil
}

// Stream reads the whole H.264 stream (the farm keeps one copy per clip).
func (c *Clip) Stream() ([]byte, error) { return os.ReadFile(filepath.Join(c.Dir, StreamFile)) }

// AccessUnit returns frame i of a stream read with Stream.
func (c *Clip) AccessUnit(stream []byte, i int) []byte {
	f := c.Index.Frames[i]
	return stream[f.Offset : f.Offset+int64(f.Size)]
}

// Truth reads truth.json.
func (c *Clip) Truth() (*wire.Truth, error) {
	var t wire.Truth
	return &t, readJSON(filepath.Join(c.Dir, TruthFile), &t)
}

// Calibration reads camera.json.
func (c *Clip) Calibration() (*wire.Calibration, error) {
	var cal wire.Calibration
	return &cal, readJSON(filepath.Join(c.Dir, CameraFile), &cal)
}

// List opens every complete clip under root, sorted by ID. A missing root is an empty library.
func List(root string) ([]*Clip, error) {
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Clip
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		c, err := Open(filepath.Join(root, e.Name()))
		if err != nil {
			continue // an unfinished or foreign folder is not a clip
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Meta.ID < out[j].Meta.ID })
	return out, nil
}

// Exists reports whether root holds a complete clip with this id.
func Exists(root, id string) bool {
	_, err := Open(filepath.Join(root, id))
	return err == nil
}

// Writer streams a new clip into a temporary folder and moves it into place on Close, so a
// clip folder is either complete or absent.
type Writer struct {
	root, tmp string
	meta      Meta
	f         *os.File
	w         *bufio.Writer
	off       int64
	index     Index
}

// Create starts a clip with the given metadata (Meta.ID names the folder) under root.
func Create(root string, meta Meta) (*Writer, error) {
	if meta.ID == "" {
		return nil, errors.New("library: clip id is empty")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(root, ".tmp-"+meta.ID+"-")
	if err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(tmp, StreamFile))
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return &Writer{root: root, tmp: tmp, meta: meta, f: f, w: bufio.NewWriterSize(f, 1<<20), index: Index{FPS: meta.FPS}}, nil
}

// WriteFrame appends one access unit (Annex B).
func (w *Writer) WriteFrame(au []byte, key bool) error {
	if _, err := w.w.Write(au); err != nil {
		return err
	}
	w.index.Frames = append(w.index.Frames, Frame{Offset: w.off, Size: len(au), Key: key})
	w.off += int64(len(au))
	return nil
}

// WriteJSON writes one of the clip's JSON files (truth.json, camera.json).
func (w *Writer) WriteJSON(name string, v any) error { return writeJSON(filepath.Join(w.tmp, name), v) }

// WritePreview writes preview.png.
func (w *Writer) WritePreview(img image.Image) error {
	f, err := os.Create(filepath.Join(w.tmp, PreviewFile))
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Close finishes the stream, writes index and meta, and moves the clip into place.
func (w *Writer) Close() (*Clip, error) {
	err := w.w.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.meta.Frames = len(w.index.Frames)
	if err == nil {
		err = writeJSON(filepath.Join(w.tmp, IndexFile), w.index)
	}
	if err == nil {
		err = writeJSON(filepath.Join(w.tmp, MetaFile), w.meta)
	}
	dst := filepath.Join(w.root, w.meta.ID)
	if err == nil {
		os.RemoveAll(dst) // a complete clip with the same id holds the same content
		err = os.Rename(w.tmp, dst)
	}
	if err != nil {
		os.RemoveAll(w.tmp)
		return nil, fmt.Errorf("library: writing clip %s: %w", w.meta.ID, err)
	}
	return Open(dst)
}

// Abort drops the unfinished clip.
func (w *Writer) Abort() {
	w.f.Close()
	os.RemoveAll(w.tmp)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("library: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("library: %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
