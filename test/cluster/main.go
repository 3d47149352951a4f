// Command okd-test-cluster runs a real Kubernetes control plane for tests in
// one process: an embedded etcd, the real kube-apiserver, the real
// kube-controller-manager controllers a rollout needs and (optionally) the
// real kube-scheduler. It prints one JSON line on stdout when the cluster is
// ready and serves a loopback admin endpoint to restart the API server and
// compact etcd. See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/component-base/version"
	"k8s.io/klog/v2"
)

const defaultControllers = "deployment,replicaset,daemonset,statefulset,job,garbagecollector,namespace," +
	"serviceaccount,serviceaccount-token,root-ca-cert-publisher,endpointslice"

// defaultStopGrace is how long a stopping API server may drain requests
// before its remaining connections (watches) are closed.
const defaultStopGrace = 500 * time.Millisecond

type flags struct {
	dataDir           string
	port              int
	kubeconfigOut     string
	adminPort         int
	etcdPort          int
	etcdPeerPort      int
	scheduler         bool
	controllers       string
	serviceCIDR       string
	exitOnStdinClose  bool
	apiserverArgs     []string
	controllerMgrArgs []string
	schedulerArgs     []string
	verbosity         int
	etcdLogLevel      string
	etcdNoFsync       bool
	readyTimeout      time.Duration
	printVersion      bool
	okd               okdFlags
}

// readyLine is the single JSON line printed on stdout.
type readyLine struct {
	Ready       bool              `json:"ready"`
	Error       string            `json:"error,omitempty"`
	URL         string            `json:"url,omitempty"`
	Kubeconfig  string            `json:"kubeconfig,omitempty"`
	CAFile      string            `json:"caFile,omitempty"`
	Tokens      *tokens           `json:"tokens,omitempty"`
	TokenFiles  map[string]string `json:"tokenFiles,omitempty"`
	ClientCert  string            `json:"clientCert,omitempty"`
	ClientKey   string            `json:"clientKey,omitempty"`
	Etcd        string            `json:"etcd,omitempty"`
	Admin       string            `json:"admin,omitempty"`
	Pid         int               `json:"pid"`
	Version     string            `json:"version"`
	DataDir     string            `json:"dataDir,omitempty"`
	Scheduler   bool              `json:"scheduler"`
	Controllers []string          `json:"controllers,omitempty"`
	StartMs     int64             `json:"startMs,omitempty"`
	CVO         bool              `json:"cvo"`
	Nodes       int               `json:"nodes"`
	// ImageRegistry is the cluster's registry (--image-registry): route and internal hostname.
	ImageRegistry map[string]any `json:"imageRegistry,omitempty"`
}

type cluster struct {
	f          flags
	dataDir    string
	tmpDataDir bool
	pki        pkiFiles
	tokens     tokens
	etcd       *etcdServer
	api        *apiServer
	admin      *adminServer
	url        string
	client     kubernetes.Interface
	ctx        context.Context // lives until shutdown
	npki       nodePKI

	okdMu sync.Mutex
	okd   *okdParts // CRDs, CVO, node agent (nil without OKD flags)
}

func main() {
	os.Exit(run())
}

