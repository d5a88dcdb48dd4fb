package serve

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadDeploymentIsStrict(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cameras.json")
	os.WriteFile(p, []byte(`{"cameras":[{"id":"c1","colour":"red"}]}`), 0o644)
	_, err := LoadDeployment(p)
	want := "device: " + p + `: json: unknown field "colour"`
	if err == nil || err.Error() != want {
		t.Errorf("%v, want %q", err, want)
	}
}

func FuzzDeviceLoadDeployment(f *testing.F) {
	f.Add([]byte(`{"cameras":[{"id":"c1","url":"rtsp://127.0.0.1:8554/cam/c1","width":1280,"height":720,"fps":25,"lanes":[]}],"events":{"http":"http://127.0.0.1:8080","token":"t"}}`))
	f.Add([]byte(`{"cameras":[{"id":"c1","colour":"red"}]}`))
	f.Add([]byte(`[`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "cameras.json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := LoadDeployment(p)
		if err == nil && d == nil {
			t.Fatal("no deployment and no error")
		}
	})
}
