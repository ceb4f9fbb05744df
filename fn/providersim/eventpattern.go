package providersim

import (
	"fmt"
	"slices"
)

// matchPattern reports whether an EventBridge event pattern matches an
// event, for the subset of the pattern language made of exact values: every
// field the pattern names must be in the event, a nested object must match
// recursively, and a list of values matches when the event's value (or, for
// a list in the event, one of its elements) equals one of them. Content
// filters (prefix, anything-but, ...) are not implemented: a pattern that
// uses one is an error, not a silent mismatch.
func matchPattern(pattern, event map[string]any) (bool, error) {
	for field, p := range pattern {
		value, present := event[field]
		switch p := p.(type) {
		case map[string]any:
			nested, ok := value.(map[string]any)
			if !present || !ok {
				return false, nil
			}
			if ok, err := matchPattern(p, nested); err != nil || !ok {
				return false, err
			}
		case []any:
			ok, err := matchValues(p, value)
			if err != nil {
				return false, fmt.Errorf("pattern field %q: %w", field, err)
			}
			if !present || !ok {
				return false, nil
			}
		default:
			return false, fmt.Errorf("pattern field %q must be an object or a list of values, not %T", field, p)
		}
	}
	return true, nil
}

// matchValues matches one event value (or list of values) against the
// values a pattern allows.
func matchValues(allowed []any, value any) (bool, error) {
	for _, a := range allowed {
		if _, filter := a.(map[string]any); filter {
			return false, fmt.Errorf("content filter %v is not implemented by the simulator", a)
		}
	}
	if list, ok := value.([]any); ok {
		return slices.ContainsFunc(list, func(v any) bool { return slices.Contains(allowed, v) }), nil
	}
	return slices.Contains(allowed, value), nil
}
