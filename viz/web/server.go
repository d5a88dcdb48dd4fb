package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/wire"
)

//go:embed static
var static embed.FS

// DefaultAddr is where `trafficsim viz` listens unless told otherwise; report.html links its
// missed and false violations to it.
const DefaultAddr = "127.0.0.1:8168"

// Config configures a Server.
type Config struct {
	// Dir is the run folder (run.json, truth.jsonl, events.jsonl, ...). Empty: a bare farm,
	// pictures and truth only.
	Dir string
	// Playheads reports the cameras of a live farm [nil: Dir/playheads.json, a replay].
	Playheads func() []farm.Playhead
	// Stats reports a live farm's counters [nil: delivery.jsonl].
	Stats func() []farm.CameraStats
	// Live follows the wall clock and the growing run folder; otherwise the run is replayed
	// [true when Playheads is set].
	Live bool
	// Window and Grace score live verdicts [run.json's, else results' defaults].
	Window, Grace time.Duration
	// Poll is how often a live run folder is read [1s].
	Poll time.Duration
	// Logf logs read errors [discarded].
	Logf func(format string, args ...any)
	// ThumbDir caches wall thumbnails across processes, by clip id [the user's cache
	// folder/trafficsim/thumbs; "-": none].
	ThumbDir string
	// TimeNow is the clock [time.Now].
	TimeNow func() time.Time
}

// Server serves the UI of one run. Handler can be mounted anywhere; Start listens itself.
type Server struct {
	cfg Config
	mux *http.ServeMux

	mu    sync.Mutex
	st    *runState
	heads []farm.Playhead
	clips map[string]*clipView // by clip id
	byCam map[string]*clipView

	ln     net.Listener
	srv    *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New reads the run folder and prepares the UI; Start (or Handler plus Run) serves it.
func New(cfg Config) (*Server, error) {
	if cfg.Playheads != nil {
		cfg.Live = true
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.TimeNow == nil {
		cfg.TimeNow = time.Now
	}
	switch cfg.ThumbDir {
	case "":
		if d, err := os.UserCacheDir(); err == nil {
			cfg.ThumbDir = filepath.Join(d, "trafficsim", "thumbs")
		}
	case "-":
		cfg.ThumbDir = ""
	}
	s := &Server{cfg: cfg, clips: map[string]*clipView{}, byCam: map[string]*clipView{}}
	var run record.Run
	if cfg.Dir != "" {
		b, err := os.ReadFile(filepath.Join(cfg.Dir, record.RunFile))
		switch {
		case errors.Is(err, fs.ErrNotExist) && cfg.Live:
			// a bare farm's record (trafficsim cameras --record): truth and faults only
		case err != nil:
			return nil, fmt.Errorf("web: %s is not a run folder: %w", cfg.Dir, err)
		default:
			if err := json.Unmarshal(b, &run); err != nil {
				return nil, fmt.Errorf("web: %s: %w", record.RunFile, err)
			}
		}
	}
	rc := run.Config()
	if cfg.Window > 0 {
		rc.Window = cfg.Window
	}
	if cfg.Grace > 0 {
		rc.Grace = cfg.Grace
	}
	if rc.Window == 0 {
		rc.Window = results.DefaultWindow
	}
	s.st = newRunState(cfg.Dir, rc)
	s.st.run = run
	if cfg.Dir != "" {
		if err := s.st.read(!cfg.Live); err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		if !cfg.Live {
			s.st.score(time.Now().Add(100 * 365 * 24 * time.Hour))
		}
	}
	if err := s.refreshHeads(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// refreshHeads takes in the cameras (a live farm may add some) and opens their clips.
func (s *Server) refreshHeads() error {
	var ps []farm.Playhead
	if s.cfg.Playheads != nil {
		ps = s.cfg.Playheads()
	} else {
		var err error
		if ps, err = readPlayheads(s.cfg.Dir); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heads = ps
	for _, p := range ps {
		if s.byCam[p.ID] != nil {
			continue
		}
		cv := s.clips[filepath.Base(p.Clip)]
		if cv == nil {
			var err error
			if cv, err = openClip(p.Clip, s.cfg.ThumbDir); err != nil {
				return fmt.Errorf("web: camera %s: %w", p.ID, err)
			}
			s.clips[cv.key] = cv
		}
		s.byCam[p.ID] = cv
	}
	return nil
}

// Handler serves the UI.
func (s *Server) Handler() http.Handler { return s.mux }

// Run follows a live run folder until ctx ends (nothing to do in replay).
func (s *Server) Run(ctx context.Context) {
	if !s.cfg.Live {
		return
	}
	// thumbnails are made ahead, one clip after another, so the wall shows pictures at once
	go func() {
		s.mu.Lock()
		cvs := make([]*clipView, 0, len(s.clips))
		for _, cv := range s.clips {
			cvs = append(cvs, cv)
		}
		s.mu.Unlock()
		for _, cv := range cvs {
			if ctx.Err() != nil {
				return
			}
			if _, err := cv.thumbnails(); err != nil {
				s.cfg.Logf("viz: thumbnails of %s: %v", cv.key, err)
			}
		}
	}()
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.refreshHeads(); err != nil {
			s.cfg.Logf("viz: %v", err)
		}
		if s.cfg.Dir == "" {
			continue
		}
		s.mu.Lock()
		err := s.st.read(false)
		if s.st.run.ID != "" { // a bare farm's truth has no events to be matched against
			s.st.score(s.cfg.TimeNow())
		}
		s.mu.Unlock()
		if err != nil {
			s.cfg.Logf("viz: %v", err)
		}
	}
}

// Start listens on addr (host:port; port 0 picks one) and serves until Close or ctx ends.
func Start(ctx context.Context, addr string, cfg Config) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.ln = ln
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.Run(ctx) }()
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logf("viz: %v", err)
		}
	}()
	return s, nil
}

