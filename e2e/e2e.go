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
	// ExampleCustomAppXR is examples/xr.yaml with its own app shape,
	// ExampleExistingNetworkXR another CatalogApi in an existing network,
	// and ExampleOptionsXR examples/xr.yaml with the optional settings.
	ExampleCustomAppXR       = "examples/xr-custom-app.yaml"
	ExampleExistingNetworkXR = "examples/xr-existing-network.yaml"
	ExampleOptionsXR         = "examples/xr-options.yaml"
	ExampleComposition       = "examples/composition.yaml"
	// ExampleEndpointsComposition has VPC endpoints and no NAT gateway.
	ExampleEndpointsComposition = "examples/composition-vpc-endpoints.yaml"
	ExampleFunctions            = "examples/functions.yaml"
	// ExampleSuffixTakenXR is a second CatalogApi with the suffix
	// examples/xr.yaml holds, and ExampleSuffixHeld that one's claim marker
	// as Crossplane supplies it: the function refuses it.
	ExampleSuffixTakenXR = "examples/xr-suffix-taken.yaml"
	ExampleSuffixHeld    = "examples/required-resources-suffix-held.yaml"
	XRD                  = "apis/xrd.yaml"
	ShippedComposition   = "apis/composition.yaml"
	InputCRDs            = "package/input"

	// ObservedPhase1 to ObservedPhase4 are the observed fixtures: what the
	// provider reports after each phase's render.
	ObservedPhase1 = "examples/observed/phase-1.yaml"
	ObservedPhase2 = "examples/observed/phase-2.yaml"
	ObservedPhase3 = "examples/observed/phase-3.yaml"
	ObservedPhase4 = "examples/observed/phase-4.yaml"
	ObservedPhase5 = "examples/observed/phase-5.yaml"
	// ObservedExistingNetwork is what the provider reports after the
	// claim render of examples/xr-existing-network.yaml: its marker.
	ObservedExistingNetwork = "examples/observed/existing-network-claim.yaml"
	// ObservedCustomApp is what the provider reports after the day-2
	// render of examples/xr-custom-app.yaml.
	ObservedCustomApp = "examples/observed/custom-app.yaml"
	// ObservedEndpoints is what the provider reports after the first stack
	// render of examples/xr.yaml with ExampleEndpointsComposition.
	ObservedEndpoints = "examples/observed/vpc-endpoints.yaml"
	// ObservedOptions1 to ObservedOptions4 are what the provider reports
	// after each render of examples/xr-options.yaml on the converged stack.
	ObservedOptions1 = "examples/observed/options-1.yaml"
	ObservedOptions2 = "examples/observed/options-2.yaml"
	ObservedOptions3 = "examples/observed/options-3.yaml"
	ObservedOptions4 = "examples/observed/options-4.yaml"
	// ObservedPublicALB is the converged stack an earlier version of the
	// function rendered, with the internet-facing ALB (frozen).
	ObservedPublicALB = "examples/upgrade/observed-public-alb.yaml"

	// ToolsModule is the Go module that pins the Crossplane CLI.
	ToolsModule = ".ci/tools"
)

// Phase is one render of the example: which XR, what is observed ("" for
// nothing) and the required resources Crossplane supplies ("" for none).
type Phase struct {
	Name     string
	XR       string
	Observed string
	Required string
	// Composition is the Composition rendered, "" for ExampleComposition.
	Composition string
}

// CompositionFile is the Composition the phase renders with.
func (p Phase) CompositionFile() string {
	if p.Composition == "" {
		return ExampleComposition
	}
	return p.Composition
}

// Phases are the renders of the example in order: nothing observed (the
// claim of the suffix: the VPC alone), then what the provider reports after
// each render until the stack has converged (phase-5), then day 2: a new
// image and the optional settings on the converged stack, and the move of a
// stack rendered with the internet-facing ALB to the private origin.
func Phases() []Phase {
	return []Phase{
		{Name: "claim", XR: ExampleXR},
		{Name: "phase-1", XR: ExampleXR, Observed: ObservedPhase1},
		{Name: "phase-2", XR: ExampleXR, Observed: ObservedPhase2},
		{Name: "phase-3", XR: ExampleXR, Observed: ObservedPhase3},
		{Name: "phase-4", XR: ExampleXR, Observed: ObservedPhase4},
		{Name: "phase-5", XR: ExampleXR, Observed: ObservedPhase5},
		{Name: "image-update", XR: ExampleImageUpdateXR, Observed: ObservedPhase5},
		{Name: "custom-app", XR: ExampleCustomAppXR, Observed: ObservedPhase5},
		{Name: "existing-network-claim", XR: ExampleExistingNetworkXR},
		{Name: "existing-network", XR: ExampleExistingNetworkXR, Observed: ObservedExistingNetwork},
		{Name: "vpc-endpoints", XR: ExampleXR, Observed: ObservedPhase1, Composition: ExampleEndpointsComposition},
		{Name: "options-1", XR: ExampleOptionsXR, Observed: ObservedPhase5},
		{Name: "options-2", XR: ExampleOptionsXR, Observed: ObservedOptions1},
		{Name: "options-3", XR: ExampleOptionsXR, Observed: ObservedOptions2},
		{Name: "options-4", XR: ExampleOptionsXR, Observed: ObservedOptions3},
		{Name: "options-5", XR: ExampleOptionsXR, Observed: ObservedOptions4},
		{Name: "private-origin", XR: ExampleXR, Observed: ObservedPublicALB},
	}
}

// FirstStackPhase is the first render of the whole stack, the one
// .ci/render-example prints.
const FirstStackPhase = "phase-1"

// Refusal is a render the function must refuse: crossplane render fails
// with the function's Fatal result, which says Want.
type Refusal struct {
	Phase

	Want string
}

// Refusals are the renders of the examples the function refuses.
func Refusals() []Refusal {
	return []Refusal{{
		Phase: Phase{Name: "suffix-taken", XR: ExampleSuffixTakenXR, Required: ExampleSuffixHeld},
		Want:  `spec.environmentSuffix: invalid value "dev": CatalogApi team-catalog/catalog-api, created 2026-03-01T10:00:00Z holds it`,
	}, {
		// A stack with its own VPC cannot move into an existing network.
		Phase: Phase{Name: "move-to-existing-network", XR: ExampleExistingNetworkXR, Observed: ObservedPhase5},
		Want:  `spec.network.existing: invalid value "vpc-0a1b2c3d4e5f60718": cannot be set after creation`,
	}}
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
	phases := Phases()
	for _, r := range Refusals() {
		phases = append(phases, r.Phase)
	}
	for _, p := range phases {
		for _, f := range []string{p.XR, p.Observed, p.Required, p.Composition} {
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
