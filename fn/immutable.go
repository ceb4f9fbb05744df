package fn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
)

// checkImmutable compares what is about to be rendered with what exists and
// rejects any change of a field the parts declared immutable
// (Desired.Immutable), naming the field and the reason. desired are the
// converted resources of the plan, as they will be sent.
func checkImmutable(resources []Desired, desired map[resource.Name]*resource.DesiredComposed, o Observed) error {
	var errs ValidationError
	for _, d := range resources {
		dc, ok := desired[resource.Name(d.Key)]
		if !ok {
			continue
		}
		for _, im := range d.Immutable {
			if err, changed := immutableChange(im, d.Key, dc, o); changed {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// Several changes read in the order of the CatalogApi's spec, the order
	// NewSpec reports invalid fields in.
	sort.SliceStable(errs, func(i, j int) bool { return specRank(errs[i].Field) < specRank(errs[j].Field) })
	return errs
}

// immutableChange reports whether the resource with this key is about to
// change an immutable field that exists already, as a FieldError.
func immutableChange(im Immutable, key string, dc *resource.DesiredComposed, o Observed) (FieldError, bool) {
	was := o.String(key, im.Path)
	if was == "" {
		return FieldError{}, false
	}
	v, err := dc.Resource.GetString(im.Path)
	if err != nil || v == was { // Not rendered as a string: nothing to compare.
		return FieldError{}, false
	}
	return FieldError{
		Field: im.Field,
		Value: v,
		Rule:  fmt.Sprintf("cannot change after creation (the stack was created with %q): %s; create a new CatalogApi instead", was, im.Why),
	}, true
}

// specSections are the top-level fields of a CatalogApi's spec in the order
// NewSpec validates them (applyAPI).
func specSections() []string {
	return []string{
		"spec.environmentSuffix", "spec.image", "spec.region", "spec.network",
		"spec.service", "spec.scaling", "spec.database",
	}
}

// specRank is the position of a field's section in specSections, or after
// them all.
func specRank(field string) int {
	sections := specSections()
	for i, sec := range sections {
		if field == sec || strings.HasPrefix(field, sec+".") {
			return i
		}
	}
	return len(sections)
}
