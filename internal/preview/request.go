package preview

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
	"github.com/platform/function-catalog-api/fn"
)

// State is the live state of one CatalogApi.
type State struct {
	// XR is the CatalogApi as the cluster has it, status included; nil when
	// it does not exist yet (everything will be created).
	XR *unstructured.Unstructured
	// Composed are its composed resources, each carrying the
	// crossplane.io/composition-resource-name annotation.
	Composed []*unstructured.Unstructured
}

// Pipeline is what the Composition's step gives the function besides the
// observed state.
type Pipeline struct {
	Step *Step
	// Credentials are the step's credentials' data, by credential name.
	Credentials map[string]map[string][]byte
}

// capabilities are what Crossplane v2.2 announces to every function.
func capabilities() []fnv1.Capability {
	return []fnv1.Capability{
		fnv1.Capability_CAPABILITY_CAPABILITIES,
		fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES,
		fnv1.Capability_CAPABILITY_CREDENTIALS,
		fnv1.Capability_CAPABILITY_CONDITIONS,
		fnv1.Capability_CAPABILITY_REQUIRED_SCHEMAS,
	}
}

// ObservedXR is the CatalogApi Crossplane would observe once change is
// applied over live: the changed spec with live's metadata (UID, labels) and
// status, and the spec.crossplane fields Crossplane manages. With no live XR
// it is the change itself.
func ObservedXR(change, live *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if gvk := change.GroupVersionKind(); gvk.Group != v1alpha1.Group || gvk.Kind != v1alpha1.Kind {
		return nil, fmt.Errorf("the change is a %s, not a %s", gvk, v1alpha1.GroupVersionKind())
	}
	if live == nil {
		return change.DeepCopy(), nil
	}
	if change.GetName() != live.GetName() || change.GetNamespace() != "" && change.GetNamespace() != live.GetNamespace() {
		return nil, fmt.Errorf("the change is %s/%s but the live CatalogApi is %s/%s", change.GetNamespace(), change.GetName(), live.GetNamespace(), live.GetName())
	}
	out := live.DeepCopy()
	out.SetAPIVersion(change.GetAPIVersion())
	spec, err := changedSpec(change, live)
	if err != nil {
		return nil, err
	}
	out.Object["spec"] = spec
	return out, nil
}

// changedSpec is the change's spec with the spec.crossplane fields of the
// live XR, which Crossplane manages and a user's file rarely has.
func changedSpec(change, live *unstructured.Unstructured) (map[string]any, error) {
	spec, _, err := unstructured.NestedMap(change.Object, "spec")
	if err != nil {
		return nil, fmt.Errorf("the change's spec: %w", err)
	}
	if spec == nil {
		spec = map[string]any{}
	}
	if _, ok := spec["crossplane"]; ok {
		return spec, nil
	}
	if cp, found, _ := unstructured.NestedMap(live.Object, "spec", "crossplane"); found {
		spec["crossplane"] = cp
	}
	return spec, nil
}

// NewRequest builds the RunFunctionRequest Crossplane sends the function's
// step: the observed XR and composed resources, empty desired state (the
// step is the pipeline's first), the step's input and credentials.
func NewRequest(xr *unstructured.Unstructured, composed []*unstructured.Unstructured, p Pipeline) (*fnv1.RunFunctionRequest, error) {
	xrs, err := structpb.NewStruct(xr.Object)
	if err != nil {
		return nil, fmt.Errorf("cannot encode the CatalogApi: %w", err)
	}
	resources, err := observedResources(composed)
	if err != nil {
		return nil, err
	}
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Capabilities: capabilities()},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xrs}, Resources: resources},
		Desired:  &fnv1.State{},
		Context:  &structpb.Struct{Fields: map[string]*structpb.Value{}},
	}
	if p.Step != nil {
		req.Input = p.Step.Input
	}
	if len(p.Credentials) > 0 {
		req.Credentials = map[string]*fnv1.Credentials{}
		for name, data := range p.Credentials {
			req.Credentials[name] = &fnv1.Credentials{Source: &fnv1.Credentials_CredentialData{
				CredentialData: &fnv1.CredentialData{Data: data},
			}}
		}
	}
	return req, nil
}

