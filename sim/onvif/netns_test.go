package onvif

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/netem"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

// netPair is two network namespaces joined by a veth pair, each with a multicast route on
// its end: the farm side (10.231.0.1) and the client side (10.231.0.2). Nothing touches the
// host's own namespace; both are deleted when the test ends.
type netPair struct{ srv, cli string }

const srvIP, cliIP = "10.231.0.1", "10.231.0.2"

func newNetPair(t *testing.T) netPair {
	t.Helper()
	if why := netem.Available(); why != "" {
		t.Skip(why)
	}
	id := fmt.Sprintf("tsov%d", os.Getpid()%100000)
	p := netPair{srv: id + "s", cli: id + "c"}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v %s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", p.srv).Run() // the veth goes with it
		exec.Command("ip", "netns", "del", p.cli).Run()
	})
	run("netns", "add", p.srv)
	run("netns", "add", p.cli)
	run("link", "add", p.srv, "type", "veth", "peer", "name", p.cli)
	run("link", "set", p.srv, "netns", p.srv)
	run("link", "set", p.cli, "netns", p.cli)
	for _, e := range []struct{ ns, ip string }{{p.srv, srvIP}, {p.cli, cliIP}} {
		run("-n", e.ns, "addr", "add", e.ip+"/24", "dev", e.ns)
		run("-n", e.ns, "link", "set", "lo", "up")
		run("-n", e.ns, "link", "set", e.ns, "up")
		run("-n", e.ns, "route", "add", "224.0.0.0/4", "dev", e.ns)
	}
	return p
}

// inNetns runs fn on an OS thread moved into namespace ns: sockets fn opens live there.
func inNetns(t *testing.T, ns string, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// Debian's onvif-util, in a namespace of its own, finds the farm's cameras by WS-Discovery
// multicast, logs in with a camera's credentials, reads its profiles and RTSP URL; ffmpeg
// (in the same namespace) plays that URL.
func TestOnvifUtilFindsFarmCameras(t *testing.T) {
	for _, tool := range []string{"onvif-util", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/setup.sh installs onvif-tools and ffmpeg)", tool)
		}
	}
	p := newNetPair(t)
	lib := t.TempDir()
	librarytest.MakeClip(t, lib, librarytest.Spec{ID: "clip", Frames: 50})
	f := farm.New(farm.Config{Library: lib, Listen: srvIP + ":0", UDPListen: srvIP + ":0"})
	// onvif-util logs in to the first camera it finds at an address: same credentials on all.
	const user, pass = "admin", "farm-pw"
	for i := 0; i < 3; i++ {
		if _, err := f.AddCamera(farm.CameraSpec{Clip: "clip", Username: user, Password: pass}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *Server
	inNetns(t, p.srv, func() error {
		if err := f.Start(ctx); err != nil {
			return err
		}
		var err error
		if s, err = New(Config{Listen: srvIP + ":0", Cameras: FarmCameras(f), Discovery: true, DiscoveryInterface: p.srv}); err != nil {
			return err
		}
		return s.Start(ctx)
	})
	defer f.Close()
	defer s.Close()

	out, err := exec.Command("ip", "netns", "exec", p.cli, "onvif-util", "-a").CombinedOutput()
	if err != nil {
		t.Fatalf("onvif-util -a: %v\n%s", err, out)
	}
	t.Logf("onvif-util -a:\n%s", out)
	for _, want := range []string{"Found 3 cameras", srvIP + " cam-001(cam-001 farm-camera)", srvIP + " cam-003(cam-003 farm-camera)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("onvif-util -a lacks %q", want)
		}
	}

	cmd := exec.Command("ip", "netns", "exec", p.cli, "onvif-util", "-u", user, "-p", pass, srvIP)
	cmd.Stdin = strings.NewReader("get profiles\nget profile\nget rtsp\nquit\n")
	out, err = cmd.CombinedOutput()
	t.Logf("onvif-util %s:\n%s", srvIP, out)
	if err != nil {
		t.Fatalf("onvif-util: %v", err)
	}
	for _, want := range []string{"successfully connected to host", "Token 0: main", "Width:      320", "Height:     240", "Frame Rate: 25"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("onvif-util lacks %q", want)
		}
	}
	m := regexp.MustCompile(`rtsp://\S+`).FindString(string(out))
	if !strings.HasPrefix(m, "rtsp://"+srvIP+":") {
		t.Fatalf("no RTSP URL of the farm in the output")
	}
	u := strings.Replace(m, "rtsp://", "rtsp://"+user+":"+pass+"@", 1)
	ff := exec.Command("ip", "netns", "exec", p.cli, "ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", u, "-frames:v", "30", "-f", "null", "-")
	done := make(chan struct{})
	time.AfterFunc(30*time.Second, func() {
		select {
		case <-done:
		default:
			ff.Process.Kill()
		}
	})
	out, err = ff.CombinedOutput()
	close(done)
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("ffmpeg playing %s: %v\n%s", m, err, out)
	}
	if probes, matches := s.DiscoveryStats(); probes < 2 || matches < 6 {
		t.Errorf("discovery answered %d probes with %d matches", probes, matches)
	}
}
