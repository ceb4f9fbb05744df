// Command render-example renders the example CatalogApi end to end with the
// real Crossplane CLI and validates the result against the XRD and the
// provider-aws CRDs; .ci/render-example runs it from the repository root.
//
//  1. builds the function and the Crossplane CLI into _output/bin;
//  2. starts the function on a free local port (internal/fnproc);
//  3. renders every phase of the example (e2e.Phases: nothing observed, the
//     claim of the suffix; then the observed fixtures in examples/observed up
//     to the converged stack, then examples/xr-image-update.yaml on it) to
//     _output/render/, and checks that the function refuses e2e.Refusals
//     (examples/xr-suffix-taken.yaml: its suffix is held);
//  4. runs crossplane beta validate over everything rendered and its
//     inputs, offline;
//  5. stops the function.
//
// stdout is the first render of the whole stack (phase-1); progress and validation go to stderr.
// It exits non-zero on any build, render, result (Warning or Fatal) or
// validation failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/platform/function-catalog-api/e2e"
	"github.com/platform/function-catalog-api/internal/fnproc"
)

// renderTimeout bounds one crossplane render.
const renderTimeout = 2 * time.Minute

// badResult finds a Warning or Fatal result in a render.
var badResult = regexp.MustCompile(`(?m)^severity: SEVERITY_(WARNING|FATAL)`)

// resultKind finds the Result documents of a render.
var resultKind = regexp.MustCompile(`(^|\n)kind: Result\n`)

// kindLine counts the documents of a render.
var kindLine = regexp.MustCompile(`(?m)^kind: `)

func main() {
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	os.Exit(renderExample(*root))
}

// renderExample runs everything and returns the exit code.
func renderExample(root string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, root, os.Stdout, os.Stderr); err != nil {
		_, _ = fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// dirs are where the example's outputs go, under root/_output.
type dirs struct {
	root, out, bin, render string
}

func newDirs(root string) dirs {
	out := filepath.Join(root, "_output")
	return dirs{root: root, out: out, bin: filepath.Join(out, "bin"), render: filepath.Join(out, "render")}
}

// rel names a path under the root as the README does.
func (d dirs) rel(path string) string {
	if r, err := filepath.Rel(d.root, path); err == nil {
		return r
	}
	return path
}

func run(ctx context.Context, root string, stdout, stderr io.Writer) error {
	start := time.Now()
	logf := func(format string, args ...any) { _, _ = fmt.Fprintf(stderr, "==> "+format+"\n", args...) }
	d := newDirs(root)
	if err := os.RemoveAll(d.render); err != nil {
		return fmt.Errorf("clean %s: %w", d.render, err)
	}
	for _, dir := range []string{d.bin, d.render} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}

	logf("Building the function and the Crossplane CLI into %s", d.rel(d.bin))
	bin, err := fnproc.Build(ctx, root, filepath.Join(d.bin, "function-catalog-api"))
	if err != nil {
		return err
	}
	cli := filepath.Join(d.bin, "crossplane")
	if err := e2e.BuildCLI(ctx, root, cli); err != nil {
		return err
	}

	rendered, err := renderPhases(ctx, d, bin, cli, stdout, logf)
	if err != nil {
		return err
	}
	if err := validate(ctx, d, cli, append(e2e.ValidatedInputs(root), rendered...), stderr, logf); err != nil {
		return err
	}
	logf("Done in %ds: renders in %s/", int(time.Since(start).Seconds()), d.rel(d.render))
	return nil
}

// renderPhases serves the function while it renders every phase, prints the
// first phase's render to stdout and returns the files of the composed
// resources rendered.
func renderPhases(ctx context.Context, d dirs, bin, cli string, stdout io.Writer, logf func(string, ...any)) ([]string, error) {
	var files []string
	err := serveFunction(ctx, d, bin, logf, func(addr string) error {
		functions := filepath.Join(d.out, "functions.yaml")
		if err := e2e.PointFunctionsAt(filepath.Join(d.root, e2e.ExampleFunctions), functions, addr); err != nil {
			return err
		}
		for _, p := range e2e.Phases() {
			out, resources, err := renderPhase(ctx, d, cli, functions, p, logf)
			if err != nil {
				return err
			}
			if p.Name == e2e.FirstStackPhase {
				if _, err := stdout.Write(out); err != nil {
					return fmt.Errorf("print the render: %w", err)
				}
			}
			files = append(files, resources)
		}
		for _, r := range e2e.Refusals() {
			if err := renderRefused(ctx, d, cli, functions, r, logf); err != nil {
				return err
			}
		}
		return nil
	})
	return files, err
}

// serveFunction runs the function, its output in _output/function.log,
// while use uses it at addr.
func serveFunction(ctx context.Context, d dirs, bin string, logf func(string, ...any), use func(addr string) error) error {
	logPath := filepath.Join(d.out, "function.log")
	log, err := os.Create(filepath.Clean(logPath))
	if err != nil {
		return fmt.Errorf("create the function's log: %w", err)
	}
	fn, err := fnproc.Start(ctx, fnproc.Options{Binary: bin, Insecure: true, Log: log})
	if err != nil {
		return errors.Join(err, log.Close())
	}
	logf("Function listening on %s (log: %s)", fn.Address(), d.rel(logPath))
	err = use(fn.Address())
	return errors.Join(err, fn.Stop(), log.Close())
}