func run() int {
	t0 := time.Now()
	var f flags
	fs := pflag.NewFlagSet("okd-test-cluster", pflag.ContinueOnError)
	fs.StringVar(&f.dataDir, "data-dir", "", "directory for etcd data, PKI, tokens and kubeconfigs (default: a new temporary directory, removed on exit); an existing one is reused")
	fs.IntVar(&f.port, "port", 0, "kube-apiserver secure port on 127.0.0.1 (0 = pick a free port)")
	fs.StringVar(&f.kubeconfigOut, "kubeconfig-out", "", "where to write the test kubeconfig (default DATA_DIR/kubeconfig)")
	fs.IntVar(&f.adminPort, "admin-port", 0, "port of the loopback admin HTTP endpoint (0 = pick a free port)")
	fs.IntVar(&f.etcdPort, "etcd-port", 0, "etcd client port on 127.0.0.1 (0 = pick a free port)")
	fs.IntVar(&f.etcdPeerPort, "etcd-peer-port", 0, "etcd peer port on 127.0.0.1 (0 = pick a free port)")
	fs.BoolVar(&f.scheduler, "scheduler", true, "run kube-scheduler in-process")
	fs.StringVar(&f.controllers, "controllers", defaultControllers, "kube-controller-manager --controllers list (empty = do not run the controller manager)")
	fs.StringVar(&f.serviceCIDR, "service-cluster-ip-range", "10.0.0.0/24", "service cluster IP range")
	fs.BoolVar(&f.exitOnStdinClose, "exit-on-stdin-close", false, "shut down when stdin reaches EOF (the parent died)")
	fs.StringArrayVar(&f.apiserverArgs, "apiserver-arg", nil, "extra kube-apiserver flag, e.g. --apiserver-arg=--watch-cache=false (repeatable; appended last, so it overrides)")
	fs.StringArrayVar(&f.controllerMgrArgs, "controller-manager-arg", nil, "extra kube-controller-manager flag (repeatable)")
	fs.StringArrayVar(&f.schedulerArgs, "scheduler-arg", nil, "extra kube-scheduler flag (repeatable)")
	fs.IntVarP(&f.verbosity, "v", "v", 0, "klog verbosity of the Kubernetes components (stderr)")
	fs.StringVar(&f.etcdLogLevel, "etcd-log-level", "error", "etcd server log level: debug, info, warn, error")
	fs.BoolVar(&f.etcdNoFsync, "etcd-unsafe-no-fsync", true, "run etcd without fsync (fast; data may be lost if the machine crashes)")
	fs.DurationVar(&f.readyTimeout, "ready-timeout", 90*time.Second, "give up if the cluster is not ready within this time")
	fs.BoolVar(&f.printVersion, "version", false, "print the Kubernetes version and exit")
	fs.StringVar(&f.okd.crdDir, "crd-dir", "", "create the ClusterVersion/ClusterOperator CRDs found in this directory, the OKD namespaces and the ClusterVersion 'version' (empty = no OKD parts)")
	fs.StringVar(&f.okd.releaseImage, "cvo-release-image", "", "run a cluster-version operator on this release payload pullspec (needs --crd-dir)")
	fs.StringArrayVar(&f.okd.insecureRegistry, "insecure-registry", nil, "HOST:PORT of a registry spoken to over plain http (repeatable)")
	fs.StringVar(&f.okd.registryAuthFile, "registry-auth-file", "", "containers auth.json with credentials for the release payload's registry")
	fs.StringArrayVar(&f.okd.registryCAFiles, "registry-ca-file", nil, "extra CA certificate (PEM) trusted for https registries (repeatable)")
	fs.DurationVar(&f.okd.cvoResync, "cvo-resync", 15*time.Second, "cluster-version operator resync interval")
	fs.StringVar(&f.okd.cvoProfile, "cvo-profile", "self-managed-high-availability", "cluster profile: manifests need include.release.openshift.io/<profile>=true (when any manifest has an include annotation)")
	fs.BoolVar(&f.okd.cvoReportCOs, "cvo-report-operators", true, "stand in for the payload's operators: report each ClusterOperator Available at the manifest's versions")
	fs.StringVar(&f.okd.channel, "channel", "stable-scos-4", "ClusterVersion spec.channel")
	fs.StringVar(&f.okd.clusterID, "cluster-id", "", "ClusterVersion spec.clusterID (default: a random UUID)")
	fs.IntVar(&f.okd.nodes, "nodes", -1, "simulated nodes run by the node agent (default 1 with --crd-dir, else 0; 0 = none)")
	fs.DurationVar(&f.okd.readyDelay, "ready-delay", time.Second, "how long a started container takes to become Ready")
	fs.DurationVar(&f.okd.nodeBackoff, "node-backoff", time.Second, "first image-pull / crash-loop back-off step (doubles, capped at 10x)")
	fs.BoolVar(&f.okd.imageRegistry, "image-registry", false, "run the cluster's own image registry (docker-registry behind OpenShift's token auth) at image-registry.openshift-image-registry.svc:5000 and a loopback default route")
	fs.IntVar(&f.okd.imageRegPort, "image-registry-port", 0, "loopback port of the image registry's default route (0 = a free port)")
	fs.BoolVar(&f.okd.imageRegRoute, "image-registry-default-route", true, "initial spec.defaultRoute of configs.imageregistry.operator.openshift.io/cluster (false: no external hostname until it is patched)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if f.printVersion {
		fmt.Println(version.Get().GitVersion)
		return 0
	}
	if err := f.okd.validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	setupLogging(f.verbosity)

	c := &cluster{f: f}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.ctx = ctx

	// Signals are handled from the start so that an early SIGTERM still
	// shuts etcd down cleanly.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	stdinClosed := make(chan struct{})
	if f.exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(stdinClosed)
		}()
	}

	startErr := make(chan error, 1)
	var kcmDone, schedDone <-chan error
	var schedSynced <-chan struct{}
	var ctrlCancel context.CancelFunc = func() {}
	go func() {
		var err error
		kcmDone, schedDone, schedSynced, ctrlCancel, err = c.start(ctx)
		startErr <- err
	}()

	ready := false
	for !ready {
		select {
		case err := <-startErr:
			if err != nil {
				klog.ErrorS(err, "startup failed")
				printLine(readyLine{Ready: false, Error: err.Error(), Pid: os.Getpid(), Version: version.Get().GitVersion})
				c.shutdown(ctrlCancel, nil, nil)
				return 1
			}
			ready = true
		case s := <-sigs:
			if s == syscall.SIGUSR1 {
				continue
			}
			klog.InfoS("signal during startup, shutting down", "signal", s)
			cancel()
			<-startErr
			c.shutdown(ctrlCancel, kcmDone, schedDone)
			return 0
		case <-stdinClosed:
			klog.InfoS("stdin closed during startup, shutting down")
			cancel()
			<-startErr
			c.shutdown(ctrlCancel, kcmDone, schedDone)
			return 0
		}
	}
	_ = schedSynced

	line := readyLine{
		Ready:      true,
		URL:        c.url,
		Kubeconfig: c.f.kubeconfigOut,
		CAFile:     c.pki.CACert,
		Tokens:     &c.tokens,
		TokenFiles: map[string]string{
			"admin":  c.f.kubeconfigOut + ".admin-token",
			"viewer": c.f.kubeconfigOut + ".viewer-token",
		},
		ClientCert: c.pki.AdminCert,
		ClientKey:  c.pki.AdminKey,
		Etcd:       c.etcd.clientURL,
		Admin:      c.admin.url,
		Pid:        os.Getpid(),
		Version:    version.Get().GitVersion,
		DataDir:    c.dataDir,
		Scheduler:  f.scheduler,
		StartMs:    msSince(t0),
	}
	c.okdMu.Lock()
	line.CVO, line.Nodes = okdReadyFields(c.okd)
	if c.okd != nil && c.okd.reg != nil {
		line.ImageRegistry = c.okd.reg.status()
	}
	c.okdMu.Unlock()
	if f.controllers != "" {
		line.Controllers = strings.Split(f.controllers, ",")
	}
	printLine(line)
	klog.InfoS("cluster ready", "url", c.url, "startup", time.Since(t0).Round(time.Millisecond))

	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGUSR1 {
				go func() {
					klog.InfoS("SIGUSR1: restarting kube-apiserver")
					if err := c.restartAPIServer(); err != nil {
						klog.ErrorS(err, "kube-apiserver restart failed")
					}
				}()
				continue
			}
			klog.InfoS("shutting down", "signal", s)
			go func() {
				// A second signal forces the exit.
				<-sigs
				klog.InfoS("second signal, exiting immediately")
				os.Exit(1)
			}()
			return c.shutdown(ctrlCancel, kcmDone, schedDone)
		case <-stdinClosed:
			klog.InfoS("stdin closed, shutting down")
			return c.shutdown(ctrlCancel, kcmDone, schedDone)
		case err := <-c.api.crashed:
			klog.ErrorS(err, "kube-apiserver exited unexpectedly")
			c.shutdown(ctrlCancel, kcmDone, schedDone)
			return 1
		case err := <-kcmDone:
			klog.ErrorS(err, "kube-controller-manager exited unexpectedly")
			c.shutdown(ctrlCancel, nil, schedDone)
			return 1
		case err := <-schedDone:
			klog.ErrorS(err, "kube-scheduler exited unexpectedly")
			c.shutdown(ctrlCancel, kcmDone, nil)
			return 1
		}
	}
}

