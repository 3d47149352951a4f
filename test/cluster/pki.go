package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// pkiFiles names every file the cluster's PKI consists of. All paths are
// absolute and live under <data-dir>/pki.
type pkiFiles struct {
	Dir string

	CACert, CAKey               string
	ServingCert, ServingKey     string
	AdminCert, AdminKey         string
	KCMCert, KCMKey             string
	SchedulerCert, SchedulerKey string
	SAKey, SAPub                string
	TokenCSV                    string
	AdminToken, ViewerToken     string
}

func newPKIFiles(dataDir string) pkiFiles {
	d := filepath.Join(dataDir, "pki")
	j := func(n string) string { return filepath.Join(d, n) }
	return pkiFiles{
		Dir:    d,
		CACert: j("ca.crt"), CAKey: j("ca.key"),
		ServingCert: j("apiserver.crt"), ServingKey: j("apiserver.key"),
		AdminCert: j("admin.crt"), AdminKey: j("admin.key"),
		KCMCert: j("controller-manager.crt"), KCMKey: j("controller-manager.key"),
		SchedulerCert: j("scheduler.crt"), SchedulerKey: j("scheduler.key"),
		SAKey: j("sa.key"), SAPub: j("sa.pub"),
		TokenCSV:   j("tokens.csv"),
		AdminToken: j("admin.token"), ViewerToken: j("viewer.token"),
	}
}

func (p pkiFiles) all() []string {
	return []string{p.CACert, p.CAKey, p.ServingCert, p.ServingKey, p.AdminCert, p.AdminKey,
		p.KCMCert, p.KCMKey, p.SchedulerCert, p.SchedulerKey, p.SAKey, p.SAPub, p.TokenCSV,
		p.AdminToken, p.ViewerToken}
}

// complete reports whether every PKI file already exists (a reused data dir).
func (p pkiFiles) complete() bool {
	for _, f := range p.all() {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}

// tokens holds the bearer tokens of the static token users.
type tokens struct {
	Admin  string `json:"admin"`
	Viewer string `json:"viewer"`
}

func (p pkiFiles) readTokens() (tokens, error) {
	a, err := os.ReadFile(p.AdminToken)
	if err != nil {
		return tokens{}, err
	}
	v, err := os.ReadFile(p.ViewerToken)
	if err != nil {
		return tokens{}, err
	}
	t := tokens{Admin: strings.TrimSpace(string(a)), Viewer: strings.TrimSpace(string(v))}
	if t.Admin == "" || t.Viewer == "" {
		return tokens{}, errors.New("empty token file")
	}
	return t, nil
}

// ensurePKI reuses the PKI in p.Dir when it is complete, and otherwise
// generates a fresh one: a CA, the API server's serving certificate, client
// certificates for admin, kube-controller-manager and kube-scheduler, the
// service-account signing key pair and the static token file.
func ensurePKI(p pkiFiles, serviceIP net.IP) (tokens, bool, error) {
	if p.complete() {
		t, err := p.readTokens()
		if err == nil {
			return t, true, nil
		}
	}
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return tokens{}, false, err
	}
	now := time.Now().Add(-time.Hour)
	notAfter := now.Add(10 * 365 * 24 * time.Hour)

	caKey, err := newKey()
	if err != nil {
		return tokens{}, false, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "okd-test-cluster-ca"},
		NotBefore:             now,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return tokens{}, false, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tokens{}, false, err
	}
	if err := writeCertKey(p.CACert, p.CAKey, caDER, caKey); err != nil {
		return tokens{}, false, err
	}

	issue := func(certFile, keyFile string, subj pkix.Name, usage x509.ExtKeyUsage, dns []string, ips []net.IP) error {
		return issueLeaf(certFile, keyFile, caCert, caKey, subj, usage, dns, ips, now, notAfter)
	}

	servingIPs := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if serviceIP != nil {
		servingIPs = append(servingIPs, serviceIP)
	}
	if err := issue(p.ServingCert, p.ServingKey, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		servingIPs); err != nil {
		return tokens{}, false, err
	}
	if err := issue(p.AdminCert, p.AdminKey, pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return tokens{}, false, err
	}
	// The controller manager runs with --use-service-account-credentials=false,
	// so its own identity needs the permissions of every controller it runs.
	if err := issue(p.KCMCert, p.KCMKey, pkix.Name{CommonName: "system:kube-controller-manager", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return tokens{}, false, err
	}
	if err := issue(p.SchedulerCert, p.SchedulerKey, pkix.Name{CommonName: "system:kube-scheduler"},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return tokens{}, false, err
	}

	saKey, err := newKey()
	if err != nil {
		return tokens{}, false, err
	}
	saKeyDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return tokens{}, false, err
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return tokens{}, false, err
	}
	if err := writePEM(p.SAKey, "EC PRIVATE KEY", saKeyDER, 0o600); err != nil {
		return tokens{}, false, err
	}
	if err := writePEM(p.SAPub, "PUBLIC KEY", saPubDER, 0o644); err != nil {
		return tokens{}, false, err
	}

	t := tokens{Admin: randomToken(), Viewer: randomToken()}
	// token,user,uid,"group1,group2"
	csv := fmt.Sprintf("%s,admin,admin,\"system:masters\"\n%s,viewer,viewer\n", t.Admin, t.Viewer)
	if err := os.WriteFile(p.TokenCSV, []byte(csv), 0o600); err != nil {
		return tokens{}, false, err
	}
	if err := os.WriteFile(p.AdminToken, []byte(t.Admin+"\n"), 0o600); err != nil {
		return tokens{}, false, err
	}
	if err := os.WriteFile(p.ViewerToken, []byte(t.Viewer+"\n"), 0o600); err != nil {
		return tokens{}, false, err
	}
	return t, false, nil
}

// issueLeaf writes a new key and a certificate for it, signed by the CA, valid from notBefore to notAfter.
func issueLeaf(certFile, keyFile string, caCert *x509.Certificate, caKey any, subj pkix.Name, usage x509.ExtKeyUsage, dns []string, ips []net.IP, notBefore, notAfter time.Time) error {
	k, err := newKey()
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               subj,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{usage},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, k.Public(), caKey)
	if err != nil {
		return err
	}
	return writeCertKey(certFile, keyFile, der, k)
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	return n.Add(n, big.NewInt(1))
}

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func writeCertKey(certFile, keyFile string, der []byte, key *ecdsa.PrivateKey) error {
	if err := writePEM(certFile, "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(keyFile, "EC PRIVATE KEY", kder, 0o600)
}

func writePEM(file, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}
