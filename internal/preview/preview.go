// Package preview tells what a change of a CatalogApi will do to the live
// stack before it is applied. It builds the RunFunctionRequest Crossplane
// would send for the changed CatalogApi and the live state, runs the
// function itself in-process, and compares what it renders with what
// exists: per composed resource create, replace, update (which fields),
// delete or unchanged, and what that means (a rolling deployment, a
// database outage, a scaling change, a refusal, the monthly cost).
package preview

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn"
)

// Exit codes of a preview, for pipelines.
const (
	ExitUnchanged = 0
	ExitError     = 1
	ExitChanges   = 2
)

// Input is what a preview compares: a changed CatalogApi, the live state
// and the Composition's pipeline step.
type Input struct {
	Change   *unstructured.Unstructured
	Live     State
	Pipeline Pipeline
	// Required supplies the resources the function requires, as Crossplane
	// does (e.g. the claim markers of the CatalogApi's suffix in every
	// namespace). Nil: only the CatalogApi's own composed resources are
	// matched, so the preview cannot see another CatalogApi's claim.
	Required Supplier
}

// Summary counts the resources per action.
type Summary struct {
	Create    int `json:"create"`
	Replace   int `json:"replace"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
}

// Report is the result of a preview.
type Report struct {
	// XR is the CatalogApi, namespace/name.
	XR string `json:"xr"`
	// Refused is the function's own message when it refuses the change (a
	// Fatal result): nothing would be rendered.
	Refused   string           `json:"refused,omitempty"`
	Summary   Summary          `json:"summary"`
	Impacts   []Impact         `json:"impacts,omitempty"`
	Cost      *Cost            `json:"cost,omitempty"`
	Resources []ResourceChange `json:"resources"`
	// Warnings are the function's Warning results.
	Warnings []string `json:"warnings,omitempty"`
}

// Changed reports whether applying the change would change anything.
func (r *Report) Changed() bool {
	s := r.Summary
	return s.Create+s.Replace+s.Update+s.Delete > 0
}

// ExitCode is 1 for a refused change (the pipeline must stop), 2 when
// something would change, 0 when nothing would.
func (r *Report) ExitCode() int {
	switch {
	case r.Refused != "":
		return ExitError
	case r.Changed():
		return ExitChanges
	}
	return ExitUnchanged
}

// Run previews a change.
func Run(ctx context.Context, in Input) (*Report, error) {
	xr, err := ObservedXR(in.Change, in.Live.XR)
	if err != nil {
		return nil, err
	}
	r := &Report{XR: xr.GetNamespace() + "/" + xr.GetName()}
	req, rsp, err := render(ctx, xr, in)
	if err != nil {
		return nil, err
	}
	r.Warnings = Warnings(rsp)
	if fatal := Fatal(rsp); len(fatal) > 0 {
		r.Refused = strings.Join(fatal, "\n")
		r.Impacts = []Impact{{Kind: ImpactRefusal, Summary: "the function refuses this change; nothing would be rendered", Details: fatal}}
		return r, nil
	}
	desired := desiredObjects(rsp)
	r.Resources = Compare(desired, observedObjects(req))
	base, err := baseline(ctx, in)
	if err != nil {
		return nil, err
	}
	markPending(r.Resources, desired, base.desired)
	plan, err := fn.PlanOf(req)
	if err != nil {
		return nil, fmt.Errorf("cannot read what the function's parts declare: %w", err)
	}
	r.Impacts = Impacts(r.Resources, declarations(plan))
	r.Cost = cost(in.Live.XR, rsp.GetDesired().GetComposite().GetResource().AsMap(), base)
	if d, ok := r.Cost.Delta(); ok && d != 0 {
		r.Impacts = append(r.Impacts, Impact{Kind: ImpactCost, Summary: fmt.Sprintf("estimated monthly cost %s -> %s (%+.2f)", r.Cost.Old, r.Cost.New, d), Details: costDetails(r.Cost)})
	}
	r.Summary = summarize(r.Resources)
	return r, nil
}

func render(ctx context.Context, xr *unstructured.Unstructured, in Input) (*fnv1.RunFunctionRequest, *fnv1.RunFunctionResponse, error) {
	req, err := NewRequest(xr, in.Live.Composed, in.Pipeline)
	if err != nil {
		return nil, nil, err
	}
	supply := in.Required
	if supply == nil {
		supply = SupplyFrom(in.Live.Composed)
	}
	rsp, err := RenderWithRequirements(ctx, req, supply)
	if err != nil {
		return nil, nil, err
	}
	return req, rsp, nil
}

// baselineRender is the render of the live CatalogApi as it is: what the
// function does without the change.
type baselineRender struct {
	desired objects
	xr      map[string]any
}

// baseline renders the live CatalogApi unchanged. It is empty when there is
// no live CatalogApi or the function refuses it.
func baseline(ctx context.Context, in Input) (baselineRender, error) {
	if in.Live.XR == nil {
		return baselineRender{}, nil
	}
	_, rsp, err := render(ctx, in.Live.XR, in)
	if err != nil {
		return baselineRender{}, fmt.Errorf("cannot render the live CatalogApi: %w", err)
	}
	if len(Fatal(rsp)) > 0 {
		return baselineRender{}, nil
	}
	return baselineRender{desired: desiredObjects(rsp), xr: rsp.GetDesired().GetComposite().GetResource().AsMap()}, nil
}

// markPending marks the changes the function would make without the edit:
// the baseline renders the resource exactly the same (or drops it too).
func markPending(changes []ResourceChange, desired, base objects) {
	if base == nil {
		return
	}
	for i := range changes {
		c := &changes[i]
		if c.Action == ActionUnchanged {
			continue
		}
		b, inBase := base[c.Key]
		if c.Action == ActionDelete {
			c.Pending = !inBase
			continue
		}
		c.Pending = inBase && reflect.DeepEqual(b, desired[c.Key])
	}
}

// cost compares the estimated monthly cost of the new render with the live
// XR's status, or with the baseline render when the status has none.
func cost(live *unstructured.Unstructured, rendered map[string]any, base baselineRender) *Cost {
	c := &Cost{}
	c.New, _ = costOf(rendered)
	oldXR := map[string]any(nil)
	if live != nil {
		if m, ok := costOf(live.Object); ok {
			c.Old, c.OldFrom, oldXR = m, "live status", live.Object
		} else if m, ok := costOf(base.xr); ok {
			c.Old, c.OldFrom, oldXR = m, "render of the live spec", base.xr
		}
	}
	if c.Old != nil && c.New != nil {
		c.Items = itemChanges(costItems(oldXR), costItems(rendered))
	}
	if c.New == nil {
		c.Note = "the function reports no status.estimatedMonthlyCost"
	}
	return c
}

func summarize(changes []ResourceChange) Summary {
	var s Summary
	for _, c := range changes {
		switch c.Action {
		case ActionCreate:
			s.Create++
		case ActionReplace:
			s.Replace++
		case ActionUpdate:
			s.Update++
		case ActionDelete:
			s.Delete++
		case ActionUnchanged:
			s.Unchanged++
		}
	}
	return s
}

// desiredObjects are the composed resources a response renders.
func desiredObjects(rsp *fnv1.RunFunctionResponse) objects {
	out := objects{}
	for k, r := range rsp.GetDesired().GetResources() {
		out[k] = r.GetResource().AsMap()
	}
	return out
}

// observedObjects are the observed composed resources of a request, with
// numbers as the function sees them (float64).
func observedObjects(req *fnv1.RunFunctionRequest) objects {
	out := objects{}
	for k, r := range req.GetObserved().GetResources() {
		out[k] = r.GetResource().AsMap()
	}
	return out
}

// costDetails describes the line items that change.
func costDetails(c *Cost) []string {
	out := make([]string, 0, len(c.Items)+1)
	for _, it := range c.Items {
		out = append(out, fmt.Sprintf("%s: %s -> %s", it.Item, moneyOrNone(it.Old), moneyOrNone(it.New)))
	}
	return append(out, "list prices from the function's price table; old figure from the "+c.OldFrom)
}

func moneyOrNone(m *Money) string {
	if m == nil {
		return "(none)"
	}
	return m.String()
}
