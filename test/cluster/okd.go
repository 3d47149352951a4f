package main

// What OKD adds to the control plane, as clients of the API server (admin
// kubeconfig over HTTPS), started once the control plane is ready:
// the ClusterVersion/ClusterOperator CRDs and the OKD namespaces
// (--crd-dir), a cluster-version operator (--cvo-release-image) and a node
// agent standing in for the kubelet (--nodes). See README.md.

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/version"
	"k8s.io/klog/v2"
)

var gvrCRD = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// okdNamespaces are created with the CRDs.
var okdNamespaces = []string{"openshift-config", "openshift-config-managed", "openshift-cluster-version"}

type okdFlags struct {
	crdDir           string
	releaseImage     string
	insecureRegistry []string
	registryAuthFile string
	registryCAFiles  []string
	cvoResync        time.Duration
	cvoProfile       string
	cvoReportCOs     bool
	channel          string
	clusterID        string
	nodes            int // -1: default (1 with --crd-dir, else 0)
	readyDelay       time.Duration
	nodeBackoff      time.Duration
	imageRegistry    bool
	imageRegPort     int
	imageRegRoute    bool
}

type okdParts struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	rc     *registryClient
	cvo    *cvo
	agent  *nodeAgent
	crds   []string
	reg    *imageRegistry
}

func (f *okdFlags) nodeCount() int {
	if f.nodes >= 0 {
		return f.nodes
	}
	if f.crdDir != "" {
		return 1
	}
	return 0
}

func (f *okdFlags) validate() error {
	if f.releaseImage != "" && f.crdDir == "" {
		return fmt.Errorf("--cvo-release-image needs --crd-dir (the ClusterVersion and ClusterOperator CRDs)")
	}
	if f.readyDelay < 0 || f.nodeBackoff <= 0 || f.cvoResync <= 0 {
		return fmt.Errorf("--ready-delay must be >= 0, --node-backoff and --cvo-resync > 0")
	}
	return nil
}

// okdClientConfig is the admin kubeconfig's client config for the OKD parts.
func (c *cluster) okdClientConfig(agent string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.f.kubeconfigOut)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = agent
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg, nil
}

// okdPrep is the first half of the OKD start: clients, and the objects a
// real cluster has before its operators run. It runs while kube-apiserver
// finishes starting and the controller manager and the scheduler start (the
// first request for ClusterVersions makes the API server build the CRD's
// handler, schema and CEL validators: 1-2 s).
type okdPrep struct {
	reg   *imageRegistry
	kube  kubernetes.Interface
	dyn   dynamic.Interface
	rc    *registryClient
	crds  []string
	took  time.Duration
	nodes int
}

