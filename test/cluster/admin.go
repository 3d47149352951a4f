package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// adminServer is the loopback-only HTTP endpoint tests use to disturb the
// cluster: restart the API server, compact etcd.
type adminServer struct {
	c   *cluster
	srv *http.Server
	ln  net.Listener
	url string
	mu  sync.Mutex // serialises stop/start/restart requests
}

func startAdmin(c *cluster, port int) (*adminServer, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	a := &adminServer{c: c, ln: ln, url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/status", a.handleStatus)
	mux.HandleFunc("/restart-apiserver", a.post(a.handleRestart))
	mux.HandleFunc("/stop-apiserver", a.post(a.handleStop))
	mux.HandleFunc("/start-apiserver", a.post(a.handleStart))
	mux.HandleFunc("/compact-etcd", a.post(a.handleCompact))
	a.registerOKD(mux)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			klog.ErrorS(err, "admin endpoint stopped")
		}
	}()
	return a, nil
}

func (a *adminServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.srv.Shutdown(ctx)
}

func (a *adminServer) post(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "use POST"})
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusInternalServerError, map[string]any{"ok": false, "error": err.Error()})
}

func msSince(t time.Time) int64 { return time.Since(t).Milliseconds() }

// durationParam reads ?NAME=N (milliseconds).
func durationParam(r *http.Request, name string) time.Duration {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || v < 0 {
		return 0
	}
	return time.Duration(v) * time.Millisecond
}

// graceParam reads ?graceMs=N: how long a stopping API server may drain
// before its remaining connections are closed (default 500).
func graceParam(r *http.Request) time.Duration {
	if r.URL.Query().Get("graceMs") == "" {
		return defaultStopGrace
	}
	return durationParam(r, "graceMs")
}

// GET /status[?gc=1]: API server state and the process's Go runtime figures
// (gc=1 runs a garbage collection and returns freed memory to the OS first).
func (a *adminServer) handleStatus(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("gc") == "1" {
		debug.FreeOSMemory()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := map[string]any{
		"goroutines":       runtime.NumGoroutine(),
		"heapInuseBytes":   ms.HeapInuse,
		"sysBytes":         ms.Sys,
		"ok":               true,
		"apiserverRunning": a.c.api != nil && a.c.api.isRunning(),
		"apiserverStarts":  0,
		"url":              a.c.url,
		"etcd":             a.c.etcd.clientURL,
	}
	if a.c.api != nil {
		st["apiserverStarts"] = a.c.api.startCount()
	}
	for k, v := range a.okd().status() {
		st[k] = v
	}
	writeJSON(w, http.StatusOK, st)
}

// POST /restart-apiserver[?downMs=N][&graceMs=G]: stop the API server,
// optionally stay down N ms, start it again on the same port and wait for /readyz.
func (a *adminServer) handleRestart(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t0 := time.Now()
	if err := a.c.api.stop(graceParam(r), 30*time.Second); err != nil {
		fail(w, err)
		return
	}
	stoppedMs := msSince(t0)
	if d := durationParam(r, "downMs"); d > 0 {
		time.Sleep(d)
	}
	t1 := time.Now()
	if err := a.c.startAPIServerAndWait(r.Context()); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"ok": true, "url": a.c.url, "stoppedMs": stoppedMs, "startedMs": msSince(t1), "totalMs": msSince(t0),
		"starts": a.c.api.startCount(),
	})
}

// POST /stop-apiserver: stop the API server (its port refuses connections)
// until POST /start-apiserver.
func (a *adminServer) handleStop(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t0 := time.Now()
	if err := a.c.api.stop(graceParam(r), 30*time.Second); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "stoppedMs": msSince(t0)})
}

// POST /start-apiserver: start a stopped API server on the same port and wait
// for /readyz. A no-op when it is running.
func (a *adminServer) handleStart(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t0 := time.Now()
	if !a.c.api.isRunning() {
		if err := a.c.startAPIServerAndWait(r.Context()); err != nil {
			fail(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "url": a.c.url, "startedMs": msSince(t0),
		"starts": a.c.api.startCount()})
}

// POST /compact-etcd[?revision=N]: compact etcd at revision N (default: the
// current revision), physically.
func (a *adminServer) handleCompact(w http.ResponseWriter, r *http.Request) {
	var rev int64
	if v := r.URL.Query().Get("revision"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "bad revision"})
			return
		}
		rev = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	got, err := a.c.etcd.compact(ctx, rev)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "revision": got})
}
