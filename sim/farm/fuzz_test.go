package farm

import (
	"context"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

// Whatever a client sends, the fast path answers or hangs up; it never panics.
func FuzzServeConn(f *testing.F) {
	for _, s := range []string{
		"OPTIONS rtsp://h/cam/cam-001 RTSP/1.0\r\nCSeq: 1\r\n\r\n",
		"DESCRIBE rtsp://h/cam/cam-001 RTSP/1.0\r\nCSeq: 2\r\n\r\n",
		"SETUP rtsp://h/cam/cam-001/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n\r\n",
		"PLAY rtsp://h/cam/cam-001 RTSP/1.0\r\nCSeq: 4\r\n\r\n",
		"DESCRIBE rtsp://h/cam/x RTSP/1.0\r\nCSeq: 5\r\nAuthorization: Digest username=\"a\"\r\n\r\n",
		"$\x01\x00\x04abcd",
		"GET_PARAMETER * RTSP/1.0\r\n\r\n",
		"OPTIONS rtsp://h/cam/cam-001 RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n",
		"SETUP rtsp://h/cam/cam-001/trackID=99 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n\r\n",
		"SETUP rtsp://h/cam/cam-001/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;interleaved=255-256\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	lib, err := os.MkdirTemp("", "farm-fuzz-")
	if err != nil {
		f.Fatal(err)
	}
	defer os.RemoveAll(lib)
	librarytest.MakeClip(f, lib, librarytest.Spec{ID: "clip", Frames: 5})
	fm := New(Config{Library: lib, NoAuth: true})
	if _, err := fm.AddCamera(CameraSpec{Clip: "clip"}); err != nil {
		f.Fatal(err)
	}
	if err := fm.Start(context.Background()); err != nil {
		f.Fatal(err)
	}
	defer fm.Close()
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		fm.mu.Lock()
		fm.conns[server] = struct{}{}
		fm.wg.Add(1)
		fm.mu.Unlock()
		done := make(chan struct{})
		go func() {
			fm.serveConn(server)
			close(done)
		}()
		go io.Copy(io.Discard, client)
		client.SetWriteDeadline(time.Now().Add(time.Second))
		client.Write(in)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("serveConn did not return after the client closed")
		}
	})
}
