package farm

import (
	"fmt"
	"path/filepath"

	"github.com/trafficsim/trafficsim/synth/library"
)

// PreviewFile is the path of the preview picture (PNG) of the clip camera id plays: what an
// ONVIF snapshot of the camera shows.
func (f *Farm) PreviewFile(id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cams[id]
	if !ok {
		return "", fmt.Errorf("farm: no camera %q", id)
	}
	return filepath.Join(c.clip.dir, library.PreviewFile), nil
}

// Codec is "h264" or "h265": what camera id sends (ONVIF profiles tell it).
func (f *Farm) Codec(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.cams[id]; ok && c.clip.h265 {
		return "h265"
	}
	return "h264"
}