func setupLogging(v int) {
	// Several components would reconfigure logging; with one shared klog
	// that must be a no-op.
	logsapi.ReapplyHandling = logsapi.ReapplyHandlingIgnoreUnchanged
	gofs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(gofs)
	_ = gofs.Set("logtostderr", "true")
	_ = gofs.Set("v", strconv.Itoa(v))
	// The components' loopback clients should not log server warnings.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
}

func printLine(l readyLine) {
	b, err := json.Marshal(l)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(append(b, '\n'))
}

// start brings the cluster up and returns once it is ready.
func (c *cluster) start(ctx context.Context) (kcmDone, schedDone <-chan error, schedSynced <-chan struct{}, ctrlCancel context.CancelFunc, err error) {
	ctrlCancel = func() {}
	f := c.f
	if v := version.Get().GitVersion; strings.HasPrefix(v, "v0.0.0") {
		klog.Warningf("built without version ldflags (gitVersion %q); build with ./build.sh", v)
	}

	// Data dir, PKI, tokens.
	if f.dataDir == "" {
		d, err := os.MkdirTemp("", "okd-test-cluster-")
		if err != nil {
			return nil, nil, nil, ctrlCancel, err
		}
		c.dataDir, c.tmpDataDir = d, true
	} else {
		d, err := filepath.Abs(f.dataDir)
		if err != nil {
			return nil, nil, nil, ctrlCancel, err
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, nil, nil, ctrlCancel, err
		}
		c.dataDir = d
	}
	if f.kubeconfigOut == "" {
		f.kubeconfigOut = filepath.Join(c.dataDir, "kubeconfig")
	}
	if f.kubeconfigOut, err = filepath.Abs(f.kubeconfigOut); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	c.f.kubeconfigOut = f.kubeconfigOut
	svcIP, err := firstServiceIP(f.serviceCIDR)
	if err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	c.pki = newPKIFiles(c.dataDir)
	var reused bool
	if c.tokens, reused, err = ensurePKI(c.pki, svcIP); err != nil {
		return nil, nil, nil, ctrlCancel, fmt.Errorf("pki: %w", err)
	}
	c.npki = newNodePKI(c.pki)
	if err := ensureNodePKI(c.pki, c.npki); err != nil {
		return nil, nil, nil, ctrlCancel, fmt.Errorf("kubelet pki: %w", err)
	}
	klog.InfoS("pki ready", "dir", c.pki.Dir, "reused", reused)

	// etcd.
	if c.etcd, err = startEtcd(c.dataDir, f.etcdPort, f.etcdPeerPort, f.etcdLogLevel, f.etcdNoFsync); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	klog.InfoS("etcd ready", "url", c.etcd.clientURL)

	if c.admin, err = startAdmin(c, f.adminPort); err != nil {
		return nil, nil, nil, ctrlCancel, fmt.Errorf("admin endpoint: %w", err)
	}

	// kube-apiserver.
	c.api = newAPIServer(c.apiserverArgs(), f.port)
	if err := c.api.start(ctx); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	c.url = "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(c.api.boundPort()))

	if err := writeUserKubeconfig(f.kubeconfigOut, c.url, c.pki, c.tokens); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	if err := os.WriteFile(f.kubeconfigOut+".admin-token", []byte(c.tokens.Admin+"\n"), 0o600); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	if err := os.WriteFile(f.kubeconfigOut+".viewer-token", []byte(c.tokens.Viewer+"\n"), 0o600); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	kcmKubeconfig := filepath.Join(c.dataDir, "controller-manager.kubeconfig")
	schedKubeconfig := filepath.Join(c.dataDir, "scheduler.kubeconfig")
	if err := writeComponentKubeconfig(kcmKubeconfig, c.url, c.pki.CACert, c.pki.KCMCert, c.pki.KCMKey); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	if err := writeComponentKubeconfig(schedKubeconfig, c.url, c.pki.CACert, c.pki.SchedulerCert, c.pki.SchedulerKey); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", f.kubeconfigOut)
	if err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	restCfg.QPS, restCfg.Burst = 100, 200
	if c.client, err = kubernetes.NewForConfig(restCfg); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}

	deadline, cancelDeadline := context.WithTimeout(ctx, f.readyTimeout)
	defer cancelDeadline()
	// The OKD objects (CRDs, namespaces, ClusterVersion) are created while
	// the API server finishes starting (their requests retry until it serves).
	type prepResult struct {
		p   *okdPrep
		err error
	}
	prepCh := make(chan prepResult, 1)
	go func() {
		p, err := c.prepareOKD(deadline)
		prepCh <- prepResult{p, err}
	}()
	if err := c.waitAPIReady(deadline); err != nil {
		return nil, nil, nil, ctrlCancel, err
	}
	klog.InfoS("kube-apiserver ready", "url", c.url)

	// Controllers and scheduler get their own context so that shutdown can
	// stop them before the API server.
	ctrlCtx, cancelCtrl := context.WithCancel(ctx)
	ctrlCancel = cancelCtrl
	if f.controllers != "" {
		kcmDone, err = startControllerManager(ctrlCtx, c.controllerManagerArgs(kcmKubeconfig))
		if err != nil {
			return nil, nil, nil, ctrlCancel, err
		}
	}
	if f.scheduler {
		schedCfg := filepath.Join(c.dataDir, "scheduler-config.yaml")
		if err := os.WriteFile(schedCfg, []byte(schedulerConfig(schedKubeconfig)), 0o600); err != nil {
			return kcmDone, nil, nil, ctrlCancel, err
		}
		schedDone, schedSynced, err = startScheduler(ctrlCtx, append([]string{"--config=" + schedCfg, "--secure-port=0"}, f.schedulerArgs...))
		if err != nil {
			return kcmDone, nil, nil, ctrlCancel, err
		}
	}

	// Ready means: the namespace "default" has its service account (the
	// serviceaccount controller runs, so the controller manager's informers
	// have synced) and the scheduler's caches have synced.
	if hasController(f.controllers, "serviceaccount") {
		if err := c.waitDefaultServiceAccount(deadline); err != nil {
			return kcmDone, schedDone, schedSynced, ctrlCancel, err
		}
	}
	if schedSynced != nil {
		select {
		case <-schedSynced:
		case err := <-schedDone:
			return kcmDone, nil, schedSynced, ctrlCancel, fmt.Errorf("kube-scheduler exited: %v", err)
		case <-deadline.Done():
			return kcmDone, schedDone, schedSynced, ctrlCancel, fmt.Errorf("kube-scheduler not synced: %w", deadline.Err())
		}
	}

	// The OKD parts: clients of the API server, started on a ready cluster.
	var prep prepResult
	select {
	case prep = <-prepCh:
	case <-deadline.Done():
		return kcmDone, schedDone, schedSynced, ctrlCancel, fmt.Errorf("okd: %w", deadline.Err())
	}
	if prep.err != nil {
		return kcmDone, schedDone, schedSynced, ctrlCancel, fmt.Errorf("okd: %w", prep.err)
	}
	parts, err := c.startOKD(ctx, deadline, prep.p)
	if err != nil {
		return kcmDone, schedDone, schedSynced, ctrlCancel, fmt.Errorf("okd: %w", err)
	}
	c.okdMu.Lock()
	c.okd = parts
	c.okdMu.Unlock()
	return kcmDone, schedDone, schedSynced, ctrlCancel, nil
}

