package main

// A cluster-version operator: a client of the API server (admin
// kubeconfig) that loads the release payload named by the ClusterVersion
// `version` (status.desired, then spec.desiredUpdate), applies its manifests
// in the CVO's order, reverts drift on what it owns, honours overrides and
// the create-only/delete annotations, and reports ClusterVersion status the
// way pkg/cvo/status.go does. It is edge-triggered by informers on the
// ClusterVersion and on every object it manages, and level-driven by a
// resync timer. Informers re-list after an API server restart or a 410, so
// it survives POST /restart-apiserver.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

var (
	gvrClusterVersion  = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}
	gvrClusterOperator = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusteroperators"}
)

const (
	cvName           = "version"
	cvoFieldManager  = "cluster-version-operator"
	maxHistory       = 100
	overridesMessage = "Disabling ownership via cluster version overrides prevents upgrades. Please remove overrides before continuing."
)

// knownCapabilities are the capabilities of an OKD 4.19 cluster
// (status.capabilities of a real okd-scos cluster, fixture
// oc-examples-4.19.0-okd-scos.16-cv.yaml); all are enabled here.
var knownCapabilities = []string{"Build", "CSISnapshot", "CloudControllerManager", "CloudCredential", "Console",
	"DeploymentConfig", "ImageRegistry", "Ingress", "Insights", "MachineAPI", "NodeTuning", "OperatorLifecycleManager",
	"OperatorLifecycleManagerV1", "Storage", "baremetal", "marketplace", "openshift-samples"}

type cvoOptions struct {
	initialImage    string
	profile         string
	resync          time.Duration
	authFile        string
	reportOperators bool
	waitRollouts    bool
	channel         string
	clusterID       string
}

// updateError is a failure with a reason, like the CVO's payload.UpdateError.
type updateError struct {
	reason  string
	message string
	summary string // for "Unable to apply <v>: <summary>"
}

func (e *updateError) Error() string { return e.message }

// loadStatus is the outcome of the last payload load (ReleaseAccepted).
type loadStatus struct {
	step          string // PayloadLoaded, RetrievePayload, VerifyPayloadVersion, PreconditionChecks
	message       string
	acceptedRisks string
	failure       bool
	image         string
	version       string
	force         bool
	at            time.Time
}

type cvo struct {
	opts    cvoOptions
	dyn     dynamic.Interface
	kube    kubernetes.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	rc      *registryClient
	factory dynamicinformer.DynamicSharedInformerFactory
	cvInf   cache.SharedIndexInformer
	kick    chan struct{}

	infMu     sync.Mutex
	informers map[schema.GroupVersionResource]cache.SharedIndexInformer
	managed   map[string]bool // gvr|ns|name of the current payload's objects

	mu          sync.Mutex // guards the fields below (read by the admin endpoint)
	current     *releasePayload
	load        loadStatus
	completed   bool // the current payload has been fully applied once
	syncs       int
	lastError   string
	lastSync    time.Time
	applied     int
	total       int
	waiting     []string
	waiters     []chan struct{}
	initialDone chan struct{}
	initialOnce sync.Once
	updated     map[string]int // object -> consecutive syncs that wrote it (loop detector)
}

func newCVO(kube kubernetes.Interface, dyn dynamic.Interface, rc *registryClient, opts cvoOptions) *cvo {
	o := &cvo{
		opts:        opts,
		dyn:         dyn,
		kube:        kube,
		rc:          rc,
		mapper:      restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(kube.Discovery())),
		factory:     dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0),
		kick:        make(chan struct{}, 1),
		informers:   map[schema.GroupVersionResource]cache.SharedIndexInformer{},
		managed:     map[string]bool{},
		initialDone: make(chan struct{}),
		updated:     map[string]int{},
	}
	o.cvInf = o.factory.ForResource(gvrClusterVersion).Informer()
	_, _ = o.cvInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { o.trigger() },
		UpdateFunc: func(any, any) { o.trigger() },
		DeleteFunc: func(any) { o.trigger() },
	})
	o.informers[gvrClusterVersion] = o.cvInf
	return o
}

func (o *cvo) trigger() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// requestSync returns a channel closed when a sync that starts after this
// call has finished.
func (o *cvo) requestSync() <-chan struct{} {
	ch := make(chan struct{})
	o.mu.Lock()
	o.waiters = append(o.waiters, ch)
	o.mu.Unlock()
	o.trigger()
	return ch
}

// run is the sync loop; it returns when ctx is cancelled.
func (o *cvo) run(ctx context.Context) {
	o.factory.Start(ctx.Done())
	resync := o.opts.resync
	if resync <= 0 {
		resync = 15 * time.Second
	}
	next := time.NewTimer(0)
	defer next.Stop()
	consecutiveErrors := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.kick:
		case <-next.C:
		}
		// Collect a burst of events into one pass.
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
		select {
		case <-o.kick:
		default:
		}
		err := o.syncOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		// The CVO's backoff: errors retry at resync/16, doubling, up to resync.
		interval := resync
		if err != nil {
			consecutiveErrors++
			if consecutiveErrors < 4 {
				interval = resync / 16
				for i := 0; i < consecutiveErrors; i++ {
					interval *= 2
				}
			}
		} else {
			consecutiveErrors = 0
		}
		if !next.Stop() {
			select {
			case <-next.C:
			default:
			}
		}
		next.Reset(interval)
	}
}

