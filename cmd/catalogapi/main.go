// Command catalogapi is the CatalogApi product's command-line tool.
package main

import "github.com/alecthomas/kong"

// cli lists the subcommands; each lives in its own file.
type cli struct {
	Diagram diagramCmd `cmd:"" help:"Draw a rendered CatalogApi stack as a Mermaid or Graphviz diagram."`
}

func main() {
	ctx := kong.Parse(&cli{}, kong.Name("catalogapi"), kong.Description("Tools for the CatalogApi product."), kong.UsageOnError())
	ctx.FatalIfErrorf(ctx.Run())
}
