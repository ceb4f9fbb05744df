package providersim

import (
	"errors"
	"fmt"
	"slices"
)

// Errors of the simulated AWS side.
var (
	// errNotImplemented: the input uses something the simulator does not
	// play; a test must fail rather than pass on a guess.
	errNotImplemented = errors.New("not implemented by the simulator")
	// errInvalid: AWS would reject the input.
	errInvalid = errors.New("invalid")
	// errDenied: IAM denies the call.
	errDenied = errors.New("access denied")
	// errNotFound: the call names something that does not exist.
	errNotFound = errors.New("not found")
	// errExecution: a Step Functions execution fails.
	errExecution = errors.New("execution failed")
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
		ok, err := matchField(field, p, event)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// matchField matches the pattern p of one field against the event.
func matchField(field string, p any, event map[string]any) (bool, error) {
	value, present := event[field]
	switch p := p.(type) {
	case map[string]any:
		nested, ok := value.(map[string]any)
		if !present || !ok {
			return false, nil
		}
		return matchPattern(p, nested)
	case []any:
		ok, err := matchValues(p, value)
		if err != nil {
			return false, fmt.Errorf("pattern field %q: %w", field, err)
		}
		return present && ok, nil
	default:
		return false, fmt.Errorf("%w: pattern field %q must be an object or a list of values, not %T", errInvalid, field, p)
	}
}

// matchValues matches one event value (or list of values) against the
// values a pattern allows.
func matchValues(allowed []any, value any) (bool, error) {
	for _, a := range allowed {
		if _, filter := a.(map[string]any); filter {
			return false, fmt.Errorf("%w: content filter %v", errNotImplemented, a)
		}
	}
	if list, ok := value.([]any); ok {
		return slices.ContainsFunc(list, func(v any) bool { return slices.Contains(allowed, v) }), nil
	}

	return slices.Contains(allowed, value), nil
}
