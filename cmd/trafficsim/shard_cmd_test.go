package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// Shard 1 of 2 of a 5-camera farm serves cam-003 to cam-005 (ids of the whole run), so shards
// of one run never share a camera id; the index may come from an Indexed Job's environment.
func TestCamerasCommandServesItsShard(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib")
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "a", Frames: 25})
	for _, c := range []struct {
		name  string
		flags []string
		env   [2]string
		want  []string
	}{
		{"flag", []string{"--shard", "1/2"}, [2]string{}, []string{"cam-003", "cam-004", "cam-005"}},
		{"indexed job", nil, [2]string{"0", "2"}, []string{"cam-001", "cam-002"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.env[0] != "" {
				t.Setenv("JOB_COMPLETION_INDEX", c.env[0])
				t.Setenv("TRAFFICSIM_SHARDS", c.env[1])
			}
			out := filepath.Join(t.TempDir(), "cameras.json")
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, append([]string{"cameras", "--library", lib, "--cameras", "5", "--out", out}, c.flags...))
			}()
			var d wire.Deployment
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if b, err := os.ReadFile(out); err == nil && json.Unmarshal(b, &d) == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("cameras.json was not written")
				}
			}
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("cameras exited %d", code)
			}
			var ids []string
			for _, cam := range d.Cameras {
				ids = append(ids, cam.ID)
			}
			if len(ids) != len(c.want) || ids[0] != c.want[0] || ids[len(ids)-1] != c.want[len(c.want)-1] {
				t.Errorf("cameras %v, want %v", ids, c.want)
			}
		})
	}
	if code := run(context.Background(), []string{"cameras", "--library", lib, "--shard", "2/2"}); code != 2 {
		t.Errorf("--shard 2/2 exited %d, want 2", code)
	}
}
