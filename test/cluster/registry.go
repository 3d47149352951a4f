package main

// A small client of the OCI distribution API (plain net/http), shared by the
// cluster-version operator (to read release payloads) and the node agent (to
// resolve container images). It speaks the token flow registries use
// (401 + WWW-Authenticate: Bearer realm=…,service=…,scope=… -> GET realm with
// Basic credentials -> Bearer token) and plain Basic auth, and turns the
// registry's JSON errors into the messages CRI-O / containers-image print.

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// The four manifest media types a pull accepts.
const (
	mediaOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaOCIIndex       = "application/vnd.oci.image.index.v1+json"
	mediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

var manifestAccept = strings.Join([]string{mediaOCIManifest, mediaOCIIndex, mediaDockerManifest, mediaDockerList}, ", ")

// imageRef is a parsed pullspec: registry host[:port], repository path and a
// tag and/or digest.
type imageRef struct {
	Registry   string
	Repository string
	Tag        string
	Digest     string
}

// reference is what goes after /manifests/: the digest, else the tag, else latest.
func (r imageRef) reference() string {
	if r.Digest != "" {
		return r.Digest
	}
	if r.Tag != "" {
		return r.Tag
	}
	return "latest"
}

func (r imageRef) name() string { return r.Registry + "/" + r.Repository }

func (r imageRef) String() string {
	s := r.name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	if r.Tag == "" && r.Digest == "" {
		s += ":latest"
	}
	return s
}

// parseImageRef parses a pullspec the way docker/distribution's reference
// package normalises names: a first path component with a '.' or ':' (or
// "localhost") is a registry, otherwise the image is on docker.io (with
// "library/" for one-component names).
func parseImageRef(s string) (imageRef, error) {
	var r imageRef
	orig := s
	if s == "" || strings.ContainsAny(s, " \t\n") || strings.HasPrefix(s, "/") {
		return r, fmt.Errorf("couldn't parse image name %q: invalid reference format", orig)
	}
	if i := strings.Index(s, "@"); i >= 0 {
		r.Digest = s[i+1:]
		s = s[:i]
		if !strings.HasPrefix(r.Digest, "sha256:") || len(r.Digest) != 71 {
			return r, fmt.Errorf("couldn't parse image name %q: invalid reference format", orig)
		}
	}
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s[i+1:], "/") {
		r.Tag = s[i+1:]
		s = s[:i]
		if r.Tag == "" {
			return r, fmt.Errorf("couldn't parse image name %q: invalid reference format", orig)
		}
	}
	parts := strings.SplitN(s, "/", 2)
	if len(parts) == 2 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		r.Registry, r.Repository = parts[0], parts[1]
	} else {
		r.Registry, r.Repository = "docker.io", s
		if !strings.Contains(s, "/") {
			r.Repository = "library/" + s
		}
	}
	if r.Repository == "" || strings.ToLower(r.Repository) != r.Repository || strings.Contains(r.Repository, "//") {
		return r, fmt.Errorf("couldn't parse image name %q: invalid reference format", orig)
	}
	return r, nil
}

