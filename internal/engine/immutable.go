package engine

import (
	"github.com/crossplane/function-sdk-go/resource"
)

// ImmutableChange is a render that would change a field the parts declared
// immutable (Desired.Immutable) on a resource that exists.
type ImmutableChange struct {
	Immutable

	// Was is the value the resource was created with; Now the value the
	// render would set.
	Was, Now string
}

// ImmutableChanges compares what is about to be rendered with what exists
// and returns every change of a declared immutable field, in the order of
// the resources. desired are the plan's converted resources.
func ImmutableChanges(plan *Plan, desired map[resource.Name]*resource.DesiredComposed, o Observed) []ImmutableChange {
	var out []ImmutableChange
	for _, d := range plan.Resources {
		dc, ok := desired[resource.Name(d.Key)]
		if !ok {
			continue
		}
		for _, im := range d.Immutable {
			if c, changed := immutableChange(im, d.Key, dc, o); changed {
				out = append(out, c)
			}
		}
	}
	return out
}

// immutableChange reports whether the resource with this key is about to
// change an immutable field that exists already.
func immutableChange(im Immutable, key string, dc *resource.DesiredComposed, o Observed) (ImmutableChange, bool) {
	was := o.GetString(key, im.Path)
	if was == "" {
		return ImmutableChange{}, false
	}
	now, err := dc.Resource.GetString(im.Path)
	if err != nil || now == was { // Not rendered as a string: nothing to compare.
		return ImmutableChange{}, false
	}
	return ImmutableChange{Immutable: im, Was: was, Now: now}, true
}
