// Package e2e runs the function end to end, as a user and Crossplane do:
// the real binary (started with internal/fnproc) serves the real Crossplane
// CLI, built from the tools module in .ci/tools, which renders the examples
// phase by phase and validates everything rendered against the XRD and the
// provider-aws CRDs; the packages are built with .ci/build-packages and
// read as Crossplane reads them. The tests are this package's _test files;
// its other files are the harness they share with
// e2e/cmd/render-example (.ci/render-example).
package e2e

import "path/filepath"

// Files of the repository, relative to its root.
const (
	ExampleXR            = "examples/xr.yaml"
	ExampleImageUpdateXR = "examples/xr-image-update.yaml"
	ExampleComposition   = "examples/composition.yaml"
	ExampleFunctions     = "examples/functions.yaml"
	ExampleCredentials   = "examples/credentials.yaml"
	XRD                  = "apis/xrd.yaml"
	ShippedComposition   = "apis/composition.yaml"
	InputCRDs            = "package/input"

	// Observed fixtures: what the provider reports after each phase's
	// render.
	ObservedPhase2 = "examples/observed/phase-2.yaml"
	ObservedPhase3 = "examples/observed/phase-3.yaml"
	ObservedPhase4 = "examples/observed/phase-4.yaml"

	// ToolsModule is the Go module that pins the Crossplane CLI.
	ToolsModule = ".ci/tools"
)

// Phase is one render of the example: which XR, and what is observed ("" for
// nothing).
type Phase struct {
	Name     string
	XR       string
	Observed string
}

// Phases are the renders of the example in order: nothing observed, then
// what the provider reports after each render until the stack has
// converged (phase-4), then day 2: a new image on the converged stack.
func Phases() []Phase {
	return []Phase{
		{Name: "phase-1", XR: ExampleXR},
		{Name: "phase-2", XR: ExampleXR, Observed: ObservedPhase2},
		{Name: "phase-3", XR: ExampleXR, Observed: ObservedPhase3},
		{Name: "phase-4", XR: ExampleXR, Observed: ObservedPhase4},
		{Name: "image-update", XR: ExampleImageUpdateXR, Observed: ObservedPhase4},
	}
}

// ValidatedInputs are the repository files validated with the renders: the
// inputs of every render and the Composition the Configuration package ships
// (validate checks its step's Input too), each once, under root.
func ValidatedInputs(root string) []string {
	files := []string{ExampleComposition, ExampleFunctions, ShippedComposition}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f] = true
	}
	for _, p := range Phases() {
		for _, f := range []string{p.XR, p.Observed} {
			if f != "" && !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	for i, f := range files {
		files[i] = filepath.Join(root, f)
	}
	return files
}