// URL is the address of a started Server.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Close stops a started Server and waits for it.
func (s *Server) Close() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	err := s.srv.Close()
	s.wg.Wait()
	return err
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	s.mux.Handle("GET /", http.FileServerFS(sub))
	s.mux.HandleFunc("GET /api/run", s.apiRun)
	s.mux.HandleFunc("GET /api/status", s.apiStatus)
	s.mux.HandleFunc("GET /api/timeline", s.apiTimeline)
	s.mux.HandleFunc("GET /api/clip/{clip}/thumb/{k}", s.apiThumb)
	s.mux.HandleFunc("GET /api/clip/{clip}/video.mp4", s.apiVideo)
	s.mux.HandleFunc("GET /api/clip/{clip}/truth.json", s.apiTruth)
	s.mux.HandleFunc("GET /api/evidence/{event}", s.apiEvidence)
	s.mux.HandleFunc("GET /api/crop/{truth}", s.apiCrop)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// at is the wall time a request asks about: ?t=<unix ms>, else now (live) or the run's end.
func (s *Server) at(r *http.Request) (time.Time, error) {
	if v := r.URL.Query().Get("t"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("t %q is not a unix time in milliseconds", v)
		}
		return time.UnixMilli(ms), nil
	}
	if s.cfg.Live || s.st.run.End.IsZero() {
		return s.cfg.TimeNow(), nil
	}
	return s.st.run.End, nil
}

type camInfo struct {
	ID     string  `json:"id"`
	Clip   string  `json:"clip"`
	FPS    float64 `json:"fps"`
	Frames int     `json:"frames"`
	Zero   int64   `json:"zero"` // unix ms of clip frame 0, loop 0
}

type clipInfo struct {
	FPS    float64 `json:"fps"`
	Frames int     `json:"frames"`
	Every  int     `json:"every"` // a thumbnail every this many frames
	Width  int     `json:"width"`
	Height int     `json:"height"`
}

func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := struct {
		ID       string              `json:"id"`
		Scenario string              `json:"scenario"`
		Live     bool                `json:"live"`
		Now      int64               `json:"now"`
		Start    int64               `json:"start,omitempty"`
		End      int64               `json:"end,omitempty"`
		WindowMs float64             `json:"window_ms"`
		Cameras  []camInfo           `json:"cameras"`
		Clips    map[string]clipInfo `json:"clips"`
	}{ID: s.st.run.ID, Scenario: s.st.run.Scenario, Live: s.cfg.Live, Now: s.cfg.TimeNow().UnixMilli(),
		WindowMs: s.st.run.WindowMs, Cameras: []camInfo{}, Clips: map[string]clipInfo{}}
	if out.WindowMs == 0 {
		out.WindowMs = float64(results.DefaultWindow / time.Millisecond)
	}
	if !s.st.run.Start.IsZero() {
		out.Start = s.st.run.Start.UnixMilli()
	}
	if !s.st.run.End.IsZero() {
		out.End = s.st.run.End.UnixMilli()
	}
	for _, p := range s.heads {
		cv := s.byCam[p.ID]
		out.Cameras = append(out.Cameras, camInfo{ID: p.ID, Clip: cv.key, FPS: p.FPS, Frames: p.Frames, Zero: p.Zero.UnixMilli()})
		out.Clips[cv.key] = clipInfo{FPS: cv.lc.Index.FPS, Frames: cv.frames(), Every: cv.every, Width: cv.lc.Meta.Width, Height: cv.lc.Meta.Height}
	}
	writeJSON(w, out)
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) {
	t, err := s.at(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	live := map[string]farm.CameraStats{}
	if s.cfg.Stats != nil {
		for _, cs := range s.cfg.Stats() {
			live[cs.ID] = cs
		}
	}
	s.mu.Lock()
	ids := make([]string, len(s.heads))
	for i, p := range s.heads {
		ids[i] = p.ID
	}
	st := s.st.status(ids, t, live)
	s.mu.Unlock()
	writeJSON(w, struct {
		T       int64       `json:"t"`
		Cameras []camStatus `json:"cameras"`
	}{t.UnixMilli(), st})
}

func (s *Server) apiTimeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	tl := s.st.timeline(r.URL.Query().Get("cam"))
	s.mu.Unlock()
	writeJSON(w, tl)
}

