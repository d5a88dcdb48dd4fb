package render

import (
	"fmt"
	"net"
	"strings"
)

// Packages is what a Debian/Ubuntu machine needs to render (named in the missing-display error).
const Packages = "xvfb xauth libgl1 libglx-mesa0 libgl1-mesa-dri libx11-6 libxrandr2 libxcursor1 libxi6 libxinerama1 libxext6 libxrender1"

// CheckDisplay reports, before ebiten is started, whether an X server is there to render with.
// It connects to a local display's socket (abstract first, as Xlib does, then the file), since a
// socket file left by a killed Xvfb looks the same as a live one. dial is net.Dial in production.
func CheckDisplay(getenv func(string) string, dial func(network, addr string) (net.Conn, error)) error {
	d := getenv("DISPLAY")
	if d == "" {
		return fmt.Errorf("render: no X display (DISPLAY is not set); the renderer needs an X server: "+
			"run 'make setup' (installs Xvfb and Mesa and starts Xvfb on :99) and set DISPLAY=:99, "+
			"or install them yourself: apt-get install -y %s", Packages)
	}
	// a local display ":N" or ":N.S" listens on /tmp/.X11-unix/XN; remote ones are not checked
	if !strings.HasPrefix(d, ":") {
		return nil
	}
	n := d[1:]
	if i := strings.IndexByte(n, '.'); i >= 0 {
		n = n[:i]
	}
	sock := "/tmp/.X11-unix/X" + n
	for _, addr := range []string{"@" + sock, sock} {
		if c, err := dial("unix", addr); err == nil {
			c.Close()
			return nil
		}
	}
	return fmt.Errorf("render: DISPLAY=%s but no X server listens on %s: start one with 'make setup' "+
		"(starts Xvfb on :99) or 'Xvfb %s -screen 0 1280x1024x24 &'; packages: apt-get install -y %s", d, sock, d, Packages)
}
