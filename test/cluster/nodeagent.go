package main

// A node agent standing in for the kubelet of `--nodes N` nodes: it
// registers Node objects node-0.. (Ready, capacity, InternalIP 127.0.0.1,
// a kubelet endpoint), renews their Leases, and runs the pods the real
// scheduler binds to them: images are resolved in their registry with the
// credentials the pod would have (its imagePullSecrets and the cluster's
// global pull secret openshift-config/pull-secret), init containers run to
// completion, containers run and turn Ready after --ready-delay; pull
// failures back off (ErrImagePull / ImagePullBackOff), crashing containers
// restart with back-off (CrashLoopBackOff), deleted pods are stopped and
// removed. No process is ever started: a "container" is a state machine
// with a log.

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

const (
	globalPullSecretNS   = "openshift-config"
	globalPullSecretName = "pull-secret"
	// How long an init container runs, a crashing container runs before it
	// exits, and a terminated container shows Terminated before it turns
	// CrashLoopBackOff / restarts.
	initRunTime   = 200 * time.Millisecond
	crashRunTime  = 300 * time.Millisecond
	terminatedFor = 200 * time.Millisecond
)

type nodeAgentOptions struct {
	nodes      int
	readyDelay time.Duration
	backoff    time.Duration // first back-off step (doubles, capped at 10x)
	version    string        // kubelet version to report
}

type simNode struct {
	name  string
	index int
	port  int
	ln    net.Listener
	srv   *http.Server

	mu     sync.Mutex
	images map[string]string // pulled pullspec -> imageID (for imagePullPolicy: Never)
	nextIP int
}

type pullFailure struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// nodeHooks are the test hooks of the admin endpoint.
type nodeHooks struct {
	mu        sync.Mutex
	failImage map[string]pullFailure
	crash     map[string]bool
	failInit  map[string]bool
}

func imageMatches(param, spec, imageID string) bool {
	if param == spec || (imageID != "" && param == imageID) {
		return true
	}
	a, err1 := parseImageRef(param)
	b, err2 := parseImageRef(spec)
	return err1 == nil && err2 == nil && a.String() == b.String()
}

func (h *nodeHooks) pullFailureFor(spec string) (pullFailure, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for img, f := range h.failImage {
		if imageMatches(img, spec, "") {
			return f, true
		}
	}
	return pullFailure{}, false
}

func (h *nodeHooks) has(set map[string]bool, spec, imageID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for img := range set {
		if imageMatches(img, spec, imageID) {
			return true
		}
	}
	return false
}

func (h *nodeHooks) snapshot() map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	fi := map[string]pullFailure{}
	for k, v := range h.failImage {
		fi[k] = v
	}
	return map[string]any{"failImage": fi, "crash": keys(h.crash), "failInit": keys(h.failInit)}
}

type nodeAgent struct {
	opts   nodeAgentOptions
	kube   kubernetes.Interface
	rc     *registryClient
	cert   tls.Certificate
	caPool *x509.CertPool
	nodes  []*simNode
	byName map[string]*simNode
	hooks  *nodeHooks
	ctx    context.Context

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	byPod   map[string]*podWorker // namespace/name -> worker
	wg      sync.WaitGroup
}

func newNodeAgent(kube kubernetes.Interface, rc *registryClient, pki pkiFiles, npki nodePKI, opts nodeAgentOptions) (*nodeAgent, error) {
	cert, err := tls.LoadX509KeyPair(npki.ServingCert, npki.ServingKey)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(pki.CACert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	a := &nodeAgent{
		opts: opts, kube: kube, rc: rc, cert: cert, caPool: pool,
		byName:  map[string]*simNode{},
		hooks:   &nodeHooks{failImage: map[string]pullFailure{}, crash: map[string]bool{}, failInit: map[string]bool{}},
		workers: map[types.UID]*podWorker{},
		byPod:   map[string]*podWorker{},
	}
	for i := 0; i < opts.nodes; i++ {
		n := &simNode{name: fmt.Sprintf("node-%d", i), index: i, images: map[string]string{}}
		a.nodes = append(a.nodes, n)
		a.byName[n.name] = n
	}
	return a, nil
}

// start serves the kubelet endpoints, registers the nodes and starts
// watching pods. It returns once the nodes are registered and Ready.
func (a *nodeAgent) start(ctx context.Context) error {
	a.ctx = ctx
	for _, n := range a.nodes {
		if err := a.serveKubelet(n); err != nil {
			return err
		}
	}
	for _, n := range a.nodes {
		if err := a.registerNode(ctx, n); err != nil {
			return fmt.Errorf("registering node %s: %w", n.name, err)
		}
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.heartbeat(ctx)
	}()
	factory := informers.NewSharedInformerFactoryWithOptions(a.kube, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = "spec.nodeName!="
	}))
	inf := factory.Core().V1().Pods().Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { a.podChanged(obj) },
		UpdateFunc: func(_, obj any) { a.podChanged(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*v1.Pod); ok {
				a.podGone(p.UID)
			}
		},
	})
	factory.Start(ctx.Done())
	return nil
}

