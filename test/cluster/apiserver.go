package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/pflag"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"
)

// apiServer runs the real kube-apiserver (the same code path as the
// kube-apiserver binary: options -> NewConfig -> CreateServerChain ->
// PrepareRun -> Run) inside this process. It can be stopped and started
// again on the same port while etcd and the controllers keep running.
type apiServer struct {
	args []string // kube-apiserver flags, without --secure-port/--bind-address

	mu      sync.Mutex
	port    int
	running bool
	cancel  context.CancelFunc
	done    chan error
	ln      *trackingListener
	starts  int

	// crashed receives the error of an instance that exited without being
	// stopped through stop().
	crashed chan error
}

func newAPIServer(args []string, port int) *apiServer {
	return &apiServer{args: args, port: port, crashed: make(chan error, 1)}
}

// start starts the API server and returns once it serves (its listener is
// bound); use waitReady for /readyz. The first start binds port (0 picks a
// free one); every later start binds the same port again.
func (a *apiServer) start(parent context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running {
		return errors.New("kube-apiserver is already running")
	}
	raw, err := listenRetry(a.port, 15*time.Second)
	if err != nil {
		return err
	}
	ln := newTrackingListener(raw)
	port := raw.Addr().(*net.TCPAddr).Port

	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(append([]string{"--secure-port=" + strconv.Itoa(port)}, a.args...)); err != nil {
		ln.Close()
		return fmt.Errorf("kube-apiserver flags: %w", err)
	}
	s.SecureServing.Listener = ln
	s.SecureServing.BindPort = port
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		ln.Close()
		return err
	}

	ctx, cancel := context.WithCancel(parent)
	fail := func(err error) error {
		cancel()
		ln.Close()
		return err
	}
	completed, err := s.Complete(ctx)
	if err != nil {
		return fail(fmt.Errorf("kube-apiserver options: %w", err))
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return fail(fmt.Errorf("kube-apiserver options: %w", utilerrors.NewAggregate(errs)))
	}
	informerName, err := cache.NewInformerName("kube-apiserver")
	if err != nil {
		// The previous instance has not released the name yet (it only
		// names metrics); use a unique one.
		if informerName, err = cache.NewInformerName(fmt.Sprintf("kube-apiserver-%d", a.starts+1)); err != nil {
			return fail(err)
		}
	}
	completed.InformerName = informerName
	release := func() { informerName.Release() }

	config, err := app.NewConfig(completed)
	if err != nil {
		release()
		return fail(err)
	}
	cc, err := config.Complete()
	if err != nil {
		release()
		return fail(err)
	}
	server, err := app.CreateServerChain(cc)
	if err != nil {
		release()
		return fail(fmt.Errorf("kube-apiserver server chain: %w", err))
	}
	prepared, err := server.PrepareRun()
	if err != nil {
		release()
		return fail(err)
	}

	done := make(chan error, 1)
	go func() {
		err := prepared.Run(ctx)
		release()
		if ctx.Err() == nil {
			if err == nil {
				err = errors.New("kube-apiserver exited")
			}
			select {
			case a.crashed <- err:
			default:
			}
		}
		done <- err
		close(done)
	}()
	a.port = port
	a.running = true
	a.cancel = cancel
	a.done = done
	a.ln = ln
	a.starts++
	klog.InfoS("kube-apiserver started", "port", port, "start", a.starts)
	return nil
}

// stop stops the API server like a SIGTERM would, but faster: its context
// is cancelled (it stops listening and drains short requests); after grace
// every connection it still holds (watches, other long-running requests) is
// closed, so clients see their streams end as if the process had exited.
// stop waits (up to timeout) until the server has shut down.
func (a *apiServer) stop(grace, timeout time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return nil
	}
	a.cancel()
	var err error
	select {
	case err = <-a.done:
	case <-time.After(grace):
		n := a.ln.closeConns()
		klog.InfoS("kube-apiserver stopping: closed open connections", "count", n)
		select {
		case err = <-a.done:
		case <-time.After(timeout):
			err = fmt.Errorf("kube-apiserver did not stop within %s", timeout)
		}
	}
	a.ln.closeConns()
	a.running = false
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func (a *apiServer) isRunning() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running
}

func (a *apiServer) boundPort() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.port
}

// listenRetry binds 127.0.0.1:port, retrying while the port is still held
// (a previous instance that is just shutting down).
func listenRetry(port int, timeout time.Duration) (net.Listener, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(timeout)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		if port == 0 || time.Now().After(deadline) {
			return nil, fmt.Errorf("listen %s: %w", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a *apiServer) startCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.starts
}

// trackingListener remembers the connections it accepted so that stop can
// close them.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func newTrackingListener(l net.Listener) *trackingListener {
	return &trackingListener{Listener: l, conns: map[*trackedConn]struct{}{}}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if t, ok := c.(*net.TCPConn); ok {
		_ = t.SetKeepAlive(true)
		_ = t.SetKeepAlivePeriod(3 * time.Minute)
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// closeConns closes every tracked connection and returns how many were open.
func (l *trackingListener) closeConns() int {
	l.mu.Lock()
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return len(conns)
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
