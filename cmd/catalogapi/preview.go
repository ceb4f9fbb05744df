package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/platform/function-catalog-api/internal/preview"
)

// previewCmd is `catalogapi preview`.
type previewCmd struct {
	File string `help:"The changed CatalogApi (YAML)." name:"file" placeholder:"FILE" required:"" short:"f" type:"existingfile"`

	// Offline: the files `crossplane render` takes.
	LiveXR      string `group:"offline" help:"Offline: the CatalogApi as it is live (without it, and without one in --observed, everything is new)." name:"live-xr" placeholder:"FILE" type:"existingfile"`
	Observed    string `group:"offline" help:"Offline: the observed composed resources (multi-document YAML, as crossplane render --observed-resources takes)." placeholder:"FILE" type:"existingfile"`
	Composition string `group:"offline" help:"The Composition; offline it is required, against a cluster it replaces the XR's own." placeholder:"FILE" type:"existingfile"`
	Credentials string `help:"The Secrets of the pipeline step's credentials (as crossplane render --function-credentials); against a cluster they are read from it unless given." placeholder:"FILE" type:"existingfile"`
	Step        string `help:"The Composition's pipeline step that runs the function (default: the step whose input is the function's Input)."`

	// Against a cluster.
	Kubeconfig string `group:"cluster" help:"Cluster: the kubeconfig file (default: KUBECONFIG, else ~/.kube/config)." placeholder:"FILE"`
	Context    string `group:"cluster" help:"Cluster: the kubeconfig context."`
	Namespace  string `group:"cluster" help:"Cluster: the CatalogApi's namespace (default: the file's, else the context's)." short:"n"`

	Output        string `default:"text" enum:"text,json" help:"Output format: text or json." name:"output" short:"o"`
	Color         string `default:"auto" enum:"auto,always,never" help:"Colours: auto (only on a terminal), always or never."`
	ShowUnchanged bool   `help:"List unchanged resources too."`
	Details       bool   `help:"Show the basis of every estimate and its AWS documentation."`

	stdout io.Writer `kong:"-"`
	stderr io.Writer `kong:"-"`
}

// Help is shown by `catalogapi preview --help`.
func (c *previewCmd) Help() string {
	return `Runs the function itself, in-process, on the RunFunctionRequest Crossplane
would send for the changed CatalogApi and the live state, and compares what
it renders with what exists.

Live state offline (any of --live-xr, --observed): the files crossplane
render takes, plus --composition (required) and --credentials. Otherwise
from the cluster of your kubeconfig, read-only: the CatalogApi, its
composed resources (spec.crossplane.resourceRefs), its Composition and the
pipeline step's credentials Secret.

Exit codes: 0 nothing would change; 2 something would change; 1 error,
including a change the function refuses (an immutable field, a bad value):
a pipeline must stop on it.`
}

// exitCodeError carries the exit code of a preview that ran: 2 (changes) or 1
// (refused); the report says why.
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitCodeOf(err error) int {
	if e, ok := errors.AsType[exitCodeError](err); ok {
		return e.code
	}
	return preview.ExitError
}

// Run previews the change and writes the report.
func (c *previewCmd) Run() error {
	ctx := context.Background()
	in, err := c.input(ctx)
	if err != nil {
		return err
	}
	r, err := preview.Run(ctx, in)
	if err != nil {
		return fmt.Errorf("cannot preview the change: %w", err)
	}
	if err := c.write(c.out(), r); err != nil {
		return err
	}
	if code := r.ExitCode(); code != preview.ExitUnchanged {
		return exitCodeError{code: code}
	}
	return nil
}

func (c *previewCmd) out() io.Writer {
	if c.stdout != nil {
		return c.stdout
	}
	return os.Stdout
}

func (c *previewCmd) errOut() io.Writer {
	if c.stderr != nil {
		return c.stderr
	}
	return os.Stderr
}

func (c *previewCmd) offline() bool { return c.LiveXR != "" || c.Observed != "" }

func (c *previewCmd) input(ctx context.Context) (preview.Input, error) {
	if c.offline() {
		if c.Composition == "" {
			return preview.Input{}, errors.New("an offline preview needs --composition")
		}
		in, err := preview.LoadFiles(preview.Files{
			Change: c.File, LiveXR: c.LiveXR, Observed: c.Observed,
			Composition: c.Composition, Credentials: c.Credentials, Step: c.Step,
		})
		if err != nil {
			return preview.Input{}, fmt.Errorf("cannot load the preview's files: %w", err)
		}
		if c.Credentials == "" && len(in.Pipeline.Step.Credentials) > 0 {
			_, _ = fmt.Fprintf(c.errOut(), "note: the pipeline step names credentials but --credentials is not given: the function renders without them, as it would in a pipeline without the Secret\n")
		}
		return in, nil
	}
	return c.clusterInput(ctx)
}

func (c *previewCmd) write(w io.Writer, r *preview.Report) error {
	write := func(w io.Writer, r *preview.Report) error {
		return preview.WriteText(w, r, preview.Style{Color: c.color(), Unchanged: c.ShowUnchanged, Details: c.Details})
	}
	if c.Output == "json" {
		write = preview.WriteJSON
	}
	if err := write(w, r); err != nil {
		return fmt.Errorf("cannot write the report: %w", err)
	}
	return nil
}

// color is true on a terminal unless NO_COLOR is set, or when asked for.
func (c *previewCmd) color() bool {
	switch c.Color {
	case "always":
		return true
	case "never":
		return false
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := c.out().(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