// stop closes the kubelet endpoints and waits for the pod workers.
func (a *nodeAgent) stop() {
	for _, n := range a.nodes {
		if n.srv != nil {
			sctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = n.srv.Shutdown(sctx)
			cancel()
			_ = n.srv.Close()
		}
	}
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		klog.InfoS("node agent: workers did not stop in time")
	}
}

func (a *nodeAgent) status() map[string]any {
	nodes := []map[string]any{}
	for _, n := range a.nodes {
		nodes = append(nodes, map[string]any{"name": n.name, "kubeletPort": n.port})
	}
	a.mu.Lock()
	pods := []map[string]any{}
	for _, w := range a.workers {
		w.mu.Lock()
		phase := ""
		if w.lastWritten != nil {
			phase = string(w.lastWritten.Phase)
		}
		pods = append(pods, map[string]any{"namespace": w.ns, "name": w.name, "node": w.node.name, "phase": phase})
		w.mu.Unlock()
	}
	a.mu.Unlock()
	sort.Slice(pods, func(i, j int) bool {
		return pods[i]["namespace"].(string)+"/"+pods[i]["name"].(string) < pods[j]["namespace"].(string)+"/"+pods[j]["name"].(string)
	})
	return map[string]any{"count": len(a.nodes), "nodes": nodes, "pods": pods, "hooks": a.hooks.snapshot(),
		"readyDelayMs": a.opts.readyDelay.Milliseconds(), "backoffMs": a.opts.backoff.Milliseconds()}
}

func (a *nodeAgent) kickAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, w := range a.workers {
		w.poke()
	}
}

// --- Nodes ---------------------------------------------------------------

func (a *nodeAgent) nodeLabels(n *simNode) map[string]string {
	return map[string]string{
		"beta.kubernetes.io/arch":               "amd64",
		"beta.kubernetes.io/os":                 "linux",
		"kubernetes.io/arch":                    "amd64",
		"kubernetes.io/hostname":                n.name,
		"kubernetes.io/os":                      "linux",
		"node-role.kubernetes.io/control-plane": "",
		"node-role.kubernetes.io/master":        "",
		"node-role.kubernetes.io/worker":        "",
		"node.openshift.io/os_id":               "scos",
	}
}

