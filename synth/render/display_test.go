package render_test

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/trafficsim/trafficsim/synth/render"
)

func TestCheckDisplay(t *testing.T) {
	env := func(d string) func(string) string {
		return func(k string) string {
			if k == "DISPLAY" {
				return d
			}
			return ""
		}
	}
	// listening on one address: a real in-memory connection, any other address is refused
	has := func(addr string) func(string, string) (net.Conn, error) {
		return func(network, a string) (net.Conn, error) {
			if network == "unix" && a == addr {
				c, s := net.Pipe()
				s.Close()
				return c, nil
			}
			return nil, syscall.ECONNREFUSED
		}
	}
	for _, c := range []struct {
		name, display, socket, want string
	}{
		{"no display", "", "", "render: no X display (DISPLAY is not set); the renderer needs an X server: run 'make setup' (installs Xvfb and Mesa and starts Xvfb on :99) and set DISPLAY=:99, or install them yourself: apt-get install -y " + render.Packages},
		{"no server", ":42", "", "render: DISPLAY=:42 but no X server listens on /tmp/.X11-unix/X42: start one with 'make setup' (starts Xvfb on :99) or 'Xvfb :42 -screen 0 1280x1024x24 &'; packages: apt-get install -y " + render.Packages},
		{"stale socket file of a killed server", ":42", "/tmp/.X11-unix/X41", "render: DISPLAY=:42 but no X server listens on /tmp/.X11-unix/X42: start one with 'make setup' (starts Xvfb on :99) or 'Xvfb :42 -screen 0 1280x1024x24 &'; packages: apt-get install -y " + render.Packages},
		{"screen number", ":42.0", "/tmp/.X11-unix/X42", ""},
		{"running", ":99", "/tmp/.X11-unix/X99", ""},
		{"abstract socket only", ":99", "@/tmp/.X11-unix/X99", ""},
		{"remote is not checked", "host:0", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := render.CheckDisplay(env(c.display), has(c.socket))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestMainTwiceFails(t *testing.T) {
	err := render.Main(func() error { return errors.New("ran") })
	if err == nil || err.Error() != "render: Main called twice (ebiten runs one game loop per process)" {
		t.Errorf("second Main: %v", err)
	}
}