// status is what GET /status reports under "cvo".
func (o *cvo) status() map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := map[string]any{
		"enabled":   true,
		"syncs":     o.syncs,
		"lastError": o.lastError,
		"completed": o.completed,
		"applied":   o.applied,
		"total":     o.total,
		"waitingOn": o.waiting,
	}
	if o.current != nil {
		s["version"] = o.current.Version
		s["image"] = o.current.Image
		s["digest"] = o.current.Digest
		s["manifests"] = len(o.current.Manifests)
		s["excludedManifests"] = o.current.Excluded
	}
	if !o.lastSync.IsZero() {
		s["lastSync"] = o.lastSync.UTC().Format(time.RFC3339Nano)
	}
	if o.load.step != "" {
		s["releaseAccepted"] = map[string]any{"step": o.load.step, "message": o.load.message, "failed": o.load.failure, "image": o.load.image}
	}
	return s
}

// getCV reads the ClusterVersion from the informer cache (or the API),
// creating it when it is missing, as the CVO does.
func (o *cvo) getCV(ctx context.Context) (*unstructured.Unstructured, error) {
	if o.cvInf.HasSynced() {
		if obj, ok, _ := o.cvInf.GetIndexer().GetByKey(cvName); ok {
			return obj.(*unstructured.Unstructured).DeepCopy(), nil
		}
	}
	cv, err := o.dyn.Resource(gvrClusterVersion).Get(ctx, cvName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		klog.InfoS("cvo: ClusterVersion missing, creating it", "name", cvName)
		return o.dyn.Resource(gvrClusterVersion).Create(ctx, defaultClusterVersion(o.opts.clusterID, o.opts.channel), metav1.CreateOptions{FieldManager: cvoFieldManager})
	}
	return cv, err
}

func defaultClusterVersion(clusterID, channel string) *unstructured.Unstructured {
	spec := map[string]any{"clusterID": clusterID}
	if channel != "" {
		spec["channel"] = channel
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "config.openshift.io/v1",
		"kind":       "ClusterVersion",
		"metadata":   map[string]any{"name": cvName},
		"spec":       spec,
	}}
}

type desiredUpdate struct {
	Image   string `json:"image"`
	Version string `json:"version"`
	Force   bool   `json:"force"`
}

// syncOnce is one pass: load the wanted payload if it changed, apply it,
// write status.
func (o *cvo) syncOnce(ctx context.Context) (retErr error) {
	o.mu.Lock()
	waiters := o.waiters
	o.waiters = nil
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.syncs++
		o.lastSync = time.Now()
		if retErr != nil {
			o.lastError = retErr.Error()
		} else {
			o.lastError = ""
		}
		o.mu.Unlock()
		for _, w := range waiters {
			close(w)
		}
	}()

	cv, err := o.getCV(ctx)
	if err != nil {
		return fmt.Errorf("reading ClusterVersion: %w", err)
	}
	var overrides []componentOverride
	if raw, ok, _ := unstructured.NestedSlice(cv.Object, "spec", "overrides"); ok {
		_ = fromUnstructured(raw, &overrides)
	}
	var du desiredUpdate
	if raw, ok, _ := unstructured.NestedMap(cv.Object, "spec", "desiredUpdate"); ok {
		_ = fromUnstructured(raw, &du)
	}
	invalid := ""
	if du.Image == "" && du.Version != "" {
		if img := findAvailableImage(cv, du.Version); img != "" {
			du.Image = img
		} else {
			invalid = fmt.Sprintf("spec.desiredUpdate.version: Invalid value: %q: when image is empty the update must be a previous version or an available update", du.Version)
			du = desiredUpdate{}
		}
	}

	o.mu.Lock()
	current := o.current
	o.mu.Unlock()
	want := du
	if want.Image == "" {
		if current != nil {
			want = desiredUpdate{Image: current.Image, Version: current.Version}
		} else if img, _, _ := unstructured.NestedString(cv.Object, "status", "desired", "image"); img != "" {
			want.Image = img // a reused data dir: the release the cluster ran
		} else {
			want.Image = o.opts.initialImage
		}
	}

	if current != nil && want.Image == current.Image {
		// Back on the running release after a rejected target: report it
		// again (the CVO's "Resetting payload status to currently loaded payload").
		o.mu.Lock()
		if o.load.image != current.Image {
			o.load = loadStatus{step: "PayloadLoaded", message: fmt.Sprintf("Payload loaded version=%q image=%q", current.Version, current.Image),
				image: current.Image, version: current.Version, at: time.Now()}
		}
		o.mu.Unlock()
	}
	if current == nil || want.Image != current.Image {
		o.loadWanted(ctx, current, want, overrides)
		o.mu.Lock()
		current = o.current
		o.mu.Unlock()
		// Show the new target before applying it (the first status of a cluster).
		if current != nil {
			if err := o.writeStatus(ctx, cv, overrides, invalid, nil); err != nil {
				klog.V(2).InfoS("cvo: status write failed", "err", err)
			}
			if cv, err = o.getCV(ctx); err != nil {
				return err
			}
		}
	}
	o.initialOnce.Do(func() { close(o.initialDone) })
	if current == nil {
		if err := o.writeStatus(ctx, cv, overrides, invalid, nil); err != nil {
			return err
		}
		o.mu.Lock()
		msg := o.load.message
		o.mu.Unlock()
		return errors.New(msg)
	}

	res := o.apply(ctx, current, overrides)
	var failure error
	if len(res.errs) > 0 {
		failure = summarize(res.errs)
	}
	o.mu.Lock()
	if failure == nil && len(res.waiting) == 0 && !o.completed {
		o.completed = true
		klog.InfoS("cvo: payload applied", "version", current.Version, "image", current.Image)
	}
	o.applied, o.total, o.waiting = res.done, res.total, res.waiting
	o.mu.Unlock()
	if err := o.writeStatus(ctx, cv, overrides, invalid, &res); err != nil {
		return fmt.Errorf("writing ClusterVersion status: %w", err)
	}
	return failure
}