func (a *nodeAgent) nodeStatus(n *simNode, old v1.NodeStatus) v1.NodeStatus {
	now := metav1.NewTime(time.Now()).Rfc3339Copy()
	res := v1.ResourceList{
		v1.ResourceCPU:              resource.MustParse("8"),
		v1.ResourceMemory:           resource.MustParse("32Gi"),
		v1.ResourcePods:             resource.MustParse("110"),
		v1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	conds := []v1.NodeCondition{
		{Type: v1.NodeMemoryPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: v1.NodeDiskPressure, Status: v1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: v1.NodePIDPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = now
		conds[i].LastTransitionTime = now
		for _, o := range old.Conditions {
			if o.Type == conds[i].Type && o.Status == conds[i].Status && !o.LastTransitionTime.IsZero() {
				conds[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	info := old.NodeInfo
	if info.MachineID == "" {
		info.MachineID = randomHex(16)
		info.SystemUUID = randomHex(16)
		info.BootID = randomHex(16)
	}
	info.KernelVersion = "5.14.0-570.el9.x86_64"
	info.OSImage = "CentOS Stream CoreOS 9.0.20250510-0 (Plow)"
	info.ContainerRuntimeVersion = "cri-o://1.37.0"
	info.KubeletVersion = a.opts.version
	info.OperatingSystem = "linux"
	info.Architecture = "amd64"
	return v1.NodeStatus{
		Capacity:        res,
		Allocatable:     res.DeepCopy(),
		Phase:           "",
		Conditions:      conds,
		Addresses:       []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: "127.0.0.1"}, {Type: v1.NodeHostName, Address: n.name}},
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: int32(n.port)}},
		NodeInfo:        info,
		Images:          old.Images,
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// registerNode creates the Node (or takes over an existing one), posts its
// status and removes the not-ready taint the TaintNodesByCondition admission
// plugin puts on new nodes (the node lifecycle controller would, once Ready).
func (a *nodeAgent) registerNode(ctx context.Context, n *simNode) error {
	nodes := a.kube.CoreV1().Nodes()
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: a.nodeLabels(n)}}
	_, err := nodes.Create(ctx, node, metav1.CreateOptions{FieldManager: "kubelet"})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for attempt := 0; ; attempt++ {
		cur, err := nodes.Get(ctx, n.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status = a.nodeStatus(n, cur.Status)
		if _, err = nodes.UpdateStatus(ctx, cur, metav1.UpdateOptions{FieldManager: "kubelet"}); err == nil {
			break
		}
		if !apierrors.IsConflict(err) || attempt > 5 {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		cur, err := nodes.Get(ctx, n.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var keep []v1.Taint
		for _, t := range cur.Spec.Taints {
			if t.Key != "node.kubernetes.io/not-ready" && t.Key != "node.kubernetes.io/unreachable" {
				keep = append(keep, t)
			}
		}
		if len(keep) == len(cur.Spec.Taints) {
			break
		}
		cur.Spec.Taints = keep
		if _, err = nodes.Update(ctx, cur, metav1.UpdateOptions{FieldManager: "kubelet"}); err == nil {
			break
		}
		if !apierrors.IsConflict(err) || attempt > 5 {
			return err
		}
	}
	a.renewLease(ctx, n)
	klog.InfoS("node agent: node registered", "node", n.name, "kubeletPort", n.port)
	return nil
}

// renewLease keeps kube-node-lease/<node> fresh, as the kubelet does every 10 s.
func (a *nodeAgent) renewLease(ctx context.Context, n *simNode) {
	leases := a.kube.CoordinationV1().Leases(v1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	l, err := leases.Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: n.name, Namespace: v1.NamespaceNodeLease},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(n.name), LeaseDurationSeconds: ptr.To[int32](40),
				RenewTime: &now},
		}
		if node, err := a.kube.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{}); err == nil {
			l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
		}
		_, _ = leases.Create(ctx, l, metav1.CreateOptions{FieldManager: "kubelet"})
		return
	}
	if err != nil {
		return
	}
	l.Spec.RenewTime = &now
	_, _ = leases.Update(ctx, l, metav1.UpdateOptions{FieldManager: "kubelet"})
}

// heartbeat renews the leases every 10 s and the nodes' Ready heartbeat every 60 s.
func (a *nodeAgent) heartbeat(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	beats := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		beats++
		for _, n := range a.nodes {
			a.renewLease(ctx, n)
			if beats%6 == 0 {
				if cur, err := a.kube.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{}); err == nil {
					cur.Status = a.nodeStatus(n, cur.Status)
					_, _ = a.kube.CoreV1().Nodes().UpdateStatus(ctx, cur, metav1.UpdateOptions{FieldManager: "kubelet"})
				}
			}
		}
	}
}

// --- Pods ----------------------------------------------------------------

func (a *nodeAgent) podChanged(obj any) {
	pod, ok := obj.(*v1.Pod)
	if !ok {
		return
	}
	n := a.byName[pod.Spec.NodeName]
	if n == nil {
		return
	}
	a.mu.Lock()
	w := a.workers[pod.UID]
	if w == nil {
		if a.ctx.Err() != nil {
			a.mu.Unlock()
			return
		}
		w = newPodWorker(a, n, pod)
		a.workers[pod.UID] = w
		a.byPod[pod.Namespace+"/"+pod.Name] = w
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			w.run(a.ctx)
		}()
	}
	a.mu.Unlock()
	w.setPod(pod)
}

func (a *nodeAgent) podGone(uid types.UID) {
	a.mu.Lock()
	w := a.workers[uid]
	a.mu.Unlock()
	if w != nil {
		w.mu.Lock()
		w.gone = true
		w.mu.Unlock()
		w.poke()
	}
}

func (a *nodeAgent) removeWorker(w *podWorker) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.workers[w.uid] == w {
		delete(a.workers, w.uid)
	}
	if a.byPod[w.ns+"/"+w.name] == w {
		delete(a.byPod, w.ns+"/"+w.name)
	}
}

func (a *nodeAgent) workerFor(ns, name string) *podWorker {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byPod[ns+"/"+name]
}

// backoffFor is the n-th back-off step (n >= 1): base, 2*base, ... capped at 10*base.
func (a *nodeAgent) backoffFor(n int) time.Duration {
	d := a.opts.backoff
	for i := 1; i < n && d < 10*a.opts.backoff; i++ {
		d *= 2
	}
	if d > 10*a.opts.backoff {
		d = 10 * a.opts.backoff
	}
	return d
}

