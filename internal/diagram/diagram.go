// Package diagram draws a rendered CatalogApi stack (the output of
// `crossplane render`: the XR, the composed resources and the function's
// Results, as multi-document YAML) as a graph: composed resources grouped by
// the part of the stack that renders them, arrows for the references between
// them and for the deletion order their Usages impose, and, when the observed
// resources are given, each resource's readiness.
package diagram

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/platform/function-catalog-api/internal/engine"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// Readiness of a composed resource.
type Readiness string

// Readiness values. Unknown: no observed state was given.
const (
	Unknown  Readiness = ""
	Ready    Readiness = "Ready"
	NotReady Readiness = "NotReady"
	// Creating: rendered, but not among the observed resources yet.
	Creating Readiness = "Creating"
)

// Metadata keys the function and Crossplane put on composed resources.
const (
	annotationResourceName = "crossplane.io/composition-resource-name"
	usageGroup             = "protection.crossplane.io"
)

// errNoResources: the input is not a rendered stack.
var errNoResources = errors.New("no composed resources")

// Resource is one composed resource.
type Resource struct {
	// Key is the composition resource name (the function's key).
	Key   string
	Kind  string
	Group string
	// Name is the Kubernetes object name; references use it.
	Name      string
	Part      string
	Readiness Readiness
}

// EdgeKind says what an edge means.
type EdgeKind int

// Edge kinds.
const (
	// Reference: From refers to To (a *Ref or *Refs field).
	Reference EdgeKind = iota
	// DeletionOrder: a Usage keeps To until From is deleted.
	DeletionOrder
)

// Edge connects two resources by key.
type Edge struct {
	From, To string
	Label    string
	Kind     EdgeKind
}

// Part is a group of resources with the XR condition that reports on it.
type Part struct {
	Name string
	// Status is "ready", or "not ready: <reason>", from the XR's
	// <Part>Ready condition when the XR reports one.
	Status    string
	Resources []Resource
}

// Graph is a rendered stack.
type Graph struct {
	// XR is kind namespace/name of the composite resource.
	XR    string
	Parts []Part
	Edges []Edge
}

// object is one decoded document.
type object = map[string]any

// Parse reads a rendered stack and, if observed is not nil, the observed
// composed resources (the file given to crossplane render
// --observed-resources, or kubectl get -o yaml output of them).
func Parse(rendered, observed io.Reader) (*Graph, error) {
	docs, err := decodeAll(rendered)
	if err != nil {
		return nil, fmt.Errorf("cannot read the rendered stack: %w", err)
	}
	var obs map[string]Readiness
	if observed != nil {
		odocs, err := decodeAll(observed)
		if err != nil {
			return nil, fmt.Errorf("cannot read the observed resources: %w", err)
		}
		obs = observedReadiness(odocs)
	}
	b := &builder{byName: map[string]string{}, resources: map[string]Resource{}}
	for _, d := range docs {
		b.add(d, obs)
	}
	if len(b.resources) == 0 {
		return nil, fmt.Errorf("%w: the input has no document with the %s label or the %s annotation", errNoResources, engine.LabelResource, annotationResourceName)
	}
	return b.graph(), nil
}

// decodeAll decodes every non-empty YAML (or JSON) document, and the items
// of a list (kubectl get -o yaml prints one).
func decodeAll(r io.Reader) ([]object, error) {
	objs, err := yamlobj.Decode(r)
	if err != nil {
		return nil, err
	}
	out := make([]object, len(objs))
	for i, u := range objs {
		out[i] = u.Object
	}
	return out, nil
}

// builder collects resources and edges from the documents.
type builder struct {
	xr        object
	resources map[string]Resource
	// byName maps object names to keys, to resolve references.
	byName     map[string]string
	references []pendingEdge
	usages     []object
}

// pendingEdge is an edge to an object name, resolved once all are known.
type pendingEdge struct {
	from, toName, label string
}

// add sorts one document: a Result (ignored), a Usage, the XR (the first
// document without a key) or a composed resource.
func (b *builder) add(d object, obs map[string]Readiness) {
	kind := str(d, "kind")
	group, _, _ := strings.Cut(str(d, "apiVersion"), "/")
	key := keyOf(d)
	switch {
	case kind == "Result":
	case kind == "Usage" && group == usageGroup:
		b.usages = append(b.usages, d)
	case key != "":
		b.addResource(d, Resource{Key: key, Kind: kind, Group: group, Name: str(d, "metadata", "name"), Part: str(d, "metadata", "labels", engine.LabelPart)}, obs)
	case b.xr == nil && str(d, "metadata", "name") != "":
		b.xr = d
	}
}

