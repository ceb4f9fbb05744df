package cluster

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
)

// startFunction runs this function as Crossplane runs it in a cluster: a
// gRPC server with mTLS, its certificate signed by Crossplane's CA (the
// package manager does this for a Function package), verifying Crossplane's
// client certificate against the same CA. It returns the endpoint for the
// FunctionRevision.
//
// TEMPORARY: replaced by internal/fnproc once the e2e branch lands.
func (cp *controlPlane) startFunction(ctx context.Context) string {
	cp.t.Helper()
	certs := filepath.Join(cp.dir, "function-certs")
	if err := cp.xpCA.serving(certs, functionName); err != nil {
		cp.t.Fatal(err)
	}
	port := freePort(cp.t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := cp.start("function", cp.bins.function, nil,
		"--address="+addr, "--tls-certs-dir="+certs, "--metrics-address=", "--debug")
	err := waitFor(ctx, startTimeout, "function listening", p, func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("dial: %w", err)
		}
		return c.Close()
	})
	if err != nil {
		cp.t.Fatal(err)
	}
	// Crossplane checks the server name: the certificate names localhost.
	return "localhost:" + strconv.Itoa(port)
}