// observedResources keys composed resources by their composition resource
// name, as Crossplane does.
func observedResources(composed []*unstructured.Unstructured) (map[string]*fnv1.Resource, error) {
	out := make(map[string]*fnv1.Resource, len(composed))
	var errs []error
	for _, c := range composed {
		key := c.GetAnnotations()[AnnotationCompositionResourceName]
		id := fmt.Sprintf("%s %s/%s", c.GetKind(), c.GetNamespace(), c.GetName())
		if key == "" {
			errs = append(errs, fmt.Errorf("%s has no %s annotation: it is not a composed resource", id, AnnotationCompositionResourceName))
			continue
		}
		if _, dup := out[key]; dup {
			errs = append(errs, fmt.Errorf("%s: two observed resources are named %q", id, key))
			continue
		}
		s, err := structpb.NewStruct(c.Object)
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot encode %s: %w", id, err))
			continue
		}
		out[key] = &fnv1.Resource{Resource: s}
	}
	return out, errors.Join(errs...)
}

// Render runs the function in-process on a request, exactly as its gRPC
// server would.
func Render(ctx context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp, err := fn.NewFunction(logging.NewNopLogger()).RunFunction(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("the function failed: %w", err)
	}
	return rsp, nil
}

// Fatal returns the messages of the response's Fatal results: why the
// function refused to render.
func Fatal(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			out = append(out, r.GetMessage())
		}
	}
	return out
}

// Warnings returns the messages of the response's Warning results.
func Warnings(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
			out = append(out, r.GetMessage())
		}
	}
	return out
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// A Supplier returns the resources that match a function's resource
// selector, as Crossplane's required-resources fetcher does.
type Supplier func(ctx context.Context, sel *fnv1.ResourceSelector) ([]*unstructured.Unstructured, error)

// maxRequirementIterations is how often Crossplane v2.2 calls a function
// again with the resources it requires before it gives up.
const maxRequirementIterations = 5

// RenderWithRequirements runs the function as Crossplane v2.2 does: while
// the response requires resources it has not been given, it supplies them
// and calls again, until the requirements stay the same (or the function
// answers a Fatal result).
func RenderWithRequirements(ctx context.Context, req *fnv1.RunFunctionRequest, supply Supplier) (*fnv1.RunFunctionResponse, error) {
	var previous *fnv1.Requirements
	for range maxRequirementIterations + 1 {
		rsp, err := Render(ctx, req)
		if err != nil {
			return nil, err
		}
		if len(Fatal(rsp)) > 0 || proto.Equal(rsp.GetRequirements(), previous) {
			return rsp, nil
		}
		previous = rsp.GetRequirements()
		req.RequiredResources = map[string]*fnv1.Resources{}
		for name, sel := range previous.GetResources() {
			found, err := supply(ctx, sel)
			if err != nil {
				return nil, fmt.Errorf("cannot supply the required resources %q: %w", name, err)
			}
			items, err := asResources(found)
			if err != nil {
				return nil, err
			}
			req.RequiredResources[name] = items
		}
	}
	return nil, fmt.Errorf("the function's requirements did not settle within %d calls", maxRequirementIterations)
}

func asResources(objs []*unstructured.Unstructured) (*fnv1.Resources, error) {
	out := &fnv1.Resources{}
	for _, o := range objs {
		s, err := structpb.NewStruct(o.Object)
		if err != nil {
			return nil, fmt.Errorf("cannot encode %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
		out.Items = append(out.Items, &fnv1.Resource{Resource: s})
	}
	return out, nil
}

// SupplyFrom supplies required resources from a fixed set of objects: those
// of the selector's kind whose labels match (in the selector's namespace,
// if it names one).
func SupplyFrom(objs []*unstructured.Unstructured) Supplier {
	return func(_ context.Context, sel *fnv1.ResourceSelector) ([]*unstructured.Unstructured, error) {
		var out []*unstructured.Unstructured
		for _, o := range objs {
			if matches(sel, o) {
				out = append(out, o)
			}
		}
		return out, nil
	}
}

func matches(sel *fnv1.ResourceSelector, o *unstructured.Unstructured) bool {
	if o.GetAPIVersion() != sel.GetApiVersion() || o.GetKind() != sel.GetKind() {
		return false
	}
	if sel.Namespace != nil && sel.GetNamespace() != o.GetNamespace() {
		return false
	}
	if name := sel.GetMatchName(); name != "" {
		return o.GetName() == name
	}
	for k, v := range sel.GetMatchLabels().GetLabels() {
		if o.GetLabels()[k] != v {
			return false
		}
	}
	return true
}