// findAvailableImage resolves a desiredUpdate without image through
// status.availableUpdates / conditionalUpdates, as the CVO does.
func findAvailableImage(cv *unstructured.Unstructured, version string) string {
	ups, _, _ := unstructured.NestedSlice(cv.Object, "status", "availableUpdates")
	for _, u := range ups {
		if m, ok := u.(map[string]any); ok && m["version"] == version {
			s, _ := m["image"].(string)
			return s
		}
	}
	cups, _, _ := unstructured.NestedSlice(cv.Object, "status", "conditionalUpdates")
	for _, u := range cups {
		m, _ := u.(map[string]any)
		r, _ := m["release"].(map[string]any)
		if r != nil && r["version"] == version {
			s, _ := r["image"].(string)
			return s
		}
	}
	return ""
}

// loadWanted loads want (unless its load failed a moment ago), runs the
// preconditions and makes it the current payload.
func (o *cvo) loadWanted(ctx context.Context, current *releasePayload, want desiredUpdate, overrides []componentOverride) {
	o.mu.Lock()
	last := o.load
	o.mu.Unlock()
	if last.failure && last.image == want.Image && last.force == want.Force && time.Since(last.at) < o.opts.resync/2 {
		return
	}
	fail := func(step, msg string) {
		klog.InfoS("cvo: release not accepted", "step", step, "message", msg)
		o.mu.Lock()
		o.load = loadStatus{step: step, message: msg, failure: true, image: want.Image, version: want.Version, force: want.Force, at: time.Now()}
		o.mu.Unlock()
	}
	var creds []credential
	if o.opts.authFile != "" {
		b, err := os.ReadFile(o.opts.authFile)
		if err == nil {
			var k keyring
			if k, err = parseDockerConfigJSON(b, o.opts.authFile); err == nil {
				if ref, err2 := parseImageRef(want.Image); err2 == nil {
					creds = k.lookup(ref)
				}
			}
		}
		if err != nil {
			klog.InfoS("cvo: cannot read --registry-auth-file", "err", err)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	p, err := loadPayload(lctx, o.rc, creds, want.Image, o.opts.profile)
	cancel()
	if err != nil {
		fail("RetrievePayload", fmt.Sprintf("Retrieving payload failed version=%q image=%q failure=%s", want.Version, want.Image, err))
		return
	}
	if want.Version != "" && p.Version != want.Version {
		err := fmt.Errorf("release image version %s does not match the expected upstream version %s", p.Version, want.Version)
		fail("VerifyPayloadVersion", fmt.Sprintf("Verifying payload failed version=%q image=%q failure=%v", want.Version, want.Image, err))
		return
	}
	version := p.Version
	risks := []string{}
	if want.Force {
		risks = append(risks, fmt.Sprintf("Target release version=%q image=%q cannot be verified, but continuing anyway because the update was forced: the test cluster does not verify release signatures", want.Version, want.Image))
	}
	if current != nil {
		// Precondition ClusterVersionUpgradeable: Upgradeable=False blocks
		// updates to another minor version unless forced.
		if reason, msg := upgradeableFalse(o.coNotUpgradeable(), overrides); reason != "" && minorChanged(current.Version, version) {
			perr := fmt.Sprintf("Precondition %q failed because of %q: %s", "ClusterVersionUpgradeable", reason, msg)
			if !want.Force {
				fail("PreconditionChecks", fmt.Sprintf("Preconditions failed for payload loaded version=%q image=%q: %s", version, want.Image, perr))
				return
			}
			risks = append(risks, perr)
		}
	}
	o.mu.Lock()
	o.current = p
	o.completed = false
	o.load = loadStatus{step: "PayloadLoaded", message: fmt.Sprintf("Payload loaded version=%q image=%q architecture=%q", version, want.Image, p.Architecture),
		acceptedRisks: strings.Join(risks, "\n"), image: want.Image, version: version, force: want.Force, at: time.Now()}
	o.mu.Unlock()
	klog.InfoS("cvo: payload loaded", "version", version, "image", want.Image, "manifests", len(p.Manifests), "excluded", p.Excluded)
	o.setManaged(p)
}

func minorChanged(a, b string) bool {
	ma, na, ok1 := majorMinor(a)
	mb, nb, ok2 := majorMinor(b)
	return !ok1 || !ok2 || ma != mb || na != nb
}

func majorMinor(v string) (int, int, bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.SplitN(parts[1], "-", 2)[0])
	return ma, mi, err1 == nil && err2 == nil
}

func objKey(gvr schema.GroupVersionResource, ns, name string) string {
	return gvr.Group + "/" + gvr.Resource + "|" + ns + "|" + name
}

// setManaged records the objects of p so that informer events on them
// trigger a sync. Kinds are mapped lazily in apply; here only the names.
func (o *cvo) setManaged(p *releasePayload) {
	o.infMu.Lock()
	defer o.infMu.Unlock()
	o.managed = map[string]bool{}
	for _, m := range p.Manifests {
		o.managed[m.GVK.Group+"/"+m.GVK.Kind+"|"+m.Obj.GetNamespace()+"|"+m.Obj.GetName()] = true
	}
}

// ensureInformer starts an informer for gvr (kind kind) once.
func (o *cvo) ensureInformer(gvr schema.GroupVersionResource, kind string) cache.SharedIndexInformer {
	o.infMu.Lock()
	defer o.infMu.Unlock()
	if inf, ok := o.informers[gvr]; ok {
		return inf
	}
	inf := o.factory.ForResource(gvr).Informer()
	h := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		o.infMu.Lock()
		hit := o.managed[gvr.Group+"/"+kind+"|"+u.GetNamespace()+"|"+u.GetName()]
		o.infMu.Unlock()
		if hit {
			o.trigger()
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    h,
		UpdateFunc: func(_, n any) { h(n) },
		DeleteFunc: h,
	})
	o.informers[gvr] = inf
	return inf
}

