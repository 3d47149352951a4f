package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"time"
)

// nodePKI are the certificates of the kubelet API: the client certificate
// kube-apiserver presents to kubelets (--kubelet-client-certificate) and the
// serving certificate of the node agent's kubelet endpoints (127.0.0.1),
// both issued by the cluster CA. They live beside the rest of the PKI but
// are made separately, so a data dir from an older binary gains them
// without a new CA.
type nodePKI struct {
	ClientCert, ClientKey   string // kube-apiserver -> kubelet
	ServingCert, ServingKey string // kubelet endpoints
}

func newNodePKI(p pkiFiles) nodePKI {
	j := func(n string) string { return filepath.Join(p.Dir, n) }
	return nodePKI{
		ClientCert: j("apiserver-kubelet-client.crt"), ClientKey: j("apiserver-kubelet-client.key"),
		ServingCert: j("kubelet.crt"), ServingKey: j("kubelet.key"),
	}
}

// ensureNodePKI issues the missing kubelet certificates with the CA in p.
func ensureNodePKI(p pkiFiles, n nodePKI) error {
	have := true
	for _, f := range []string{n.ClientCert, n.ClientKey, n.ServingCert, n.ServingKey} {
		if _, err := os.Stat(f); err != nil {
			have = false
		}
	}
	if have {
		return nil
	}
	caCert, caKey, err := readCA(p)
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	issue := func(certFile, keyFile string, subj pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) error {
		return issueLeaf(certFile, keyFile, caCert, caKey, subj, usage, dns, ips, now, now.Add(10*365*24*time.Hour))
	}
	if err := issue(n.ClientCert, n.ClientKey, pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return err
	}
	return issue(n.ServingCert, n.ServingKey, pkix.Name{CommonName: "system:node:okd-test-node", Organization: []string{"system:nodes"}},
		x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}, []string{"localhost"})
}

func readCA(p pkiFiles) (*x509.Certificate, any, error) {
	cb, err := os.ReadFile(p.CACert)
	if err != nil {
		return nil, nil, err
	}
	kb, err := os.ReadFile(p.CAKey)
	if err != nil {
		return nil, nil, err
	}
	cblk, _ := pem.Decode(cb)
	kblk, _ := pem.Decode(kb)
	if cblk == nil || kblk == nil {
		return nil, nil, errors.New("CA: no PEM")
	}
	cert, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kblk.Bytes)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}
