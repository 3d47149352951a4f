package main

// Reading a release payload from a registry, as the cluster-version operator
// sees it: the image manifest (an index resolves to linux/amd64), its config
// (label io.openshift.release) and the TOP layer only, which holds
// release-manifests/: image-references (an ImageStream), release-metadata
// (cincinnati-metadata-v0) and the manifests (*.yaml, *.yml, *.json, each
// possibly several YAML documents).

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// The CVO's manifest file name pattern (pkg/payload/task_graph.go).
var manifestFileRE = regexp.MustCompile(`^0000_(\d+)_([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*?)_`)

const (
	annCreateOnly  = "release.openshift.io/create-only"
	annDelete      = "release.openshift.io/delete"
	annFeatureSet  = "release.openshift.io/feature-set"
	annIncludePref = "include.release.openshift.io/"
)

// payloadManifest is one object of the payload.
type payloadManifest struct {
	File     string
	RunLevel int // -1 when the name does not match 0000_NN_
	Index    int // position of the document in its file
	Obj      *unstructured.Unstructured
	GVK      schema.GroupVersionKind
}

func (m *payloadManifest) String() string {
	ns := m.Obj.GetNamespace()
	id := m.Obj.GetName()
	if ns != "" {
		id = ns + "/" + id
	}
	return fmt.Sprintf("%s %q (%s)", strings.ToLower(m.GVK.Kind), id, m.File)
}

// releasePayload is a loaded payload.
type releasePayload struct {
	Image        string // as requested (spec.desiredUpdate.image or --cvo-release-image)
	Digest       string // the image manifest digest (the top-level one for an index)
	Version      string
	ReleaseName  string // ImageStream metadata.name
	Label        string // config label io.openshift.release
	Architecture string
	URL          string
	Channels     []string
	Manifests    []*payloadManifest // included ones, in apply order
	Excluded     int                // manifests left out by the profile / feature-set filter
	Hash         string             // versionHash
	LoadedAt     time.Time
}

// loadPayload reads the payload image with the given credentials (tried in
// order; none = anonymous) and returns its manifests filtered for profile.
func loadPayload(ctx context.Context, rc *registryClient, creds []credential, image, profile string) (*releasePayload, error) {
	ref, err := parseImageRef(image)
	if err != nil {
		return nil, err
	}
	var lastErr error
	tries := creds
	if len(tries) == 0 {
		tries = []credential{{}}
	}
	for i := range tries {
		var cred *credential
		if tries[i].Username != "" || tries[i].Password != "" {
			cred = &tries[i]
		}
		p, err := loadPayloadWith(ctx, rc, ref, image, profile, cred)
		if err == nil {
			return p, nil
		}
		lastErr = err
		var re *registryError
		var ue errUnauthorizedForCredentials
		if !errors.As(err, &re) && !errors.As(err, &ue) {
			break // not a credentials problem: another credential will not help
		}
	}
	return nil, lastErr
}

func loadPayloadWith(ctx context.Context, rc *registryClient, ref imageRef, image, profile string, cred *credential) (*releasePayload, error) {
	topDigest, m, _, err := rc.resolveImage(ctx, ref, cred)
	if err != nil {
		return nil, fmt.Errorf("unable to read release image %s: %w", image, err)
	}
	p := &releasePayload{Image: image, Digest: topDigest, LoadedAt: time.Now()}
	if m.Config.Digest != "" {
		cfg, err := readBlob(ctx, rc, ref, m.Config.Digest, cred, 4<<20)
		if err != nil {
			return nil, fmt.Errorf("unable to read the config of release image %s: %w", image, err)
		}
		var c struct {
			Architecture string `json:"architecture"`
			Config       struct {
				Labels map[string]string `json:"Labels"`
			} `json:"config"`
		}
		if err := json.Unmarshal(cfg, &c); err != nil {
			return nil, fmt.Errorf("the config of release image %s is not JSON: %w", image, err)
		}
		p.Architecture = c.Architecture
		p.Label = c.Config.Labels["io.openshift.release"]
	}
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("release image %s has no layers", image)
	}
	top := m.Layers[len(m.Layers)-1]
	files, err := readReleaseManifests(ctx, rc, ref, top, cred)
	if err != nil {
		return nil, fmt.Errorf("unable to read the release-manifests layer of %s: %w", image, err)
	}
	if err := p.parse(files, profile); err != nil {
		return nil, fmt.Errorf("release image %s: %w", image, err)
	}
	return p, nil
}

