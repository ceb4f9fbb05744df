package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// UsageEdge is one declared deletion edge: By must be gone before Of is
// deleted (By declares it Uses Of).
type UsageEdge struct{ Of, By string }

// Key is the key of the Usage of the edge.
func (e UsageEdge) Key() string { return UsageKey(e.Of, e.By) }

// Usages are the Usages of one render.
type Usages struct {
	// Rendered are the Usages to render, in declaration order.
	Rendered []Desired
	// Implied are the declared edges between rendered resources that other
	// rendered Usages already enforce (a path of two or more), sorted by
	// key: they get no Usage.
	Implied []UsageEdge
}

// usages renders a Usage for every edge a part declared (Desired.Uses)
// whose two ends are rendered, except the edges that the others imply: the
// transitive reduction of the declared edges among rendered resources. If A
// must outlive B and B must outlive C, Crossplane holds A until B is gone
// and B until C is gone, so A outlives C without a Usage of its own.
//
// Why: every Usage is an object Crossplane watches, and Crossplane v2.2.0
// starts one event source per Usage of an XR for the kind (StartWatches
// snapshots its active informers before the loop), so every Usage change is
// mapped to the XR once per Usage: the watch events grow with the square of
// the number of Usages, and they drain the XR watch circuit breaker. Fewer
// Usages, same deletion order.
//
// The edges are reduced over every declared resource, held ones included
// (newkinds.go), so that which Usages a stack gets does not depend on the
// order its resources are created in; the Usage of an edge with a held end
// follows that end.
func usages(m Meta, resources []Desired, rendered map[string]Desired, held map[string]bool) Usages {
	edges := DeclaredEdges(resources, rendered)
	implied := impliedEdges(edges)
	var out Usages
	for _, e := range edges {
		if implied[e] {
			out.Implied = append(out.Implied, e)
			continue
		}
		if held[e.Of] || held[e.By] {
			continue
		}
		out.Rendered = append(out.Rendered, NewUsage(m, rendered[e.Of], rendered[e.By]))
	}
	out.Implied = sortedByKey(out.Implied)
	return out
}

