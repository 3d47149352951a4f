package main

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestImageRegistryAccessRecords(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         []registryAccess
		err          bool
	}{
		{"GET", "/v2/", nil, false},
		{"GET", "/v2/ns/app/manifests/v1", []registryAccess{{"repository", "ns/app", "pull"}}, false},
		{"HEAD", "/v2/ns/a/b/blobs/sha256:00", []registryAccess{{"repository", "ns/a/b", "pull"}}, false},
		{"PUT", "/v2/ns/app/manifests/v1", []registryAccess{{"repository", "ns/app", "pull"}, {"repository", "ns/app", "push"}}, false},
		{"POST", "/v2/ns/app/blobs/uploads/?mount=sha256:00&from=other/x", []registryAccess{{"repository", "ns/app", "pull"}, {"repository", "ns/app", "push"}, {"repository", "other/x", "pull"}}, false},
		{"DELETE", "/v2/ns/app/manifests/sha256:00", []registryAccess{{"repository", "ns/app", "delete"}}, false},
		{"GET", "/v2/app/manifests/v1", nil, true},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		got, err := accessRecords(req)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %s: %v %v, want %v (error %v)", tc.method, tc.path, got, err, tc.want, tc.err)
		}
	}
}

func TestImageRegistryChallenge(t *testing.T) {
	r := &imageRegistry{}
	req := httptest.NewRequest("GET", "https://127.0.0.1:5443/v2/", nil)
	if _, err := apiToken(req); err != errTokenRequired {
		t.Fatalf("no Authorization: %v", err)
	}
	w := httptest.NewRecorder()
	r.challenge(w, req, errTokenRequired, nil)
	if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") != `Bearer realm="https://127.0.0.1:5443/openshift/token"` {
		t.Errorf("challenge: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	w = httptest.NewRecorder()
	r.challenge(w, req, errAccessDenied, []registryAccess{{"repository", "ns/app", "push"}})
	if w.Header().Get("WWW-Authenticate") != `Basic realm=openshift,error="access denied"` || !strings.Contains(w.Body.String(), `"code":"UNAUTHORIZED"`) {
		t.Errorf("denied: %q %s", w.Header().Get("WWW-Authenticate"), w.Body.String())
	}
	req.SetBasicAuth("anyone", "tok")
	if tok, err := apiToken(req); err != nil || tok != "tok" {
		t.Errorf("basic: %q %v", tok, err)
	}
	req.Header.Set("Authorization", "Bearer anonymous")
	if tok, err := apiToken(req); err != nil || tok != "" {
		t.Errorf("anonymous bearer: %q %v", tok, err)
	}
}
