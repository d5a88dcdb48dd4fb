package onvif

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Camera is what an ONVIF client learns about one farm camera.
type Camera struct {
	ID       string // path element: /onvif/<ID>/...
	URI      string // RTSP URL (without credentials)
	Username string // ONVIF and RTSP user; "" serves the camera without authentication
	Password string
	Width    int
	Height   int
	FPS      float64
	Codec    string // "H264" (default) or "H265"
	// Snapshot returns a JPEG of what the camera shows; nil: GetSnapshotUri is not offered.
	Snapshot func() ([]byte, error)
}

// Config of a Server.
type Config struct {
	// Listen is host:port of the HTTP listener [127.0.0.1:0].
	Listen string
	// Host replaces the listener's host in service and snapshot URLs (devices on other
	// machines) [the listen address].
	Host string
	// Cameras lists the cameras served; it is asked again at most every second (cameras may
	// come and go). Required.
	Cameras func() []Camera
	// Discovery answers WS-Discovery Probes on 239.255.255.250:3702 and multicasts Hello and
	// Bye [false].
	Discovery bool
	// DiscoveryInterface is the network interface joined to the multicast group [the one the
	// routing table picks].
	DiscoveryInterface string
	// Manufacturer and Model are told by GetDeviceInformation [trafficsim, farm-camera].
	Manufacturer, Model string
	// TimeNow is the clock [time.Now].
	TimeNow func() time.Time
}

// Server serves the ONVIF device and media services of many cameras on one listener.
type Server struct {
	cfg    Config
	ln     net.Listener
	http   *http.Server
	disc   *discovery
	wg     sync.WaitGroup
	mu     sync.Mutex
	byID   map[string]Camera
	order  []string
	listed time.Time

	requests, refused atomic.Int64
}

// New checks cfg; Start runs the server.
func New(cfg Config) (*Server, error) {
	if cfg.Cameras == nil {
		return nil, errors.New("onvif: Config.Cameras is required")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Manufacturer == "" {
		cfg.Manufacturer = "trafficsim"
	}
	if cfg.Model == "" {
		cfg.Model = "farm-camera"
	}
	if cfg.TimeNow == nil {
		cfg.TimeNow = time.Now
	}
	return &Server{cfg: cfg}, nil
}

// Start opens the HTTP listener and, with Discovery, the WS-Discovery responder (which
// multicasts a Hello per camera).
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("onvif: %w", err)
	}
	s.ln = ln
	mux := http.NewServeMux()
	mux.HandleFunc("POST /onvif/{cam}/{service}", s.handleSOAP)
	mux.HandleFunc("GET /onvif/{cam}/snapshot.jpg", s.handleSnapshot)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.http.Serve(ln)
	}()
	if s.cfg.Discovery {
		d, err := startDiscovery(s)
		if err != nil {
			s.Close()
			return err
		}
		s.disc = d
	}
	return nil
}

// Close sends Bye for every camera (with Discovery) and stops the server.
func (s *Server) Close() error {
	if s.disc != nil {
		s.disc.close()
	}
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.http.Shutdown(ctx)
		cancel()
	}
	s.wg.Wait()
	return nil
}

// Addr is the HTTP listener's address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// base is http://host:port as clients must use it.
func (s *Server) base() string {
	addr := s.ln.Addr().String()
	if s.cfg.Host != "" {
		_, port, _ := net.SplitHostPort(addr)
		addr = net.JoinHostPort(s.cfg.Host, port)
	}
	return "http://" + addr
}

// DeviceURL is the device service of camera id (what discovery gives as XAddrs).
func (s *Server) DeviceURL(id string) string { return s.base() + "/onvif/" + id + "/device_service" }

// cameras returns the cameras, refreshed at most every second.
func (s *Server) cameras() (map[string]Camera, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := time.Now(); s.byID == nil || now.Sub(s.listed) > time.Second {
		s.byID, s.order, s.listed = map[string]Camera{}, nil, now
		for _, c := range s.cfg.Cameras() {
			s.byID[c.ID] = c
			s.order = append(s.order, c.ID)
		}
	}
	return s.byID, s.order
}