// addResource records a composed resource, its readiness and its references.
func (b *builder) addResource(d object, r Resource, obs map[string]Readiness) {
	key := r.Key
	if obs != nil {
		r.Readiness = Creating
		if ready, ok := obs[key]; ok {
			r.Readiness = ready
		}
	}
	b.resources[key] = r
	b.byName[r.Name] = key
	for _, section := range []string{"forProvider", "initProvider"} {
		if m, ok := at(d, "spec", section).(map[string]any); ok {
			b.collectRefs(key, m)
		}
	}
}

// collectRefs records every *Ref (an object with a name) and *Refs (a list
// of them) below v, labelled with the referencing field without the suffix.
func (b *builder) collectRefs(from string, v any) {
	switch t := v.(type) {
	case map[string]any:
		for field, val := range t {
			b.collectField(from, field, val)
		}
	case []any:
		for _, item := range t {
			b.collectRefs(from, item)
		}
	}
}

// collectField records the reference a field holds, or looks below it.
func (b *builder) collectField(from, field string, val any) {
	if label, ok := strings.CutSuffix(field, "Ref"); ok {
		if m, ok := val.(map[string]any); ok {
			b.addRef(from, label, m)
		}
		return
	}
	if label, ok := strings.CutSuffix(field, "Refs"); ok {
		list, _ := val.([]any)
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				b.addRef(from, label, m)
			}
		}
		return
	}
	b.collectRefs(from, val)
}

func (b *builder) addRef(from, label string, ref map[string]any) {
	if name, ok := ref["name"].(string); ok && name != "" {
		b.references = append(b.references, pendingEdge{from: from, toName: name, label: label})
	}
}

// graph resolves the edges and groups the resources by part.
func (b *builder) graph() *Graph {
	g := &Graph{Edges: b.edges()}
	conditions := map[string]string{}
	if b.xr != nil {
		g.XR = strings.TrimSpace(fmt.Sprintf("%s %s/%s", str(b.xr, "kind"), str(b.xr, "metadata", "namespace"), str(b.xr, "metadata", "name")))
		conditions = partConditions(b.xr)
	}
	byPart := map[string][]Resource{}
	for _, r := range b.resources {
		byPart[r.Part] = append(byPart[r.Part], r)
	}
	for _, name := range slices.Sorted(maps.Keys(byPart)) {
		rs := byPart[name]
		slices.SortFunc(rs, func(a, c Resource) int { return cmp.Compare(a.Key, c.Key) })
		g.Parts = append(g.Parts, Part{Name: name, Status: conditions[name], Resources: rs})
	}
	return g
}

// edges resolves references and Usages to edges between composed resources,
// without duplicates, in a stable order.
func (b *builder) edges() []Edge {
	var out []Edge
	seen := map[Edge]bool{}
	add := func(e Edge) {
		if _, ok := b.resources[e.To]; ok && e.From != e.To && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	for _, p := range b.references {
		add(Edge{From: p.from, To: b.byName[p.toName], Label: p.label, Kind: Reference})
	}
	for _, u := range b.usages {
		// The "of" resource is in use "by" the other: by goes first.
		of, by := b.byName[str(u, "spec", "of", "resourceRef", "name")], b.byName[str(u, "spec", "by", "resourceRef", "name")]
		if _, ok := b.resources[by]; ok {
			add(Edge{From: by, To: of, Label: "deleted before", Kind: DeletionOrder})
		}
	}
	slices.SortFunc(out, func(a, c Edge) int {
		return cmp.Or(cmp.Compare(a.Kind, c.Kind), cmp.Compare(a.From, c.From), cmp.Compare(a.To, c.To), cmp.Compare(a.Label, c.Label))
	})
	return out
}

// partConditions reads the XR's <Part>Ready conditions.
func partConditions(xr object) map[string]string {
	out := map[string]string{}
	conds, _ := at(xr, "status", "conditions").([]any)
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		t, _ := m["type"].(string)
		part, ok := strings.CutSuffix(t, "Ready")
		if !ok || part == "" {
			continue
		}
		out[part] = "ready"
		if m["status"] != "True" {
			out[part] = strings.TrimSpace(fmt.Sprintf("not ready: %v", m["reason"]))
		}
	}
	return out
}

// observedReadiness maps the key of each observed composed resource to its
// Ready condition.
func observedReadiness(docs []object) map[string]Readiness {
	out := map[string]Readiness{}
	for _, d := range docs {
		key := keyOf(d)
		if key == "" {
			continue
		}
		out[key] = NotReady
		conds, _ := at(d, "status", "conditions").([]any)
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Ready" && m["status"] == "True" {
				out[key] = Ready
			}
		}
	}
	return out
}

// keyOf is a composed resource's key: the function's label, or Crossplane's
// composition-resource-name annotation.
func keyOf(d object) string {
	if k := str(d, "metadata", "labels", engine.LabelResource); k != "" {
		return k
	}
	return str(d, "metadata", "annotations", annotationResourceName)
}

// at walks nested maps.
func at(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func str(d object, path ...string) string {
	s, _ := at(d, path...).(string)
	return s
}