// applyResult is the outcome of one apply pass.
type applyResult struct {
	done, total int
	errs        []error
	waiting     []string
}

type resolved struct {
	gvr        schema.GroupVersionResource
	namespaced bool
}

func (o *cvo) resolve(gvk schema.GroupVersionKind, reset *bool) (resolved, error) {
	m, err := o.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil && meta.IsNoMatchError(err) && !*reset {
		*reset = true
		o.mapper.Reset()
		m, err = o.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return resolved{}, err
	}
	return resolved{gvr: m.Resource, namespaced: m.Scope.Name() == meta.RESTScopeNameNamespace}, nil
}

func (o *cvo) apply(ctx context.Context, p *releasePayload, overrides []componentOverride) applyResult {
	res := applyResult{total: len(p.Manifests)}
	reset := false
	type check struct {
		m   *payloadManifest
		r   resolved
		inf cache.SharedIndexInformer
	}
	var checks []check
	writes := map[string]bool{}
	for i, m := range p.Manifests {
		if ctx.Err() != nil {
			res.errs = append(res.errs, ctx.Err())
			return res
		}
		if unmanaged(overrides, m) {
			res.done++
			continue
		}
		r, err := o.resolve(m.GVK, &reset)
		if err != nil {
			res.errs = append(res.errs, &updateError{reason: "UpdatePayloadResourceTypeMissing",
				message: fmt.Sprintf("Could not update %s (%d of %d): the server does not recognize this resource, check extension API servers", m, i+1, len(p.Manifests)),
				summary: "a required extension is not available to update"})
			continue
		}
		inf := o.ensureInformer(r.gvr, m.GVK.Kind)
		wrote, err := o.applyManifest(ctx, m, r, inf)
		if err != nil {
			res.errs = append(res.errs, manifestError(m, i+1, len(p.Manifests), err))
			continue
		}
		if wrote {
			writes[objKey(r.gvr, m.Obj.GetNamespace(), m.Obj.GetName())] = true
		}
		res.done++
		if m.Obj.GetAnnotations()[annDelete] != "true" {
			checks = append(checks, check{m, r, inf})
		}
	}
	o.factory.Start(ctx.Done())
	o.noteWrites(writes)

	// Health: ClusterOperators must be Available, not Degraded and at the
	// payload's versions; during an update Deployments, DaemonSets and Jobs
	// must have rolled out before the update counts as Completed.
	o.mu.Lock()
	updating := !o.completed
	o.mu.Unlock()
	var waitingCOs, waitingWorkloads []string
	for _, c := range checks {
		live := o.getLive(ctx, c.r, c.inf, c.m.Obj.GetNamespace(), c.m.Obj.GetName())
		if live == nil {
			continue
		}
		switch {
		case c.m.GVK.Group == "config.openshift.io" && c.m.GVK.Kind == "ClusterOperator":
			if waiting, err := checkClusterOperator(live, c.m.Obj); err != nil {
				res.errs = append(res.errs, err)
			} else if waiting {
				waitingCOs = append(waitingCOs, c.m.Obj.GetName())
			}
		case updating && o.opts.waitRollouts && c.m.GVK.Group == "apps" && (c.m.GVK.Kind == "Deployment" || c.m.GVK.Kind == "DaemonSet"),
			updating && o.opts.waitRollouts && c.m.GVK.Group == "batch" && c.m.GVK.Kind == "Job":
			if !rolledOut(live) {
				waitingWorkloads = append(waitingWorkloads, strings.ToLower(c.m.GVK.Kind)+" "+live.GetNamespace()+"/"+live.GetName())
			}
		}
	}
	sort.Strings(waitingCOs)
	res.waiting = append(waitingCOs, waitingWorkloads...)
	return res
}

// noteWrites logs an object the CVO keeps rewriting on every pass (a merge
// that never converges would otherwise loop silently).
func (o *cvo) noteWrites(writes map[string]bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k := range o.updated {
		if !writes[k] {
			delete(o.updated, k)
		}
	}
	for k := range writes {
		o.updated[k]++
		if o.updated[k] == 5 {
			klog.InfoS("cvo: object written on 5 passes in a row (someone else keeps changing it, or the merge does not converge)", "object", k)
		}
	}
}

