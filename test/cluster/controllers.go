package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
	schedapp "k8s.io/kubernetes/cmd/kube-scheduler/app"
	schedoptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"
)

// startControllerManager runs the real kube-controller-manager (app.Run, the
// code the kube-controller-manager binary runs) with the given flags in a
// goroutine. The returned channel gets Run's result when ctx is cancelled.
func startControllerManager(ctx context.Context, args []string) (<-chan error, error) {
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return nil, err
	}
	known, disabled, aliases := kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases()
	fs := pflag.NewFlagSet("kube-controller-manager", pflag.ContinueOnError)
	nfs := s.Flags(known, disabled, aliases)
	for _, f := range nfs.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("kube-controller-manager flags: %w", err)
	}
	if err := s.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, err
	}
	c, err := s.Config(ctx, known, disabled, aliases)
	if err != nil {
		return nil, fmt.Errorf("kube-controller-manager config: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- kcmapp.Run(ctx, c.Complete())
		close(done)
	}()
	return done, nil
}

// startScheduler runs the real kube-scheduler (app.Setup plus the
// non-leader-elected part of app.Run) with the given flags in a goroutine.
// synced is closed once its informers and event handlers have synced and it
// starts scheduling.
func startScheduler(ctx context.Context, args []string) (done <-chan error, synced <-chan struct{}, err error) {
	opts := schedoptions.NewOptions()
	fs := pflag.NewFlagSet("kube-scheduler", pflag.ContinueOnError)
	for _, f := range opts.Flags.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, fmt.Errorf("kube-scheduler flags: %w", err)
	}
	if err := opts.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, nil, err
	}
	informerName, err := cache.NewInformerName("kube-scheduler")
	if err != nil {
		return nil, nil, err
	}
	opts.InformerName = informerName
	cc, sched, err := schedapp.Setup(ctx, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("kube-scheduler setup: %w", err)
	}
	if cc.LeaderElection != nil {
		return nil, nil, fmt.Errorf("kube-scheduler: leader election must be disabled")
	}
	doneCh := make(chan error, 1)
	syncedCh := make(chan struct{})
	go func() {
		defer close(doneCh)
		logger := klog.FromContext(ctx)
		cc.EventBroadcaster.StartRecordingToSink(ctx.Done())
		defer cc.EventBroadcaster.Shutdown()
		cc.InformerFactory.Start(ctx.Done())
		if cc.DynInformerFactory != nil {
			cc.DynInformerFactory.Start(ctx.Done())
		}
		cc.InformerFactory.WaitForCacheSync(ctx.Done())
		if cc.DynInformerFactory != nil {
			cc.DynInformerFactory.WaitForCacheSync(ctx.Done())
		}
		if err := sched.WaitForHandlersSync(ctx); err != nil {
			logger.Error(err, "kube-scheduler handlers are not fully synchronized")
		}
		if ctx.Err() == nil {
			close(syncedCh)
			logger.Info("kube-scheduler synced, scheduling")
		}
		sched.Run(ctx)
		informerName.Release()
		doneCh <- nil
	}()
	return doneCh, syncedCh, nil
}