// renderPhase renders one phase to <render>/<phase>.yaml, and its composed
// resources (the render without its results) to <phase>.resources.yaml.
func renderPhase(ctx context.Context, d dirs, cli, functions string, p e2e.Phase, logf func(string, ...any)) (rendered []byte, resourcesFile string, err error) {
	out, stderr, err := e2e.RunCLI(ctx, cli, renderTimeout, e2e.RenderArgs(d.root, functions, p)...)
	if err != nil {
		return nil, "", fmt.Errorf("crossplane render failed in %s: %w\n%s", p.Name, err, stderr)
	}
	all := filepath.Join(d.render, p.Name+".yaml")
	resources := filepath.Join(d.render, p.Name+".resources.yaml")
	withoutResults := withoutResults(out)
	if err := os.WriteFile(all, out, 0o600); err != nil {
		return nil, "", fmt.Errorf("write %s: %w", all, err)
	}
	if err := os.WriteFile(resources, withoutResults, 0o600); err != nil {
		return nil, "", fmt.Errorf("write %s: %w", resources, err)
	}
	count := len(kindLine.FindAll(withoutResults, -1))
	logf("Rendered %s (%s): the XR and %d composed resources -> %s", p.Name, p.XR, count-1, d.rel(all))
	if badResult.Match(out) {
		return nil, "", fmt.Errorf("%s has Warning or Fatal results:\n%s", p.Name, out)
	}
	return out, resources, nil
}

// renderRefused renders what the function must refuse: crossplane render
// must fail with the function's Fatal result, which must say r.Want.
func renderRefused(ctx context.Context, d dirs, cli, functions string, r e2e.Refusal, logf func(string, ...any)) error {
	_, stderr, err := e2e.RunCLI(ctx, cli, renderTimeout, e2e.RenderArgs(d.root, functions, r.Phase)...)
	if err == nil {
		return fmt.Errorf("%s (%s) rendered; the function must refuse it", r.Name, r.XR)
	}
	if !strings.Contains(string(stderr), r.Want) {
		return fmt.Errorf("%s (%s): the refusal does not say %q:\n%s", r.Name, r.XR, r.Want, stderr)
	}
	logf("Refused %s (%s) as expected: %s", r.Name, r.XR, r.Want)
	return nil
}

// withoutResults drops the kind: Result documents of a render; every
// document it keeps starts with "---".
func withoutResults(render []byte) []byte {
	var out, doc strings.Builder
	flush := func() {
		if doc.Len() > 0 && !resultKind.MatchString(doc.String()) {
			out.WriteString("---\n" + doc.String())
		}
		doc.Reset()
	}
	for _, line := range strings.SplitAfter(string(render), "\n") {
		switch l := strings.TrimSuffix(line, "\n"); {
		case line == "":
		case l == "---":
			flush()
		default:
			doc.WriteString(l + "\n")
		}
	}
	flush()
	return []byte(out.String())
}

// validate runs crossplane beta validate over files, offline, against the
// XRD, the Input CRD, the provider-aws CRDs of the kinds rendered and
// Crossplane's own CRDs; its output goes to stderr and
// _output/validate.log.
func validate(ctx context.Context, d dirs, cli string, files []string, stderr io.Writer, logf func(string, ...any)) error {
	cache, crds := filepath.Join(d.out, "validate-cache"), filepath.Join(d.out, "validate-crds")
	for _, dir := range []string{cache, crds} {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clean %s: %w", dir, err)
		}
	}
	image, err := e2e.SchemaCache(ctx, d.root, cache)
	if err != nil {
		return err
	}
	n, err := e2e.ProviderCRDs(ctx, d.root, files, crds)
	if err != nil {
		return err
	}
	logf("Validating %d files against %s, %s and %d provider-aws CRDs", len(files), e2e.XRD, e2e.InputCRDs, n)
	schemas := []string{filepath.Join(d.root, e2e.XRD), filepath.Join(d.root, e2e.InputCRDs), crds}
	out, runErr := e2e.Validate(ctx, cli, schemas, files, cache, image, "--skip-success-results")
	logPath := filepath.Join(d.out, "validate.log")
	if err := os.WriteFile(logPath, []byte(out), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", logPath, err)
	}
	if _, err := io.WriteString(stderr, out); err != nil {
		return fmt.Errorf("print the validation: %w", err)
	}
	if runErr != nil {
		return fmt.Errorf("crossplane beta validate failed: %w", runErr)
	}
	sum, err := e2e.ParseValidateSummary(out)
	if err != nil {
		return fmt.Errorf("crossplane beta validate: %w", err)
	}
	if !sum.AllValid() {
		return fmt.Errorf("crossplane beta validate did not validate every resource: %s", sum)
	}
	return nil
}
