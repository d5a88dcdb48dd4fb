package device_test

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
	"github.com/bluenviron/gortsplib/v5/pkg/ntp"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtcp"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/wire"
)

// camera is a real RTSP camera for tests: a gortsplib server on 127.0.0.1 that plays a clip in
// a loop in real time, with digest auth, and stamps frame k with the wall clock epoch + k/fps
// (RTP packets and RTCP sender reports, one after each keyframe).
type camera struct {
	srv    *gortsplib.Server
	stream *gortsplib.ServerStream
	addr   string
	user   string
	pass   string
	epoch  time.Time
	clip   *library.Clip
	data   []byte
	stop   chan struct{}
	done   chan struct{}
	ready  sync.RWMutex // held until the stream exists: requests wait for it
}

func (c *camera) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	c.ready.RLock()
	defer c.ready.RUnlock()
	if !ctx.Conn.VerifyCredentials(ctx.Request, c.user, c.pass) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *camera) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	c.ready.RLock()
	defer c.ready.RUnlock()
	if !ctx.Conn.VerifyCredentials(ctx.Request, c.user, c.pass) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *camera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// startCamera serves clip at addr ("127.0.0.1:0" for a fresh port).
func startCamera(t *testing.T, clip *library.Clip, addr string, epoch time.Time) *camera {
	t.Helper()
	data, err := clip.Stream()
	if err != nil {
		t.Fatal(err)
	}
	c := &camera{user: "admin", pass: "s3cret", epoch: epoch, clip: clip, data: data, stop: make(chan struct{}), done: make(chan struct{})}
	c.ready.Lock()
	c.srv = &gortsplib.Server{Handler: c, RTSPAddress: addr}
	if err := c.srv.Start(); err != nil {
		t.Fatal(err)
	}
	c.addr = c.srv.NetListener().Addr().String()
	c.stream = &gortsplib.ServerStream{Server: c.srv, Desc: &description.Session{Medias: []*description.Media{{
		Type: description.MediaTypeVideo, Formats: []format.Format{&format.H264{PayloadTyp: 96, PacketizationMode: 1}}}}}}
	if err := c.stream.Initialize(); err != nil {
		t.Fatal(err)
	}
	c.ready.Unlock()
	go c.play()
	t.Cleanup(c.Close)
	return c
}

func (c *camera) url() string { return "rtsp://" + c.addr + "/cam/cam1" }

func (c *camera) play() {
	defer close(c.done)
	medi := c.stream.Desc.Medias[0]
	forma := medi.Formats[0].(*format.H264)
	enc, err := forma.CreateEncoder()
	if err != nil {
		panic(err)
	}
	fps := c.clip.Meta.FPS
	start := time.Now()
	for k := 0; ; k++ {
		at := start.Add(time.Duration(float64(k) / fps * float64(time.Second)))
		select {
		case <-c.stop:
			return
		case <-time.After(time.Until(at)):
		}
		i := k % len(c.clip.Index.Frames)
		var au h264.AnnexB
		if err := au.Unmarshal(c.clip.AccessUnit(c.data, i)); err != nil {
			panic(err)
		}
		pkts, err := enc.Encode(au)
		if err != nil {
			panic(err)
		}
		rtpTS := uint32(k * 90000 / int(fps))
		wall := c.epoch.Add(time.Duration(float64(k) / fps * float64(time.Second)))
		for _, p := range pkts {
			p.Timestamp = rtpTS
			c.stream.WritePacketRTPWithNTP(medi, p, wall)
		}
		if c.clip.Index.Frames[i].Key {
			ssrc := c.stream.Stats().Medias[medi].Formats[forma].LocalSSRC
			c.stream.WritePacketRTCP(medi, &rtcp.SenderReport{SSRC: ssrc, NTPTime: ntp.Encode(wall), RTPTime: rtpTS})
		}
	}
}

func (c *camera) Close() {
	select {
	case <-c.stop:
		return
	default:
	}
	close(c.stop)
	<-c.done
	c.stream.Close()
	c.srv.Close()
}

// center is a real HTTP events endpoint on 127.0.0.1: bearer token, one event or an array,
// de-duplication by event_id; it can be taken off the network (uplink down) or made to answer
// 503 (center down).
type center struct {
	t     *testing.T
	token string
	addr  string

	mu       sync.Mutex
	srv      *http.Server
	failing  bool
	got      map[string]int // event_id -> times accepted
	dups     int
	posts    int
	events   []wire.Event
	badAuth  int
	refuseID string // answer 422 to this id
}