// prepareOKD creates the CRDs (waiting until Established), the OKD
// namespaces, the ClusterVersion and the global pull secret. It returns nil
// when no OKD part is on.
func (c *cluster) prepareOKD(deadline context.Context) (*okdPrep, error) {
	f := c.f.okd
	nodes := f.nodeCount()
	if f.crdDir == "" && nodes == 0 && !f.imageRegistry {
		return nil, nil
	}
	t0 := time.Now()
	cfg, err := c.okdClientConfig("okd-test-cluster/okd")
	if err != nil {
		return nil, err
	}
	p := &okdPrep{nodes: nodes}
	if p.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if p.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if f.crdDir != "" {
		byName, names, err := loadCRDs(f.crdDir)
		if err != nil {
			return nil, err
		}
		if err := retryTransient(deadline, "CRDs", func() error { return applyCRDs(deadline, p.dyn, byName, names) }); err != nil {
			return nil, err
		}
		p.crds = names
		for _, ns := range okdNamespaces {
			if err := retryTransient(deadline, "namespace", func() error { return ensureNamespace(deadline, p.kube, ns) }); err != nil {
				return nil, err
			}
		}
		if err := retryTransient(deadline, "ClusterVersion", func() error { return ensureClusterVersion(deadline, p.dyn, f) }); err != nil {
			return nil, err
		}
	}
	if nodes > 0 {
		if err := retryTransient(deadline, "namespace", func() error { return ensureNamespace(deadline, p.kube, globalPullSecretNS) }); err != nil {
			return nil, err
		}
		if err := retryTransient(deadline, "pull secret", func() error { return ensureGlobalPullSecret(deadline, p.kube) }); err != nil {
			return nil, err
		}
	}
	if p.rc, err = newRegistryClient(f.insecureRegistry, f.registryCAFiles); err != nil {
		return nil, err
	}
	if f.imageRegistry {
		if p.reg, err = startImageRegistry(c.dataDir, c.pki, c.url, f.imageRegPort); err != nil {
			return nil, err
		}
		if err := prepareImageRegistryObjects(deadline, p.kube, p.dyn, p.reg, f.imageRegRoute); err != nil {
			p.reg.stop()
			return nil, fmt.Errorf("image registry: %w", err)
		}
		// The nodes reach the internal hostname at the front and trust its CA.
		p.rc.alias(imageRegistryInternalHost, p.reg.externalHost(), p.reg.caPEM)
		p.rc.alias(imageRegistryService+".cluster.local:5000", p.reg.externalHost(), nil)
	}
	p.took = time.Since(t0)
	return p, nil
}

// startOKD registers the nodes and starts the node agent and the CVO. It
// returns once the nodes are Ready and the CVO has made its first attempt
// to load the initial payload (ClusterVersion status is filled when that
// succeeded).
func (c *cluster) startOKD(ctx, deadline context.Context, prep *okdPrep) (*okdParts, error) {
	if prep == nil {
		return nil, nil
	}
	f := c.f.okd
	kube, dyn, rc, nodes := prep.kube, prep.dyn, prep.rc, prep.nodes
	octx, cancel := context.WithCancel(ctx)
	parts := &okdParts{cancel: cancel, rc: rc, crds: prep.crds, reg: prep.reg}
	fail := func(err error) (*okdParts, error) {
		parts.stop()
		return nil, err
	}
	t0 := time.Now()
	steps := []any{"objects", prep.took.Round(time.Millisecond).String()}
	step := func(name string) { steps = append(steps, name, time.Since(t0).Round(time.Millisecond).String()) }
	defer func() { klog.InfoS("OKD parts started", steps...) }()
	if nodes > 0 {
		npki := newNodePKI(c.pki)
		agent, err := newNodeAgent(kube, rc, c.pki, npki, nodeAgentOptions{nodes: nodes, readyDelay: f.readyDelay,
			backoff: f.nodeBackoff, version: version.Get().GitVersion})
		if err != nil {
			return fail(err)
		}
		parts.agent = agent
		if err := agent.start(octx); err != nil {
			return fail(err)
		}
		step("nodes")
	}
	if parts.reg != nil {
		parts.wg.Add(1)
		go func() {
			defer parts.wg.Done()
			runImageRegistryController(octx, kube, dyn, parts.reg)
		}()
	}
	if f.releaseImage != "" {
		clusterID := f.clusterID
		if cv, err := dyn.Resource(gvrClusterVersion).Get(deadline, cvName, metav1.GetOptions{}); err == nil {
			if id, _, _ := unstructured.NestedString(cv.Object, "spec", "clusterID"); id != "" {
				clusterID = id
			}
		}
		o := newCVO(kube, dyn, rc, cvoOptions{
			initialImage:    f.releaseImage,
			profile:         f.cvoProfile,
			resync:          f.cvoResync,
			authFile:        f.registryAuthFile,
			reportOperators: f.cvoReportCOs,
			waitRollouts:    nodes > 0,
			channel:         f.channel,
			clusterID:       clusterID,
		})
		parts.cvo = o
		parts.wg.Add(1)
		go func() {
			defer parts.wg.Done()
			o.run(octx)
		}()
		select {
		case <-o.initialDone:
			step("cvo-first-sync")
		case <-deadline.Done():
			return fail(fmt.Errorf("cluster-version operator: no first sync: %w", deadline.Err()))
		}
	}
	return parts, nil
}

