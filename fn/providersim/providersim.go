// Package providersim plays provider-aws (and Crossplane, for its own kinds)
// for tests and fixtures: it turns the desired composed resources of a
// render into the observed resources that would follow once every one of
// them exists and is Ready. It records the external name, resolves
// references into the fields they populate, in dependency order, and reports
// the status AWS returns (IDs, ARNs, the ALB's DNS name, the Aurora
// endpoints and managed secret, the CloudFront domain name and Deployed
// status). Values are fake but shaped like AWS's and derived from the
// composition resource name, so that what it reports is stable and passes
// `crossplane beta validate`. It never talks to AWS.
//
// What it knows about each kind (its identity, status, references,
// asynchrony and how AWS deletes it) is one row of one table, kinds in
// kinds.go; a kind without a row is an error, not a default.
//
// The package must not import package fn: fn's own tests use it.
package providersim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// The simulated AWS side.
const (
	Account = "123456789012"
	// Region is the region of kinds that have no region field.
	Region = "eu-north-1"
)

// Annotations the simulator reads and writes.
const (
	AnnotationCompositionResourceName = "crossplane.io/composition-resource-name"
	annotationExternalName            = "crossplane.io/external-name"
)

// conditionTime is the lastTransitionTime of every condition reported.
const conditionTime = "2026-01-01T00:00:00Z"

// Simulate returns the observed resources that follow from these desired
// ones, sorted by composition resource name (the
// crossplane.io/composition-resource-name annotation, which every desired
// resource must carry). It does not change its input.
//
// A resource whose references cannot be resolved (to a resource that is not
// composed, or in a cycle) is reported as the provider reports it, Synced
// False and never Ready, and so is everything that references it; the error
// names each of them.
func Simulate(desired []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	p := &provider{byName: map[string]*object{}, state: map[*object]settleState{}}
	objs := make([]*object, 0, len(desired))
	for _, d := range desired {
		o := newObject(d.DeepCopy())
		objs = append(objs, o)
		p.byName[o.u.GetName()] = o
	}
	slices.SortStableFunc(objs, func(a, b *object) int { return strings.Compare(a.key, b.key) })
	out := make([]*unstructured.Unstructured, 0, len(objs))
	var errs []error
	for _, o := range objs {
		p.settle(o)
		o.report()
		out = append(out, o.u)
		if o.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.key, o.err))
		}
	}
	return out, errors.Join(errs...)
}

// Observe is Simulate for a function's desired resources, keyed by
// composition resource name, as RunFunction returns them and as the next
// RunFunctionRequest observes them. It sets the annotation from the key.
// It never fails: a resource that cannot be created comes back Synced False
// and not Ready (see Simulate), which is what a render that references
// something it does not compose would meet.
func Observe(desired map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	in := make([]*unstructured.Unstructured, 0, len(desired))
	for _, key := range slices.Sorted(maps.Keys(desired)) {
		u := &unstructured.Unstructured{Object: desired[key].GetResource().AsMap()}
		a := u.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[AnnotationCompositionResourceName] = key
		u.SetAnnotations(a)
		in = append(in, u)
	}
	observed, _ := Simulate(in) // Failures are reported in the resources' conditions.
	out := make(map[string]*fnv1.Resource, len(observed))
	for _, u := range observed {
		out[compositionResourceName(u)] = &fnv1.Resource{Resource: mustStruct(u.Object)}
	}
	return out
}

// SetReady sets an observed resource's Ready condition, for tests of
// resources that go unready (or come back).
func SetReady(r *fnv1.Resource, ready bool, reason string) {
	obj := r.GetResource().AsMap()
	status, _ := obj["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
	}
	status["conditions"] = []any{readyCondition(ready, reason), syncedCondition()}
	obj["status"] = status
	r.Resource = mustStruct(obj)
}

// SetCondition replaces one condition (Ready or Synced) of an observed
// resource and keeps the others, for tests of a provider that reports an
// error: Synced=False ReconcileError with the AWS error as its message, or
// Ready=False for a reason other than Creating.
func SetCondition(r *fnv1.Resource, typ string, status bool, reason, message string) {
	obj := r.GetResource().AsMap()
	st, _ := obj["status"].(map[string]any)
	if st == nil {
		st = map[string]any{}
	}
	value := "False"
	if status {
		value = "True"
	}
	conditions := []any{condition(typ, value, reason, message)}
	old, _ := st["conditions"].([]any)
	for _, c := range old {
		if m, _ := c.(map[string]any); m["type"] != typ {
			conditions = append(conditions, c)
		}
	}
	st["conditions"] = conditions
	obj["status"] = st
	r.Resource = mustStruct(obj)
}

// provider resolves references in dependency order: the value a reference
// populates is only known once the referenced resource exists, and some
// kinds are identified by what they reference (a listener's ARN extends its
// load balancer's, a listener rule's its listener's).
type provider struct {
	byName map[string]*object // by metadata.name, which references name
	state  map[*object]settleState
}

