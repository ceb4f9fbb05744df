// Command catalogapi is the CatalogApi users' tool: it previews what a
// change of a CatalogApi will do to the live stack, and draws a rendered
// stack.
package main

import (
	"errors"
	"os"
	"runtime/debug"

	"github.com/alecthomas/kong"
)

type cli struct {
	Version kong.VersionFlag `help:"Print the version (the module version and VCS revision it was built from) and exit."`

	Preview previewCmd `cmd:"" help:"Show what a changed CatalogApi will do to the live stack, using the function's own rendering."`
	Diagram diagramCmd `cmd:"" help:"Draw a rendered CatalogApi stack as a Mermaid or Graphviz diagram."`
}

// newParser is the command line; options are added by tests.
func newParser(c *cli, options ...kong.Option) *kong.Kong {
	options = append([]kong.Option{
		kong.Name("catalogapi"), kong.Description("Tools for CatalogApi users."),
		kong.Vars{"version": version(debug.ReadBuildInfo())},
	}, options...)
	return kong.Must(c, options...)
}

// version says what the binary was built from, as Go records it: the
// module's version (go install ...@v1.2.3) or (devel), and the VCS revision,
// with +dirty for uncommitted changes.
func version(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " " + rev
		if settings["vcs.modified"] == "true" {
			v += "+dirty"
		}
	}
	return v
}

func main() {
	var c cli
	parser := newParser(&c)
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
