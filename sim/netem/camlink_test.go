package netem

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/sim/device"
	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// camLinkFor is how long the device behind the camera link pulls the camera.
const camLinkFor = 5 * time.Second

// deviceMain runs a reference device (frames decoded, no analysis) over the cameras of the
// deployment file in NETEM_TEST_DEVICE for camLinkFor and prints its stats as JSON: the
// device side of TestDeviceBehindALossyCameraLink, started inside the namespace.
func deviceMain(deployment string) error {
	b, err := os.ReadFile(deployment)
	if err != nil {
		return err
	}
	var dep wire.Deployment
	if err := json.Unmarshal(b, &dep); err != nil {
		return err
	}
	cfg := device.Config{ID: "dev-link", Cameras: dep.Cameras,
		Events:   wire.EventsEndpoint{HTTP: "http://127.0.0.1:9", Token: "none"}, // no center: events wait in the queue
		QueueDir: filepath.Join(filepath.Dir(deployment), "queue"), QueueNoSync: true,
		NewAnalyzer: func(wire.Calibration, string) (device.Analyzer, error) { return nopAnalyzer{}, nil },
		Logf:        func(string, ...any) {}}
	runFor := camLinkFor
	if u := os.Getenv("NETEM_TEST_EVENTS"); u != "" { // the accuracy figure: the reference detector, events posted
		cfg.Events.HTTP, cfg.NewAnalyzer = u, nil
		if runFor, err = time.ParseDuration(os.Getenv("NETEM_TEST_FOR")); err != nil {
			return err
		}
	}
	d, err := device.New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), runFor)
	defer cancel()
	if err := d.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	st := d.Stats()
	d.Close()
	out, _ := json.Marshal(st.Cameras)
	fmt.Println("stats " + string(out))
	return nil
}

type nopAnalyzer struct{}

func (nopAnalyzer) Process(*decode.Frame, time.Time) []wire.Event { return nil }

// TestDeviceBehindALossyCameraLink pulls a camera over RTSP/RTP (UDP) through a veth whose
// farm-to-device direction loses 2% of the packets on the wire (nftables in the kernel, not
// the farm's in-process faults). The device reports the loss honestly: the RTP packets it
// counts lost are at least those the link dropped (the link's own counter), and it decodes fewer
// clean frames than over the clean link of the same test.
func TestDeviceBehindALossyCameraLink(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip(why)
	}
	lib := linkClip(t)
	clean := pullThroughLink(t, lib, Link{})
	lossy := pullThroughLink(t, lib, Link{Loss: 0.02})
	t.Logf("clean link: %d frames, %d decode errors, %d packets lost; 2%% loss: %d frames, %d decode errors, %d packets lost (the link dropped %d)",
		clean.Frames, clean.DecodeErrors, clean.PacketsLost, lossy.Frames, lossy.DecodeErrors, lossy.PacketsLost, lossy.dropped)
	if clean.PacketsLost != 0 || clean.dropped != 0 {
		t.Errorf("the clean link lost %d packets (device) / dropped %d (link)", clean.PacketsLost, clean.dropped)
	}
	if lossy.dropped == 0 {
		t.Fatal("the lossy link dropped nothing")
	}
	// RTCP and the RTSP session's segments are dropped too, and a drop at the very end is no
	// gap; a starved device also loses packets in its own socket buffer, and counts them too
	if lossy.PacketsLost < lossy.dropped*8/10 {
		t.Errorf("the device counts %d RTP packets lost; the link dropped %d packets", lossy.PacketsLost, lossy.dropped)
	}
	if lossy.DecodeErrors == 0 && lossy.Frames >= clean.Frames {
		t.Errorf("with %d packets lost the device decoded %d frames (clean: %d) without an error: loss hidden", lossy.PacketsLost, lossy.Frames, clean.Frames)
	}
}

type linkStats struct {
	device.CameraStats
	dropped int64
}

// pullThroughLink serves the clip as one UDP camera on the host end of a fresh namespace's
// veth, shapes the farm-to-device direction and runs the device inside the namespace.
func pullThroughLink(t *testing.T, lib string, down Link) linkStats {
	t.Helper()
	pid := os.Getpid()
	k := 3
	if down != (Link{}) {
		k = 4
	}
	ns, err := Create(fmt.Sprintf("tsk%d%d", pid%10000, k), (pid+13*k)%250)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ns.Close(); err != nil {
			t.Error(err)
		}
		if Exists(ns.Name) {
			t.Errorf("namespace %s left behind", ns.Name)
		}
	}()
	if err := ns.Shape(Link{}, down); err != nil {
		t.Fatal(err)
	}
	fm := farm.New(farm.Config{Library: lib, UDPListen: ns.HostIP + ":0", Seed: 7})
	if _, err := fm.AddCamera(farm.CameraSpec{ID: "cam-link", Clip: "link", Transport: farm.TransportUDP}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := fm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer fm.Close()
	dir := t.TempDir()
	b, _ := json.Marshal(fm.Deployment())
	dep := filepath.Join(dir, "cameras.json")
	if err := os.WriteFile(dep, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NETEM_TEST_DEVICE="+dep)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("device in the namespace: %v\n%s", err, out)
	}
	var st map[string]device.CameraStats
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if j, ok := strings.CutPrefix(sc.Text(), "stats "); ok {
			json.Unmarshal([]byte(j), &st)
		}
	}
	cs, ok := st["cam-link"]
	if !ok {
		t.Fatalf("no stats of cam-link from the device: %s", out)
	}
	_, dropped, err := ns.Dropped()
	if err != nil {
		t.Fatal(err)
	}
	return linkStats{cs, dropped}
}

// linkClip encodes a 2 s 320x240 clip with seeded noise (so each frame takes several RTP
// packets) into a library folder, once per test binary.
func linkClip(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	const w, h, frames = 320, 240, 50
	enc, err := encode.New(encode.Options{Width: w, Height: h, FPS: 25, GOP: 25, BitrateKbps: 1500})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	wr, err := library.Create(root, library.Meta{ID: "link", Scenario: "test", Camera: "link", Renderer: "netem-test", Width: w, Height: h, FPS: 25, GOP: 25})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(1)
	for i := range frames {
		for p := 0; p < len(img.Pix); p += 4 {
			seed = seed*1664525 + 1013904223
			n := uint8(seed >> 27)
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = uint8(p/4%w+i*3)+n, uint8(p/4/w)+n, 128+n, 255
		}
		au, key, err := enc.Encode(img)
		if err != nil {
			t.Fatal(err)
		}
		if err := wr.WriteFrame(au, key); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.WriteJSON(library.TruthFile, &wire.Truth{Version: wire.TruthVersion, Scenario: "test", Camera: "link", FPS: 25, Width: w, Height: h}); err != nil {
		t.Fatal(err)
	}
	if err := wr.WriteJSON(library.CameraFile, &wire.Calibration{ID: "link", Width: w, Height: h, FPS: 25}); err != nil {
		t.Fatal(err)
	}
	if _, err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	return root
}