type settleState int

const (
	unsettled settleState = iota
	settling
	settled
)

// settle resolves o's references, after settling what they reference, and
// then identifies o, unless a reference could not be resolved.
func (p *provider) settle(o *object) {
	if p.state[o] != unsettled {
		return
	}
	p.state[o] = settling
	if o.err == nil { // Not of a kind the table lacks (newObject).
		o.err = o.resolveReferences(p.lookup)
	}
	if o.err == nil {
		o.identify()
	}
	p.state[o] = settled
}

// lookup returns the settled, created resource a reference names, or why
// the reference cannot be resolved.
func (p *provider) lookup(name string) (*object, error) {
	target, ok := p.byName[name]
	switch {
	case !ok:
		return nil, errors.New("which is not composed")
	case p.state[target] == settling:
		return nil, errors.New("which is part of a reference cycle")
	}
	p.settle(target)
	if target.err != nil {
		return nil, errors.New("which cannot be created")
	}
	return target, nil
}

// report writes what the provider reports: the external name, status and
// the Ready and Synced conditions; or, for a resource it cannot create, why.
func (o *object) report() {
	status, _, _ := unstructured.NestedMap(o.u.Object, "status")
	if status == nil {
		status = map[string]any{}
	}
	if o.err != nil {
		// Crossplane's managed reconciler stops before creating anything.
		status["conditions"] = []any{condition("Synced", "False", "ReconcileError", o.failure())}
		o.u.Object["status"] = status
		return
	}
	if !o.facts.usage {
		o.setAnnotation(annotationExternalName, o.externalName)
		at := map[string]any{"id": o.id}
		if o.arn != "" {
			at["arn"] = o.arn
		}
		maps.Copy(at, o.extra)
		status["atProvider"] = at
	}
	status["conditions"] = append([]any{readyCondition(true, "Available"), syncedCondition()}, o.asyncConditions()...)
	o.u.Object["status"] = status
}

// failure is the message of the Synced condition of a resource the
// provider cannot create.
func (o *object) failure() string {
	if errors.Is(o.err, errUnknownKind) {
		return o.err.Error()
	}
	return "cannot resolve references: " + o.err.Error()
}

func (o *object) setAnnotation(name, value string) {
	a := o.u.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[name] = value
	o.u.SetAnnotations(a)
}

func readyCondition(ready bool, reason string) map[string]any {
	status := "True"
	if !ready {
		status = "False"
	}
	return condition("Ready", status, reason, "")
}

func syncedCondition() map[string]any {
	return condition("Synced", "True", "ReconcileSuccess", "")
}

func condition(typ, status, reason, message string) map[string]any {
	c := map[string]any{"type": typ, "status": status, "reason": reason, "lastTransitionTime": conditionTime}
	if message != "" {
		c["message"] = message
	}
	return c
}

func compositionResourceName(u *unstructured.Unstructured) string {
	return u.GetAnnotations()[AnnotationCompositionResourceName]
}

func mustStruct(obj map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(obj)
	if err != nil {
		panic(err) // Objects decoded from a Struct, or built of JSON values, always convert back.
	}
	return s
}

// Created is observed plus desired's other resources as the provider
// reports them once created and before they are Ready: what Crossplane
// observes in the render after the one that composed them.
func Created(observed, desired map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	out := Observe(desired)
	for k, r := range out {
		if prev, ok := observed[k]; ok {
			out[k] = prev
			continue
		}
		SetReady(r, false, reasonCreating)
	}
	return out
}

// CreatedObjects is Created for objects, which carry their key in the
// composition-resource-name annotation, sorted by key. A resource that
// references one not composed yet keeps its reference unresolved.
func CreatedObjects(observed, composed []*unstructured.Unstructured) []*unstructured.Unstructured {
	simulated, _ := Simulate(composed) // An unresolved reference is expected here: see above.
	have := map[string]bool{}
	for _, u := range observed {
		have[compositionResourceName(u)] = true
	}
	out := slices.Clone(observed)
	for _, u := range simulated {
		if have[compositionResourceName(u)] {
			continue
		}
		u.Object["status"] = withConditions(u.Object["status"], readyCondition(false, reasonCreating), syncedCondition())
		out = append(out, u)
	}
	slices.SortStableFunc(out, func(a, b *unstructured.Unstructured) int {
		return strings.Compare(compositionResourceName(a), compositionResourceName(b))
	})
	return out
}

// reasonCreating is the Ready condition's reason while AWS creates a
// resource.
const reasonCreating = "Creating"

// withConditions is a status with these conditions instead of its own.
func withConditions(status any, conditions ...map[string]any) map[string]any {
	st, _ := status.(map[string]any)
	if st == nil {
		st = map[string]any{}
	}
	cs := make([]any, len(conditions))
	for i, c := range conditions {
		cs[i] = c
	}
	st["conditions"] = cs
	return st
}