// pullCredentials gathers what the kubelet would try for pod: the pod's
// imagePullSecrets (dockerconfigjson / dockercfg), then the node's
// config.json, which on OKD is the global pull secret.
func (a *nodeAgent) pullCredentials(ctx context.Context, pod *v1.Pod, ref imageRef) []credential {
	var rings []keyring
	for _, s := range pod.Spec.ImagePullSecrets {
		sec, err := a.kube.CoreV1().Secrets(pod.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
		if err != nil {
			klog.V(2).InfoS("node agent: image pull secret not readable", "pod", klog.KObj(pod), "secret", s.Name, "err", err)
			continue
		}
		src := "secret " + pod.Namespace + "/" + s.Name
		var k keyring
		switch {
		case len(sec.Data[v1.DockerConfigJsonKey]) > 0:
			k, err = parseDockerConfigJSON(sec.Data[v1.DockerConfigJsonKey], src)
		case len(sec.Data[v1.DockerConfigKey]) > 0:
			k, err = parseDockercfg(sec.Data[v1.DockerConfigKey], src)
		}
		if err == nil && k != nil {
			rings = append(rings, k)
		}
	}
	if sec, err := a.kube.CoreV1().Secrets(globalPullSecretNS).Get(ctx, globalPullSecretName, metav1.GetOptions{}); err == nil {
		if k, err := parseDockerConfigJSON(sec.Data[v1.DockerConfigJsonKey], "global pull secret"); err == nil {
			rings = append(rings, k)
		}
	}
	var out []credential
	seen := map[string]bool{}
	for _, k := range rings {
		for _, c := range k.lookup(ref) {
			key := c.Username + "\x00" + c.Password + "\x00" + c.IdentityToken
			if !seen[key] {
				seen[key] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// pull resolves image for pod. On success it returns the imageID (digest
// pullspec); on failure a waiting reason and message as the kubelet reports
// them. Images on registries that are not on loopback are taken as
// present (there is no network here): their imageID is the digest of the
// pullspec or, for a tag, a digest made from the name.
func (a *nodeAgent) pull(ctx context.Context, n *simNode, pod *v1.Pod, c *v1.Container) (imageID, reason, message string) {
	if f, ok := a.hooks.pullFailureFor(c.Image); ok {
		return "", f.Reason, f.Message
	}
	ref, err := parseImageRef(c.Image)
	if err != nil {
		return "", "InvalidImageName", fmt.Sprintf("Failed to apply default image tag %q: %v", c.Image, err)
	}
	if !a.rc.reachable(ref.Registry) {
		d := ref.Digest
		if d == "" {
			d = syntheticDigest(ref.String())
		}
		return digestPullspec(ref, d), "", ""
	}
	if c.ImagePullPolicy == v1.PullNever {
		n.mu.Lock()
		id, ok := n.images[ref.String()]
		n.mu.Unlock()
		if ok {
			return id, "", ""
		}
		return "", "ErrImageNeverPull", fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
	}
	creds := a.pullCredentials(ctx, pod, ref)
	tries := []*credential{nil}
	if len(creds) > 0 {
		tries = tries[:0]
		for i := range creds {
			tries = append(tries, &creds[i])
		}
	}
	var last error
	for _, cred := range tries {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		top, _, _, err := a.rc.resolveImage(pctx, ref, cred)
		cancel()
		if err == nil {
			id := digestPullspec(ref, top)
			n.mu.Lock()
			n.images[ref.String()] = id
			n.mu.Unlock()
			return id, "", ""
		}
		last = err
	}
	return "", "ErrImagePull", pullError(ref, c.Image, last)
}

// --- The pod worker --------------------------------------------------------

type ctrPhase int

const (
	phaseWaiting ctrPhase = iota
	phaseRunning
	phaseTerminated
)

// ctr is a simulated container.
type ctr struct {
	spec    v1.Container
	init    bool
	sidecar bool // an init container with restartPolicy: Always

	pulled                     bool
	pullAttempted              bool
	imageID                    string
	pullFails                  int
	pullBackoffAt, pullRetryAt time.Time
	pullReason, pullMsg        string

	phase       ctrPhase
	startedAt   time.Time
	finishedAt  time.Time
	exitCode    int32
	termReason  string
	ready       bool
	restarts    int32
	last        *v1.ContainerStateTerminated
	crashes     int
	restartAt   time.Time
	containerID string
	logs        []*logInstance // newest last; the last 3 runs
}

type podWorker struct {
	a    *nodeAgent
	node *simNode
	uid  types.UID
	ns   string
	name string
	kick chan struct{}

	mu          sync.Mutex
	pod         *v1.Pod
	gone        bool
	startTime   time.Time
	ip          string
	init        []*ctr
	ctrs        []*ctr
	lastWritten *v1.PodStatus
	writeFailed bool
	terminal    bool // Succeeded/Failed when the worker started (a reused data dir)
	done        chan struct{}
}

func newPodWorker(a *nodeAgent, n *simNode, pod *v1.Pod) *podWorker {
	w := &podWorker{a: a, node: n, uid: pod.UID, ns: pod.Namespace, name: pod.Name, kick: make(chan struct{}, 1),
		pod: pod, startTime: time.Now(), done: make(chan struct{}),
		terminal: pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed}
	if pod.Status.StartTime != nil {
		w.startTime = pod.Status.StartTime.Time
	}
	if pod.Spec.HostNetwork {
		w.ip = "127.0.0.1"
	} else {
		n.mu.Lock()
		k := n.nextIP
		n.nextIP++
		n.mu.Unlock()
		w.ip = fmt.Sprintf("10.%d.%d.%d", 128+n.index%128, (k/250)%256, k%250+2)
	}
	for _, c := range pod.Spec.InitContainers {
		side := c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
		w.init = append(w.init, &ctr{spec: c, init: true, sidecar: side})
	}
	for _, c := range pod.Spec.Containers {
		w.ctrs = append(w.ctrs, &ctr{spec: c})
	}
	return w
}

func (w *podWorker) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *podWorker) setPod(p *v1.Pod) {
	w.mu.Lock()
	if w.pod == nil || rvNewer(p.ResourceVersion, w.pod.ResourceVersion) {
		w.pod = p
	}
	w.mu.Unlock()
	w.poke()
}

func rvNewer(a, b string) bool {
	x, err1 := strconv.ParseUint(a, 10, 64)
	y, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		return a != b
	}
	return x >= y
}

func (w *podWorker) run(ctx context.Context) {
	defer close(w.done)
	defer w.a.removeWorker(w)
	defer w.closeLogs()
	for {
		finished, pending := w.step(ctx)
		if finished {
			return
		}
		d := time.Second
		if pending {
			d = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-time.After(d):
		}
	}
}

func (w *podWorker) closeLogs() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range append(append([]*ctr{}, w.init...), w.ctrs...) {
		for _, l := range c.logs {
			l.close()
		}
	}
}

func (w *podWorker) restartPolicy() v1.RestartPolicy {
	if w.pod.Spec.RestartPolicy == "" {
		return v1.RestartPolicyAlways
	}
	return w.pod.Spec.RestartPolicy
}

// jobLike pods (owned by a Job) run their containers for --ready-delay and
// exit 0, so Jobs complete.
func (w *podWorker) jobLike() bool {
	for _, o := range w.pod.OwnerReferences {
		if o.Kind == "Job" && o.Controller != nil && *o.Controller {
			return true
		}
	}
	return false
}

// step advances the pod; it returns finished when the worker is done and
// pending when a transition is due soon.
func (w *podWorker) step(ctx context.Context) (finished, pending bool) {
	w.mu.Lock()
	if w.gone {
		w.mu.Unlock()
		return true, false
	}
	pod := w.pod
	deleting := pod.DeletionTimestamp != nil
	terminal := w.terminal
	w.mu.Unlock()
	if deleting {
		return w.terminate(ctx, pod), true
	}
	if terminal {
		return false, false // finished before this agent started: nothing to run
	}

	// Pull what is due (outside the lock: it talks to registries).
	w.mu.Lock()
	now := time.Now()
	var due []*ctr
	w.walk(now, func(c *ctr) {
		if !c.pulled && !now.Before(c.pullRetryAt) {
			due = append(due, c)
		}
	})
	w.mu.Unlock()
	for _, c := range due {
		id, reason, msg := w.a.pull(ctx, w.node, pod, &c.spec)
		w.mu.Lock()
		c.pullAttempted = true
		if reason == "" {
			c.pulled, c.imageID = true, id
			w.start(c, time.Now())
		} else {
			c.pullFails++
			d := w.a.backoffFor(c.pullFails)
			t := time.Now()
			c.pullReason, c.pullMsg = reason, msg
			c.pullBackoffAt, c.pullRetryAt = t.Add(d/2), t.Add(d)
			klog.V(2).InfoS("node agent: image pull failed", "pod", klog.KObj(pod), "container", c.spec.Name, "reason", reason, "message", msg)
		}
		w.mu.Unlock()
	}

	w.mu.Lock()
	now = time.Now()
	initDone := w.walk(now, func(c *ctr) { w.advance(c, now) })
	status, pend := w.buildStatus(pod, now, initDone)
	changed := w.lastWritten == nil || w.writeFailed || !apiequality.Semantic.DeepEqual(*w.lastWritten, status)
	w.mu.Unlock()
	if changed {
		w.write(ctx, pod, status)
	}
	w.mu.Lock()
	pend = pend || w.writeFailed
	w.mu.Unlock()
	return false, pend
}

// walk calls f on the containers that may act now: the first unfinished
// init container (and started sidecars), or, once init is done, every
// container. It reports whether init is done. Called with w.mu held.
func (w *podWorker) walk(now time.Time, f func(*ctr)) bool {
	for _, c := range w.init {
		if c.sidecar {
			f(c)
			if c.phase != phaseRunning {
				return false
			}
			continue
		}
		if c.phase == phaseTerminated && c.exitCode == 0 {
			continue
		}
		f(c)
		return false
	}
	for _, c := range w.ctrs {
		f(c)
	}
	return true
}

// start starts a new instance of c. Called with w.mu held.
func (w *podWorker) start(c *ctr, now time.Time) {
	c.phase = phaseRunning
	c.startedAt = now
	c.ready = false
	c.containerID = "cri-o://" + randomHex(32)
	if n := len(c.logs); n > 0 {
		c.logs[n-1].close()
	}
	l := newLogInstance()
	l.id = c.containerID
	l.append(fmt.Sprintf("%s started container %s image %s", now.UTC().Format(time.RFC3339Nano), c.spec.Name, c.imageID))
	c.logs = append(c.logs, l)
	if len(c.logs) > 3 {
		c.logs = c.logs[len(c.logs)-3:]
	}
}

func (w *podWorker) exit(c *ctr, now time.Time, code int32, reason string) {
	c.phase = phaseTerminated
	c.exitCode, c.termReason = code, reason
	c.finishedAt = now
	c.ready = false
	if n := len(c.logs); n > 0 {
		c.logs[n-1].close()
	}
	if code != 0 || (!c.init && w.restartPolicy() == v1.RestartPolicyAlways) {
		c.crashes++
		if c.crashes == 1 {
			c.restartAt = now.Add(terminatedFor)
		} else {
			c.restartAt = now.Add(terminatedFor + w.a.backoffFor(c.crashes-1))
		}
	}
}

// willRestart: a terminated container the kubelet starts again.
func (w *podWorker) willRestart(c *ctr) bool {
	if c.phase != phaseTerminated {
		return false
	}
	if c.sidecar {
		return true
	}
	rp := w.restartPolicy()
	if c.init {
		return c.exitCode != 0 && rp != v1.RestartPolicyNever
	}
	switch rp {
	case v1.RestartPolicyAlways:
		return !w.jobLike()
	case v1.RestartPolicyOnFailure:
		return c.exitCode != 0
	}
	return false
}

// advance moves c along its state machine. Called with w.mu held.
func (w *podWorker) advance(c *ctr, now time.Time) {
	switch c.phase {
	case phaseWaiting:
		// pulling: handled in step
	case phaseRunning:
		h := w.a.hooks
		failing := (c.init && !c.sidecar && h.has(h.failInit, c.spec.Image, c.imageID)) ||
			((!c.init || c.sidecar) && h.has(h.crash, c.spec.Image, c.imageID))
		up := now.Sub(c.startedAt)
		switch {
		case failing:
			if up >= crashRunTime {
				w.exit(c, now, 1, "Error")
			}
		case c.init && !c.sidecar && up >= initRunTime:
			w.exit(c, now, 0, "Completed")
		case !c.init && w.jobLike() && up >= w.a.opts.readyDelay:
			w.exit(c, now, 0, "Completed")
		case !c.ready && (!c.init || c.sidecar) && up >= w.a.opts.readyDelay:
			c.ready = true
		}
	case phaseTerminated:
		if w.willRestart(c) && !now.Before(c.restartAt) {
			c.last = &v1.ContainerStateTerminated{ExitCode: c.exitCode, Reason: c.termReason,
				StartedAt: metav1.NewTime(c.startedAt).Rfc3339Copy(), FinishedAt: metav1.NewTime(c.finishedAt).Rfc3339Copy(), ContainerID: c.containerID}
			c.restarts++
			w.start(c, now)
		}
	}
}

func (w *podWorker) containerStatus(c *ctr, now time.Time, defaultWaiting string) (v1.ContainerStatus, bool) {
	s := v1.ContainerStatus{Name: c.spec.Name, Image: c.spec.Image, ImageID: c.imageID, Ready: c.ready, RestartCount: c.restarts,
		LastTerminationState: v1.ContainerState{}}
	if c.last != nil {
		s.LastTerminationState = v1.ContainerState{Terminated: c.last.DeepCopy()}
	}
	pending := false
	switch c.phase {
	case phaseWaiting:
		pending = true
		switch {
		case !c.pullAttempted:
			s.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: defaultWaiting}}
		case !now.Before(c.pullBackoffAt):
			s.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ImagePullBackOff",
				Message: fmt.Sprintf("Back-off pulling image %q: %s: %s", c.spec.Image, c.pullReason, c.pullMsg)}}
		default:
			s.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: c.pullReason, Message: c.pullMsg}}
		}
		s.Started = ptr.To(false)
	case phaseRunning:
		s.State = v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: metav1.NewTime(c.startedAt).Rfc3339Copy()}}
		s.ContainerID = c.containerID
		s.Started = ptr.To(true)
		pending = !c.ready && (!c.init || c.sidecar) || c.init && !c.sidecar
		if w.a.hooks.has(w.a.hooks.crash, c.spec.Image, c.imageID) || w.a.hooks.has(w.a.hooks.failInit, c.spec.Image, c.imageID) {
			pending = true
		}
		if !c.init && w.jobLike() {
			pending = true
		}
	case phaseTerminated:
		term := &v1.ContainerStateTerminated{ExitCode: c.exitCode, Reason: c.termReason, ContainerID: c.containerID,
			StartedAt: metav1.NewTime(c.startedAt).Rfc3339Copy(), FinishedAt: metav1.NewTime(c.finishedAt).Rfc3339Copy()}
		s.Started = ptr.To(false)
		if w.willRestart(c) {
			pending = true
			if !now.Before(c.finishedAt.Add(terminatedFor)) {
				back := c.restartAt.Sub(c.finishedAt) - terminatedFor
				if back < time.Second {
					back = time.Second
				}
				s.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
					Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", back.Round(time.Second), c.spec.Name, w.name, w.ns, w.uid)}}
				s.LastTerminationState = v1.ContainerState{Terminated: term}
				return s, pending
			}
		}
		s.State = v1.ContainerState{Terminated: term}
	}
	return s, pending
}

