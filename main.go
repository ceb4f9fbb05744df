// Command function-catalog-api serves the CatalogApi composition function.
package main

import (
	"fmt"

	"github.com/alecthomas/kong"

	function "github.com/crossplane/function-sdk-go"

	"github.com/platform/function-catalog-api/fn"
)

// bytesPerMB converts --max-recv-message-size (MB) to bytes.
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
}

// Run this Function.
func (c *CLI) Run() error {
	log, err := function.NewLogger(c.Debug)
	if err != nil {
		return fmt.Errorf("cannot create the logger: %w", err)
	}
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

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("A Crossplane composition function that renders the CatalogApi production stack on AWS."))
	ctx.FatalIfErrorf(ctx.Run())
}
