package engine

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// One of a kind first.
//
// A render composes at most one resource of each kind the XR does not have
// yet (no observed resource of that kind); the others of that kind follow
// in the next render, once the first is observed. Resources already
// observed are never held back, and neither is anything of a kind the XR
// already has.
//
// Why: Crossplane v2.2.0 starts the watches of an XR's composed resources
// in StartWatches (internal/engine/engine.go), which checks its snapshot of
// the active informers once, before it loops over the XR's resource
// references, and the composite reconciler passes one watch per reference.
// So a kind that first appears with N resources gets N event sources, for
// the life of the Crossplane process, and every event of that kind is then
// mapped to its XR N times, each costing a token of the XR's watch circuit
// breaker. With one resource of a new kind per render, each kind gets one
// source. This costs one extra render for each phase of the stack that
// introduces a kind with more than one resource, and those renders follow
// at once: the first resource's creation event starts the next render, and
// the function asks for a short TTL while it holds resources back (fn/ttl.go).
// It can go once Crossplane starts one source per kind (a one-line change of
// StartWatches, kept as a patch with the control-plane test's build).

// kindSet is the set of kinds an XR has.
type kindSet map[schema.GroupVersionKind]bool

// observedKinds are the kinds of the observed composed resources.
func observedKinds(o Observed) kindSet {
	out := kindSet{}
	for _, u := range o {
		out[u.GetObjectKind().GroupVersionKind()] = true
	}
	return out
}

// oneOfANewKind returns the resources to render now, in their order, and
// the keys of those held back: every resource that is observed or of a kind
// the XR has, and the first resource of each other kind.
func oneOfANewKind(ds []Desired, o Observed, has kindSet) (render []Desired, held []string) {
	render = make([]Desired, 0, len(ds))
	started := kindSet{}
	for _, d := range ds {
		gvk := gvkOf(d.Object)
		switch {
		case o.Exists(d.Key), has[gvk]:
			render = append(render, d)
		case !started[gvk]:
			started[gvk] = true
			render = append(render, d)
		default:
			held = append(held, d.Key)
		}
	}
	return render, held
}
