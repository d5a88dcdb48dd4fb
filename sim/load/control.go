package load

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// The control API (what other load tools drive, e.g. k6 with xk6-traffic):
//
//	GET   /v1/status              {elapsed, paused, cameras, readers, scenarios:{name:{cameras, online, leases, readers}}}
//	PATCH /v1/status              {"paused": true|false, "cameras": N, "scenario": "name"}
//	                              cameras fixes a scenario's count (negative: back to its stages)
//	PUT   /v1/cameras/{id}?ttl=3s a lease: the camera stays online while renewed (max 5m)
//	DELETE /v1/cameras/{id}       ends a lease
//	GET   /v1/metrics             the totals so far: {metric: {type, values}}
//
// Every request carries `Authorization: Bearer <token>`.

// Status is the body of GET /v1/status.
type Status struct {
	Elapsed   string                  `json:"elapsed"`
	Paused    bool                    `json:"paused"`
	Cameras   int                     `json:"cameras"`
	Readers   int                     `json:"readers,omitempty"` // probe readers running
	Scenarios map[string]ScenarioView `json:"scenarios"`
}

// ScenarioView is one scenario in Status.
type ScenarioView struct {
	Executor string   `json:"executor"`
	Cameras  int      `json:"cameras"`
	Online   []string `json:"online"`
	Leases   int      `json:"leases"`
	Readers  int      `json:"readers,omitempty"` // reader scenarios
	Fixed    *int     `json:"fixed,omitempty"`   // set by PATCH
}

// StatusPatch is the body of PATCH /v1/status.
type StatusPatch struct {
	Paused   *bool  `json:"paused,omitempty"`
	Cameras  *int   `json:"cameras,omitempty"`
	Scenario string `json:"scenario,omitempty"` // [the first camera scenario]
	Abort    string `json:"abort,omitempty"`    // stop the run now, for this reason (shards too)
}

// MaxLease is the longest lease a PUT may ask for.
const MaxLease = 5 * time.Minute

func (r *runner) serveControl() (net.Listener, error) {
	addr := r.cfg.Control
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("load: control API: %w", err)
	}
	srv := &http.Server{Handler: r.controlHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return ln, nil
}

func (r *runner) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, r.status()) })
	mux.HandleFunc("PATCH /v1/status", func(w http.ResponseWriter, req *http.Request) {
		var p StatusPatch
		dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			httpError(w, http.StatusBadRequest, "body: "+err.Error())
			return
		}
		if err := r.patch(p); err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, r.status())
	})
	mux.HandleFunc("PUT /v1/cameras/{id}", func(w http.ResponseWriter, req *http.Request) {
		ttl := 3 * time.Second
		if s := req.URL.Query().Get("ttl"); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 || d > MaxLease {
				httpError(w, http.StatusBadRequest, fmt.Sprintf("ttl %q: want a duration within 0-%v, e.g. 3s", s, MaxLease))
				return
			}
			ttl = d
		}
		id := req.PathValue("id")
		sc, err := r.leaseScenario(req.URL.Query().Get("scenario"))
		if err == nil {
			err = r.lease(sc, id, ttl)
		}
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"camera": id, "ttl": ttl.String(), "until": r.now().Add(ttl).UTC()})
	})
	mux.HandleFunc("DELETE /v1/cameras/{id}", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		for _, sc := range r.scens {
			delete(sc.leases, req.PathValue("id"))
		}
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/shards", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, r.shardsView()) })
	mux.HandleFunc("GET /v1/metrics", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, r.metricsView()) })
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got, _ := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(r.cfg.ControlToken)) != 1 {
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		mux.ServeHTTP(w, req)
	})
}

func (r *runner) status() Status {
	st := Status{Elapsed: r.elapsed(r.now()).Round(time.Millisecond).String(), Scenarios: map[string]ScenarioView{}}
	r.mu.Lock()
	st.Paused = r.paused
	leases := map[string]int{}
	fixed := map[string]*int{}
	for _, sc := range r.scens {
		leases[sc.s.Name] = len(sc.leases)
		if sc.overridden {
			n := sc.override
			fixed[sc.s.Name] = &n
		}
	}
	r.mu.Unlock()
	for _, sc := range r.scens {
		ids := sc.ids()
		st.Cameras += len(ids)
		st.Scenarios[sc.s.Name] = ScenarioView{Executor: sc.s.Executor, Cameras: len(ids), Online: ids, Leases: leases[sc.s.Name], Fixed: fixed[sc.s.Name]}
	}
	for _, rs := range r.readers {
		n := rs.swarm.Readers()
		st.Readers += n
		st.Scenarios[rs.s.Name] = ScenarioView{Executor: rs.s.Executor, Readers: n}
	}
	return st
}

func (r *runner) patch(p StatusPatch) error {
	var sc *scen
	if p.Cameras != nil {
		var err error
		if sc, err = r.leaseScenario(p.Scenario); err != nil {
			return err
		}
		if *p.Cameras > sc.s.maxCameras() {
			return fmt.Errorf("cameras %d: the scenario %s takes at most %d (maxCameras)", *p.Cameras, sc.s.Name, sc.s.maxCameras())
		}
	}
	if err := r.patchAbort(p); err != nil {
		return err
	}
	r.mu.Lock()
	if p.Paused != nil && *p.Paused != r.paused {
		now := r.now()
		if *p.Paused {
			r.pausedAt = now
		} else {
			r.pausedFor += now.Sub(r.pausedAt)
		}
		r.paused = *p.Paused
	}
	if sc != nil {
		sc.override, sc.overridden = *p.Cameras, *p.Cameras >= 0
	}
	r.mu.Unlock()
	return nil
}

// leaseScenario finds a scenario by name, or the first camera scenario.
func (r *runner) leaseScenario(name string) (*scen, error) {
	for _, sc := range r.scens {
		if name == "" || sc.s.Name == name {
			return sc, nil
		}
	}
	return nil, fmt.Errorf("no camera scenario %q", name)
}

func (r *runner) lease(sc *scen, id string, ttl time.Duration) error {
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("camera id %q: only letters, digits, '-', '_' and '.' are allowed", id)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if sc.leases == nil {
		sc.leases = map[string]time.Time{}
	}
	if _, ok := sc.leases[id]; !ok && len(sc.leases) >= sc.s.maxCameras() {
		return errors.New("too many leased cameras (maxCameras)")
	}
	sc.leases[id] = r.now().Add(ttl)
	return nil
}

// metricsView is GET /v1/metrics: the totals the loop published at its last tick.
func (r *runner) metricsView() map[string]MetricSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.published
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