func manifestError(m *payloadManifest, i, n int, err error) error {
	reason, summary := "UpdatePayloadFailed", "could not update "+strings.ToLower(m.GVK.Kind)
	switch {
	case apierrors.IsInvalid(err):
		reason, summary = "UpdatePayloadResourceInvalid", "some cluster configuration is invalid"
	case apierrors.IsNotFound(err):
		reason, summary = "UpdatePayloadResourceNotFound", "a required resource is missing"
	case apierrors.IsForbidden(err):
		reason, summary = "UpdatePayloadResourceForbidden", "the operator is not allowed to update a resource"
	}
	return &updateError{reason: reason, summary: summary,
		message: fmt.Sprintf("Could not update %s (%d of %d): %v", m, i, n, err)}
}

func (o *cvo) getLive(ctx context.Context, r resolved, inf cache.SharedIndexInformer, ns, name string) *unstructured.Unstructured {
	if inf.HasSynced() {
		key := name
		if ns != "" {
			key = ns + "/" + name
		}
		obj, ok, _ := inf.GetIndexer().GetByKey(key)
		if !ok {
			return nil
		}
		return obj.(*unstructured.Unstructured)
	}
	u, err := o.resource(r, ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return u
}

func (o *cvo) resource(r resolved, ns string) dynamic.ResourceInterface {
	if r.namespaced {
		return o.dyn.Resource(r.gvr).Namespace(ns)
	}
	return o.dyn.Resource(r.gvr)
}

// applyManifest creates, updates or deletes one object. It reports whether
// it wrote the object.
func (o *cvo) applyManifest(ctx context.Context, m *payloadManifest, r resolved, inf cache.SharedIndexInformer) (bool, error) {
	ns := m.Obj.GetNamespace()
	if !r.namespaced {
		ns = ""
	} else if ns == "" {
		ns = metav1.NamespaceDefault
	}
	ri := o.resource(r, ns)
	name := m.Obj.GetName()
	ann := m.Obj.GetAnnotations()
	var live *unstructured.Unstructured
	if inf.HasSynced() {
		key := name
		if ns != "" {
			key = ns + "/" + name
		}
		if obj, ok, _ := inf.GetIndexer().GetByKey(key); ok {
			live = obj.(*unstructured.Unstructured).DeepCopy()
		}
	} else {
		u, err := ri.Get(ctx, name, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return false, err
		}
		if err == nil {
			live = u
		}
	}

	if ann[annDelete] == "true" {
		if live == nil || live.GetDeletionTimestamp() != nil {
			return false, nil
		}
		bg := metav1.DeletePropagationBackground
		err := ri.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
		if err != nil && !apierrors.IsNotFound(err) {
			return false, err
		}
		klog.InfoS("cvo: deleted (release.openshift.io/delete)", "object", m.String())
		return true, nil
	}

	isCO := m.GVK.Group == "config.openshift.io" && m.GVK.Kind == "ClusterOperator"
	wrote := false
	if live == nil {
		obj := m.Obj.DeepCopy()
		unstructured.RemoveNestedField(obj.Object, "status")
		obj.SetResourceVersion("")
		obj.SetNamespace(ns)
		created, err := ri.Create(ctx, obj, metav1.CreateOptions{FieldManager: cvoFieldManager})
		switch {
		case err == nil:
			live, wrote = created, true
			klog.V(2).InfoS("cvo: created", "object", m.String())
		case apierrors.IsAlreadyExists(err):
			if live, err = ri.Get(ctx, name, metav1.GetOptions{}); err != nil {
				return false, err
			}
		default:
			return false, err
		}
	}
	if !wrote && ann[annCreateOnly] != "true" {
		merged, changed := mergeForApply(live, m.Obj)
		if changed {
			updated, err := ri.Update(ctx, merged, metav1.UpdateOptions{FieldManager: cvoFieldManager})
			if apierrors.IsConflict(err) {
				// The cache was behind; merge into the current object once more.
				fresh, gerr := ri.Get(ctx, name, metav1.GetOptions{})
				if gerr != nil {
					return false, gerr
				}
				if merged, changed = mergeForApply(fresh, m.Obj); changed {
					updated, err = ri.Update(ctx, merged, metav1.UpdateOptions{FieldManager: cvoFieldManager})
				} else {
					updated, err = fresh, nil
				}
			}
			if err != nil {
				return false, err
			}
			if changed {
				klog.V(2).InfoS("cvo: updated", "object", m.String())
				wrote = true
			}
			live = updated
		}
	}
	if isCO && o.opts.reportOperators {
		if err := o.reportOperator(ctx, live, m.Obj); err != nil {
			return wrote, err
		}
	}
	return wrote, nil
}

// reportOperator stands in for the operator of a payload ClusterOperator
// (none runs here): when the ClusterOperator does not report the
// manifest's status.versions yet, it writes them with Available=True,
// Progressing=False, Degraded=False. Once the versions match it leaves the
// status alone, so a test can make the operator Degraded or unavailable.
func (o *cvo) reportOperator(ctx context.Context, live, required *unstructured.Unstructured) error {
	want, _, _ := unstructured.NestedSlice(required.Object, "status", "versions")
	have, _, _ := unstructured.NestedSlice(live.Object, "status", "versions")
	if len(want) == 0 || versionsMatch(have, want) {
		return nil
	}
	out := live.DeepCopy()
	status, _, _ := unstructured.NestedMap(out.Object, "status")
	if status == nil {
		status = map[string]any{}
	}
	conds, _ := status["conditions"].([]any)
	now := nowString()
	for _, c := range []struct{ t, s string }{{"Available", "True"}, {"Progressing", "False"}, {"Degraded", "False"}} {
		conds = setCondition(conds, map[string]any{"type": c.t, "status": c.s, "reason": "AsExpected"}, now)
	}
	status["conditions"] = conds
	status["versions"] = runtime.DeepCopyJSONValue(want)
	if ro, ok, _ := unstructured.NestedSlice(required.Object, "status", "relatedObjects"); ok {
		status["relatedObjects"] = ro
	}
	out.Object["status"] = status
	_, err := o.dyn.Resource(gvrClusterOperator).UpdateStatus(ctx, out, metav1.UpdateOptions{FieldManager: cvoFieldManager})
	if apierrors.IsConflict(err) {
		o.trigger()
		return nil
	}
	return err
}

func versionsMatch(have, want []any) bool {
	hv := map[string]any{}
	for _, h := range have {
		if m, ok := h.(map[string]any); ok {
			hv[fmt.Sprint(m["name"])] = m["version"]
		}
	}
	for _, w := range want {
		m, ok := w.(map[string]any)
		if !ok {
			continue
		}
		if hv[fmt.Sprint(m["name"])] != m["version"] {
			return false
		}
	}
	return true
}

func condStatus(obj *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == typ {
			s, _ := m["status"].(string)
			r, _ := m["reason"].(string)
			msg, _ := m["message"].(string)
			return s, r, msg
		}
	}
	return "", "", ""
}

