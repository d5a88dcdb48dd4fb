package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// browser is headless Chromium (Debian's chromium) driven over the DevTools protocol.
type browser struct {
	cmd  *exec.Cmd
	ws   *websocket.Conn
	next int
}

// chromiumFlags keep a headless Chromium quiet and self-contained.
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
	"--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required", "--window-size=1400,900",
	"--remote-debugging-port=0", "--remote-allow-origins=*"}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (scripts/setup.sh installs it)")
	}
	// the profile folder is removed once every chromium process is gone: its renderers and
	// zygote outlive the main process for a moment and keep writing there
	dir, err := os.MkdirTemp("", "trafficsim-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(chromiumFlags, "--user-data-dir="+dir, "about:blank")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	b := &browser{cmd: cmd}
	t.Cleanup(func() {
		if b.ws != nil {
			b.ws.Close()
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the whole process group
		cmd.Wait()
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("chromium's profile folder %s could not be removed", dir)
	})
	// Chromium writes its DevTools port into the profile folder
	var port string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort")); err == nil && strings.Contains(string(b), "\n") {
			port = strings.SplitN(string(b), "\n", 2)[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("chromium did not open its DevTools port in 20 s")
		}
	}
	var pages []struct{ Type, WebSocketDebuggerURL string }
	for deadline := time.Now().Add(10 * time.Second); len(pages) == 0; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://127.0.0.1:" + port + "/json/list")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&pages)
			resp.Body.Close()
		}
		pages = filterPages(pages)
		if time.Now().After(deadline) {
			t.Fatal("chromium lists no page")
		}
	}
	ws, _, err := websocket.DefaultDialer.Dial(pages[0].WebSocketDebuggerURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.ws = ws
	return b
}

func filterPages(ps []struct{ Type, WebSocketDebuggerURL string }) []struct{ Type, WebSocketDebuggerURL string } {
	var out []struct{ Type, WebSocketDebuggerURL string }
	for _, p := range ps {
		if p.Type == "page" {
			out = append(out, p)
		}
	}
	return out
}

// call sends one DevTools command and returns its result (events in between are dropped).
func (b *browser) call(method string, params any) (json.RawMessage, error) {
	b.next++
	id := b.next
	if err := b.ws.WriteJSON(map[string]any{"id": id, "method": method, "params": params}); err != nil {
		return nil, err
	}
	b.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var msg struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := b.ws.ReadJSON(&msg); err != nil {
			return nil, err
		}
		if msg.ID != id {
			continue
		}
		if msg.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, msg.Error.Message)
		}
		return msg.Result, nil
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value into v.
func (b *browser) eval(t *testing.T, expr string, v any) {
	t.Helper()
	res, err := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct{ Text string }
	}
	if err := json.Unmarshal(res, &r); err != nil {
		t.Fatal(err)
	}
	if r.ExceptionDetails != nil {
		t.Fatalf("%s: %s", expr, r.ExceptionDetails.Text)
	}
	if err := json.Unmarshal(r.Result.Value, v); err != nil {
		t.Fatalf("%s: %v (%s)", expr, err, r.Result.Value)
	}
}

func (b *browser) navigate(t *testing.T, url string) {
	t.Helper()
	if _, err := b.call("Page.navigate", map[string]any{"url": url}); err != nil {
		t.Fatal(err)
	}
}

// dataset is document.body.dataset, where the UI leaves what it did for tests.
func (b *browser) dataset(t *testing.T) map[string]string {
	t.Helper()
	var d map[string]string
	b.eval(t, "Object.assign({}, document.body ? document.body.dataset : {})", &d)
	return d
}

// waitFor polls the page's dataset until ok says yes.
func (b *browser) waitFor(t *testing.T, what string, within time.Duration, ok func(d map[string]string) bool) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		d := b.dataset(t)
		if d["error"] != "" {
			t.Fatalf("the page failed: %s", d["error"])
		}
		if ok(d) {
			return d
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %v; page state %v", what, within, d)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// screenshot saves the page as PNG when TRAFFICSIM_SCREENSHOTS names a folder (docs/img).
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("TRAFFICSIM_SCREENSHOTS")
	if dir == "" {
		return
	}
	res, err := b.call("Page.captureScreenshot", map[string]any{"format": "png"})
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Data string }
	json.Unmarshal(res, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