// isLoopbackHost reports whether a registry host[:port] is on this machine.
func isLoopbackHost(hostport string) bool {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// credential is one username/password (or identity token) for a registry.
type credential struct {
	Username      string
	Password      string
	IdentityToken string
	// Source says where it came from (for logs), e.g. "secret ns/name".
	Source string
}

// authConfig is one entry of a docker config.json / containers auth.json.
type authConfig struct {
	Auth          string `json:"auth,omitempty"`
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
}

// keyring maps normalised registry keys ("host", "host/path", "*.host") to credentials.
type keyring map[string]credential

// parseDockerConfigJSON reads {"auths":{KEY:{auth|username/password}}}
// (kubernetes.io/dockerconfigjson, containers auth.json, docker config.json).
func parseDockerConfigJSON(b []byte, source string) (keyring, error) {
	var cfg struct {
		Auths map[string]authConfig `json:"auths"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, err
	}
	return keyringFrom(cfg.Auths, source)
}

// parseDockercfg reads the legacy {KEY:{auth}} format (kubernetes.io/dockercfg).
func parseDockercfg(b []byte, source string) (keyring, error) {
	var auths map[string]authConfig
	if err := json.Unmarshal(b, &auths); err != nil {
		return nil, err
	}
	return keyringFrom(auths, source)
}

func keyringFrom(auths map[string]authConfig, source string) (keyring, error) {
	k := keyring{}
	for key, a := range auths {
		c := credential{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, Source: source}
		if a.Auth != "" {
			dec, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("auth of %q is not base64: %w", key, err)
			}
			user, pass, ok := strings.Cut(string(dec), ":")
			if !ok {
				return nil, fmt.Errorf("auth of %q is not user:password", key)
			}
			c.Username, c.Password = user, pass
		}
		if c.Username == "" && c.Password == "" && c.IdentityToken == "" {
			continue
		}
		k[normaliseRegistryKey(key)] = c
	}
	return k, nil
}

// normaliseRegistryKey strips a scheme, trailing slashes and the legacy
// "/v1/" / "/v2/" suffixes from a config key, as the kubelet's keyring does.
func normaliseRegistryKey(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	key = strings.TrimSuffix(key, "/")
	key = strings.TrimSuffix(strings.TrimSuffix(key, "/v1"), "/v2")
	if key == "index.docker.io" || key == "registry-1.docker.io" {
		key = "docker.io"
	}
	return key
}

// lookup returns the credentials whose key matches ref, most specific first
// (host/repo/path prefixes before the bare host; "*.domain" globs last), as
// the kubelet's credential provider keyring orders them.
func (k keyring) lookup(ref imageRef) []credential {
	type match struct {
		score int
		key   string
	}
	var ms []match
	full := ref.Registry + "/" + ref.Repository
	for key := range k {
		switch {
		case key == ref.Registry:
			ms = append(ms, match{len(key), key})
		case strings.HasPrefix(full, key+"/") || key == full:
			ms = append(ms, match{len(key) + 1000, key})
		case strings.HasPrefix(key, "*."):
			host := ref.Registry
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if strings.HasSuffix(host, key[1:]) {
				ms = append(ms, match{0, key})
			}
		}
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].score != ms[j].score {
			return ms[i].score > ms[j].score
		}
		return ms[i].key < ms[j].key
	})
	out := make([]credential, 0, len(ms))
	for _, m := range ms {
		out = append(out, k[m.key])
	}
	return out
}

// registryError is a registry's answer to a failed request, formatted the
// way containers/image (CRI-O) formats it: "<code>: <message>", or just the
// message when it is the code's own text ("manifest unknown").
type registryError struct {
	Status  int
	Code    string
	Message string
	text    string
}

func (e *registryError) Error() string { return e.text }

func newRegistryError(res *http.Response, body []byte) *registryError {
	e := &registryError{Status: res.StatusCode}
	var doc struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &doc) == nil && len(doc.Errors) > 0 {
		e.Code, e.Message = doc.Errors[0].Code, doc.Errors[0].Message
		code := strings.ToLower(strings.ReplaceAll(e.Code, "_", " "))
		switch {
		case e.Message == "" || e.Message == code:
			e.text = code
		default:
			e.text = code + ": " + e.Message
		}
		return e
	}
	switch res.StatusCode {
	case http.StatusUnauthorized:
		e.Code, e.Message, e.text = "UNAUTHORIZED", "authentication required", "unauthorized: authentication required"
	case http.StatusNotFound:
		e.Code, e.Message, e.text = "MANIFEST_UNKNOWN", "manifest unknown", "manifest unknown"
	default:
		s := string(body)
		if len(s) > 50 {
			s = s[:50] + "..."
		}
		e.text = fmt.Sprintf("StatusCode: %d, %q", res.StatusCode, s)
	}
	return e
}

// registryClient talks to registries. Registries listed as insecure are
// spoken to over plain http, all others over https.
type registryClient struct {
	insecure map[string]bool
	http     *http.Client

	pool *x509.CertPool

	mu      sync.Mutex
	aliases map[string]string      // host:port -> the loopback address serving it
	tokens  map[string]cachedToken // host|scope|user -> token
	basic   map[string]bool        // host -> the registry asked for Basic auth
}

type cachedToken struct {
	token   string
	expires time.Time
}

func newRegistryClient(insecure []string, caFiles []string) (*registryClient, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range caFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s: no PEM certificates", f)
		}
	}
	c := &registryClient{
		insecure: map[string]bool{},
		tokens:   map[string]cachedToken{},
		basic:    map[string]bool{},
		aliases:  map[string]string{},
		pool:     pool,
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // loopback registries only; never a proxy
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.mu.Lock()
			to, ok := c.aliases[addr]
			c.mu.Unlock()
			if ok {
				addr = to
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
	c.http = &http.Client{Transport: tr}
	for _, h := range insecure {
		c.insecure[strings.TrimSpace(h)] = true
	}
	return c, nil
}

// alias makes host:port (a cluster-internal name) reach addr on loopback,
// trusting caPEM (when set) for its certificate, as a node resolves and
// trusts the cluster's own registry.
func (c *registryClient) alias(hostport, addr string, caPEM []byte) {
	c.mu.Lock()
	c.aliases[hostport] = addr
	c.mu.Unlock()
	if len(caPEM) > 0 {
		c.pool.AppendCertsFromPEM(caPEM)
	}
}

// reachable reports whether a registry host is on this machine (loopback,
// or an alias of a loopback address).
func (c *registryClient) reachable(hostport string) bool {
	if isLoopbackHost(hostport) {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.aliases[hostport]
	return ok
}

func (c *registryClient) close() { c.http.CloseIdleConnections() }

func (c *registryClient) baseURL(host string) string {
	if c.insecure[host] {
		return "http://" + host
	}
	return "https://" + host
}

// do sends method to /v2/<repo>/<rest> with cred (nil = anonymous), doing the
// Basic or Bearer challenge when the registry answers 401.
func (c *registryClient) do(ctx context.Context, method string, ref imageRef, rest string, accept string, cred *credential) (*http.Response, error) {
	u := c.baseURL(ref.Registry) + "/v2/" + ref.Repository + "/" + rest
	scope := "repository:" + ref.Repository + ":pull"
	user := ""
	if cred != nil {
		// Several credentials share a user name (every ServiceAccount's is "serviceaccount"): the password tells them apart.
		sum := sha256.Sum256([]byte(cred.Password + "\x00" + cred.IdentityToken))
		user = cred.Username + "|" + hex.EncodeToString(sum[:8])
	}
	send := func(auth string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return nil, err
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("User-Agent", "okd-test-cluster")
		return c.http.Do(req)
	}
	// Reuse what we learnt about this registry: a cached token, or Basic.
	tokenKey := ref.Registry + "|" + scope + "|" + user
	auth := ""
	c.mu.Lock()
	if t, ok := c.tokens[tokenKey]; ok && time.Now().Before(t.expires) {
		auth = "Bearer " + t.token
	} else if c.basic[ref.Registry] && cred != nil {
		auth = basicAuth(cred)
	}
	c.mu.Unlock()
	res, err := send(auth)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		return res, err
	}
	challenge := res.Header.Get("WWW-Authenticate")
	scheme, params := parseChallenge(challenge)
	switch strings.ToLower(scheme) {
	case "basic":
		c.mu.Lock()
		c.basic[ref.Registry] = true
		c.mu.Unlock()
		if cred == nil {
			return res, nil
		}
		drain(res)
		return send(basicAuth(cred))
	case "bearer":
		wantScope := scope
		if params["scope"] != "" {
			wantScope = params["scope"]
		}
		tok, err := c.fetchToken(ctx, tokenKey, params["realm"], params["service"], wantScope, cred)
		if err != nil {
			drain(res)
			return nil, err
		}
		drain(res)
		return send("Bearer " + tok)
	}
	return res, nil
}

func basicAuth(c *credential) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password))
}

func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
}

// errUnauthorizedForCredentials is the token endpoint refusing the credentials.
type errUnauthorizedForCredentials struct{ err error }

func (e errUnauthorizedForCredentials) Error() string {
	return "unable to retrieve auth token: invalid username/password: " + e.err.Error()
}

func (c *registryClient) fetchToken(ctx context.Context, key, realm, service, scope string, cred *credential) (string, error) {
	if realm == "" {
		return "", errors.New("bearer challenge without realm")
	}
	q := url.Values{}
	if service != "" {
		q.Set("service", service)
	}
	if scope != "" {
		q.Set("scope", scope)
	}
	sep := "?"
	if strings.Contains(realm, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, realm+sep+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	if cred != nil {
		req.Header.Set("Authorization", basicAuth(cred))
	}
	res, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode == http.StatusUnauthorized {
		return "", errUnauthorizedForCredentials{newRegistryError(res, body)}
	}
	if res.StatusCode != http.StatusOK {
		return "", newRegistryError(res, body)
	}
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return "", fmt.Errorf("token endpoint answered no JSON: %w", err)
	}
	tok := t.Token
	if tok == "" {
		tok = t.AccessToken
	}
	if tok == "" {
		return "", errors.New("token endpoint answered no token")
	}
	exp := time.Duration(t.ExpiresIn) * time.Second
	if exp <= 0 {
		exp = 60 * time.Second
	}
	c.mu.Lock()
	c.tokens[key] = cachedToken{token: tok, expires: time.Now().Add(exp - 5*time.Second)}
	c.mu.Unlock()
	return tok, nil
}

// parseChallenge parses `Bearer realm="…",service="…",scope="…"`.
func parseChallenge(h string) (string, map[string]string) {
	params := map[string]string{}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.HasPrefix(v, `"`) {
			end := strings.Index(v[1:], `"`)
			if end < 0 {
				params[k] = v[1:]
				break
			}
			params[k] = v[1 : end+1]
			rest = v[end+2:]
		} else {
			val, r, _ := strings.Cut(v, ",")
			params[k] = strings.TrimSpace(val)
			rest = r
		}
	}
	return scheme, params
}