// checkClusterOperator is the CVO's ClusterOperator builder check.
func checkClusterOperator(live, required *unstructured.Unstructured) (waiting bool, err error) {
	name := live.GetName()
	if s, _, _ := condStatus(live, "Available"); s != "True" {
		return false, &updateError{reason: "ClusterOperatorNotAvailable", message: fmt.Sprintf("Cluster operator %s is not available", name),
			summary: fmt.Sprintf("the cluster operator %s is not available", name)}
	}
	if s, _, _ := condStatus(live, "Degraded"); s == "True" {
		return false, &updateError{reason: "ClusterOperatorDegraded", message: fmt.Sprintf("Cluster operator %s is degraded", name),
			summary: fmt.Sprintf("the cluster operator %s is degraded", name)}
	}
	want, _, _ := unstructured.NestedSlice(required.Object, "status", "versions")
	have, _, _ := unstructured.NestedSlice(live.Object, "status", "versions")
	return !versionsMatch(have, want), nil
}

// rolledOut: the workload's controller has caught up and all replicas are
// updated and available (Jobs: succeeded).
func rolledOut(u *unstructured.Unstructured) bool {
	gen := u.GetGeneration()
	og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	switch u.GetKind() {
	case "Deployment":
		want, ok, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		if !ok {
			want = 1
		}
		upd, _, _ := unstructured.NestedInt64(u.Object, "status", "updatedReplicas")
		avail, _, _ := unstructured.NestedInt64(u.Object, "status", "availableReplicas")
		total, _, _ := unstructured.NestedInt64(u.Object, "status", "replicas")
		return og >= gen && upd == want && avail >= want && total == want
	case "DaemonSet":
		desired, _, _ := unstructured.NestedInt64(u.Object, "status", "desiredNumberScheduled")
		upd, _, _ := unstructured.NestedInt64(u.Object, "status", "updatedNumberScheduled")
		avail, _, _ := unstructured.NestedInt64(u.Object, "status", "numberAvailable")
		return og >= gen && upd == desired && avail == desired
	case "Job":
		succeeded, _, _ := unstructured.NestedInt64(u.Object, "status", "succeeded")
		return succeeded >= 1
	}
	return true
}

func summarize(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return &updateError{reason: "MultipleErrors", summary: "multiple errors reported while applying the payload",
		message: "Multiple errors are preventing progress:\n* " + strings.Join(msgs, "\n* ")}
}

// coNotUpgradeable lists the payload ClusterOperators reporting
// Upgradeable=False (name -> "reason\x00message").
func (o *cvo) coNotUpgradeable() map[string][2]string {
	out := map[string][2]string{}
	o.infMu.Lock()
	inf := o.informers[gvrClusterOperator]
	managed := o.managed
	o.infMu.Unlock()
	if inf == nil {
		return out
	}
	for _, obj := range inf.GetStore().List() {
		u := obj.(*unstructured.Unstructured)
		if !managed["config.openshift.io/ClusterOperator||"+u.GetName()] {
			continue
		}
		if s, r, m := condStatus(u, "Upgradeable"); s == "False" {
			out[u.GetName()] = [2]string{r, m}
		}
	}
	return out
}

