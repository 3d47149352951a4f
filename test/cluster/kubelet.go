package main

// The kubelet API of the simulated nodes, as far as `kubectl logs` needs
// it: kube-apiserver proxies pods/log to
// https://<InternalIP>:<kubeletEndpoint.Port>/containerLogs/<ns>/<pod>/<container>
// with its --kubelet-client-certificate; the endpoint requires a client
// certificate of the cluster CA and serves a certificate of that CA for
// 127.0.0.1 (kube-apiserver verifies it with --kubelet-certificate-authority).

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// rfc3339NanoFixed is the kubelet's log timestamp format.
const rfc3339NanoFixed = "2006-01-02T15:04:05.000000000Z07:00"

const maxLogLines = 20000

type logLine struct {
	t    time.Time
	text string
}

// logInstance is the output of one run of a container.
type logInstance struct {
	id     string // the container ID of the run
	mu     sync.Mutex
	lines  []logLine
	closed bool
	notify chan struct{} // closed (and replaced) on every append and on close
	offset int           // lines dropped from the front (maxLogLines)
}

func newLogInstance() *logInstance { return &logInstance{notify: make(chan struct{})} }

func (l *logInstance) append(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{t: time.Now(), text: text})
	if len(l.lines) > maxLogLines {
		drop := len(l.lines) - maxLogLines
		l.lines = append([]logLine(nil), l.lines[drop:]...)
		l.offset += drop
	}
	close(l.notify)
	l.notify = make(chan struct{})
}

func (l *logInstance) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.notify)
		l.notify = make(chan struct{})
	}
}

// since returns the lines from absolute index i on.
func (l *logInstance) since(i int) ([]logLine, int, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := i - l.offset
	if start < 0 {
		start = 0
	}
	if start > len(l.lines) {
		start = len(l.lines)
	}
	out := append([]logLine(nil), l.lines[start:]...)
	return out, l.offset + len(l.lines), l.closed, l.notify
}

func (a *nodeAgent) serveKubelet(n *simNode) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	n.ln = ln
	n.port = ln.Addr().(*net.TCPAddr).Port
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		a.serveLogs(n, w, r)
	})
	n.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{a.cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    a.caPool,
			MinVersion:   tls.VersionTLS12,
		},
		ErrorLog: nil,
	}
	go func() {
		if err := n.srv.ServeTLS(ln, "", ""); err != nil && err != http.ErrServerClosed {
			klog.ErrorS(err, "kubelet endpoint stopped", "node", n.name)
		}
	}()
	return nil
}

// serveLogs is the kubelet's GET /containerLogs/{ns}/{pod}/{container}
// with follow, previous, timestamps, tailLines, limitBytes, sinceSeconds
// and sinceTime.
func (a *nodeAgent) serveLogs(n *simNode, rw http.ResponseWriter, r *http.Request) {
	ns, podName, name := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	q := r.URL.Query()
	flag := func(k string) bool { v := q.Get(k); return v == "true" || v == "1" }
	follow, previous, timestamps := flag("follow"), flag("previous"), flag("timestamps")
	tail := -1
	if v := q.Get("tailLines"); v != "" {
		if t, err := strconv.Atoi(v); err == nil && t >= 0 {
			tail = t
		}
	}
	limit := int64(-1)
	if v := q.Get("limitBytes"); v != "" {
		if l, err := strconv.ParseInt(v, 10, 64); err == nil && l > 0 {
			limit = l
		}
	}
	var since time.Time
	if v := q.Get("sinceSeconds"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s > 0 {
			since = time.Now().Add(-time.Duration(s) * time.Second)
		}
	} else if v := q.Get("sinceTime"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			since = t
		}
	}

	wk := a.workerFor(ns, podName)
	if wk == nil || wk.node != n {
		http.Error(rw, fmt.Sprintf("pod %q does not exist", podName), http.StatusNotFound)
		return
	}
	wk.mu.Lock()
	c := wk.findContainer(name)
	var inst *logInstance
	var errMsg string
	if c == nil {
		errMsg = fmt.Sprintf("container %s is not valid for pod %s", name, podName)
	} else if previous {
		// As the kubelet: the instance of lastState.terminated, which for a
		// container in CrashLoopBackOff is the one that just exited.
		prevID := ""
		if c.phase == phaseTerminated && wk.willRestart(c) && !time.Now().Before(c.finishedAt.Add(terminatedFor)) {
			prevID = c.containerID
		} else if c.last != nil {
			prevID = c.last.ContainerID
		}
		for _, l := range c.logs {
			if prevID != "" && l.id == prevID {
				inst = l
			}
		}
		if inst == nil {
			errMsg = fmt.Sprintf("previous terminated container %q in pod %q not found", name, podName)
		}
	} else if len(c.logs) == 0 {
		reason := "ContainerCreating"
		if c.pullAttempted && c.pullReason != "" {
			reason = c.pullReason
			if !time.Now().Before(c.pullBackoffAt) {
				reason = "ImagePullBackOff"
			}
		} else if len(wk.init) > 0 && !c.init {
			reason = "PodInitializing"
		}
		errMsg = fmt.Sprintf("container %q in pod %q is waiting to start: %s", name, podName, reason)
	} else {
		inst = c.logs[len(c.logs)-1]
	}
	workerDone := wk.done
	wk.mu.Unlock()
	if inst == nil {
		http.Error(rw, errMsg, http.StatusBadRequest)
		return
	}

	rw.Header().Set("Content-Type", "text/plain")
	flusher, _ := rw.(http.Flusher)
	var written int64
	emit := func(lines []logLine) bool {
		var b strings.Builder
		for _, l := range lines {
			if !since.IsZero() && l.t.Before(since) {
				continue
			}
			if timestamps {
				b.WriteString(l.t.UTC().Format(rfc3339NanoFixed))
				b.WriteByte(' ')
			}
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
		s := b.String()
		if limit >= 0 && written+int64(len(s)) > limit {
			s = s[:limit-written]
		}
		if s != "" {
			if _, err := rw.Write([]byte(s)); err != nil {
				return false
			}
			written += int64(len(s))
			if flusher != nil {
				flusher.Flush()
			}
		}
		return limit < 0 || written < limit
	}
	lines, next, closed, notify := inst.since(0)
	if tail >= 0 && len(lines) > tail {
		lines = lines[len(lines)-tail:]
	}
	rw.WriteHeader(http.StatusOK)
	if !emit(lines) || !follow {
		return
	}
	for !closed {
		select {
		case <-r.Context().Done():
			return
		case <-workerDone:
			return
		case <-notify:
		}
		lines, next, closed, notify = inst.since(next)
		if !emit(lines) {
			return
		}
	}
}
