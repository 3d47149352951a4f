package main

// The API objects of the cluster's image registry (--image-registry), as
// the cluster-image-registry-operator and openshift-controller-manager keep
// them:
//
//   - CRDs images.config.openshift.io and configs.imageregistry.operator.openshift.io,
//     the objects `cluster` of both; the image config's status carries
//     internalRegistryHostname and, while the operator config has
//     spec.defaultRoute: true, externalRegistryHostnames [the route];
//   - ConfigMap openshift-config-managed/default-ingress-cert (ca-bundle.crt:
//     the CA that signed the route's certificate);
//   - ClusterRoles system:image-puller, system:image-pusher,
//     system:image-builder, registry-viewer, registry-editor;
//   - in every namespace a RoleBinding system:image-pullers (system:image-puller
//     to the group system:serviceaccounts:NS);
//   - for every ServiceAccount a kubernetes.io/dockercfg secret
//     SA-dockercfg-XXXXX for the internal hostname holding a token of that
//     ServiceAccount, added to its imagePullSecrets and named in the
//     annotation openshift.io/internal-registry-pull-secret-ref.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
)

var (
	gvrImageConfig         = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "images"}
	gvrImageRegistryConfig = schema.GroupVersionResource{Group: "imageregistry.operator.openshift.io", Version: "v1", Resource: "configs"}
)

const (
	pullSecretRefAnnotation = "openshift.io/internal-registry-pull-secret-ref"
	ingressCAConfigMap      = "default-ingress-cert"
)

// openCRD is a cluster-scoped CRD whose spec and status keep any field.
func openCRD(group, kind, plural string) *unstructured.Unstructured {
	open := map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": plural + "." + group},
		"spec": map[string]any{
			"group": group,
			"scope": "Cluster",
			"names": map[string]any{"kind": kind, "listKind": kind + "List", "plural": plural, "singular": lower(kind)},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"apiVersion": map[string]any{"type": "string"}, "kind": map[string]any{"type": "string"},
						"metadata": map[string]any{"type": "object"}, "spec": open, "status": open,
					},
				}},
			}},
		},
	}}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func imageRegistryCRDs() map[string]*payloadManifest {
	out := map[string]*payloadManifest{}
	for _, c := range []*unstructured.Unstructured{
		openCRD("config.openshift.io", "Image", "images"),
		openCRD("imageregistry.operator.openshift.io", "Config", "configs"),
	} {
		out[c.GetName()] = &payloadManifest{File: "(image registry)", Obj: c, GVK: c.GroupVersionKind(), RunLevel: -1}
	}
	return out
}

func imageRegistryClusterRoles() []*rbacv1.ClusterRole {
	layers := func(verbs ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{"", "image.openshift.io"}, Resources: []string{"imagestreams/layers"}, Verbs: verbs}
	}
	streams := func(verbs ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{"", "image.openshift.io"}, Resources: []string{"imagestreams", "imagestreamimages", "imagestreamtags", "imagestreammappings"}, Verbs: verbs}
	}
	role := func(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
		return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
	}
	return []*rbacv1.ClusterRole{
		role("system:image-puller", layers("get")),
		role("system:image-pusher", layers("get", "update")),
		role("system:image-builder", layers("get", "update"), streams("create")),
		role("registry-viewer", layers("get"), streams("get", "list", "watch")),
		role("registry-editor", layers("get", "update"), streams("get", "list", "watch", "create", "update", "patch", "delete")),
	}
}