// manifestResult is a fetched manifest.
type manifestResult struct {
	MediaType string
	Digest    string
	Body      []byte
}

// getManifest GETs ref's manifest (the four Accept types) with cred.
func (c *registryClient) getManifest(ctx context.Context, ref imageRef, reference string, cred *credential) (*manifestResult, error) {
	res, err := c.do(ctx, http.MethodGet, ref, "manifests/"+reference, manifestAccept, cred)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, newRegistryError(res, body)
	}
	sum := sha256.Sum256(body)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if strings.HasPrefix(reference, "sha256:") && reference != digest {
		return nil, fmt.Errorf("manifest digest %s does not match the requested %s", digest, reference)
	}
	mt := res.Header.Get("Content-Type")
	if i := strings.Index(mt, ";"); i >= 0 {
		mt = mt[:i]
	}
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.MediaType != "" {
		mt = probe.MediaType
	}
	return &manifestResult{MediaType: mt, Digest: digest, Body: body}, nil
}

// getBlob GETs a blob (following redirects); the caller closes the body.
func (c *registryClient) getBlob(ctx context.Context, ref imageRef, digest string, cred *credential) (io.ReadCloser, error) {
	res, err := c.do(ctx, http.MethodGet, ref, "blobs/"+digest, "", cred)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		return nil, newRegistryError(res, body)
	}
	return res.Body, nil
}

