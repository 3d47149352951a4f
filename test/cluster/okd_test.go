package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func mustObj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	objs, err := decodeObjects([]byte(y))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v (%d objects)", err, len(objs))
	}
	return objs[0]
}

func TestParseImageRef(t *testing.T) {
	cases := map[string]string{
		"busybox":                         "docker.io/library/busybox:latest",
		"quay.io/okd/scos-release:4.19.0": "quay.io/okd/scos-release:4.19.0",
		"127.0.0.1:5000/a/b@sha256:" + strings.Repeat("a", 64): "127.0.0.1:5000/a/b@sha256:" + strings.Repeat("a", 64),
		"localhost/x:1": "localhost/x:1",
		"example/app":   "docker.io/example/app:latest",
	}
	for in, want := range cases {
		r, err := parseImageRef(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if r.String() != want {
			t.Errorf("%s: got %s want %s", in, r.String(), want)
		}
	}
	for _, bad := range []string{"", "UPPER/case", "a@sha256:12", "x:"} {
		if _, err := parseImageRef(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if !isLoopbackHost("127.0.0.1:5000") || !isLoopbackHost("localhost") || isLoopbackHost("quay.io") {
		t.Error("isLoopbackHost")
	}
}

func TestKeyringLookup(t *testing.T) {
	enc := func(u, p string) string { return base64.StdEncoding.EncodeToString([]byte(u + ":" + p)) }
	cfg := `{"auths":{"127.0.0.1:5000":{"auth":"` + enc("host", "1") + `"},
		"127.0.0.1:5000/private":{"auth":"` + enc("repo", "2") + `"},
		"https://quay.io/v1/":{"auth":"` + enc("q", "3") + `"}}}`
	k, err := parseDockerConfigJSON([]byte(cfg), "test")
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := parseImageRef("127.0.0.1:5000/private/app:v1")
	got := k.lookup(ref)
	if len(got) != 2 || got[0].Username != "repo" || got[1].Username != "host" {
		t.Fatalf("lookup = %+v", got)
	}
	ref, _ = parseImageRef("quay.io/okd/x:1")
	if got := k.lookup(ref); len(got) != 1 || got[0].Password != "3" {
		t.Fatalf("quay lookup = %+v", got)
	}
}

func TestRegistryErrorText(t *testing.T) {
	res := &http.Response{StatusCode: 401}
	e := newRegistryError(res, []byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}`))
	if e.Error() != "unauthorized: authentication required" {
		t.Errorf("got %q", e.Error())
	}
	res.StatusCode = 404
	e = newRegistryError(res, []byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}`))
	if e.Error() != "manifest unknown" {
		t.Errorf("got %q", e.Error())
	}
	ref, _ := parseImageRef("127.0.0.1:5000/a/b:v1")
	if got := pullError(ref, "127.0.0.1:5000/a/b:v1", e); got != "initializing source docker://127.0.0.1:5000/a/b:v1: reading manifest v1 in 127.0.0.1:5000/a/b: manifest unknown" {
		t.Errorf("pullError = %q", got)
	}
}

func TestOverrideMatching(t *testing.T) {
	dep := &payloadManifest{Obj: mustObj(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: op, namespace: ns}\n")}
	dep.GVK = dep.Obj.GroupVersionKind()
	crd := &payloadManifest{Obj: mustObj(t, "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b.c}\n")}
	crd.GVK = crd.Obj.GroupVersionKind()
	ov := func(kind, group, ns, name string) []componentOverride {
		return []componentOverride{{Kind: kind, Group: group, Namespace: ns, Name: name, Unmanaged: true}}
	}
	if !unmanaged(ov("Deployment", "apps", "ns", "op"), dep) {
		t.Error("exact override should match")
	}
	if unmanaged(ov("Deployment", "", "ns", "op"), dep) || unmanaged(ov("Deployment", "apps/v1", "ns", "op"), dep) {
		t.Error("the group must be the API group")
	}
	if unmanaged(ov("Deployment", "apps", "other", "op"), dep) || unmanaged(ov("Deployment", "apps", "", "op"), dep) {
		t.Error("the namespace must match for a namespaced manifest")
	}
	if !unmanaged(ov("CustomResourceDefinition", "apiextensions.k8s.io", "whatever", "a.b.c"), crd) {
		t.Error("the namespace is ignored for a cluster-scoped manifest")
	}
	o := ov("Deployment", "apps", "ns", "op")
	o[0].Unmanaged = false
	if unmanaged(o, dep) {
		t.Error("unmanaged: false is no override")
	}
}

const reqDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: op
  namespace: ns
  annotations: {a: "1"}
spec:
  replicas: 1
  selector: {matchLabels: {app: op}}
  template:
    metadata: {labels: {app: op}}
    spec:
      containers:
      - name: op
        image: img:1
        env: [{name: A, value: "x"}]
        resources: {requests: {cpu: 10m, memory: 50Mi}}
`

func TestMergeForApply(t *testing.T) {
	req := mustObj(t, reqDeploy)
	// What the API server returns: defaults filled in, plus a user's changes.
	live := mustObj(t, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: op
  namespace: ns
  annotations: {a: "1", user: kept}
  resourceVersion: "5"
spec:
  replicas: 1
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: op}}
  template:
    metadata:
      labels: {app: op}
      annotations: {kubectl.kubernetes.io/restartedAt: "now"}
    spec:
      containers:
      - name: op
        image: img:1
        imagePullPolicy: IfNotPresent
        env: [{name: A, value: "x"}]
        resources: {requests: {cpu: 10m, memory: 50Mi}}
        terminationMessagePath: /dev/termination-log
      restartPolicy: Always
`)
	if _, changed := mergeForApply(live, req); changed {
		t.Fatal("a live object holding the manifest must not be rewritten")
	}
	drift := live.DeepCopy()
	cs, _, _ := unstructured.NestedSlice(drift.Object, "spec", "template", "spec", "containers")
	c := cs[0].(map[string]any)
	c["image"] = "mine:dev"
	c["env"] = []any{map[string]any{"name": "A", "value": "x"}, map[string]any{"name": "B", "value": "y"}}
	_ = unstructured.SetNestedSlice(drift.Object, cs, "spec", "template", "spec", "containers")
	_ = unstructured.SetNestedField(drift.Object, int64(3), "spec", "replicas")
	out, changed := mergeForApply(drift, req)
	if !changed {
		t.Fatal("drift must be reverted")
	}
	cs, _, _ = unstructured.NestedSlice(out.Object, "spec", "template", "spec", "containers")
	c = cs[0].(map[string]any)
	if c["image"] != "img:1" || len(c["env"].([]any)) != 1 || c["terminationMessagePath"] != "/dev/termination-log" {
		t.Errorf("container after merge: %v", c)
	}
	if r, _, _ := unstructured.NestedInt64(out.Object, "spec", "replicas"); r != 1 {
		t.Errorf("replicas = %d", r)
	}
	if a := out.GetAnnotations(); a["user"] != "kept" {
		t.Errorf("annotations = %v", a)
	}
	if v, _, _ := unstructured.NestedString(out.Object, "spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"); v != "now" {
		t.Error("a rollout restart annotation must be kept")
	}
	// Quantities compare by value.
	if !contains("0.5", "500m") || contains("1", "2") || !contains(nil, "") || contains(nil, "x") {
		t.Error("contains")
	}
	// A Secret's stringData is data on the server.
	sec := mustObj(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\nstringData: {k: v}\n")
	liveSec := mustObj(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\ndata: {k: dg==}\ntype: Opaque\n")
	if _, changed := mergeForApply(liveSec, sec); changed {
		t.Error("stringData must compare as data")
	}
}

func TestFilterAndSortManifests(t *testing.T) {
	mk := func(file, y string) *payloadManifest {
		o := mustObj(t, y)
		m := &payloadManifest{File: file, Obj: o, GVK: o.GroupVersionKind(), RunLevel: -1}
		if mm := manifestFileRE.FindStringSubmatch(file); mm != nil {
			m.RunLevel = int(mm[1][0]-'0')*10 + int(mm[1][1]-'0')
		}
		return m
	}
	inc := "  annotations: {include.release.openshift.io/self-managed-high-availability: \"true\"}\n"
	all := []*payloadManifest{
		mk("0000_50_b_x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"+inc),
		mk("0000_03_a_x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"+inc),
		mk("0000_50_b_y.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sno\n  annotations: {include.release.openshift.io/single-node-developer: \"true\"}\n"),
		mk("0000_50_b_z.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: none\n"),
		mk("0000_10_c_x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tp\n  annotations: {include.release.openshift.io/self-managed-high-availability: \"true\", release.openshift.io/feature-set: TechPreviewNoUpgrade}\n"),
	}
	kept, excluded := filterManifests(all, "self-managed-high-availability")
	sortManifests(kept)
	var names []string
	for _, m := range kept {
		names = append(names, m.Obj.GetName())
	}
	if strings.Join(names, ",") != "a,b" || excluded != 3 {
		t.Errorf("kept %v, excluded %d", names, excluded)
	}
	// Without any include annotation, everything is kept.
	kept, _ = filterManifests(all[3:4], "self-managed-high-availability")
	if len(kept) != 1 {
		t.Error("a payload without include annotations keeps all manifests")
	}
}

func TestHistoryAndUpgradeable(t *testing.T) {
	p1 := &releasePayload{Image: "r@sha256:1", Version: "4.19.0"}
	h := mergeHistory(nil, p1, false, loadStatus{}, "t1")
	h = mergeHistory(h, p1, true, loadStatus{}, "t2")
	p2 := &releasePayload{Image: "r@sha256:2", Version: "4.19.1"}
	h = mergeHistory(h, p2, false, loadStatus{image: p2.Image, acceptedRisks: "forced"}, "t3")
	if len(h) != 2 {
		t.Fatalf("history %v", h)
	}
	first, second := h[0].(map[string]any), h[1].(map[string]any)
	if first["state"] != "Partial" || first["acceptedRisks"] != "forced" || second["state"] != "Completed" || second["completionTime"] != "t2" {
		t.Errorf("history %v", h)
	}
	h = mergeHistory(h, p2, true, loadStatus{}, "t4")
	if h[0].(map[string]any)["state"] != "Completed" || h[0].(map[string]any)["completionTime"] != "t4" {
		t.Errorf("history %v", h)
	}
	r, m := upgradeableFalse(nil, []componentOverride{{Kind: "Deployment", Unmanaged: true}})
	if r != "ClusterVersionOverridesSet" || m != overridesMessage {
		t.Errorf("upgradeable %s %s", r, m)
	}
	if r, _ := upgradeableFalse(nil, []componentOverride{{Kind: "Deployment"}}); r != "" {
		t.Error("unmanaged: false overrides do not block")
	}
	if !minorChanged("4.19.0-okd-scos.16", "4.20.0-okd-scos.1") || minorChanged("4.19.0-okd-scos.16", "4.19.0-okd-scos.17") {
		t.Error("minorChanged")
	}
}

// fakeRegistry serves one image (manifest, config, top layer) and requires
// Basic or Bearer auth when user is set.
func fakeRegistry(t *testing.T, auth string, files map[string]string) (*httptest.Server, string) {
	t.Helper()
	var tarBuf bytes.Buffer
	gz := gzip.NewWriter(&tarBuf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		_ = tw.WriteHeader(&tar.Header{Name: "release-manifests/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	_ = gz.Close()
	digest := func(b []byte) string { s := sha256.Sum256(b); return "sha256:" + hex.EncodeToString(s[:]) }
	layer := tarBuf.Bytes()
	cfg := []byte(`{"architecture":"amd64","os":"linux","config":{"Labels":{"io.openshift.release":"4.19.0"}}}`)
	man, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaOCIManifest,
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(cfg), "size": len(cfg)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(layer), "size": len(layer)}}})
	blobs := map[string][]byte{digest(cfg): cfg, digest(layer): layer}
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"bad creds"}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"token":"tok","expires_in":300}`))
	})
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		switch auth {
		case "basic":
			if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(401)
				_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
				return
			}
		case "bearer":
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+srv.URL+`/token",service="test",scope="repository:okd/release:pull"`)
				w.WriteHeader(401)
				_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
				return
			}
		}
		p := strings.TrimPrefix(r.URL.Path, "/v2/okd/release/")
		switch {
		case strings.HasPrefix(p, "manifests/"):
			ref := strings.TrimPrefix(p, "manifests/")
			if ref != "4.19.0" && ref != digest(man) {
				w.WriteHeader(404)
				_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
				return
			}
			w.Header().Set("Content-Type", mediaOCIManifest)
			_, _ = w.Write(man)
		case strings.HasPrefix(p, "blobs/"):
			b, ok := blobs[strings.TrimPrefix(p, "blobs/")]
			if !ok {
				w.WriteHeader(404)
				return
			}
			_, _ = w.Write(b)
		default:
			w.WriteHeader(404)
		}
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, strings.TrimPrefix(srv.URL, "http://")
}

