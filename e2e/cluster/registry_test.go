package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// ociRegistry is an OCI registry inside the test (go-containerregistry's
// in-memory registry) served over TLS on localhost with a certificate from
// a CA of its own, as a platform's private mirror would be. Crossplane
// trusts it only through its CA bundle (--ca-bundle-path); the Crossplane
// CLI pushes to it trusting the same CA (SSL_CERT_FILE).
type ociRegistry struct {
	host   string // localhost:<port>
	caFile string
}

// startRegistry starts the registry; it stops when the test ends.
func startRegistry(ctx context.Context, t *testing.T) *ociRegistry {
	t.Helper()
	ca, err := newAuthority("catalog-api-e2e-registry-ca")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "registry")
	if err := ca.serving(dir, "localhost"); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	lc := net.ListenConfig{}
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: startTimeout,
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	caFile := filepath.Join(dir, "ca.crt")
	if _, err := os.Stat(caFile); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &ociRegistry{host: "localhost:" + port, caFile: caFile}
}

// platforms lists the platforms (os/architecture) of the image index a
// repository's tag names, asking the registry's API as a client that trusts
// only the registry's CA.
func (r *ociRegistry) platforms(ctx context.Context, repo, tag string) ([]string, error) {
	caPEM, err := os.ReadFile(r.caFile)
	if err != nil {
		return nil, fmt.Errorf("read the registry CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	url := "https://" + r.host + "/v2/" + repo + "/manifests/" + tag
	body, err := httpGet(ctx, client, url, "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json")
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	var index struct {
		Manifests []struct {
			Platform *struct {
				OS           string `json:"os"`
				Architecture string `json:"architecture"`
			} `json:"platform"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal([]byte(body), &index); err != nil {
		return nil, fmt.Errorf("%s is not an image index: %w", url, err)
	}
	out := make([]string, 0, len(index.Manifests))
	for _, m := range index.Manifests {
		if m.Platform != nil {
			out = append(out, m.Platform.OS+"/"+m.Platform.Architecture)
		}
	}
	return out, nil
}
