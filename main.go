// Command function-catalog-api serves the CatalogApi composition function.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/alecthomas/kong"

	function "github.com/crossplane/function-sdk-go"

	"github.com/platform/function-catalog-api/fn"
)

// bytesPerMB converts --max-recv-message-size and the memory limit (MiB) to
// bytes.
const bytesPerMB = 1 << 20

// CLI of this Function.
type CLI struct {
	Debug bool `help:"Emit debug logs in addition to info logs." short:"d"`

	Network            string `default:"tcp"   help:"Network on which to listen for gRPC connections."`
	Address            string `default:":9443" help:"Address at which to listen for gRPC connections."`
	MetricsAddress     string `default:":8080" help:"Address at which to serve Prometheus metrics; empty disables them."`
	TLSCertsDir        string `env:"TLS_SERVER_CERTS_DIR" help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)"`
	Insecure           bool   `help:"Run without mTLS credentials. If you supply this flag --tls-certs-dir will be ignored."`
	MaxRecvMessageSize int    `default:"4" help:"Maximum size of received messages in MB."`
	GoMemoryLimit      int    `default:"48"  help:"Go runtime's soft memory limit in MiB, unless GOMEMLIMIT is set; 0: none."`
	GoGCPercent        int    `default:"300" help:"Go heap growth between collections in %, unless GOGC is set."`
}

// Run this Function.
func (c *CLI) Run() error {
	log, err := function.NewLogger(c.Debug)
	if err != nil {
		return fmt.Errorf("cannot create the logger: %w", err)
	}
	useRightSizedBuffers()
	setMemoryLimit(c.GoMemoryLimit)
	setGCPercent(c.GoGCPercent)
	err = function.Serve(fn.NewFunction(log),
		function.Listen(c.Network, c.Address),
		function.MTLSCertificates(c.TLSCertsDir),
		function.Insecure(c.Insecure),
		function.MaxRecvMessageSize(c.MaxRecvMessageSize*bytesPerMB),
		function.WithMetricsServer(c.MetricsAddress),
	)
	if err != nil {
		return fmt.Errorf("cannot serve the function: %w", err)
	}
	return nil
}

// setMemoryLimit sets the Go runtime's soft memory limit unless GOMEMLIMIT
// does. Without it the heap grows to twice what is live before a collection:
// at 64 concurrent renders that doubled about 40 MiB of requests and
// responses in flight (load driver: peak RSS 121 MiB without a limit, 87
// MiB with 50 MiB, at a higher throughput). Live memory above the limit only
// makes the collector run more often; it never fails a render.
func setMemoryLimit(mib int) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set || mib <= 0 {
		return
	}
	debug.SetMemoryLimit(int64(mib) * bytesPerMB)
}

// setGCPercent sets the heap growth between collections unless GOGC does.
// A render allocates about 2 MiB (request, response and the typed objects
// between them) over a live heap of a few MiB, so with Go's default of 100
// the collector ran every two or three requests; at 300, paired with the
// memory limit that caps the heap under load, a served render took a
// quarter less CPU (load driver, concurrency 1: 5.5 -> 4.2 ms).
func setGCPercent(percent int) {
	if _, set := os.LookupEnv("GOGC"); set || percent <= 0 {
		return
	}
	debug.SetGCPercent(percent)
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("A Crossplane composition function that renders the CatalogApi production stack on AWS."))
	ctx.FatalIfErrorf(ctx.Run())
}