// prepareImageRegistryObjects creates what a client discovers the registry from.
func prepareImageRegistryObjects(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, reg *imageRegistry, defaultRoute bool) error {
	byName := imageRegistryCRDs()
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	if err := retryTransient(ctx, "image registry CRDs", func() error { return applyCRDs(ctx, dyn, byName, names) }); err != nil {
		return err
	}
	for _, ns := range []string{imageRegistryNS, "openshift-config-managed"} {
		if err := retryTransient(ctx, "namespace", func() error { return ensureNamespace(ctx, kube, ns) }); err != nil {
			return err
		}
	}
	for _, r := range imageRegistryClusterRoles() {
		r := r
		if err := createOnce(ctx, "ClusterRole", func() error {
			_, err := kube.RbacV1().ClusterRoles().Create(ctx, r, metav1.CreateOptions{})
			return err
		}); err != nil {
			return fmt.Errorf("ClusterRole %s: %w", r.Name, err)
		}
	}
	cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ingressCAConfigMap, Namespace: "openshift-config-managed"}, Data: map[string]string{"ca-bundle.crt": string(reg.caPEM)}}
	if err := retryTransient(ctx, "ingress CA", func() error {
		_, err := kube.CoreV1().ConfigMaps(cm.Namespace).Create(ctx, cm, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			_, err = kube.CoreV1().ConfigMaps(cm.Namespace).Update(ctx, cm, metav1.UpdateOptions{})
		}
		return err
	}); err != nil {
		return err
	}
	opConfig := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "imageregistry.operator.openshift.io/v1", "kind": "Config",
		"metadata": map[string]any{"name": "cluster"},
		"spec":     map[string]any{"managementState": "Managed", "defaultRoute": defaultRoute, "replicas": int64(1)},
	}}
	if err := createOnce(ctx, "image registry config", func() error {
		_, err := dyn.Resource(gvrImageRegistryConfig).Create(ctx, opConfig, metav1.CreateOptions{})
		return err
	}); err != nil {
		return err
	}
	imgConfig := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "config.openshift.io/v1", "kind": "Image",
		"metadata": map[string]any{"name": "cluster"}, "spec": map[string]any{},
	}}
	if err := createOnce(ctx, "image config", func() error {
		_, err := dyn.Resource(gvrImageConfig).Create(ctx, imgConfig, metav1.CreateOptions{})
		return err
	}); err != nil {
		return err
	}
	return retryTransient(ctx, "image config status", func() error { return syncImageConfigStatus(ctx, dyn, reg) })
}

// createOnce creates an object unless it exists, retrying while the API server starts.
func createOnce(ctx context.Context, what string, create func() error) error {
	return retryTransient(ctx, what, func() error {
		if err := create(); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		return nil
	})
}

// syncImageConfigStatus publishes the hostnames as the registry operator does.
func syncImageConfigStatus(ctx context.Context, dyn dynamic.Interface, reg *imageRegistry) error {
	op, err := dyn.Resource(gvrImageRegistryConfig).Get(ctx, "cluster", metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	exposed := false
	if op != nil {
		exposed, _, _ = unstructured.NestedBool(op.Object, "spec", "defaultRoute")
	}
	external := []any{}
	if exposed {
		external = append(external, reg.externalHost())
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		img, err := dyn.Resource(gvrImageConfig).Get(ctx, "cluster", metav1.GetOptions{})
		if err != nil {
			return err
		}
		want := map[string]any{"internalRegistryHostname": imageRegistryInternalHost, "externalRegistryHostnames": external}
		have, _, _ := unstructured.NestedMap(img.Object, "status")
		if reflect.DeepEqual(normaliseJSON(have), normaliseJSON(want)) {
			return nil
		}
		img.Object["status"] = want
		_, err = dyn.Resource(gvrImageConfig).UpdateStatus(ctx, img, metav1.UpdateOptions{})
		if err == nil {
			klog.InfoS("image config status", "internal", imageRegistryInternalHost, "external", external)
		}
		return err
	})
}

func normaliseJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// runImageRegistryController keeps the pull secrets, the image-puller
// bindings and the image config's status, until ctx ends.
func runImageRegistryController(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, reg *imageRegistry) {
	queue := make(chan func(), 1024)
	enqueue := func(f func()) {
		select {
		case queue <- f:
		case <-ctx.Done():
		}
	}
	f := informers.NewSharedInformerFactory(kube, 10*time.Minute)
	_, _ = f.Core().V1().ServiceAccounts().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(o any) {
			sa := o.(*v1.ServiceAccount)
			enqueue(func() { ensureDockercfg(ctx, kube, sa.Namespace, sa.Name) })
		},
		UpdateFunc: func(_, o any) {
			sa := o.(*v1.ServiceAccount)
			enqueue(func() { ensureDockercfg(ctx, kube, sa.Namespace, sa.Name) })
		},
	})
	_, _ = f.Core().V1().Namespaces().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(o any) { ns := o.(*v1.Namespace); enqueue(func() { ensureImagePullers(ctx, kube, ns) }) },
	})
	f.Start(ctx.Done())
	// The operator config: its defaultRoute decides the external hostname.
	go func() {
		for ctx.Err() == nil {
			w, err := dyn.Resource(gvrImageRegistryConfig).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=cluster"})
			if err == nil {
				enqueue(func() { _ = syncImageConfigStatus(ctx, dyn, reg) })
				for range w.ResultChan() {
					enqueue(func() { _ = syncImageConfigStatus(ctx, dyn, reg) })
				}
				w.Stop()
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			f.Shutdown()
			return
		case fn := <-queue:
			fn()
		}
	}
}