func (c *cluster) apiserverArgs() []string {
	p := c.pki
	args := []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--etcd-servers=" + c.etcd.clientURL,
		"--cert-dir=" + p.Dir,
		"--tls-cert-file=" + p.ServingCert,
		"--tls-private-key-file=" + p.ServingKey,
		"--client-ca-file=" + p.CACert,
		"--token-auth-file=" + p.TokenCSV,
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.SAPub,
		"--service-account-signing-key-file=" + p.SAKey,
		"--service-cluster-ip-range=" + c.f.serviceCIDR,
		// A loopback advertise address cannot back the "kubernetes"
		// service's endpoints.
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		// The kubelet API (kubectl logs) of the node agent's nodes.
		"--kubelet-client-certificate=" + c.npki.ClientCert,
		"--kubelet-client-key=" + c.npki.ClientKey,
		"--kubelet-certificate-authority=" + p.CACert,
		"--kubelet-preferred-address-types=InternalIP",
	}
	return append(args, c.f.apiserverArgs...)
}

func (c *cluster) controllerManagerArgs(kubeconfig string) []string {
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--controllers=" + c.f.controllers,
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--secure-port=0",
		"--service-account-private-key-file=" + c.pki.SAKey,
		"--root-ca-file=" + c.pki.CACert,
		"--kube-api-qps=100",
		"--kube-api-burst=200",
		"--profiling=false",
	}
	return append(args, c.f.controllerMgrArgs...)
}