func startCenter(t *testing.T) *center {
	c := &center{t: t, token: "tok-1", got: map[string]int{}}
	c.up("127.0.0.1:0")
	t.Cleanup(c.down)
	return c
}

func (c *center) up(addr string) {
	var ln net.Listener
	var err error
	for range 50 { // the port of a just-closed listener can take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.addr = ln.Addr().String()
	c.srv = &http.Server{Handler: http.HandlerFunc(c.handle)}
	srv := c.srv
	c.mu.Unlock()
	go srv.Serve(ln)
}

// down takes the center off the network (listener and connections closed).
func (c *center) down() {
	c.mu.Lock()
	srv := c.srv
	c.srv = nil
	c.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (c *center) url() string { return "http://" + c.addr }

func (c *center) setFailing(v bool) { c.mu.Lock(); c.failing = v; c.mu.Unlock() }

func (c *center) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/events" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts++
	if r.Header.Get("Authorization") != "Bearer "+c.token {
		c.badAuth++
		http.Error(w, "bad token", http.StatusUnauthorized)
		return
	}
	if c.failing {
		http.Error(w, "center down", http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var evs []wire.Event
	if strings.HasPrefix(strings.TrimSpace(string(body)), "[") {
		if err := json.Unmarshal(body, &evs); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	} else {
		var e wire.Event
		if err := json.Unmarshal(body, &e); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		evs = []wire.Event{e}
	}
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		if e.EventID == c.refuseID {
			http.Error(w, "refused", http.StatusUnprocessableEntity)
			return
		}
	}
	acc, dup := 0, 0
	for _, e := range evs {
		if c.got[e.EventID] > 0 {
			dup++
			c.dups++
			continue
		}
		c.got[e.EventID]++
		c.events = append(c.events, e)
		acc++
	}
	fmt.Fprintf(w, `{"accepted":%d,"duplicates":%d}`, acc, dup)
}

func (c *center) has(id string) bool { c.mu.Lock(); defer c.mu.Unlock(); return c.got[id] > 0 }

func (c *center) count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.got) }

// tick is a test analyzer standing in for violations: one event every nth decoded frame, stamped
// with the frame's capture time, id derived from it (deterministic per detection).
type tick struct {
	cam, source string
	n, frames   int
	sizes       map[[2]int]int
}

func (a *tick) Process(f *decode.Frame, t time.Time) []wire.Event {
	a.frames++
	if a.sizes != nil {
		a.sizes[[2]int{f.Width, f.Height}]++
	}
	if a.frames%a.n != 0 {
		return nil
	}
	return []wire.Event{{EventID: a.source + "/" + a.cam + "/" + t.UTC().Format(time.RFC3339Nano), CameraID: a.cam,
		Type: wire.RedLight, Time: t.UTC().Truncate(time.Millisecond), Confidence: 0.9, Source: a.source}}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", d, what)
}

// drawnClip encodes frames drawn by draw into a clip (x264, a keyframe every second).
func drawnClip(t *testing.T, frames, w, h int, draw func(i int, img *image.RGBA)) *library.Clip {
	t.Helper()
	enc, err := encode.New(encode.Options{Width: w, Height: h, FPS: 25, GOP: 25, BitrateKbps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	wr, err := library.Create(t.TempDir(), library.Meta{ID: "drawn", Scenario: "test", Camera: "cam1", Renderer: "device-test", Width: w, Height: h, FPS: 25, GOP: 25})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range frames {
		draw(i, img)
		au, key, err := enc.Encode(img)
		if err != nil {
			t.Fatal(err)
		}
		if err := wr.WriteFrame(au, key); err != nil {
			t.Fatal(err)
		}
	}
	// truth and calibration files make the clip playable by the farm as well
	if err := wr.WriteJSON(library.TruthFile, &wire.Truth{Version: wire.TruthVersion, Scenario: "test", Camera: "cam1", FPS: 25, Width: w, Height: h}); err != nil {
		t.Fatal(err)
	}
	if err := wr.WriteJSON(library.CameraFile, &wire.Calibration{ID: "cam1", Width: w, Height: h, FPS: 25}); err != nil {
		t.Fatal(err)
	}
	c, err := wr.Close()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