func (s *Server) camera(id string) (Camera, bool) {
	m, _ := s.cameras()
	c, ok := m[id]
	return c, ok
}

// Stats: SOAP requests answered and refused (faults), since Start.
func (s *Server) Stats() (requests, refused int64) { return s.requests.Load(), s.refused.Load() }

// preAuth are the operations ONVIF lets a client call before authenticating.
var preAuth = map[string]bool{
	"GetSystemDateAndTime": true, "GetCapabilities": true, "GetServices": true,
	"GetServiceCapabilities": true, "GetHostname": true, "GetWsdlUrl": true,
}

func (s *Server) handleSOAP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	reply := func(status int, b []byte) {
		if status != http.StatusOK {
			s.refused.Add(1)
		}
		// Content-Length is required: some clients (libonvif) read exactly that many bytes.
		w.Header().Set("Content-Type", `application/soap+xml; charset=utf-8`)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		w.Write(b)
	}
	cam, ok := s.camera(r.PathValue("cam"))
	if !ok {
		reply(http.StatusNotFound, fault("Sender", "InvalidArgVal", fmt.Sprintf("no camera %q", r.PathValue("cam"))))
		return
	}
	service := r.PathValue("service")
	if service != "device_service" && service != "media_service" {
		reply(http.StatusNotFound, fault("Sender", "InvalidArgVal", fmt.Sprintf("no service %q (device_service, media_service)", service)))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		reply(http.StatusBadRequest, fault("Sender", "InvalidArgVal", fmt.Sprintf("request larger than %d bytes", maxRequest)))
		return
	}
	status, b := s.answer(cam, service, body)
	reply(status, b)
}

// answer handles one SOAP request to a camera's service: the HTTP status and the envelope.
func (s *Server) answer(cam Camera, service string, body []byte) (int, []byte) {
	env, err := parseEnvelope(body)
	if err != nil {
		return http.StatusBadRequest, fault("Sender", "WellFormed", err.Error())
	}
	op := env.Body.Op.XMLName
	if cam.Username != "" && !preAuth[op.Local] {
		var tok *usernameToken
		if env.Header.Security != nil {
			tok = env.Header.Security.UsernameToken
		}
		if err := checkToken(tok, cam.Username, cam.Password, s.cfg.TimeNow()); err != nil {
			return http.StatusBadRequest, fault("Sender", "NotAuthorized", "Sender not authorized: "+err.Error())
		}
	}
	want := nsDevice
	if service == "media_service" {
		want = nsMedia
	}
	if op.Space != want {
		return http.StatusBadRequest, fault("Sender", "ActionNotSupported", fmt.Sprintf("%s {%s} is not an operation of the %s", op.Local, op.Space, service))
	}
	b, err := s.operation(cam, service, &env.Body.Op)
	if err == errUnsupported {
		return http.StatusBadRequest, fault("Sender", "ActionNotSupported", fmt.Sprintf("%s is not supported", op.Local))
	}
	if err == errNoProfile {
		return http.StatusBadRequest, fault("Sender", "NoProfile", fmt.Sprintf("no profile %q (the camera has %q)", env.Body.Op.ProfileToken, profileToken))
	}
	return http.StatusOK, soapEnvelope(b)
}

// profileToken is the one media profile of every camera (its main stream).
const profileToken = "main"

// uuidOf is a stable urn:uuid for a camera (name-based, SHA-1).
func uuidOf(id string) string {
	h := sha1.Sum([]byte("trafficsim-onvif:" + id))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	x := fmt.Sprintf("%x", h[:16])
	return "urn:uuid:" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func codecOf(c Camera) string {
	if strings.EqualFold(c.Codec, "h265") {
		return "H265"
	}
	return "H264"
}
