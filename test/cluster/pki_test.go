package main

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func readCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", file)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPKIAndKubeconfig(t *testing.T) {
	dir := t.TempDir()
	p := newPKIFiles(dir)
	svcIP, err := firstServiceIP("10.0.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if svcIP.String() != "10.0.0.1" {
		t.Fatalf("first service IP = %s", svcIP)
	}
	tok, reused, err := ensurePKI(p, svcIP)
	if err != nil {
		t.Fatal(err)
	}
	if reused || tok.Admin == "" || tok.Viewer == "" || tok.Admin == tok.Viewer {
		t.Fatalf("bad tokens %+v reused=%v", tok, reused)
	}

	roots := x509.NewCertPool()
	roots.AddCert(readCert(t, p.CACert))
	serving := readCert(t, p.ServingCert)
	for _, name := range []string{"localhost", "127.0.0.1", "kubernetes.default.svc", "10.0.0.1"} {
		if _, err := serving.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("serving cert for %s: %v", name, err)
		}
	}
	admin := readCert(t, p.AdminCert)
	if _, err := admin.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("admin cert: %v", err)
	}
	if admin.Subject.CommonName != "admin" || len(admin.Subject.Organization) != 1 || admin.Subject.Organization[0] != "system:masters" {
		t.Errorf("admin subject = %v", admin.Subject)
	}
	csv, _ := os.ReadFile(p.TokenCSV)
	if !strings.Contains(string(csv), tok.Admin+",admin,admin,\"system:masters\"") || !strings.Contains(string(csv), tok.Viewer+",viewer,viewer\n") {
		t.Errorf("token file:\n%s", csv)
	}

	// A second call reuses everything.
	tok2, reused, err := ensurePKI(p, svcIP)
	if err != nil || !reused || tok2 != tok {
		t.Fatalf("reuse: %+v %v %v", tok2, reused, err)
	}

	kc := filepath.Join(dir, "out", "kubeconfig")
	if err := writeUserKubeconfig(kc, "https://127.0.0.1:6443", p, tok); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(kc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "admin" || len(cfg.Contexts) != 3 {
		t.Fatalf("contexts: current=%q %d", cfg.CurrentContext, len(cfg.Contexts))
	}
	if cfg.AuthInfos["viewer"].Token != tok.Viewer || cfg.AuthInfos["admin-token"].Token != tok.Admin {
		t.Error("token users wrong")
	}
	if len(cfg.AuthInfos["admin"].ClientCertificateData) == 0 || len(cfg.Clusters[clusterName].CertificateAuthorityData) == 0 {
		t.Error("admin cert or CA data missing")
	}
}

func TestFreePortAndListenRetry(t *testing.T) {
	l, err := listenRetry(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// The same port can be bound again right away (restart on same port).
	l2, err := listenRetry(port, 0)
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
}
