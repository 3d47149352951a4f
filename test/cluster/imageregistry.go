package main

// The cluster's own image registry (--image-registry), as OpenShift's
// openshift/image-registry is reached: Debian's docker-registry (CNCF
// distribution) runs as a child process on loopback without auth, and a Go
// HTTPS front does what the OpenShift registry's access controller does:
//
//   - a request without credentials gets 401 with
//     `WWW-Authenticate: Bearer realm="https://HOST/openshift/token"`;
//   - GET /openshift/token takes Basic credentials (any user name, the
//     password is a Kubernetes token), checks the token with the API server
//     and answers it back as the bearer token (no credentials: the token
//     "anonymous"), as pkg/dockerregistry/server/token.go does;
//   - every /v2/ request is checked with the caller's own token: a
//     SelfSubjectReview (the registry's `users/~`) and, per repository
//     NAMESPACE/NAME, a SelfSubjectAccessReview of `get` (pull) or `update`
//     (push) on imagestreams/layers in group image.openshift.io in
//     NAMESPACE; `delete` needs `delete images` cluster-wide (prune). A
//     refusal is what the real registry answers: 401 UNAUTHORIZED
//     "authentication required" with `WWW-Authenticate: Basic
//     realm=openshift,error="access denied"` (it never answers 403); a
//     repository without a namespace is 400. A cross-repository mount whose
//     source may not be pulled becomes a plain upload, as the real registry
//     defers that error.
//
// The front's certificate is signed by the cluster CA and names 127.0.0.1
// (the "default route", published as status.externalRegistryHostnames) and
// image-registry.openshift-image-registry.svc (the internal hostname the
// node agent resolves to the front). See README.md.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/klog/v2"
)

const (
	imageRegistryNS           = "openshift-image-registry"
	imageRegistryService      = "image-registry.openshift-image-registry.svc"
	imageRegistryInternalHost = imageRegistryService + ":5000"
	imageRegistryRealm        = "openshift"
	anonymousRegistryToken    = "anonymous"
)

type imageRegistry struct {
	dir       string
	childAddr string
	child     *exec.Cmd
	childDone chan struct{}
	ln        net.Listener
	srv       *http.Server
	port      int
	apiURL    string
	api       *http.Client
	proxy     *httputil.ReverseProxy
	caPEM     []byte
	stopOnce  sync.Once
}

// externalHost is the "default route": where clients outside the cluster push.
func (r *imageRegistry) externalHost() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// startImageRegistry starts docker-registry and the front. port 0 = a free port.
func startImageRegistry(dataDir string, p pkiFiles, apiURL string, port int) (*imageRegistry, error) {
	dir := filepath.Join(dataDir, "image-registry")
	if err := os.MkdirAll(filepath.Join(dir, "storage"), 0o700); err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(p.CACert)
	if err != nil {
		return nil, err
	}
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if _, err := os.Stat(keyFile); err != nil {
		caCert, caKey, err := readCA(p)
		if err != nil {
			return nil, err
		}
		now := time.Now().Add(-time.Hour)
		if err := issueLeaf(certFile, keyFile, caCert, caKey, pkix.Name{CommonName: imageRegistryService}, x509.ExtKeyUsageServerAuth,
			[]string{imageRegistryService, imageRegistryService + ".cluster.local", "localhost"},
			[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}, now, now.Add(10*365*24*time.Hour)); err != nil {
			return nil, fmt.Errorf("image registry certificate: %w", err)
		}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	r := &imageRegistry{
		dir:    dir,
		apiURL: apiURL,
		caPEM:  caPEM,
		api: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			Proxy:               nil,
			TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 16,
		}},
		childDone: make(chan struct{}),
	}
	if err := r.startChild(); err != nil {
		return nil, err
	}
	target, _ := url.Parse("http://" + r.childAddr)
	r.proxy = httputil.NewSingleHostReverseProxy(target)
	r.proxy.Transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, ResponseHeaderTimeout: 60 * time.Second}
	r.proxy.ErrorLog = nil
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		r.stop()
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		r.stop()
		return nil, fmt.Errorf("image registry front: %w", err)
	}
	r.ln = ln
	r.port = ln.Addr().(*net.TCPAddr).Port
	r.srv = &http.Server{Handler: r, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := r.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "image registry front stopped")
		}
	}()
	klog.InfoS("image registry ready", "route", r.externalHost(), "internal", imageRegistryInternalHost, "backend", r.childAddr)
	return r, nil
}