// buildStatus computes the pod status. Called with w.mu held.
func (w *podWorker) buildStatus(pod *v1.Pod, now time.Time, initDone bool) (v1.PodStatus, bool) {
	st := *pod.Status.DeepCopy()
	pending := false
	defaultWaiting := "ContainerCreating"
	if len(w.init) > 0 {
		defaultWaiting = "PodInitializing"
	}
	st.InitContainerStatuses = nil
	initFailed := false
	var incomplete []string
	for _, c := range w.init {
		cs, p := w.containerStatus(c, now, defaultWaiting)
		pending = pending || p
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		if c.phase == phaseTerminated && c.exitCode != 0 && w.restartPolicy() == v1.RestartPolicyNever {
			initFailed = true
		}
		if !(c.phase == phaseTerminated && c.exitCode == 0) && !(c.sidecar && c.phase == phaseRunning) {
			incomplete = append(incomplete, c.spec.Name)
		}
	}
	st.ContainerStatuses = nil
	var unready []string
	running, allDone, anyFailed := false, true, false
	for _, c := range w.ctrs {
		cs, p := w.containerStatus(c, now, defaultWaiting)
		if !initDone {
			cs.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "PodInitializing"}}
			p = true
		}
		pending = pending || p
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		if !c.ready {
			unready = append(unready, c.spec.Name)
		}
		if c.phase == phaseRunning || (c.phase == phaseTerminated && w.willRestart(c)) {
			running = true
		}
		if c.phase != phaseTerminated || w.willRestart(c) {
			allDone = false
		} else if c.exitCode != 0 {
			anyFailed = true
		}
	}
	switch {
	case initFailed:
		st.Phase = v1.PodFailed
	case initDone && len(w.ctrs) > 0 && allDone && anyFailed:
		st.Phase = v1.PodFailed
	case initDone && len(w.ctrs) > 0 && allDone:
		st.Phase = v1.PodSucceeded
	case initDone && running:
		st.Phase = v1.PodRunning
	default:
		st.Phase = v1.PodPending
	}
	st.HostIP = "127.0.0.1"
	st.HostIPs = []v1.HostIP{{IP: "127.0.0.1"}}
	st.PodIP = w.ip
	st.PodIPs = []v1.PodIP{{IP: w.ip}}
	st.StartTime = ptr.To(metav1.NewTime(w.startTime).Rfc3339Copy())
	st.ObservedGeneration = pod.Generation

	succeeded := st.Phase == v1.PodSucceeded
	cond := func(t v1.PodConditionType, ok bool, reason, msg string) v1.PodCondition {
		c := v1.PodCondition{Type: t, Status: v1.ConditionFalse, Reason: reason, Message: msg, ObservedGeneration: pod.Generation}
		if ok {
			c.Status, c.Reason, c.Message = v1.ConditionTrue, "", ""
		}
		c.LastTransitionTime = metav1.NewTime(now).Rfc3339Copy()
		for _, o := range pod.Status.Conditions {
			if o.Type == t && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		return c
	}
	ready := initDone && len(unready) == 0
	readyReason, readyMsg := "ContainersNotReady", fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
	if succeeded || st.Phase == v1.PodFailed {
		readyReason, readyMsg = "PodCompleted", ""
	}
	initReason, initMsg := "ContainersNotInitialized", fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " "))
	managed := []v1.PodCondition{
		cond(v1.PodReadyToStartContainers, true, "", ""),
		cond(v1.PodInitialized, initDone, initReason, initMsg),
		cond(v1.PodReady, ready, readyReason, readyMsg),
		cond(v1.ContainersReady, ready, readyReason, readyMsg),
	}
	var conds []v1.PodCondition
	for _, m := range managed {
		conds = append(conds, m)
	}
	for _, o := range pod.Status.Conditions {
		switch o.Type {
		case v1.PodReadyToStartContainers, v1.PodInitialized, v1.PodReady, v1.ContainersReady:
		default:
			conds = append(conds, o) // PodScheduled (the scheduler's), DisruptionTarget, readiness gates
		}
	}
	st.Conditions = conds
	return st, pending
}

