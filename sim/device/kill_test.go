package device_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
	"github.com/trafficsim/trafficsim/wire"
)

// TestSIGKILLAndRestart runs the device as a real child process, kills it with SIGKILL while the
// uplink is down (events only in the edge queue), restarts it, and checks that every event the
// first and the second process produced reaches the center exactly once.
func TestSIGKILLAndRestart(t *testing.T) {
	if cfg := os.Getenv("DEVICE_CHILD"); cfg != "" {
		deviceChild(cfg)
		return
	}
	clip := librarytest.MakeClip(t, t.TempDir(), librarytest.Spec{Frames: 50, Width: 320, Height: 240})
	cam := startCamera(t, clip, "127.0.0.1:0", epoch)
	ctr := startCenter(t)
	queue := t.TempDir()
	cfg := device.Config{
		ID:       "dev1",
		Cameras:  []wire.Calibration{{ID: "cam1", URL: cam.url(), Username: "admin", Password: "s3cret", Transport: "tcp", Width: 320, Height: 240, FPS: 25}},
		Events:   wire.EventsEndpoint{HTTP: ctr.url(), Token: "tok-1"},
		QueueDir: queue,
	}
	cj, err := json.Marshal(childConfig{cfg.ID, cfg.Cameras, cfg.Events, cfg.QueueDir})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	produced := map[string]bool{}
	child := func() (*exec.Cmd, chan struct{}) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSIGKILLAndRestart$")
		cmd.Env = append(os.Environ(), "DEVICE_CHILD="+string(cj))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "queued "); ok {
					mu.Lock()
					produced[id] = true
					mu.Unlock()
				}
			}
		}()
		return cmd, done
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(produced) }

	first, done1 := child()
	eventually(t, 10*time.Second, "first events delivered", func() bool { return ctr.count() >= 3 })
	addr := ctr.addr
	ctr.down()
	n := count()
	eventually(t, 10*time.Second, "events queued while the uplink is down", func() bool { return count() >= n+4 })
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	<-done1
	killedWith := count()
	ctr.up(addr)

	second, done2 := child()
	eventually(t, 15*time.Second, "new events from the restarted device", func() bool { return count() >= killedWith+3 })
	eventually(t, 15*time.Second, "every produced event at the center", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for id := range produced {
			if !ctr.has(id) {
				return false
			}
		}
		return true
	})
	second.Process.Signal(syscall.SIGTERM)
	second.Wait()
	<-done2
	ctr.mu.Lock()
	defer ctr.mu.Unlock()
	for id, k := range ctr.got {
		if k != 1 {
			t.Errorf("%s accepted %d times", id, k)
		}
	}
	t.Logf("%d events produced (%d before the kill), %d at the center, %d duplicates dropped by the center",
		count(), killedWith, len(ctr.got), ctr.dups)
}

// deviceChild is the device process of TestSIGKILLAndRestart: the tick analyzer, every queued
// event printed as "queued <id>" once it is on disk.
func deviceChild(js string) {
	var cc childConfig
	if err := json.Unmarshal([]byte(js), &cc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg := device.Config{ID: cc.ID, Cameras: cc.Cameras, Events: cc.Events, QueueDir: cc.QueueDir}
	cfg.NewAnalyzer = func(cal wire.Calibration, source string) (device.Analyzer, error) {
		return &tick{cam: cal.ID, source: source, n: 5}, nil
	}
	cfg.RetryMin, cfg.RetryMax, cfg.ReadTimeout = 20*time.Millisecond, 200*time.Millisecond, time.Second
	var mu sync.Mutex
	cfg.OnEvent = func(e wire.Event) { mu.Lock(); fmt.Println("queued", e.EventID); mu.Unlock() }
	cfg.Logf = func(string, ...any) {}
	d, err := device.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := d.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	<-ctx.Done()
	d.Close()
	os.Exit(0)
}

type childConfig struct {
	ID       string
	Cameras  []wire.Calibration
	Events   wire.EventsEndpoint
	QueueDir string
}
