package cluster

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// startFunction runs this function as Crossplane runs it in a cluster: a
// gRPC server with mTLS, its certificate signed by Crossplane's CA (the
// package manager does this for a Function package), verifying Crossplane's
// client certificate against the same CA. It returns the endpoint for the
// FunctionRevision.
func (cp *controlPlane) startFunction(ctx context.Context) string {
	cp.t.Helper()
	certs := filepath.Join(cp.dir, "function-certs")
	if err := cp.xpCA.serving(certs, functionName); err != nil {
		cp.t.Fatal(err)
	}
	log, err := createLog(cp.logDir, "function")
	if err != nil {
		cp.t.Fatal(err)
	}
	// The function lives until cleanup (stop), not until the test body ends.
	p, err := fnproc.Start(context.WithoutCancel(ctx), fnproc.Options{Binary: cp.bins.Function, TLSCertsDir: certs, Args: []string{"--debug"}, Log: log})
	if err != nil {
		cp.t.Fatal(err)
	}
	cp.functionProc = p
	cp.functionLog = log
	// Crossplane checks the server name against the endpoint's host: the
	// certificate names localhost.
	_, port, _ := strings.Cut(p.Address(), ":")
	return "localhost:" + port
}
