package providersim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// policyStatement is one statement of an identity policy; Action and
// Resource may each be a string or a list of strings.
type policyStatement struct {
	Effect   string `json:"Effect"`
	Action   any    `json:"Action"`
	Resource any    `json:"Resource"`
}

// policyDocument is an identity policy document.
type policyDocument struct {
	Statement []policyStatement `json:"Statement"`
}

// policiesAllow evaluates identity policies the way IAM does for one
// principal: an explicit Deny wins, otherwise an Allow is needed. Actions
// match case-insensitively, both with * and ? wildcards.
func policiesAllow(docs []string, action, resource string) (bool, error) {
	var effects []string
	for _, doc := range docs {
		var p policyDocument
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return false, fmt.Errorf("%w: policy is not JSON: %w", errInvalid, err)
		}
		for _, st := range p.Statement {
			if anyMatches(st.Action, strings.ToLower(action), true) && anyMatches(st.Resource, resource, false) {
				effects = append(effects, st.Effect)
			}
		}
	}
	return verdict(effects), nil
}

// verdict is IAM's decision from the effects of the statements that apply:
// an explicit Deny wins, then an Allow; nothing is an implicit deny.
func verdict(effects []string) bool {
	if slices.Contains(effects, "Deny") {
		return false
	}
	return slices.Contains(effects, "Allow")
}

// anyMatches reports whether one of the patterns (a string or a list)
// matches s.
func anyMatches(patterns any, s string, fold bool) bool {
	var list []string
	switch p := patterns.(type) {
	case string:
		list = []string{p}
	case []any:
		for _, v := range p {
			if str, ok := v.(string); ok {
				list = append(list, str)
			}
		}
	}
	for _, p := range list {
		if fold {
			p = strings.ToLower(p)
		}
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// globMatch matches s against an IAM pattern: * is any run of characters
// (including / and :), ? exactly one.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	default:
		return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
	}
}

// trustStatement is one statement of a role's trust policy; Service,
// Action and each condition value may be a string or a list of strings.
type trustStatement struct {
	Effect    string `json:"Effect"`
	Principal struct {
		Service any `json:"Service"`
	} `json:"Principal"`
	Action    any                       `json:"Action"`
	Condition map[string]map[string]any `json:"Condition"`
}

// trustDocument is a role's trust policy.
type trustDocument struct {
	Statement []trustStatement `json:"Statement"`
}

// trustAllows evaluates a role's trust policy the way STS does when an AWS
// service assumes the role on behalf of one of its resources: a statement
// applies if its principal is the service, its action sts:AssumeRole and
// every condition holds for the request's context keys (aws:SourceAccount,
// aws:SourceArn); a condition on a key the context lacks does not hold.
// An explicit Deny wins. Only the condition operators the function writes
// are implemented; any other is an error, not a guess.
func trustAllows(doc, service string, context map[string]string) (bool, error) {
	var p trustDocument
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return false, fmt.Errorf("%w: trust policy is not JSON: %w", errInvalid, err)
	}
	var effects []string
	for _, st := range p.Statement {
		if !anyMatches(st.Principal.Service, service, false) || !anyMatches(st.Action, "sts:assumerole", true) {
			continue
		}
		holds, err := conditionsHold(st.Condition, context)
		if err != nil {
			return false, err
		}
		if holds {
			effects = append(effects, st.Effect)
		}
	}
	return verdict(effects), nil
}

// conditionsHold reports whether every condition of a statement holds.
// Keys are case-insensitive; String and Arn operators compare
// case-sensitively, the Like ones with * and ? wildcards.
func conditionsHold(conditions map[string]map[string]any, context map[string]string) (bool, error) {
	lower := make(map[string]string, len(context))
	for k, v := range context {
		lower[strings.ToLower(k)] = v
	}
	for op, keys := range conditions {
		for k, want := range keys {
			got, ok := lower[strings.ToLower(k)]
			if !ok {
				return false, nil
			}
			var matches bool
			switch op {
			case "StringEquals", "ArnEquals":
				matches = anyEquals(want, got)
			case "StringLike", "ArnLike":
				matches = anyMatches(want, got, false)
			default:
				return false, fmt.Errorf("%w: condition operator %s", errNotImplemented, op)
			}
			if !matches {
				return false, nil
			}
		}
	}
	return true, nil
}

// anyEquals reports whether one of the values (a string or a list) is s.
func anyEquals(values any, s string) bool {
	switch v := values.(type) {
	case string:
		return v == s
	case []any:
		for _, e := range v {
			if e == s {
				return true
			}
		}
	}
	return false
}