func readBlob(ctx context.Context, rc *registryClient, ref imageRef, digest string, cred *credential, limit int64) ([]byte, error) {
	body, err := rc.getBlob(ctx, ref, digest, cred)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, limit))
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(b); "sha256:"+hex.EncodeToString(sum[:]) != digest {
		return nil, fmt.Errorf("blob %s: digest mismatch", digest)
	}
	return b, nil
}

// readReleaseManifests streams the top layer (gzip or plain tar) and keeps
// the regular files directly under release-manifests/.
func readReleaseManifests(ctx context.Context, rc *registryClient, ref imageRef, layer ociDescriptor, cred *credential) (map[string][]byte, error) {
	if strings.Contains(layer.MediaType, "zstd") {
		return nil, fmt.Errorf("layer %s: zstd layers are not supported", layer.Digest)
	}
	body, err := rc.getBlob(ctx, ref, layer.Digest, cred)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	h := sha256.New()
	br := bufio.NewReader(io.TeeReader(body, h))
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		r = gz
	}
	files := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		dir, file, ok := strings.Cut(cleanTarPath(hdr.Name), "/")
		if !ok || dir != "release-manifests" || strings.Contains(file, "/") || strings.HasPrefix(file, ".wh.") {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, 32<<20))
		if err != nil {
			return nil, err
		}
		files[file] = b
	}
	_, _ = io.Copy(io.Discard, br) // the rest, for the digest
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != layer.Digest {
		return nil, fmt.Errorf("layer %s: digest mismatch (got %s)", layer.Digest, got)
	}
	return files, nil
}