// upgradeableFalse computes the reason and message of Upgradeable=False as
// the CVO's upgradeable checks do ("" when upgradeable).
func upgradeableFalse(cos map[string][2]string, overrides []componentOverride) (string, string) {
	type reason struct{ r, m string }
	var rs []reason
	for _, o := range overrides {
		if o.Unmanaged {
			rs = append(rs, reason{"ClusterVersionOverridesSet", overridesMessage})
			break
		}
	}
	if len(cos) > 0 {
		names := make([]string, 0, len(cos))
		for n := range cos {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) == 1 {
			c := cos[names[0]]
			rs = append(rs, reason{c[0], fmt.Sprintf("Cluster operator %s should not be upgraded between minor versions: %s", names[0], c[1])})
		} else {
			var lines []string
			for _, n := range names {
				lines = append(lines, fmt.Sprintf("Cluster operator %s should not be upgraded between minor versions: %s: %s", n, cos[n][0], cos[n][1]))
			}
			rs = append(rs, reason{"ClusterOperatorsNotUpgradeable", "Multiple cluster operators should not be upgraded between minor versions:\n* " + strings.Join(lines, "\n* ")})
		}
	}
	switch len(rs) {
	case 0:
		return "", ""
	case 1:
		return rs[0].r, rs[0].m
	}
	var names, msgs []string
	for _, r := range rs {
		names = append(names, r.r)
		msgs = append(msgs, r.m)
	}
	return "MultipleReasons", "Cluster should not be upgraded between minor versions for multiple reasons: " + strings.Join(names, ",") + "\n* " + strings.Join(msgs, "\n* ")
}

func nowString() string { return time.Now().UTC().Format(time.RFC3339) }

// setCondition sets c (type, status, reason, message) in conds, keeping
// lastTransitionTime when the status does not change (resourcemerge.SetOperatorStatusCondition).
func setCondition(conds []any, c map[string]any, now string) []any {
	for i, x := range conds {
		m, ok := x.(map[string]any)
		if !ok || m["type"] != c["type"] {
			continue
		}
		n := map[string]any{"type": c["type"], "status": c["status"], "lastTransitionTime": now}
		if m["status"] == c["status"] && m["lastTransitionTime"] != nil {
			n["lastTransitionTime"] = m["lastTransitionTime"]
		}
		for _, k := range []string{"reason", "message"} {
			if v, _ := c[k].(string); v != "" {
				n[k] = v
			}
		}
		conds[i] = n
		return conds
	}
	n := map[string]any{"type": c["type"], "status": c["status"], "lastTransitionTime": now}
	for _, k := range []string{"reason", "message"} {
		if v, _ := c[k].(string); v != "" {
			n[k] = v
		}
	}
	return append(conds, n)
}

func removeCondition(conds []any, typ string) []any {
	out := conds[:0:0]
	for _, x := range conds {
		if m, ok := x.(map[string]any); ok && m["type"] == typ {
			continue
		}
		out = append(out, x)
	}
	return out
}