// ociDescriptor and friends are the parts of manifests and indexes we read.
type ociDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	Platform  *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant,omitempty"`
	} `json:"platform,omitempty"`
}

type ociManifest struct {
	MediaType string          `json:"mediaType"`
	Config    ociDescriptor   `json:"config"`
	Layers    []ociDescriptor `json:"layers"`
	Manifests []ociDescriptor `json:"manifests"`
}

func isIndex(mt string) bool { return mt == mediaOCIIndex || mt == mediaDockerList }

// resolveImage resolves ref to its image manifest, picking linux/amd64 from
// an index. It returns the top-level digest (what a pull by tag records)
// and the platform manifest.
func (c *registryClient) resolveImage(ctx context.Context, ref imageRef, cred *credential) (topDigest string, m *ociManifest, mDigest string, err error) {
	top, err := c.getManifest(ctx, ref, ref.reference(), cred)
	if err != nil {
		return "", nil, "", err
	}
	var doc ociManifest
	if err := json.Unmarshal(top.Body, &doc); err != nil {
		return "", nil, "", fmt.Errorf("manifest of %s is not JSON: %w", ref, err)
	}
	if !isIndex(top.MediaType) && len(doc.Manifests) == 0 {
		return top.Digest, &doc, top.Digest, nil
	}
	var pick *ociDescriptor
	for i := range doc.Manifests {
		d := &doc.Manifests[i]
		if d.Platform != nil && d.Platform.OS == "linux" && d.Platform.Architecture == "amd64" {
			pick = d
			break
		}
	}
	if pick == nil {
		return "", nil, "", fmt.Errorf("choosing image instance: no image found in image index for architecture amd64, variant \"\", OS linux")
	}
	sub, err := c.getManifest(ctx, ref, pick.Digest, cred)
	if err != nil {
		return "", nil, "", err
	}
	var im ociManifest
	if err := json.Unmarshal(sub.Body, &im); err != nil {
		return "", nil, "", fmt.Errorf("manifest %s is not JSON: %w", pick.Digest, err)
	}
	return top.Digest, &im, sub.Digest, nil
}

// pullError formats a failed image resolution as CRI-O reports it to the
// kubelet (which puts it, unchanged, into the container's waiting message).
func pullError(ref imageRef, spec string, err error) string {
	var re *registryError
	var ue errUnauthorizedForCredentials
	switch {
	case errors.As(err, &ue):
		return fmt.Sprintf("initializing source docker://%s: %s", ref, ue.Error())
	case errors.As(err, &re):
		return fmt.Sprintf("initializing source docker://%s: reading manifest %s in %s: %s", ref, ref.reference(), ref.name(), re.Error())
	default:
		var ne net.Error
		if errors.As(err, &ne) || strings.Contains(err.Error(), "connect:") {
			return fmt.Sprintf("initializing source docker://%s: pinging container registry %s: %v", ref, ref.Registry, err)
		}
		return fmt.Sprintf("initializing source docker://%s: %v", ref, err)
	}
}

// digestPullspec is "<registry>/<repo>@<digest>".
func digestPullspec(ref imageRef, digest string) string {
	return ref.name() + "@" + digest
}

// syntheticDigest stands for the digest of an image that is not looked up
// (non-loopback registries: there is no network here).
func syntheticDigest(spec string) string {
	sum := sha256.Sum256([]byte(spec))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// cleanTarPath normalises a tar entry name ("./a/b" -> "a/b").
func cleanTarPath(name string) string {
	name = strings.TrimPrefix(name, "./")
	name = strings.TrimPrefix(name, "/")
	return path.Clean(name)
}