// DeclaredEdges are the deletion edges the resources declare (Uses) whose
// two ends are rendered, in declaration order, each once.
func DeclaredEdges(resources []Desired, rendered map[string]Desired) []UsageEdge {
	var out []UsageEdge
	seen := map[UsageEdge]bool{}
	for _, by := range resources {
		for _, key := range by.Uses {
			e := UsageEdge{Of: key, By: by.Key}
			if _, ok := rendered[key]; !ok || seen[e] || key == by.Key {
				continue
			}
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// impliedEdges returns the edges that a path of other edges implies. It
// drops one edge at a time, in key order, and only while the remaining
// edges still lead from its user to what it uses, so the remaining edges
// always order the teardown as all of them did (their transitive closure is
// unchanged). For acyclic edges, as the stack's are, the result is the
// unique transitive reduction whatever the order.
func impliedEdges(edges []UsageEdge) map[UsageEdge]bool {
	next := map[string]map[string]bool{} // by -> the Ofs it must go before
	for _, e := range edges {
		if next[e.By] == nil {
			next[e.By] = map[string]bool{}
		}
		next[e.By][e.Of] = true
	}
	implied := map[UsageEdge]bool{}
	for _, e := range sortedByKey(edges) {
		delete(next[e.By], e.Of)
		if Reaches(next, e.By, e.Of) {
			implied[e] = true
			continue
		}
		next[e.By][e.Of] = true
	}
	return implied
}

// sortedByKey returns the edges in the order of their Usages' keys. Each
// key is built once, not in every comparison (that was about 20 KiB of
// garbage per render).
func sortedByKey(edges []UsageEdge) []UsageEdge {
	type keyed struct {
		key  string
		edge UsageEdge
	}
	ks := make([]keyed, len(edges))
	for i, e := range edges {
		ks[i] = keyed{key: e.Key(), edge: e}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([]UsageEdge, len(ks))
	for i, k := range ks {
		out[i] = k.edge
	}
	return out
}

// Reaches reports whether a path of edges leads from one key to another.
func Reaches(next map[string]map[string]bool, from, to string) bool {
	visited := map[string]bool{from: true}
	stack := []string{from}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for n := range next[k] {
			if n == to {
				return true
			}
			if !visited[n] {
				visited[n] = true
				stack = append(stack, n)
			}
		}
	}
	return false
}

// dropImplied lets go of the observed Usages of implied edges: Compose
// keeps every observed resource that no part renders, but a Usage has no
// AWS side, and the rendered Usages enforce the same order, so dropping it
// (Crossplane deletes the Usage object) changes nothing but the number of
// objects Crossplane watches. It returns a message per Usage let go, for a
// Normal result. A Usage no declared edge names any more is not touched
// here: it stays kept, with the Warning every kept resource gets.
func dropImplied(o Observed, implied []UsageEdge) []Explained {
	var out []Explained
	for _, e := range implied {
		if !o.Exists(e.Key()) {
			continue
		}
		out = append(out, Explained{Key: e.Key(), Message: fmt.Sprintf(
			"%s: the other Usages already keep %s until %s is gone", LetGoMessage(e.Key()), e.Of, e.By)})
	}
	return out
}

// LetGoMessage begins the message of the Normal result that says a render
// lets go of the observed Usage with this key.
func LetGoMessage(key string) string { return fmt.Sprintf("letting go of Usage %q", key) }

// dropUndeclared lets go of the observed Usages that no declared edge
// names any more and no part keeps on purpose: a part dropped the edge
// because AWS itself refuses the wrong order (its deletion is retried) or
// the order loses nothing. Like dropImplied, this deletes only the Usage
// object, which has no AWS side. rendered are the keys this render renders
// or lets go already.
func dropUndeclared(o Observed, rendered map[string]bool, onPurpose map[string]string) []Explained {
	var out []Explained
	for _, k := range o.Keys() {
		if rendered[k] || !isUsage(o[k]) {
			continue
		}
		if _, kept := onPurpose[k]; kept {
			continue
		}
		out = append(out, Explained{Key: k, Message: LetGoMessage(k) + ": no part of the stack orders this deletion with a Usage any more"})
	}
	return out
}

// isUsage reports whether an observed resource is a Crossplane Usage.
func isUsage(u *composed.Unstructured) bool {
	gvk := u.GetObjectKind().GroupVersionKind()
	return gvk.Group == protectionv1beta1.Group && gvk.Kind == protectionv1beta1.UsageKind
}

// MaxKeyLength is the longest key a composed resource may have: the key is
// also the value of its LabelResource label, and Kubernetes refuses label
// values longer than 63 characters.
const MaxKeyLength = 63

// usageKeyHashLength is how many hex digits of a hash end a shortened key.
const usageKeyHashLength = 10

// UsageKey is the key of the Usage that keeps of until by is gone:
// usage-<of>-by-<by>. A key that would be longer than a label value may be
// is cut and ends with a hash of the whole, so that it stays unique and
// stable (the API server refused such a Usage before: no stack has one).
func UsageKey(of, by string) string {
	key := "usage-" + of + "-by-" + by
	if len(key) <= MaxKeyLength {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return key[:MaxKeyLength-usageKeyHashLength-1] + "-" + hex.EncodeToString(sum[:])[:usageKeyHashLength]
}

// NewUsage is the Usage that keeps of until by is gone: Crossplane's own
// protection.crossplane.io/v1beta1 type. While it exists, Crossplane refuses
// to delete of; ReplayDeletion replays the blocked deletion as soon as the
// Usage is gone, so teardown does not wait for the next backoff.
func NewUsage(m Meta, of, by Desired) Desired {
	ofKind, byKind := gvkOf(of.Object), gvkOf(by.Object)
	u := &protectionv1beta1.Usage{
		// The kind is set here, not left to composed.Scheme: the engine
		// tells kinds apart (newkinds.go) and does not register types.
		TypeMeta: metav1.TypeMeta{APIVersion: protectionv1beta1.SchemeGroupVersion.String(), Kind: protectionv1beta1.UsageKind},
		Spec: protectionv1beta1.UsageSpec{
			Of: protectionv1beta1.NamespacedResource{
				APIVersion:  ofKind.GroupVersion().String(),
				Kind:        ofKind.Kind,
				ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: ObjectName(m.XRName, of.Key)},
			},
			By: &protectionv1beta1.Resource{
				APIVersion:  byKind.GroupVersion().String(),
				Kind:        byKind.Kind,
				ResourceRef: &protectionv1beta1.ResourceRef{Name: ObjectName(m.XRName, by.Key)},
			},
			ReplayDeletion: new(true),
		},
	}
	// A Usage has no AWS side: it is ready as soon as it exists.
	return Desired{Key: UsageKey(of.Key, by.Key), Object: u, Readiness: Readiness{Check: existsIsReady}}
}

// gvkOf returns the kind of a typed provider object from composed.Scheme.
func gvkOf(o runtime.Object) schema.GroupVersionKind {
	if gvk := o.GetObjectKind().GroupVersionKind(); !gvk.Empty() {
		return gvk
	}
	gvks, _, err := composed.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		panic(fmt.Sprintf("type %T is not registered in composed.Scheme", o)) // A programming error.
	}
	return gvks[0]
}

func existsIsReady(o Observed, key string) bool { return o.Exists(key) }
