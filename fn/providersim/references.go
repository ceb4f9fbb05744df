package providersim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// resolveReferences sets every field a reference populates, in
// spec.forProvider and spec.initProvider, from the referenced resource. It
// returns why references could not be resolved.
func (o *object) resolveReferences(lookup func(name string) (*object, error)) error {
	r := &resolver{lookup: lookup, arnFields: o.facts.arnRefs}
	for _, section := range []string{"forProvider", "initProvider"} {
		if m, ok, _ := unstructured.NestedMap(o.u.Object, "spec", section); ok {
			r.resolveIn(m, "spec."+section)
			_ = unstructured.SetNestedMap(o.u.Object, m, "spec", section)
		}
	}
	return errors.Join(r.errs...)
}

// resolver resolves the references of one resource.
type resolver struct {
	lookup func(name string) (*object, error)
	// arnFields take the target's ARN whatever their name (the row's
	// arnRefs).
	arnFields []string
	errs      []error
}

// resolveIn resolves the references in m (at path) and in everything below
// it. xRef {name} populates x; xRefs [{name}] populates xs. Fields are
// visited in order, so that errors come in a stable order.
func (r *resolver) resolveIn(m map[string]any, path string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch {
		case strings.HasSuffix(k, "Ref"):
			field := strings.TrimSuffix(k, "Ref")
			if val, ok := r.value(path, field, v); ok {
				m[field] = val
			}
		case strings.HasSuffix(k, "Refs"):
			field := strings.TrimSuffix(k, "Refs")
			refs, _ := v.([]any)
			vals := make([]any, 0, len(refs))
			for _, ref := range refs {
				if val, ok := r.value(path, field, ref); ok {
					vals = append(vals, val)
				}
			}
			m[field+"s"] = vals
		case strings.HasSuffix(k, "Selector"):
		default:
			r.resolveBelow(v, path+"."+k)
		}
	}
}

func (r *resolver) resolveBelow(v any, path string) {
	switch v := v.(type) {
	case map[string]any:
		r.resolveIn(v, path)
	case []any:
		for i, e := range v {
			r.resolveBelow(e, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// value is what the reference ref populates field (at path) with.
func (r *resolver) value(path, field string, ref any) (any, bool) {
	m, _ := ref.(map[string]any)
	name, _ := m["name"].(string)
	target, err := r.lookup(name)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s.%s references %q, %w", path, field, name, err))
		return nil, false
	}
	return target.referenceValue(field, slices.Contains(r.arnFields, field)), true
}

// referenceValue is what a reference to this resource populates field with,
// as provider-aws's resolvers extract it: a same-named parameter, the ARN
// (for a field named so, or one the referencing kind's row says takes it),
// or (most often) the external name.
func (o *object) referenceValue(field string, arnField bool) any {
	if v := o.forProvider(field); v != "" {
		return v
	}
	if strings.HasSuffix(field, "Arn") || arnField {
		return o.arn
	}
	return o.externalName
}