func (w *podWorker) write(ctx context.Context, pod *v1.Pod, status v1.PodStatus) {
	out := pod.DeepCopy()
	out.Status = status
	pods := w.a.kube.CoreV1().Pods(w.ns)
	updated, err := pods.UpdateStatus(ctx, out, metav1.UpdateOptions{FieldManager: "kubelet"})
	if apierrors.IsConflict(err) {
		if fresh, gerr := pods.Get(ctx, w.name, metav1.GetOptions{}); gerr == nil && fresh.UID == w.uid {
			fresh.Status = status
			updated, err = pods.UpdateStatus(ctx, fresh, metav1.UpdateOptions{FieldManager: "kubelet"})
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if apierrors.IsNotFound(err) {
			w.gone = true
			return
		}
		w.writeFailed = true
		klog.V(2).InfoS("node agent: pod status write failed", "pod", klog.KRef(w.ns, w.name), "err", err)
		return
	}
	w.writeFailed = false
	w.lastWritten = status.DeepCopy()
	if rvNewer(updated.ResourceVersion, w.pod.ResourceVersion) {
		w.pod = updated
	}
}

// terminate stops the containers of a deleted pod, posts their final
// state and removes the pod (grace period 0), as the kubelet's status
// manager does once the containers are gone.
func (w *podWorker) terminate(ctx context.Context, pod *v1.Pod) bool {
	w.mu.Lock()
	now := time.Now()
	for _, c := range append(append([]*ctr{}, w.init...), w.ctrs...) {
		if c.phase == phaseRunning {
			c.phase = phaseTerminated
			c.exitCode, c.termReason, c.finishedAt, c.ready = 0, "Completed", now, false
			if n := len(c.logs); n > 0 {
				c.logs[n-1].close()
			}
		}
		c.restartAt = now.Add(time.Hour) // no restarts while deleting
	}
	status, _ := w.buildStatus(pod, now, true)
	for i := range status.ContainerStatuses {
		if status.ContainerStatuses[i].State.Waiting != nil && status.ContainerStatuses[i].State.Waiting.Reason == "CrashLoopBackOff" {
			status.ContainerStatuses[i].State = status.ContainerStatuses[i].LastTerminationState
		}
	}
	changed := !w.terminal && (w.lastWritten == nil || !apiequality.Semantic.DeepEqual(*w.lastWritten, status))
	w.mu.Unlock()
	if changed {
		w.write(ctx, pod, status)
	}
	err := w.a.kube.CoreV1().Pods(w.ns).Delete(ctx, w.name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: ptr.To(w.uid)},
	})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return true
	}
	klog.V(2).InfoS("node agent: deleting pod failed", "pod", klog.KRef(w.ns, w.name), "err", err)
	return false
}

// findContainer returns the container named name (regular or init).
func (w *podWorker) findContainer(name string) *ctr {
	for _, c := range append(append([]*ctr{}, w.ctrs...), w.init...) {
		if c.spec.Name == name {
			return c
		}
	}
	return nil
}
