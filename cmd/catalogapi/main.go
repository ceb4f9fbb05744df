// Command catalogapi is the CatalogApi users' tool: it previews what a
// change of a CatalogApi will do to the live stack.
package main

import (
	"os"

	"github.com/alecthomas/kong"
)

type cli struct {
	Preview previewCmd `cmd:"" help:"Show what a changed CatalogApi will do to the live stack, using the function's own rendering."`
}

func main() {
	var c cli
	ctx := kong.Parse(&c, kong.Name("catalogapi"), kong.Description("Tools for CatalogApi users."), kong.UsageOnError())
	if err := ctx.Run(); err != nil {
		ctx.Errorf("%v", err)
		os.Exit(exitCodeOf(err))
	}
}
