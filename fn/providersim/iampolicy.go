package providersim

import (
	"encoding/json"
	"fmt"
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
	allowed := false
	for _, doc := range docs {
		var p policyDocument
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return false, fmt.Errorf("%w: policy is not JSON: %w", errInvalid, err)
		}
		for _, st := range p.Statement {
			if !anyMatches(st.Action, strings.ToLower(action), true) || !anyMatches(st.Resource, resource, false) {
				continue
			}
			switch st.Effect {
			case "Deny":
				return false, nil
			case "Allow":
				allowed = true
			}
		}
	}
	return allowed, nil
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