func ensureImagePullers(ctx context.Context, kube kubernetes.Interface, ns *v1.Namespace) {
	if ns.DeletionTimestamp != nil {
		return
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "system:image-pullers", Namespace: ns.Name,
			Annotations: map[string]string{"openshift.io/description": "Allows all pods in this namespace to pull images from this namespace.  It is auto-managed by a controller; remove subjects to disable."}},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:image-puller"},
		Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: "system:serviceaccounts:" + ns.Name}},
	}
	_, err := kube.RbacV1().RoleBindings(ns.Name).Create(ctx, rb, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) && ctx.Err() == nil {
		klog.V(2).InfoS("image registry: image-pullers binding", "namespace", ns.Name, "err", err)
	}
}

// ensureDockercfg gives the ServiceAccount its pull secret for the internal registry.
func ensureDockercfg(ctx context.Context, kube kubernetes.Interface, ns, name string) {
	sas := kube.CoreV1().ServiceAccounts(ns)
	sa, err := sas.Get(ctx, name, metav1.GetOptions{})
	if err != nil || sa.DeletionTimestamp != nil {
		return
	}
	if ref := sa.Annotations[pullSecretRefAnnotation]; ref != "" {
		if _, err := kube.CoreV1().Secrets(ns).Get(ctx, ref, metav1.GetOptions{}); err == nil {
			return
		}
	}
	exp := int64(365 * 24 * 3600)
	tr, err := sas.CreateToken(ctx, name, &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		if ctx.Err() == nil {
			klog.V(2).InfoS("image registry: token for pull secret", "serviceAccount", ns+"/"+name, "err", err)
		}
		return
	}
	tok := tr.Status.Token
	entry := map[string]string{"username": "serviceaccount", "password": tok, "email": "serviceaccount@example.org",
		"auth": base64.StdEncoding.EncodeToString([]byte("serviceaccount:" + tok))}
	cfg, _ := json.Marshal(map[string]any{imageRegistryInternalHost: entry, imageRegistryService + ".cluster.local:5000": entry})
	secret := &v1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: name + "-dockercfg-", Namespace: ns,
			Annotations:     map[string]string{"kubernetes.io/service-account.name": name, "openshift.io/internal-registry-auth-token.service-account": name},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ServiceAccount", Name: name, UID: sa.UID}},
		},
		Type: v1.SecretTypeDockercfg,
		Data: map[string][]byte{v1.DockerConfigKey: cfg},
	}
	created, err := kube.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{})
	if err != nil {
		if ctx.Err() == nil {
			klog.V(2).InfoS("image registry: pull secret", "serviceAccount", ns+"/"+name, "err", err)
		}
		return
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sa, err := sas.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if sa.Annotations == nil {
			sa.Annotations = map[string]string{}
		}
		old := sa.Annotations[pullSecretRefAnnotation]
		sa.Annotations[pullSecretRefAnnotation] = created.Name
		var keep []v1.LocalObjectReference
		for _, s := range sa.ImagePullSecrets {
			if s.Name != old {
				keep = append(keep, s)
			}
		}
		sa.ImagePullSecrets = append(keep, v1.LocalObjectReference{Name: created.Name})
		_, err = sas.Update(ctx, sa, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		_ = kube.CoreV1().Secrets(ns).Delete(ctx, created.Name, metav1.DeleteOptions{})
		if ctx.Err() == nil {
			klog.V(2).InfoS("image registry: linking pull secret", "serviceAccount", ns+"/"+name, "err", err)
		}
	}
}