// startChild runs docker-registry on a free loopback port. It dies with
// this process (SIGKILL on parent death) and inherits the environment.
func (r *imageRegistry) startChild() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.childAddr = l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: %q}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}
http:
  addr: %s
  secret: okd-test-image-registry
`, filepath.Join(r.dir, "storage"), r.childAddr)
	cfgFile := filepath.Join(r.dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		return err
	}
	bin := "docker-registry"
	if p, err := exec.LookPath("docker-registry"); err == nil {
		bin = p
	} else if _, err := os.Stat("/usr/bin/docker-registry"); err == nil {
		bin = "/usr/bin/docker-registry"
	}
	cmd := exec.Command(bin, "serve", cfgFile)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("--image-registry: starting docker-registry (apt-get install docker-registry): %w", err)
	}
	r.child = cmd
	go func() {
		_ = cmd.Wait()
		close(r.childDone)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get("http://" + r.childAddr + "/v2/")
		if err == nil {
			res.Body.Close()
			return nil
		}
		select {
		case <-r.childDone:
			return fmt.Errorf("docker-registry exited at start (see the log above)")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.stop()
			return fmt.Errorf("docker-registry did not answer on %s within 15 s", r.childAddr)
		}
	}
}

func (r *imageRegistry) stop() {
	if r == nil {
		return
	}
	r.stopOnce.Do(func() {
		if r.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = r.srv.Shutdown(ctx)
			cancel()
		}
		if r.child != nil && r.child.Process != nil {
			_ = r.child.Process.Signal(syscall.SIGTERM)
			select {
			case <-r.childDone:
			case <-time.After(3 * time.Second):
				_ = r.child.Process.Kill()
				<-r.childDone
			}
		}
	})
}

func (r *imageRegistry) status() map[string]any {
	return map[string]any{"enabled": true, "route": r.externalHost(), "internal": imageRegistryInternalHost, "backend": r.childAddr}
}

// --- the access controller ---------------------------------------------

// errAccessDenied and errTokenRequired are the challenging errors of the
// OpenShift access controller.
var (
	errTokenRequired = errors.New("authorization header required")
	errTokenInvalid  = errors.New("failed to decode credentials")
	errAccessDenied  = errors.New("access denied")
	errNoNamespace   = errors.New("repository namespace required")
)

type registryAccess struct {
	Type   string `json:"Type"`
	Name   string `json:"Name"`
	Action string `json:"Action"`
}

var repoPath = regexp.MustCompile(`^/v2/(.+?)/(manifests|blobs|tags)(/.*)?$`)

func (r *imageRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.URL.Path == "/openshift/token":
		r.serveToken(w, req)
		return
	case req.URL.Path == "/healthz":
		w.WriteHeader(http.StatusOK)
		return
	case req.URL.Path != "/v2" && !strings.HasPrefix(req.URL.Path, "/v2/"):
		http.NotFound(w, req)
		return
	}
	records, err := accessRecords(req)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	token, err := apiToken(req)
	if err != nil {
		r.challenge(w, req, err, records)
		return
	}
	ctx := req.Context()
	if token != "" {
		if _, err := r.whoAmI(ctx, token); err != nil {
			r.challenge(w, req, err, records)
			return
		}
	}
	for _, a := range records {
		if err := r.authorize(ctx, token, a); err != nil {
			if a.Action == "pull" && req.URL.Query().Get("from") == a.Name {
				// A mount from a repository the caller may not read: upload instead.
				q := req.URL.Query()
				q.Del("mount")
				q.Del("from")
				req.URL.RawQuery = q.Encode()
				continue
			}
			r.challenge(w, req, err, records)
			return
		}
	}
	req.Header.Del("Authorization")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", req.Host)
	r.proxy.ServeHTTP(w, req)
}

// accessRecords are what the request needs, as distribution derives them.
func accessRecords(req *http.Request) ([]registryAccess, error) {
	if req.URL.Path == "/v2" || req.URL.Path == "/v2/" {
		return nil, nil
	}
	if req.URL.Path == "/v2/_catalog" {
		return []registryAccess{{Type: "registry", Name: "catalog", Action: "*"}}, nil
	}
	m := repoPath.FindStringSubmatch(req.URL.Path)
	if m == nil {
		return nil, nil
	}
	name := m[1]
	if !strings.Contains(name, "/") {
		return nil, errNoNamespace
	}
	var out []registryAccess
	switch req.Method {
	case http.MethodGet, http.MethodHead:
		out = append(out, registryAccess{"repository", name, "pull"})
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		out = append(out, registryAccess{"repository", name, "pull"}, registryAccess{"repository", name, "push"})
		if from := req.URL.Query().Get("from"); from != "" && req.URL.Query().Get("mount") != "" && from != name {
			out = append(out, registryAccess{"repository", from, "pull"})
		}
	case http.MethodDelete:
		out = append(out, registryAccess{"repository", name, "delete"})
	}
	return out, nil
}

// apiToken is the caller's Kubernetes token: a Bearer token (ours is the
// token itself; "anonymous" is no token) or a Basic password.
func apiToken(req *http.Request) (string, error) {
	scheme, rest, ok := strings.Cut(req.Header.Get("Authorization"), " ")
	if !ok {
		return "", errTokenRequired
	}
	switch strings.ToLower(scheme) {
	case "bearer":
		if rest == anonymousRegistryToken {
			return "", nil
		}
		return rest, nil
	case "basic":
		_, pass, ok := req.BasicAuth()
		if !ok || pass == "" {
			return "", errTokenInvalid
		}
		return pass, nil
	}
	return "", errTokenRequired
}

// challenge answers as distribution does for an access controller's
// challenge: 401 UNAUTHORIZED with the access records as detail.
func (r *imageRegistry) challenge(w http.ResponseWriter, req *http.Request, err error, records []registryAccess) {
	if errors.Is(err, errTokenRequired) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q", "https://"+req.Host+"/openshift/token"))
	} else {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%s,error=%q", imageRegistryRealm, err.Error()))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.WriteHeader(http.StatusUnauthorized)
	detail := any(records)
	if records == nil {
		detail = nil
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"code": "UNAUTHORIZED", "message": "authentication required", "detail": detail}}})
}

func (r *imageRegistry) serveToken(w http.ResponseWriter, req *http.Request) {
	writeToken := func(t string) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"token": t, "access_token": t})
	}
	if req.Header.Get("Authorization") == "" {
		writeToken(anonymousRegistryToken)
		return
	}
	_, token, ok := req.BasicAuth()
	if !ok || token == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if _, err := r.whoAmI(req.Context(), token); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		if !errors.Is(err, errAccessDenied) {
			_ = json.NewEncoder(w).Encode(map[string]any{"details": "unable to validate token"})
		}
		return
	}
	writeToken(token)
}

// apiPost POSTs body to the API server as the token's user.
func (r *imageRegistry) apiPost(ctx context.Context, token, path string, body any, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.apiURL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "okd-test-cluster/image-registry")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := r.api.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return errAccessDenied
	case res.StatusCode >= 300:
		return fmt.Errorf("%s: %d %s", path, res.StatusCode, strings.TrimSpace(string(data)))
	}
	return json.Unmarshal(data, out)
}

// whoAmI is the registry's users/~: the token's user, or errAccessDenied.
func (r *imageRegistry) whoAmI(ctx context.Context, token string) (string, error) {
	var out struct {
		Status struct {
			UserInfo struct {
				Username string `json:"username"`
			} `json:"userInfo"`
		} `json:"status"`
	}
	err := r.apiPost(ctx, token, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}, &out)
	if err != nil {
		return "", err
	}
	return out.Status.UserInfo.Username, nil
}

// authorize is verifyImageStreamAccess / verifyPruneAccess / verifyCatalogAccess.
func (r *imageRegistry) authorize(ctx context.Context, token string, a registryAccess) error {
	attrs := map[string]any{"group": "image.openshift.io"}
	switch {
	case a.Type == "registry":
		attrs["verb"], attrs["resource"] = "list", "imagestreams"
	case a.Action == "delete":
		attrs["verb"], attrs["resource"] = "delete", "images"
	default:
		ns, name, _ := strings.Cut(a.Name, "/")
		verb := "get"
		if a.Action == "push" {
			verb = "update"
		}
		attrs["verb"], attrs["resource"], attrs["subresource"], attrs["namespace"], attrs["name"] = verb, "imagestreams", "layers", ns, name
	}
	var out struct {
		Status struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
		} `json:"status"`
	}
	err := r.apiPost(ctx, token, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", map[string]any{
		"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
		"spec": map[string]any{"resourceAttributes": attrs},
	}, &out)
	if err != nil {
		return err
	}
	if !out.Status.Allowed {
		klog.V(2).InfoS("image registry: access denied", "repository", a.Name, "action", a.Action, "reason", out.Status.Reason)
		return errAccessDenied
	}
	return nil
}
