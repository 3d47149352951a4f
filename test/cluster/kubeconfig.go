package main

import (
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const clusterName = "okd-test-cluster"

// writeUserKubeconfig writes the kubeconfig handed to tests: the admin
// context (client certificate, current) and the admin-token and viewer
// contexts (bearer tokens), all pointing at one cluster entry that carries the
// CA inline.
func writeUserKubeconfig(file, server string, p pkiFiles, t tokens) error {
	ca, err := os.ReadFile(p.CACert)
	if err != nil {
		return err
	}
	crt, err := os.ReadFile(p.AdminCert)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(p.AdminKey)
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[clusterName] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: crt, ClientKeyData: key}
	cfg.AuthInfos["admin-token"] = &clientcmdapi.AuthInfo{Token: t.Admin}
	cfg.AuthInfos["viewer"] = &clientcmdapi.AuthInfo{Token: t.Viewer}
	for _, name := range []string{"admin", "admin-token", "viewer"} {
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: name, Namespace: "default"}
	}
	cfg.CurrentContext = "admin"
	return writeKubeconfig(file, cfg)
}

// writeComponentKubeconfig writes a single-context kubeconfig that
// authenticates with a client certificate file (used by the in-process
// controller manager and scheduler).
func writeComponentKubeconfig(file, server, caFile, certFile, keyFile string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[clusterName] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: caFile}
	cfg.AuthInfos["component"] = &clientcmdapi.AuthInfo{ClientCertificate: certFile, ClientKey: keyFile}
	cfg.Contexts["component"] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: "component"}
	cfg.CurrentContext = "component"
	return writeKubeconfig(file, cfg)
}

func writeKubeconfig(file string, cfg *clientcmdapi.Config) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
