package fn

import (
	"fmt"
	"sort"

	"github.com/crossplane/function-sdk-go/resource/composed"
)

// networkPartName is the part that renders the VPC, the claim marker.
const networkPartName = "Network"

// Parts returns the whole stack, in the order its conditions are reported.
// Each call returns a fresh slice: a caller may reorder or trim it without
// changing what the next render builds.
func Parts() []Part {
	return []Part{
		{Name: networkPartName, Build: buildNetwork},
		{Name: "Security", Build: buildSecurity},
		{Name: "Logging", Build: buildLogging},
		{Name: "LoadBalancer", Build: buildLoadBalancer},
		{Name: "Database", Build: buildDatabase},
		{Name: "Service", Build: buildService},
		{Name: "Rotation", Build: buildRotation},
		{Name: "Scaling", Build: buildScaling},
		{Name: "CDN", Build: buildCDN},
	}
}

// PartResult is one part's rendered resources and what it waits for.
type PartResult struct {
	Name      string
	Resources []Desired
	Waiting   []string
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
	// KeptOnPurpose are the kept resources a part declared it keeps on
	// purpose (Built.KeptOnPurpose), in key order.
	KeptOnPurpose []KeptOnPurpose
	// LetGo are observed Usages no longer rendered because the rendered
	// Usages imply them (usages.go): dropped on purpose, in key order.
	LetGo []KeptOnPurpose
}

// Compose renders the whole stack. It is deterministic: the same spec and
// observed state give the same plan.
func Compose(s *Spec, o Observed) (*Plan, error) {
	RegisterTypes() // Usages need the kinds of the typed objects.
	// Once per render: building and collecting the parts walk this one slice.
	parts := Parts()
	built, total := buildParts(parts, s, o)
	// Sized up front: the plan's slices and maps hold a Desired (about 200
	// bytes) per resource, and growing them was a tenth of a render's
	// memory. Usages come on top: about a third as many as resources.
	p := &Plan{Resources: make([]Desired, 0, total+total/2), Parts: make([]PartResult, 0, len(built))}
	rendered := make(map[string]Desired, total)
	// seen are the observed keys that must not be kept: rendered again, or
	// retired by their part.
	seen := make(map[string]bool, total+total/2)
	onPurpose := map[string]string{}
	for i, part := range parts {
		b := built[i]
		for _, d := range b.Resources {
			if _, dup := rendered[d.Key]; dup {
				return nil, fmt.Errorf("internal error: part %s renders key %q twice", part.Name, d.Key)
			}
			rendered[d.Key] = d
			seen[d.Key] = true
			s.setMetadata(d)
			if err := s.setProviderConfig(d); err != nil {
				return nil, err
			}
			p.Resources = append(p.Resources, d)
		}
		for _, k := range b.Retired {
			seen[k] = true // Deliberately not kept: the part retires it.
		}
		for _, k := range b.KeptOnPurpose {
			onPurpose[k.Key] = k.Message
		}
		p.Parts = append(p.Parts, PartResult{Name: part.Name, Resources: b.Resources, Waiting: b.Waiting})
	}
	us := usages(s, p.Resources, rendered)
	for _, u := range us.Rendered {
		seen[u.Key] = true
		s.setMetadata(u)
		p.Resources = append(p.Resources, u)
	}
	p.LetGo = letGoImplied(o, us.Implied)
	for _, k := range p.LetGo {
		seen[k.Key] = true // Deliberately not kept: the other Usages imply it.
	}
	p.keepObserved(o, seen, onPurpose)
	sort.Slice(p.Resources, func(i, j int) bool { return p.Resources[i].Key < p.Resources[j].Key })
	return p, nil
}

// buildParts builds every part, in order, and counts their resources.
func buildParts(parts []Part, s *Spec, o Observed) (built []Built, total int) {
	built = make([]Built, len(parts))
	for i, part := range parts {
		built[i] = buildPart(part, s, o)
		total += len(built[i].Resources)
	}
	return built, total
}

// keepObserved renders every observed resource that no part rendered or
// retired, as it is observed, so that a render can never delete it.
// onPurpose are the messages of those a part keeps on purpose.
func (p *Plan) keepObserved(o Observed, seen map[string]bool, onPurpose map[string]string) {
	for _, k := range o.Keys() {
		if seen[k] {
			continue
		}
		obj := keptObject(o.Resource(k))
		p.Resources = append(p.Resources, Desired{Key: k, Object: obj})
		if msg, ok := onPurpose[k]; ok {
			p.KeptOnPurpose = append(p.KeptOnPurpose, KeptOnPurpose{Key: k, Message: msg})
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