// stop ends the CVO and the node agent (before the API server stops).
func (p *okdParts) stop() {
	if p == nil {
		return
	}
	p.cancel()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		klog.InfoS("cluster-version operator did not stop in time")
	}
	if p.agent != nil {
		p.agent.stop()
	}
	p.reg.stop()
	p.rc.close()
}

func (p *okdParts) status() map[string]any {
	out := map[string]any{}
	if p == nil {
		out["cvo"] = map[string]any{"enabled": false}
		out["nodes"] = map[string]any{"count": 0}
		return out
	}
	if p.cvo != nil {
		out["cvo"] = p.cvo.status()
	} else {
		out["cvo"] = map[string]any{"enabled": false}
	}
	if p.agent != nil {
		out["nodes"] = p.agent.status()
	} else {
		out["nodes"] = map[string]any{"count": 0}
	}
	if len(p.crds) > 0 {
		out["crds"] = p.crds
	}
	if p.reg != nil {
		out["imageRegistry"] = p.reg.status()
	}
	return out
}

// loadCRDs reads the CustomResourceDefinitions in dir's *.yaml / *.yml /
// *.json files. Files holding other kinds are ignored; of several CRDs with
// one name, the one whose release.openshift.io/feature-set lists Default
// (or has none) wins, as the CVO would pick it.
func loadCRDs(dir string) (map[string]*payloadManifest, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("--crd-dir: %w", err)
	}
	var all []*payloadManifest
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".json")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, nil, err
		}
		objs, err := decodeObjects(b)
		if err != nil {
			klog.V(2).InfoS("--crd-dir: skipping a file that does not parse", "file", n, "err", err)
			continue
		}
		for i, o := range objs {
			if o.GetKind() == "CustomResourceDefinition" && o.GroupVersionKind().Group == "apiextensions.k8s.io" {
				all = append(all, &payloadManifest{File: n, Index: i, Obj: o, GVK: o.GroupVersionKind(), RunLevel: -1})
			}
		}
	}
	kept, _ := filterManifests(all, "self-managed-high-availability")
	byName := map[string]*payloadManifest{}
	for _, m := range kept {
		if _, dup := byName[m.Obj.GetName()]; !dup {
			byName[m.Obj.GetName()] = m
		}
	}
	if len(byName) == 0 {
		return nil, nil, fmt.Errorf("--crd-dir %s: no CustomResourceDefinition found", dir)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return byName, names, nil
}

