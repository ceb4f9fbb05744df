package fn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// A Part builds one part of the stack from the validated spec and what is
// observed. It is a plain function: no I/O, no shared state.
type Part struct {
	// Name of the part, used for its XR condition (<Name>Ready).
	Name string
	// Build returns the part's desired resources and, for resources it
	// cannot render yet, why it is waiting.
	Build func(s *Spec, o Observed) Built
}

// Built is what a Part returns.
type Built struct {
	Resources []Desired
	// Waiting says, for a person, what the part waits for before it can
	// render the rest of its resources.
	Waiting []string
}

// Add appends resources.
func (b *Built) Add(d ...Desired) { b.Resources = append(b.Resources, d...) }

// Wait records what the part is waiting for.
func (b *Built) Wait(format string, a ...any) {
	b.Waiting = append(b.Waiting, fmt.Sprintf(format, a...))
}

// networkPartName is the part that renders the VPC, the claim marker.
const networkPartName = "Network"

// Parts is the whole stack, in the order its conditions are reported.
var Parts = []Part{
	{Name: networkPartName, Build: buildNetwork},
	{Name: "Security", Build: buildSecurity},
	{Name: "Logging", Build: buildLogging},
	{Name: "LoadBalancer", Build: buildLoadBalancer},
	{Name: "Database", Build: buildDatabase},
	{Name: "Service", Build: buildService},
	{Name: "Scaling", Build: buildScaling},
	{Name: "CDN", Build: buildCDN},
}

// PartResult is one part's rendered resources and what it waits for.
type PartResult struct {
	Name    string
	Keys    []string
	Waiting []string
}

// Plan is the complete result of one render, before it is serialized.
type Plan struct {
	// Resources are every desired composed resource, sorted by key.
	Resources []Desired
	Parts     []PartResult
	// Kept are observed resources no part rendered this time; they are
	// rendered unchanged because Crossplane deletes what a function stops
	// returning.
	Kept []string
	// Superseded are the kept task definitions (and their Usages) of a
	// rollout in progress: kept on purpose until the service has moved.
	Superseded []string
}

// Compose renders the whole stack. It is deterministic: the same spec and
// observed state give the same plan.
func Compose(s *Spec, o Observed) (*Plan, error) {
	RegisterTypes() // Usages need the kinds of the typed objects.
	p := &Plan{}
	rendered := map[string]Desired{}
	for _, part := range Parts {
		b := buildPart(part, s, o)
		pr := PartResult{Name: part.Name, Waiting: b.Waiting}
		for _, d := range b.Resources {
			if _, dup := rendered[d.Key]; dup {
				return nil, fmt.Errorf("internal error: part %s renders key %q twice", part.Name, d.Key)
			}
			rendered[d.Key] = d
			s.finalize(d)
			p.Resources = append(p.Resources, d)
			pr.Keys = append(pr.Keys, d.Key)
		}
		p.Parts = append(p.Parts, pr)
	}
	seen := map[string]bool{}
	for k := range rendered {
		seen[k] = true
	}
	for _, u := range usages(s, rendered) {
		seen[u.Key] = true
		s.finalize(u)
		p.Resources = append(p.Resources, u)
	}
	for k := range retiredKeys(o, currentTaskDefinitionKey(rendered)) {
		seen[k] = true // Deliberately not kept: see retiredKeys.
	}
	p.keepObserved(s, o, seen)
	sort.Slice(p.Resources, func(i, j int) bool { return p.Resources[i].Key < p.Resources[j].Key })
	return p, nil
}

// retiredKeys are the only observed resources a render may drop: task
// definition revisions the service has left. A task definition cannot be
// updated in place, so every change makes a new one; the old one stays until
// the service runs on the new revision and is Ready (its deployment is done
// and no task runs the old revision any more). Dropping it then deregisters
// the old revision, together with the Usage that protected it.
func retiredKeys(o Observed, current string) map[string]bool {
	if current == "" || !o.Ready(KeyService) {
		return nil
	}
	arn := o.String(current, "status.atProvider.arn")
	if arn == "" || o.String(KeyService, "spec.forProvider.taskDefinition") != arn {
		return nil
	}
	out := map[string]bool{}
	for name := range o {
		k := string(name)
		if IsTaskDefinitionKey(k) && k != current {
			out[k] = true
			out[UsageKey(k, KeyService)] = true
		}
	}
	return out
}

// isTaskDefinitionOrItsUsage reports whether a key is a task definition or
// the Usage that protects one from deletion while the service runs it.
func isTaskDefinitionOrItsUsage(key string) bool {
	if IsTaskDefinitionKey(key) {
		return true
	}
	td, ok := strings.CutPrefix(key, "usage-")
	if !ok {
		return false
	}
	td, ok = strings.CutSuffix(td, "-by-"+KeyService)
	return ok && IsTaskDefinitionKey(td)
}

// keepObserved renders every observed resource that no part rendered, as it
// is observed, so that a render can never delete it.
func (p *Plan) keepObserved(s *Spec, o Observed, seen map[string]bool) {
	keys := make([]string, 0, len(o))
	for name := range o {
		if !seen[string(name)] {
			keys = append(keys, string(name))
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		obj := keptObject(o[resource.Name(k)].Resource)
		p.Resources = append(p.Resources, Desired{Key: k, Object: obj})
		if isTaskDefinitionOrItsUsage(k) {
			p.Superseded = append(p.Superseded, k)
			continue
		}
		p.Kept = append(p.Kept, k)
	}
}

// keptObject copies what the function owns of an observed resource: its
// identity, labels, external name and spec. Status and server-set metadata
// are left out.
func keptObject(obs *composed.Unstructured) *composed.Unstructured {
	out := composed.New()
	out.SetAPIVersion(obs.GetAPIVersion())
	out.SetKind(obs.GetKind())
	out.SetName(obs.GetName())
	out.SetLabels(obs.GetLabels())
	if en, ok := obs.GetAnnotations()[AnnotationExternalName]; ok {
		out.SetAnnotations(map[string]string{AnnotationExternalName: en})
	}
	if spec, ok := obs.Object["spec"]; ok {
		out.Object["spec"] = spec
	}
	return out
}
