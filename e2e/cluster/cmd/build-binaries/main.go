// Command build-binaries builds the programs the real control-plane test
// (e2e/cluster) runs into _output/controlplane/bin, as the test itself
// would (controlplane.Build). .ci/run runs it before go test, from the
// repository's root: a cold build takes about twenty minutes on two cores,
// too long for go test's per-package timeout; warm, it takes seconds.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/platform/function-catalog-api/e2e/cluster/controlplane"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	start := time.Now()
	b, err := controlplane.Build(ctx, *root)
	stop()
	if err != nil {
		_, _ = fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	_, _ = fmt.Fprintf(os.Stderr, "built %s, %s, %s, %s, %s, %s and %s in %s\n",
		b.Etcd, b.APIServer, b.ControllerManager, b.Kubectl, b.Crossplane, b.Helm, b.Function,
		time.Since(start).Round(time.Second))
}