func (s *Server) clip(w http.ResponseWriter, r *http.Request) *clipView {
	s.mu.Lock()
	cv := s.clips[r.PathValue("clip")]
	s.mu.Unlock()
	if cv == nil {
		http.Error(w, fmt.Sprintf("no clip %q in this run", r.PathValue("clip")), http.StatusNotFound)
	}
	return cv
}

// immutable marks responses that never change for their URL (the browser keeps them).
func immutable(w http.ResponseWriter, typ string) {
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
}

func (s *Server) apiThumb(w http.ResponseWriter, r *http.Request) {
	cv := s.clip(w, r)
	if cv == nil {
		return
	}
	k, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("k"), ".jpg"))
	if err != nil || k < 0 {
		http.Error(w, fmt.Sprintf("thumbnail %q is not a number", r.PathValue("k")), http.StatusBadRequest)
		return
	}
	th, err := cv.thumbnails()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if k >= len(th) {
		http.Error(w, fmt.Sprintf("clip %s has %d thumbnails", cv.key, len(th)), http.StatusNotFound)
		return
	}
	immutable(w, "image/jpeg")
	w.Write(th[k])
}

func (s *Server) apiVideo(w http.ResponseWriter, r *http.Request) {
	cv := s.clip(w, r)
	if cv == nil {
		return
	}
	b, codec, err := cv.video()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	immutable(w, "video/mp4")
	w.Header().Set("X-Codec", codec)
	w.Write(b)
}

func (s *Server) apiTruth(w http.ResponseWriter, r *http.Request) {
	cv := s.clip(w, r)
	if cv == nil {
		return
	}
	b, err := cv.truthFrames()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	immutable(w, "application/json")
	w.Write(b)
}

func (s *Server) apiEvidence(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("event")
	s.mu.Lock()
	var jpg []byte
	var ref string
	if i, ok := s.st.eventByID[id]; ok && s.st.events[i].Evidence != nil {
		jpg, ref = s.st.events[i].Evidence.JPEG, s.st.events[i].Evidence.Ref
	}
	s.mu.Unlock()
	if len(jpg) == 0 && ref != "" {
		if path, ok := evidencePath(s.cfg.Dir, ref); ok {
			jpg, _ = os.ReadFile(path)
		}
	}
	if len(jpg) == 0 {
		http.Error(w, fmt.Sprintf("event %q has no evidence picture", id), http.StatusNotFound)
		return
	}
	immutable(w, "image/jpeg")
	w.Write(jpg)
}

func (s *Server) apiCrop(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("truth")
	s.mu.Lock()
	i, ok := s.st.truthByID[id]
	var cv *clipView
	var frame int
	var box wire.Box
	if ok {
		v := s.st.truths[i]
		cv, frame, box = s.byCam[v.Camera], v.Frame, v.Box
	}
	s.mu.Unlock()
	if !ok || cv == nil {
		http.Error(w, fmt.Sprintf("no truth %q on a camera of this run", id), http.StatusNotFound)
		return
	}
	b, err := cv.crop(frame, box)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	immutable(w, "image/jpeg")
	w.Write(b)
}

// evidencePath maps a regional cluster's evidence reference, cluster://<id>/evidence/<camera>/
// <name>.jpg, to the file the cluster of a run keeps in <run>/<id>/evidence/; ok is false for
// other references and for paths that would leave the run folder.
func evidencePath(dir, ref string) (string, bool) {
	rest, ok := strings.CutPrefix(ref, "cluster://")
	if !ok || dir == "" || strings.Contains(rest, "..") || strings.Contains(rest, "\\") {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "evidence" || !strings.HasSuffix(parts[3], ".jpg") {
		return "", false
	}
	return filepath.Join(dir, filepath.FromSlash(rest)), true
}
