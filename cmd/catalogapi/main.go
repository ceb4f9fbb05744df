// Command catalogapi is the CatalogApi users' tool: it previews what a
// change of a CatalogApi will do to the live stack, and draws a rendered
// stack.
package main

import (
	"errors"
	"os"

	"github.com/alecthomas/kong"
)

type cli struct {
	Preview previewCmd `cmd:"" help:"Show what a changed CatalogApi will do to the live stack, using the function's own rendering."`
	Diagram diagramCmd `cmd:"" help:"Draw a rendered CatalogApi stack as a Mermaid or Graphviz diagram."`
}

func main() {
	var c cli
	parser := kong.Must(&c, kong.Name("catalogapi"), kong.Description("Tools for CatalogApi users."))
	ctx, err := parser.Parse(os.Args[1:])
	if err != nil {
		// Exit 1, not kong's 80: a pipeline treats every error alike.
		parser.Errorf("%v (see --help)", err)
		os.Exit(1)
	}
	if err := ctx.Run(); err != nil {
		if _, ok := errors.AsType[exitCodeError](err); !ok {
			parser.Errorf("%v", err)
		}
		os.Exit(exitCodeOf(err))
	}
}