// parse reads image-references, release-metadata and the manifests.
func (p *releasePayload) parse(files map[string][]byte, profile string) error {
	refs, ok := files["image-references"]
	if !ok {
		return errors.New("release-manifests/image-references not found: not a release payload")
	}
	objs, err := decodeObjects(refs)
	if err != nil || len(objs) != 1 || objs[0].GetKind() != "ImageStream" {
		return fmt.Errorf("release-manifests/image-references is not an ImageStream (%v)", err)
	}
	p.ReleaseName = objs[0].GetName()
	if md, ok := files["release-metadata"]; ok {
		var meta struct {
			Kind     string         `json:"kind"`
			Version  string         `json:"version"`
			Metadata map[string]any `json:"metadata"`
		}
		if err := json.Unmarshal(md, &meta); err != nil {
			return fmt.Errorf("release-manifests/release-metadata: %w", err)
		}
		if meta.Kind != "cincinnati-metadata-v0" {
			return fmt.Errorf("release-manifests/release-metadata: unknown kind %q", meta.Kind)
		}
		p.Version = meta.Version
		if u, ok := meta.Metadata["url"].(string); ok {
			p.URL = u
		}
		if ch, ok := meta.Metadata["io.openshift.upgrades.graph.release.channels"].(string); ok && ch != "" {
			for _, c := range strings.Split(ch, ",") {
				if c = strings.TrimSpace(c); c != "" {
					p.Channels = append(p.Channels, c)
				}
			}
			sort.Strings(p.Channels)
		}
	}
	if p.Version == "" {
		p.Version = p.ReleaseName
	}
	if p.Version == "" {
		return errors.New("the payload names no version (release-metadata version, image-references metadata.name)")
	}

	names := make([]string, 0, len(files))
	for name := range files {
		if name == "image-references" || name == "release-metadata" {
			continue
		}
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var all []*payloadManifest
	hash := fnv.New64()
	for _, name := range names {
		objs, err := decodeObjects(files[name])
		if err != nil {
			return fmt.Errorf("error parsing %s: %w", name, err)
		}
		hash.Write(files[name])
		rl := -1
		if m := manifestFileRE.FindStringSubmatch(name); m != nil {
			rl, _ = strconv.Atoi(m[1])
		}
		for i, o := range objs {
			if o.GetName() == "" {
				return fmt.Errorf("error parsing %s: document %d has no metadata.name", name, i)
			}
			all = append(all, &payloadManifest{File: name, RunLevel: rl, Index: i, Obj: o, GVK: o.GroupVersionKind()})
		}
	}
	p.Hash = base64.StdEncoding.EncodeToString(hash.Sum(nil))
	p.Manifests, p.Excluded = filterManifests(all, profile)
	sortManifests(p.Manifests)
	return nil
}

// decodeObjects decodes a YAML (multi-document) or JSON file into objects;
// empty documents are skipped.
func decodeObjects(data []byte) ([]*unstructured.Unstructured, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, err
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) || bytes.Equal(raw, []byte("{}")) {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
}

// filterManifests applies the inclusion rules at load time.
//
// Cluster profile: the real CVO (library-go manifest.Include with the
// profile set) drops every manifest without
// include.release.openshift.io/<profile>: "true". Hand-made test payloads
// often carry no include annotation at all, so: when no manifest of the
// payload has any include.release.openshift.io/* annotation, all are kept;
// otherwise only those including the profile.
//
// Feature set: release.openshift.io/feature-set must list "Default" (the
// cluster runs the default feature set), as library-go checkFeatureSets does.
// Capabilities: every capability counts as enabled, so
// capability.openshift.io/name filters nothing.
func filterManifests(all []*payloadManifest, profile string) ([]*payloadManifest, int) {
	anyInclude := false
	for _, m := range all {
		for k := range m.Obj.GetAnnotations() {
			if strings.HasPrefix(k, annIncludePref) {
				anyInclude = true
			}
		}
	}
	var out []*payloadManifest
	for _, m := range all {
		ann := m.Obj.GetAnnotations()
		if anyInclude && ann[annIncludePref+profile] != "true" {
			continue
		}
		if fs, ok := ann[annFeatureSet]; ok {
			found := false
			for _, s := range strings.Split(fs, ",") {
				if strings.TrimSpace(s) == "Default" {
					found = true
				}
			}
			if !found {
				continue
			}
		}
		out = append(out, m)
	}
	return out, len(all) - len(out)
}

// sortManifests orders manifests as the CVO's graph does for an update:
// by run level (0000_NN_), then file name, then position in the file;
// files without the 0000_ prefix go last.
func sortManifests(ms []*payloadManifest) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		ra, rb := a.RunLevel, b.RunLevel
		if ra < 0 {
			ra = 1 << 30
		}
		if rb < 0 {
			rb = 1 << 30
		}
		if ra != rb {
			return ra < rb
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Index < b.Index
	})
}

// componentOverride is one entry of ClusterVersion spec.overrides.
type componentOverride struct {
	Kind      string `json:"kind"`
	Group     string `json:"group"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Unmanaged bool   `json:"unmanaged"`
}

// overrideFor returns the override matching m, as library-go
// pkg/manifest/manifest.go (*Manifest).getOverrideForManifest does (the
// CVO's sync_worker.go passes work.Overrides to Manifest.Include, which calls
// it): group, kind, name and namespace must all be equal, except that the
// override's namespace is ignored for a cluster-scoped manifest (one without
// metadata.namespace). library-go is not imported here (its openshift/api
// dependencies do not line up with k8s.io v0.37.2); these lines mirror it.
func overrideFor(overrides []componentOverride, m *payloadManifest) *componentOverride {
	for i := range overrides {
		o := overrides[i]
		ns := o.Namespace
		if m.Obj.GetNamespace() == "" {
			ns = "" // cluster-scoped objects don't have namespace.
		}
		if m.GVK.Group == o.Group && m.GVK.Kind == o.Kind && m.Obj.GetName() == o.Name && m.Obj.GetNamespace() == ns {
			return &overrides[i]
		}
	}
	return nil
}

// unmanaged reports whether an unmanaged: true override matches m.
func unmanaged(overrides []componentOverride, m *payloadManifest) bool {
	o := overrideFor(overrides, m)
	return o != nil && o.Unmanaged
}