// applyCRDs creates (or brings up to date) the CRDs and waits until they
// are Established.
func applyCRDs(ctx context.Context, dyn dynamic.Interface, byName map[string]*payloadManifest, names []string) error {
	ri := dyn.Resource(gvrCRD)
	for _, n := range names {
		m := byName[n]
		obj := m.Obj.DeepCopy()
		unstructured.RemoveNestedField(obj.Object, "status")
		_, err := ri.Create(ctx, obj, metav1.CreateOptions{FieldManager: cvoFieldManager})
		if apierrors.IsAlreadyExists(err) {
			live, gerr := ri.Get(ctx, n, metav1.GetOptions{})
			if gerr != nil {
				return gerr
			}
			if merged, changed := mergeForApply(live, m.Obj); changed {
				_, err = ri.Update(ctx, merged, metav1.UpdateOptions{FieldManager: cvoFieldManager})
			} else {
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("CRD %s (%s): %w", n, m.File, err)
		}
	}
	for _, n := range names {
		for {
			live, err := ri.Get(ctx, n, metav1.GetOptions{})
			if err == nil {
				if s, _, _ := condStatus(live, "Established"); s == "True" {
					break
				}
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CRD %s not Established: %w", n, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	klog.InfoS("OKD CRDs established", "crds", names)
	return nil
}

// retryTransient retries fn while it fails with something other than a
// permanent API error: prepareOKD starts while kube-apiserver is still
// coming up (before /readyz), so early requests may be refused.
func retryTransient(ctx context.Context, what string, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			return err
		}
		klog.V(2).InfoS("okd: retrying", "step", what, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func ensureNamespace(ctx context.Context, kube kubernetes.Interface, name string) error {
	_, err := kube.CoreV1().Namespaces().Create(ctx, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	return nil
}

// ensureGlobalPullSecret creates openshift-config/pull-secret with no
// credentials ({"auths":{}}) unless it exists.
func ensureGlobalPullSecret(ctx context.Context, kube kubernetes.Interface) error {
	s := &v1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: globalPullSecretName, Namespace: globalPullSecretNS},
		Type:       v1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{v1.DockerConfigJsonKey: []byte(`{"auths":{}}`)},
	}
	_, err := kube.CoreV1().Secrets(globalPullSecretNS).Create(ctx, s, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("global pull secret: %w", err)
	}
	return nil
}

// ensureClusterVersion creates the ClusterVersion `version` (spec.clusterID,
// spec.channel) unless it exists.
func ensureClusterVersion(ctx context.Context, dyn dynamic.Interface, f okdFlags) error {
	id := f.clusterID
	if id == "" {
		id = newUUID()
	}
	_, err := dyn.Resource(gvrClusterVersion).Create(ctx, defaultClusterVersion(id, f.channel), metav1.CreateOptions{FieldManager: cvoFieldManager})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("ClusterVersion %s: %w", cvName, err)
	}
	return nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// --- admin endpoints -----------------------------------------------------

func (a *adminServer) registerOKD(mux *http.ServeMux) {
	mux.HandleFunc("/node", a.handleNode)
	mux.HandleFunc("/node/fail-image", a.handleHook("fail-image"))
	mux.HandleFunc("/node/crash", a.handleHook("crash"))
	mux.HandleFunc("/node/fail-init", a.handleHook("fail-init"))
	mux.HandleFunc("/node/log", a.post(a.handleNodeLog))
	mux.HandleFunc("/cvo/sync", a.post(a.handleCVOSync))
}

func (a *adminServer) okd() *okdParts {
	a.c.okdMu.Lock()
	defer a.c.okdMu.Unlock()
	return a.c.okd
}

func (a *adminServer) agent(w http.ResponseWriter) *nodeAgent {
	p := a.okd()
	if p == nil || p.agent == nil {
		writeJSON(w, 409, map[string]any{"ok": false, "error": "no node agent (start with --nodes N)"})
		return nil
	}
	return p.agent
}

// GET /node: the nodes, their kubelet ports, the pods they run and the hooks.
func (a *adminServer) handleNode(w http.ResponseWriter, r *http.Request) {
	ag := a.agent(w)
	if ag == nil {
		return
	}
	s := ag.status()
	s["ok"] = true
	writeJSON(w, 200, s)
}

// POST|DELETE /node/{fail-image,crash,fail-init}?image=PULLSPEC[&reason=R&message=M]
func (a *adminServer) handleHook(kind string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		ag := a.agent(w)
		if ag == nil {
			return
		}
		image := r.URL.Query().Get("image")
		h := ag.hooks
		switch r.Method {
		case "POST":
			if image == "" {
				writeJSON(w, 400, map[string]any{"ok": false, "error": "image is required"})
				return
			}
			h.mu.Lock()
			switch kind {
			case "fail-image":
				f := pullFailure{Reason: r.URL.Query().Get("reason"), Message: r.URL.Query().Get("message")}
				if f.Reason == "" {
					f.Reason = "ErrImagePull"
				}
				if f.Message == "" {
					msg := "manifest unknown"
					if ref, err := parseImageRef(image); err == nil {
						msg = fmt.Sprintf("initializing source docker://%s: reading manifest %s in %s: manifest unknown", ref, ref.reference(), ref.name())
					}
					f.Message = msg
				}
				h.failImage[image] = f
			case "crash":
				h.crash[image] = true
			case "fail-init":
				h.failInit[image] = true
			}
			h.mu.Unlock()
		case "DELETE":
			h.mu.Lock()
			switch kind {
			case "fail-image":
				if image == "" {
					h.failImage = map[string]pullFailure{}
				} else {
					delete(h.failImage, image)
				}
			case "crash":
				if image == "" {
					h.crash = map[string]bool{}
				} else {
					delete(h.crash, image)
				}
			case "fail-init":
				if image == "" {
					h.failInit = map[string]bool{}
				} else {
					delete(h.failInit, image)
				}
			}
			h.mu.Unlock()
		default:
			w.Header().Set("Allow", "POST, DELETE")
			writeJSON(w, 405, map[string]any{"ok": false, "error": "use POST or DELETE"})
			return
		}
		ag.kickAll()
		writeJSON(w, 200, map[string]any{"ok": true, "hooks": h.snapshot()})
	}
}

// POST /node/log?namespace=NS&pod=POD&container=C with a body of lines: appends
// them to the container's current log (followers get them at once).
func (a *adminServer) handleNodeLog(w http.ResponseWriter, r *http.Request) {
	ag := a.agent(w)
	if ag == nil {
		return
	}
	q := r.URL.Query()
	ns, pod, name := q.Get("namespace"), q.Get("pod"), q.Get("container")
	if ns == "" {
		ns = "default"
	}
	wk := ag.workerFor(ns, pod)
	if wk == nil {
		writeJSON(w, 404, map[string]any{"ok": false, "error": fmt.Sprintf("pod %s/%s is not on a node of the agent", ns, pod)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeJSON(w, 400, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	wk.mu.Lock()
	c := (*ctr)(nil)
	if name == "" && len(wk.ctrs) > 0 {
		c = wk.ctrs[0]
	} else {
		c = wk.findContainer(name)
	}
	var inst *logInstance
	if c != nil && len(c.logs) > 0 {
		inst = c.logs[len(c.logs)-1]
	}
	wk.mu.Unlock()
	if c == nil {
		writeJSON(w, 404, map[string]any{"ok": false, "error": fmt.Sprintf("pod %s/%s has no container %q", ns, pod, name)})
		return
	}
	if inst == nil {
		writeJSON(w, 409, map[string]any{"ok": false, "error": fmt.Sprintf("container %q of pod %s/%s has not started", c.spec.Name, ns, pod)})
		return
	}
	text := strings.TrimSuffix(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	n := 0
	if text != "" {
		for _, line := range strings.Split(text, "\n") {
			inst.append(line)
			n++
		}
	}
	writeJSON(w, 200, map[string]any{"ok": true, "lines": n, "container": c.spec.Name})
}

// POST /cvo/sync[?timeoutMs=N]: run a CVO sync pass now and answer when it is done.
func (a *adminServer) handleCVOSync(w http.ResponseWriter, r *http.Request) {
	p := a.okd()
	if p == nil || p.cvo == nil {
		writeJSON(w, 409, map[string]any{"ok": false, "error": "no cluster-version operator (start with --cvo-release-image)"})
		return
	}
	timeout := durationParam(r, "timeoutMs")
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	select {
	case <-p.cvo.requestSync():
		writeJSON(w, 200, map[string]any{"ok": true, "cvo": p.cvo.status()})
	case <-time.After(timeout):
		writeJSON(w, 504, map[string]any{"ok": false, "error": "no sync finished in time", "cvo": p.cvo.status()})
	case <-r.Context().Done():
	}
}

// okdReadyFields are the ready line's additions.
func okdReadyFields(p *okdParts) (bool, int) {
	if p == nil {
		return false, 0
	}
	n := 0
	if p.agent != nil {
		n = len(p.agent.nodes)
	}
	return p.cvo != nil, n
}