var testPayloadFiles = map[string]string{
	"image-references":      `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","metadata":{"name":"4.19.0"},"spec":{"tags":[]}}`,
	"release-metadata":      `{"kind":"cincinnati-metadata-v0","version":"4.19.0","previous":[],"metadata":{"url":"https://example.com","io.openshift.upgrades.graph.release.channels":"stable-scos-4"}}`,
	"0000_50_op_00-ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  namespace: ns\n",
	"0000_10_a_cm.json":     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns"}}`,
	"README.md":             "not a manifest",
}

func TestLoadPayloadAuth(t *testing.T) {
	for _, auth := range []string{"none", "basic", "bearer"} {
		t.Run(auth, func(t *testing.T) {
			_, host := fakeRegistry(t, auth, testPayloadFiles)
			rc, err := newRegistryClient([]string{host}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.close()
			image := host + "/okd/release:4.19.0"
			var creds []credential
			if auth != "none" {
				if _, err := loadPayload(context.Background(), rc, nil, image, "self-managed-high-availability"); err == nil ||
					!strings.Contains(err.Error(), "unauthorized: ") {
					t.Fatalf("anonymous load: %v", err)
				}
				creds = []credential{{Username: "u", Password: "p"}}
			}
			p, err := loadPayload(context.Background(), rc, creds, image, "self-managed-high-availability")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range p.Manifests {
				names = append(names, m.GVK.Kind+"/"+m.Obj.GetName())
			}
			if p.Version != "4.19.0" || p.Label != "4.19.0" || p.URL != "https://example.com" || len(p.Channels) != 1 ||
				strings.Join(names, ",") != "ConfigMap/cm,Namespace/ns,ServiceAccount/sa" {
				t.Errorf("payload %+v manifests %v", p, names)
			}
		})
	}
	_, host := fakeRegistry(t, "none", testPayloadFiles)
	rc, _ := newRegistryClient([]string{host}, nil)
	defer rc.close()
	_, err := loadPayload(context.Background(), rc, nil, host+"/okd/release:nope", "self-managed-high-availability")
	if err == nil || !strings.Contains(err.Error(), "manifest unknown") {
		t.Errorf("missing tag: %v", err)
	}
}
