package fn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/platform/function-catalog-api/internal/engine"
)

// refuseImmutableChanges turns the changes of immutable fields a render
// would make (engine.ImmutableChanges) into the CatalogApi's validation
// error, naming each field, the value it was created with and the reason.
func refuseImmutableChanges(changes []engine.ImmutableChange) error {
	if len(changes) == 0 {
		return nil
	}
	errs := make(ValidationError, len(changes))
	for i, c := range changes {
		errs[i] = FieldError{
			Field: c.Field,
			Value: c.Now,
			Rule:  fmt.Sprintf("cannot change after creation (the stack was created with %q): %s; create a new CatalogApi instead", c.Was, c.Why),
		}
	}
	// Several changes read in the order of the CatalogApi's spec, the order
	// NewSpec reports invalid fields in.
	sort.SliceStable(errs, func(i, j int) bool { return specRank(errs[i].Field) < specRank(errs[j].Field) })
	return errs
}

// specSections are the top-level fields of a CatalogApi's spec in the order
// NewSpec validates them (applyAPI).
func specSections() []string {
	return []string{
		"spec.environmentSuffix", "spec.image", "spec.region", "spec.network",
		"spec.service", "spec.scaling", "spec.database", "spec.cdn", "spec.domain", "spec.edge",
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
