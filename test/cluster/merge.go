package main

// How the CVO decides what to write for an existing object. The real CVO
// (lib/resourcemerge) merges "the critical spec properties from the
// release-image manifest with data from a preexisting in-cluster object" and
// pushes the result when it differs. This is the same idea, generically:
//
//   - labels and annotations the manifest sets are set (others are kept);
//   - every other field the manifest sets is put back when the live object
//     no longer holds it ("holds" = equal, allowing for fields the API
//     server defaulted inside it); fields the manifest does not set (server
//     defaults, a user's additions such as a rollout-restart annotation) are
//     kept;
//   - maps merge key by key, lists are replaced as a whole when they differ
//     (so an extra env var or arg a user added is reverted, like
//     resourcemerge's ensureEnvVar), except the containers and
//     initContainers of a pod template, which merge by name (containers the
//     manifest does not name are removed, as resourcemerge does).
//
// For a Deployment or DaemonSet this owns exactly what the brief asks for:
// the containers' image, env, args and command, replicas when the manifest
// sets them, and the labels/annotations the manifest sets (plus the other
// fields the manifest spells out, as the real CVO also reverts e.g.
// nodeSelector, tolerations and volumes).

import (
	"encoding/base64"
	"math"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// mergeForApply returns the object to write for live given the payload's
// required object, and whether it differs from live.
func mergeForApply(live, required *unstructured.Unstructured) (*unstructured.Unstructured, bool) {
	out := live.DeepCopy()
	req := required.DeepCopy()
	if req.GetKind() == "Secret" && req.GroupVersionKind().Group == "" {
		secretStringDataToData(req.Object)
	}
	changed := false
	// Metadata: labels and annotations (merged), nothing else.
	for _, f := range []string{"labels", "annotations"} {
		rm, _, _ := unstructured.NestedStringMap(req.Object, "metadata", f)
		if len(rm) == 0 {
			continue
		}
		lm, _, _ := unstructured.NestedStringMap(out.Object, "metadata", f)
		if lm == nil {
			lm = map[string]string{}
		}
		for k, v := range rm {
			if cur, ok := lm[k]; !ok || cur != v {
				lm[k] = v
				changed = true
			}
		}
		_ = unstructured.SetNestedStringMap(out.Object, lm, "metadata", f)
	}
	for k, rv := range req.Object {
		switch k {
		case "apiVersion", "kind", "metadata", "status":
			continue
		}
		if mergeValue(out.Object, k, rv, k) {
			changed = true
		}
	}
	return out, changed
}

// secretStringDataToData turns a manifest Secret's stringData into data, as
// the API server does (live Secrets never have stringData).
func secretStringDataToData(obj map[string]any) {
	sd, ok := obj["stringData"].(map[string]any)
	if !ok {
		return
	}
	data, _ := obj["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	for k, v := range sd {
		if s, ok := v.(string); ok {
			data[k] = base64.StdEncoding.EncodeToString([]byte(s))
		}
	}
	obj["data"] = data
	delete(obj, "stringData")
}

// namedListPaths are the lists merged by item name instead of replaced.
func isNamedList(path string) bool {
	return strings.HasSuffix(path, "template.spec.containers") || strings.HasSuffix(path, "template.spec.initContainers") ||
		path == "spec.containers" || path == "spec.initContainers"
}

// mergeValue merges required value rv into parent[key]; path is the dotted
// field path. It reports whether parent changed.
func mergeValue(parent map[string]any, key string, rv any, path string) bool {
	if rv == nil {
		return false
	}
	lv, exists := parent[key]
	switch r := rv.(type) {
	case map[string]any:
		lm, ok := lv.(map[string]any)
		if !ok {
			if contains(lv, r) {
				return false
			}
			parent[key] = runtime.DeepCopyJSONValue(r)
			return true
		}
		changed := false
		for k, v := range r {
			if mergeValue(lm, k, v, path+"."+k) {
				changed = true
			}
		}
		return changed
	case []any:
		if isNamedList(path) {
			if merged, changed := mergeNamedList(lv, r, path); changed {
				parent[key] = merged
				return true
			}
			return false
		}
		if exists && contains(lv, r) {
			return false
		}
		if !exists && contains(nil, r) {
			return false
		}
		parent[key] = runtime.DeepCopyJSONValue(r)
		return true
	default:
		if contains(lv, rv) {
			return false
		}
		parent[key] = runtime.DeepCopyJSONValue(rv)
		return true
	}
}

// mergeNamedList merges lists of objects keyed by "name": the result has the
// required items in the required order, each merged into the live item of
// the same name; live items the manifest does not name are dropped.
func mergeNamedList(lv any, required []any, path string) ([]any, bool) {
	live, _ := lv.([]any)
	byName := map[string]map[string]any{}
	var liveNames []string
	for _, it := range live {
		if m, ok := it.(map[string]any); ok {
			n, _ := m["name"].(string)
			byName[n] = m
			liveNames = append(liveNames, n)
		}
	}
	changed := len(live) != len(required)
	out := make([]any, 0, len(required))
	for i, it := range required {
		rm, ok := it.(map[string]any)
		if !ok {
			return runtime.DeepCopyJSONValue(required).([]any), true
		}
		n, _ := rm["name"].(string)
		if i >= len(liveNames) || liveNames[i] != n {
			changed = true
		}
		lm, ok := byName[n]
		if !ok {
			out = append(out, runtime.DeepCopyJSONValue(rm))
			changed = true
			continue
		}
		cp := runtime.DeepCopyJSONValue(lm).(map[string]any)
		for k, v := range rm {
			if mergeValue(cp, k, v, path+"[].") {
				changed = true
			}
		}
		out = append(out, cp)
	}
	return out, changed
}

// contains reports whether live holds required: maps must hold every key
// of required (extra keys are fine), lists must have the same length and
// hold each required item in order, scalars must be equal (numbers by value,
// strings also as equal quantities, "1Gi" vs "1073741824"). A missing live
// value holds a zero required value ("", 0, false, {}, []), since the API
// server drops those.
func contains(live, required any) bool {
	switch r := required.(type) {
	case nil:
		return true
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return live == nil && isZero(r)
		}
		for k, v := range r {
			if !contains(l[k], v) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok {
			return live == nil && len(r) == 0
		}
		if len(l) != len(r) {
			return false
		}
		for i := range r {
			if !contains(l[i], r[i]) {
				return false
			}
		}
		return true
	case string:
		if live == nil {
			return r == ""
		}
		l, ok := live.(string)
		if !ok {
			return false
		}
		if l == r {
			return true
		}
		ql, err1 := resource.ParseQuantity(l)
		qr, err2 := resource.ParseQuantity(r)
		return err1 == nil && err2 == nil && ql.Cmp(qr) == 0
	case bool:
		if live == nil {
			return !r
		}
		l, ok := live.(bool)
		return ok && l == r
	default:
		rn, ok := toFloat(required)
		if !ok {
			return false
		}
		if live == nil {
			return rn == 0
		}
		ln, ok := toFloat(live)
		return ok && math.Abs(ln-rn) < 1e-9
	}
}

func isZero(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, x := range t {
			if !isZero(x) {
				return false
			}
		}
		return true
	case []any:
		return len(t) == 0
	case string:
		return t == ""
	case bool:
		return !t
	default:
		n, ok := toFloat(v)
		return ok && n == 0
	}
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}