// writeStatus computes ClusterVersion status from the current payload, the
// last load and the last apply pass (res nil: before applying), and writes
// it through /status when it changed.
func (o *cvo) writeStatus(ctx context.Context, cv *unstructured.Unstructured, overrides []componentOverride, invalid string, res *applyResult) error {
	o.mu.Lock()
	p := o.current
	load := o.load
	completed := o.completed
	o.mu.Unlock()

	old, _, _ := unstructured.NestedMap(cv.Object, "status")
	st := map[string]any{}
	for k, v := range old {
		st[k] = runtime.DeepCopyJSONValue(v)
	}
	now := nowString()
	if _, ok := st["availableUpdates"]; !ok {
		st["availableUpdates"] = nil
	}
	st["observedGeneration"] = cv.GetGeneration()
	caps := make([]any, 0, len(knownCapabilities))
	for _, c := range knownCapabilities {
		caps = append(caps, c)
	}
	st["capabilities"] = map[string]any{"enabledCapabilities": caps, "knownCapabilities": runtime.DeepCopyJSONValue(caps)}
	conds, _ := st["conditions"].([]any)

	var failure *updateError
	if res != nil && len(res.errs) > 0 {
		var ue *updateError
		if errors.As(summarize(res.errs), &ue) {
			failure = ue
		} else {
			failure = &updateError{reason: "UpdatePayloadFailed", message: summarize(res.errs).Error(), summary: "an error occurred"}
		}
	}

	if p != nil {
		st["versionHash"] = p.Hash
		desired := map[string]any{"version": p.Version, "image": p.Image}
		if p.URL != "" {
			desired["url"] = p.URL
		}
		if len(p.Channels) > 0 {
			chs := make([]any, 0, len(p.Channels))
			for _, c := range p.Channels {
				chs = append(chs, c)
			}
			desired["channels"] = chs
		}
		st["desired"] = desired
		st["history"] = mergeHistory(st["history"], p, completed, load, now)
	} else {
		if _, ok := st["desired"]; !ok {
			st["desired"] = map[string]any{"version": "", "image": load.image}
		}
		if _, ok := st["versionHash"]; !ok {
			st["versionHash"] = ""
		}
	}

	conds = setCondition(conds, map[string]any{"type": "ImplicitlyEnabledCapabilities", "status": "False", "reason": "AsExpected",
		"message": "Capabilities match configured spec"}, now)
	if load.step != "" {
		s := "True"
		if load.failure {
			s = "False"
		}
		conds = setCondition(conds, map[string]any{"type": "ReleaseAccepted", "status": s, "reason": load.step, "message": load.message}, now)
	}
	version := ""
	if p != nil {
		version = p.Version
	}
	if completed && p != nil {
		conds = setCondition(conds, map[string]any{"type": "Available", "status": "True", "message": "Done applying " + version}, now)
	} else if findCondition(conds, "Available") == nil {
		conds = setCondition(conds, map[string]any{"type": "Available", "status": "False"}, now)
	}
	if res != nil {
		if failure != nil {
			conds = setCondition(conds, map[string]any{"type": "Failing", "status": "True", "reason": failure.reason, "message": failure.message}, now)
		} else {
			conds = setCondition(conds, map[string]any{"type": "Failing", "status": "False"}, now)
		}
	} else if findCondition(conds, "Failing") == nil {
		conds = setCondition(conds, map[string]any{"type": "Failing", "status": "False"}, now)
	}
	if p != nil {
		var prog map[string]any
		switch {
		case failure != nil && completed:
			prog = map[string]any{"status": "False", "reason": failure.reason, "message": fmt.Sprintf("Error while reconciling %s: %s", version, failure.summary)}
		case failure != nil:
			prog = map[string]any{"status": "True", "reason": failure.reason, "message": fmt.Sprintf("Unable to apply %s: %s", version, failure.summary)}
		case completed:
			prog = map[string]any{"status": "False", "message": "Cluster version is " + version}
		default:
			msg := "Working towards " + version
			reason := ""
			if res != nil && res.total > 0 && res.done > 0 {
				frac := float64(res.done) / float64(res.total)
				msg = fmt.Sprintf("Working towards %s: %d of %d done (%.0f%% complete)", version, res.done, res.total, math.Trunc(frac*100))
			}
			if res != nil && len(res.waiting) > 0 {
				msg += ", waiting on " + strings.Join(res.waiting, ", ")
				reason = "ClusterOperatorsUpdating"
			}
			prog = map[string]any{"status": "True", "reason": reason, "message": msg}
		}
		prog["type"] = "Progressing"
		conds = setCondition(conds, prog, now)
	} else if findCondition(conds, "Progressing") == nil {
		conds = setCondition(conds, map[string]any{"type": "Progressing", "status": "False"}, now)
	}
	channel, _, _ := unstructured.NestedString(cv.Object, "spec", "channel")
	if channel == "" {
		conds = setCondition(conds, map[string]any{"type": "RetrievedUpdates", "status": "False", "reason": "NoChannel",
			"message": "The update channel has not been configured."}, now)
	} else {
		conds = setCondition(conds, map[string]any{"type": "RetrievedUpdates", "status": "False", "reason": "RemoteFailed",
			"message": "Unable to retrieve available updates: the test cluster does not contact an update service (no network)"}, now)
	}
	if reason, msg := upgradeableFalse(o.coNotUpgradeable(), overrides); reason != "" {
		conds = setCondition(conds, map[string]any{"type": "Upgradeable", "status": "False", "reason": reason, "message": msg}, now)
	} else {
		conds = removeCondition(conds, "Upgradeable")
	}
	if invalid != "" {
		conds = setCondition(conds, map[string]any{"type": "Invalid", "status": "True", "reason": "InvalidClusterVersion",
			"message": "The cluster version is invalid: " + invalid}, now)
	} else {
		conds = removeCondition(conds, "Invalid")
	}
	st["conditions"] = conds

	if jsonEqual(old, st) {
		return nil
	}
	out := cv.DeepCopy()
	out.Object["status"] = st
	_, err := o.dyn.Resource(gvrClusterVersion).UpdateStatus(ctx, out, metav1.UpdateOptions{FieldManager: cvoFieldManager})
	if apierrors.IsConflict(err) {
		o.trigger() // our copy was stale; the next pass writes again
		return nil
	}
	return err
}

func findCondition(conds []any, typ string) map[string]any {
	for _, x := range conds {
		if m, ok := x.(map[string]any); ok && m["type"] == typ {
			return m
		}
	}
	return nil
}

// mergeHistory is the CVO's mergeOperatorHistory: a new target pushes a
// Partial entry at the front (closing the previous one), a fully applied
// target turns it Completed; newest first, at most maxHistory entries.
func mergeHistory(raw any, p *releasePayload, completed bool, load loadStatus, now string) []any {
	hist, _ := raw.([]any)
	hist = runtime.DeepCopyJSONValue(hist).([]any)
	var first map[string]any
	if len(hist) > 0 {
		first, _ = hist[0].(map[string]any)
	}
	if first == nil || first["image"] != p.Image {
		if first != nil && first["completionTime"] == nil {
			first["completionTime"] = now
		}
		e := map[string]any{"state": "Partial", "startedTime": now, "completionTime": nil, "version": p.Version, "image": p.Image, "verified": false}
		if load.image == p.Image && load.acceptedRisks != "" {
			e["acceptedRisks"] = load.acceptedRisks
		}
		hist = append([]any{e}, hist...)
		first = e
	} else if first["version"] == "" || first["version"] == nil {
		first["version"] = p.Version
	}
	if completed && first["state"] == "Partial" {
		first["state"] = "Completed"
		first["completionTime"] = now
	}
	if len(hist) > maxHistory {
		hist = hist[:maxHistory]
	}
	return hist
}

func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// fromUnstructured decodes an unstructured value into a typed one.
func fromUnstructured(v any, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return utiljson.Unmarshal(b, into)
}
