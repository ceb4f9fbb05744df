package engine

import (
	"fmt"
	"maps"
	"sort"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	xpresource "github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// Labels and annotations the engine puts on composed resources.
const (
	// LabelResource is a composed resource's key (composition resource
	// name).
	LabelResource = "catalog.example.org/resource"
	// LabelPart is the part that renders a composed resource (Part.Name),
	// or TeardownPart for a Usage: tools that read a rendered or observed
	// stack (catalogapi diagram, preview) group resources by it.
	LabelPart = "catalog.example.org/part"
	// AnnotationExternalName is the resource's name in the cloud, for kinds
	// named by it.
	AnnotationExternalName = "crossplane.io/external-name"
)

// TeardownPart is the LabelPart of the Usages: they order the stack's
// deletion and belong to no part's condition.
const TeardownPart = "Teardown"

// Meta is what the engine needs to know of the composite resource to name
// and connect the composed ones.
type Meta struct {
	// XRName prefixes every composed resource's object name (ObjectName).
	XRName string
	// Labels are put on every composed resource, beside the resource and
	// part labels.
	Labels map[string]string
	// ProviderConfig is the provider config every managed resource uses.
	ProviderConfig xpv1.ProviderConfigReference
}

// ObjectName is the Kubernetes name of the composed resource with this key:
// <XR name>-<key>. It is fixed (not generated) so that builders can
// reference each other by name.
func ObjectName(xrName, key string) string { return xrName + "-" + key }

// PartResult is one part's rendered resources and what it waits for.
type PartResult struct {
	Name      string
	Resources []Desired
	Waiting   []string
}

// Plan is the complete result of one render, before it is converted.
type Plan struct {
	// Resources are every desired composed resource, sorted by key.
	Resources []Desired
	Parts     []PartResult
	// Unrendered are observed resources no part rendered or retired this
	// time and none declared it keeps: they are rendered unchanged, because
	// Crossplane deletes what a function stops returning.
	Unrendered []string
	// KeptOnPurpose are the kept resources a part declared it keeps on
	// purpose (Built.KeptOnPurpose), in key order.
	KeptOnPurpose []Explained
	// DroppedUsages are observed Usages no longer rendered because the
	// rendered Usages imply them (usages.go), in key order.
	DroppedUsages []Explained
	// Held are the keys of resources the parts render but this render
	// holds back, one of a kind first (newkinds.go): they follow in the
	// next render. Their parts' conditions count them as not yet created.
	Held []string
}

// Compose renders the whole stack: every part in order, the Usages of their
// declared deletion edges, and every observed resource no part rendered. It
// is deterministic: the same spec and observed state give the same plan.
func Compose[S any](parts []Part[S], s S, m Meta, o Observed) (*Plan, error) {
	p := &Plan{Parts: make([]PartResult, 0, len(parts))}
	rendered := map[string]Desired{}
	// seen are the observed keys that must not be kept: rendered again, or
	// retired by their part.
	seen := map[string]bool{}
	onPurpose := map[string]string{}
	for _, part := range parts {
		b := part.Build(s, o)
		for _, d := range b.Resources {
			if _, dup := rendered[d.Key]; dup {
				return nil, fmt.Errorf("internal error: part %s renders key %q twice", part.Name, d.Key)
			}
			rendered[d.Key] = d
			seen[d.Key] = true
			if err := m.stamp(d, part.Name); err != nil {
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
	has := observedKinds(o)
	all := p.Resources
	p.Resources, p.Held = oneOfANewKind(all, o, has)
	us := usages(m, all, rendered, asSet(p.Held))
	rendering, heldUsages := oneOfANewKind(us.Rendered, o, has)
	p.Held = append(p.Held, heldUsages...)
	for _, u := range rendering {
		seen[u.Key] = true
		m.SetMetadata(u, TeardownPart)
		p.Resources = append(p.Resources, u)
	}
	p.DroppedUsages = dropImplied(o, us.Implied)
	for _, k := range p.DroppedUsages {
		seen[k.Key] = true // Deliberately not kept: the other Usages imply it.
	}
	// Held Usages are not observed, so they cannot be let go here.
	undeclared := dropUndeclared(o, seen, onPurpose)
	for _, k := range undeclared {
		seen[k.Key] = true // Deliberately not kept: no edge declares it.
	}
	p.DroppedUsages = append(p.DroppedUsages, undeclared...)
	p.keepObserved(o, seen, onPurpose)
	sort.Slice(p.Resources, func(i, j int) bool { return p.Resources[i].Key < p.Resources[j].Key })
	return p, nil
}

func asSet(keys []string) map[string]bool {
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out
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
			p.KeptOnPurpose = append(p.KeptOnPurpose, Explained{Key: k, Message: msg})
			continue
		}
		p.Unrendered = append(p.Unrendered, k)
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

// stamp applies the metadata and the provider config every composed
// managed resource shares.
func (m Meta) stamp(d Desired, part string) error {
	m.SetMetadata(d, part)
	mr, ok := d.Object.(xpresource.TypedProviderConfigReferencer)
	if !ok {
		return fmt.Errorf("internal error: %s is a %T, which takes no provider config reference: not a namespaced managed resource", d.Key, d.Object)
	}
	pc := m.ProviderConfig
	mr.SetProviderConfigReference(&pc)
	return nil
}

// SetMetadata applies the Kubernetes metadata every composed resource
// shares: its object name, its key and part labels and, for kinds named by
// it, the external-name annotation. It only uses the metav1.Object
// interface. This is the one place a resource gets its part label.
func (m Meta) SetMetadata(d Desired, part string) {
	o := d.Object
	o.SetName(ObjectName(m.XRName, d.Key))
	labels := map[string]string{LabelResource: d.Key, LabelPart: part}
	maps.Copy(labels, m.Labels)
	maps.Copy(labels, d.Labels)
	o.SetLabels(labels)
	annotations := maps.Clone(d.Annotations)
	if d.ExternalName && d.AWSName != "" {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[AnnotationExternalName] = d.AWSName
	}
	if annotations != nil {
		o.SetAnnotations(annotations)
	}
}
