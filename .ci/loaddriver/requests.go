package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/fn/providersim"
)

// maxRenders bounds the renders it takes the stack to converge: the
// lifecycle has five phases (the suffix claim, then four), and a phase that
// introduces kinds renders one of each first (internal/engine/newkinds.go),
// so ten renders are always enough.
const maxRenders = 10

// A phase is one request of the lifecycle, as Crossplane sends it, and the
// response the function must give to it.
type phase struct {
	Name string
	Req  *fnv1.RunFunctionRequest
	// Wire is Req encoded once, as every call sends it.
	Wire encodedRequest
	// Want is the in-process render of Req: what the binary must answer.
	Want *fnv1.RunFunctionResponse
}

// readXR reads a CatalogApi manifest (YAML or JSON) as a protobuf Struct.
func readXR(path string) (*structpb.Struct, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the XR: %w", err)
	}
	j, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(j, s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// newRequest is the request Crossplane sends for xr with these observed
// composed resources, as the function's own tests build it: Crossplane has
// supplied the claim markers of the suffix (none but the CatalogApi's own).
func newRequest(xr *structpb.Struct, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	return &fnv1.RunFunctionRequest{
		Meta: &fnv1.RequestMeta{Tag: "loaddriver"},
		Observed: &fnv1.State{
			Composite: &fnv1.Resource{Resource: xr},
			Resources: observed,
		},
		RequiredResources: map[string]*fnv1.Resources{fn.RequirementSuffixClaims: {}},
	}
}

// lifecyclePhases returns the first request (nothing observed) and the
// request of the converged stack (everything observed and ready). It plays
// the provider in process: render, let providersim create what was rendered,
// and render again until the set of resources stops growing.
func lifecyclePhases(ctx context.Context, xr *structpb.Struct) ([]phase, error) {
	f := fn.NewFunction(logging.NewNopLogger())
	render := func(observed map[string]*fnv1.Resource) (*fnv1.RunFunctionRequest, *fnv1.RunFunctionResponse, error) {
		req := newRequest(xr, observed)
		rsp, err := f.RunFunction(ctx, req)
		if err == nil {
			err = fatal(rsp)
		}
		return req, rsp, err
	}

	req, rsp, err := render(nil)
	if err != nil {
		return nil, fmt.Errorf("first render: %w", err)
	}
	nothing := phase{Name: "Nothing", Req: req, Want: rsp}
	for range maxRenders {
		observed := providersim.Observe(rsp.GetDesired().GetResources())
		if req, rsp, err = render(observed); err != nil {
			return nil, fmt.Errorf("render with %d observed resources: %w", len(observed), err)
		}
		if sameKeys(rsp.GetDesired().GetResources(), observed) {
			return newPhases(nothing, phase{Name: "Complete", Req: req, Want: rsp})
		}
	}
	return nil, fmt.Errorf("the stack did not converge within %d renders", maxRenders)
}

// newPhases encodes every phase's request.
func newPhases(phases ...phase) ([]phase, error) {
	for i := range phases {
		wire, err := proto.Marshal(phases[i].Req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", phases[i].Name, err)
		}
		phases[i].Wire = wire
	}
	return phases, nil
}

// fatal returns the message of a Fatal result as an error.
func fatal(rsp *fnv1.RunFunctionResponse) error {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return fmt.Errorf("fatal result: %s", r.GetMessage())
		}
	}
	return nil
}

func sameKeys[A, B any](a map[string]A, b map[string]B) bool {
	return slices.Equal(slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b)))
}
