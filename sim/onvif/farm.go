package onvif

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"os"
	"sync"

	"github.com/trafficsim/trafficsim/sim/farm"
)

// FarmCameras lists a running farm's cameras as ONVIF cameras: RTSP URL, credentials and
// resolution from its deployment, snapshots from the preview of each camera's clip (converted
// to JPEG once per clip).
func FarmCameras(f *farm.Farm) func() []Camera {
	var mu sync.Mutex
	jpegs := map[string][]byte{} // preview path -> JPEG
	snapshot := func(id string) func() ([]byte, error) {
		return func() ([]byte, error) {
			path, err := f.PreviewFile(id)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			if b, ok := jpegs[path]; ok {
				return b, nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			var out bytes.Buffer
			if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 85}); err != nil {
				return nil, err
			}
			jpegs[path] = out.Bytes()
			return out.Bytes(), nil
		}
	}
	return func() []Camera {
		d := f.Deployment()
		out := make([]Camera, 0, len(d.Cameras))
		for _, c := range d.Cameras {
			out = append(out, Camera{ID: c.ID, URI: c.URL, Username: c.Username, Password: c.Password,
				Width: c.Width, Height: c.Height, FPS: c.FPS, Codec: f.Codec(c.ID), Snapshot: snapshot(c.ID)})
		}
		return out
	}
}