func schedulerConfig(kubeconfig string) string {
	return `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: ` + strconv.Quote(kubeconfig) + `
  qps: 100
  burst: 200
leaderElection:
  leaderElect: false
enableProfiling: false
`
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if strings.TrimSpace(c) == name || strings.TrimSpace(c) == name+"-controller" || strings.TrimSpace(c) == "*" {
			return true
		}
	}
	return false
}

// waitAPIReady polls /readyz until it answers 200.
func (c *cluster) waitAPIReady(ctx context.Context) error {
	var last string
	for {
		var code int
		res := c.client.Discovery().RESTClient().Get().AbsPath("/readyz").Timeout(5 * time.Second).Do(ctx)
		res.StatusCode(&code)
		if code == http.StatusOK {
			return nil
		}
		if err := res.Error(); err != nil {
			last = err.Error()
		}
		select {
		case err := <-c.api.crashed:
			return fmt.Errorf("kube-apiserver exited: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver /readyz not ok (last: %s): %w", last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *cluster) waitDefaultServiceAccount(ctx context.Context) error {
	for {
		_, err := c.client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if !apierrors.IsNotFound(err) {
			klog.V(2).InfoS("waiting for default service account", "err", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no default service account (controller manager not running?): %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// startAPIServerAndWait starts the (stopped) API server on its port and
// waits for /readyz.
func (c *cluster) startAPIServerAndWait(ctx context.Context) error {
	if err := c.api.start(c.ctx); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, c.f.readyTimeout)
	defer cancel()
	return c.waitAPIReady(wctx)
}

func (c *cluster) restartAPIServer() error {
	c.admin.mu.Lock()
	defer c.admin.mu.Unlock()
	if err := c.api.stop(defaultStopGrace, 30*time.Second); err != nil {
		return err
	}
	return c.startAPIServerAndWait(context.Background())
}

// shutdown stops scheduler and controllers, then the API server, then etcd.
// It returns the process exit code.
func (c *cluster) shutdown(ctrlCancel context.CancelFunc, kcmDone, schedDone <-chan error) int {
	t0 := time.Now()
	c.okdMu.Lock()
	parts := c.okd
	c.okdMu.Unlock()
	parts.stop()
	ctrlCancel()
	waitDone := func(name string, ch <-chan error, d time.Duration) {
		if ch == nil {
			return
		}
		select {
		case <-ch:
		case <-time.After(d):
			klog.InfoS("component did not stop in time", "component", name, "timeout", d)
		}
	}
	waitDone("kube-scheduler", schedDone, 10*time.Second)
	waitDone("kube-controller-manager", kcmDone, 15*time.Second)
	code := 0
	if c.api != nil {
		if err := c.api.stop(defaultStopGrace, 30*time.Second); err != nil {
			klog.ErrorS(err, "kube-apiserver shutdown")
			code = 1
		}
	}
	if c.admin != nil {
		c.admin.stop()
	}
	if c.etcd != nil {
		c.etcd.stop()
	}
	if c.tmpDataDir {
		_ = os.RemoveAll(c.dataDir)
	}
	klog.InfoS("stopped", "took", time.Since(t0).Round(time.Millisecond))
	klog.Flush()
	return code
}

// firstServiceIP returns the first usable address of cidr (the IP of the
// "kubernetes" service), which the serving certificate must cover.
func firstServiceIP(cidr string) (net.IP, error) {
	first := strings.Split(cidr, ",")[0]
	_, n, err := net.ParseCIDR(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("--service-cluster-ip-range: %w", err)
	}
	ip := make(net.IP, len(n.IP))
	copy(ip, n.IP)
	for i := len(ip) - 1; i >= 0; i-- {
		ip[i]++
		if ip[i] != 0 {
			break
		}
	}
	return ip, nil
}
