package fn

import (
	"github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/runtime"
)

// toComposed converts a typed provider object to the unstructured form the
// response carries. It does what composed.From does without its JSON round
// trip (a third of a render's CPU): a reflective conversion, then the JSON
// omitempty semantics composed.From gets from go-json-experiment, which the
// converter lacks for structs: empty objects and nulls are dropped. Status
// is dropped as well: a desired composed resource has none. Unlike
// composed.From it keeps empty strings the function sets on purpose (the
// access-log lifecycle rule's empty filter prefix, which Terraform's AWS
// provider needs instead of an empty filter block).
// TestToComposedMatchesSDK proves the result equal to composed.From's for
// every resource the function renders.
func toComposed(o Object) (*composed.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	pruneEmpty(m)
	gvk := gvkOf(o)
	m["apiVersion"], m["kind"] = gvk.GroupVersion().String(), gvk.Kind
	u := &composed.Unstructured{}
	u.Object = m
	return u, nil
}

// pruneEmpty removes, recursively, map entries whose value is nil or an
// object that is empty once pruned.
func pruneEmpty(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			pruneEmpty(x)
			if len(x) == 0 {
				delete(m, k)
			}
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					pruneEmpty(em)
				}
			}
		}
	}
}
