package main

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Turning the XRD's OpenAPI schema into the template's form schema (JSON
// Schema for react-jsonschema-form): the structural keywords are copied as
// they are, the CEL rules are translated where JSON Schema can say the same,
// and every rule it cannot say must be listed in admissionOnly, so that a new
// rule in the Go types fails the generation instead of silently missing from
// the form.

// copied are the keywords the form keeps unchanged.
func copied() []string {
	return []string{"type", "description", "default", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "maxItems", "minItems", "required"}
}

// admissionOnly are the CEL rules JSON Schema cannot express, by the path of
// the schema node that carries them and their message. The form says the
// cluster checks them when the CatalogApi is applied.
func admissionOnly() map[string][]string {
	return map[string][]string{
		"spec": {
			"spec.scaling.minTasks must be less than or equal to spec.scaling.maxTasks",
			"spec.service.onDemandBaseTasks must be less than or equal to spec.scaling.maxTasks",
		},
		"spec.service": {
			"spec.service.cpu and spec.service.memory must be a pair Fargate accepts (docs/stack.md lists them)",
			"spec.service: a name cannot be both in env and in secrets",
		},
		"spec.network.existing": {
			"spec.network.existing: a subnet cannot be both private and public",
		},
		"spec.database": {
			"spec.database.deletionProtection requires spec.database.finalSnapshot: a protected database is not a throwaway one",
		},
	}
}

// Errors of the conversion.
var (
	errSchema    = errors.New("unexpected schema")
	errDrift     = errors.New("the XRD and the Go types differ: regenerate apis/xrd.yaml")
	errCEL       = errors.New("cannot translate the CEL rule into JSON Schema")
	errPlacement = errors.New("form pages and spec fields differ")
)

// immutableRule is the CEL rule of an immutable field: a creation form has
// nothing to check.
const immutableRule = "self == oldSelf"

var (
	startsWithTerm = regexp.MustCompile(`^!self\.startsWith\('([^'\\]*)'\)$`)
	notInTerm      = regexp.MustCompile(`^!\(self in \[([^\]]*)\]\)$`)
	quoted         = regexp.MustCompile(`^'([^'\\]*)'$`)
)

// converter converts schema nodes; it collects the admission-only checks.
type converter struct {
	// order gives the property order of each object path, from the Go types.
	order map[string][]string
	// checkedByCluster are the messages of admission-only rules met.
	checkedByCluster []string
}

// convert returns the form schema of the XRD schema node at path.
func (c *converter) convert(path string, node map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range copied() {
		if v, ok := node[k]; ok {
			out[k] = v
		}
	}
	if err := c.translateRules(path, node, out); err != nil {
		return nil, err
	}
	c.noteListMap(path, node)
	if items, ok := node["items"].(map[string]any); ok {
		conv, err := c.convert(path+"[]", items)
		if err != nil {
			return nil, err
		}
		out["items"] = conv
	}
	props, ok := node["properties"].(map[string]any)
	if !ok {
		return out, nil
	}
	if err := c.convertProperties(path, props, out); err != nil {
		return nil, err
	}
	return out, nil
}

// convertProperties converts an object's properties in Go field order.
func (c *converter) convertProperties(path string, props, out map[string]any) error {
	converted := map[string]any{}
	// In name order: the collected checks must come out the same every time.
	for _, name := range slices.Sorted(maps.Keys(props)) {
		pm, ok := props[name].(map[string]any)
		if !ok {
			return fmt.Errorf("%w: %s.%s is not an object", errSchema, path, name)
		}
		conv, err := c.convert(path+"."+name, pm)
		if err != nil {
			return err
		}
		conv["title"] = title(name)
		converted[name] = conv
	}
	out["properties"] = converted
	order, err := c.orderOf(path, props)
	if err != nil {
		return err
	}
	out["ui:order"] = order
	return nil
}

// noteListMap records that the cluster checks a map-list's keys are unique:
// JSON Schema cannot say that items differ in one property.
func (c *converter) noteListMap(path string, node map[string]any) {
	if node["x-kubernetes-list-type"] != "map" {
		return
	}
	var keys []string
	for _, k := range asSlice(node["x-kubernetes-list-map-keys"]) {
		keys = append(keys, fmt.Sprint(k))
	}
	c.checkedByCluster = append(c.checkedByCluster, fmt.Sprintf("no two items of %s have the same %s", path, strings.Join(keys, " and ")))
}

// orderOf is the Go field order of an object's properties; every property
// must be a Go field.
func (c *converter) orderOf(path string, props map[string]any) ([]any, error) {
	order := c.order[path]
	if len(order) != len(props) {
		return nil, fmt.Errorf("%w: %s has %d properties, the Go type %d fields", errDrift, path, len(props), len(order))
	}
	out := make([]any, 0, len(order))
	for _, name := range order {
		if _, ok := props[name]; !ok {
			return nil, fmt.Errorf("%w: Go field %s.%s is not in the XRD", errDrift, path, name)
		}
		out = append(out, name)
	}
	return out, nil
}

// translateRules turns the node's CEL rules into JSON Schema where it can.
func (c *converter) translateRules(path string, node, out map[string]any) error {
	rules, _ := node["x-kubernetes-validations"].([]any)
	var nots []any
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		text, _ := rule["rule"].(string)
		message, _ := rule["message"].(string)
		if text == immutableRule || isTransitionRule(text) {
			continue
		}
		if isAdmissionOnly(path, message) {
			c.checkedByCluster = append(c.checkedByCluster, message)
			continue
		}
		terms, err := negatedTerms(text)
		if err != nil {
			return fmt.Errorf("%s: rule %q (%s): %w; translate it here or list it in admissionOnly", path, text, message, err)
		}
		nots = append(nots, terms...)
	}
	switch len(nots) {
	case 0:
	case 1:
		out["not"] = nots[0]
	default:
		out["not"] = map[string]any{"anyOf": nots}
	}
	return nil
}

// isTransitionRule says whether a rule compares with the stored object
// (oldSelf): it checks updates only, so a creation form has nothing to
// check.
func isTransitionRule(rule string) bool { return strings.Contains(rule, "oldSelf") }

func isAdmissionOnly(path, message string) bool {
	return slices.Contains(admissionOnly()[path], message)
}

// negatedTerms reads a conjunction of negated string tests
// (!self.startsWith('x'), !(self in ['a', 'b'])) and returns the schemas a
// valid value must not match.
func negatedTerms(rule string) ([]any, error) {
	var out []any
	for term := range strings.SplitSeq(rule, "&&") {
		term = strings.TrimSpace(term)
		if m := startsWithTerm.FindStringSubmatch(term); m != nil {
			out = append(out, map[string]any{"pattern": "^" + regexp.QuoteMeta(m[1])})
			continue
		}
		m := notInTerm.FindStringSubmatch(term)
		if m == nil {
			return nil, fmt.Errorf("%w: term %q is neither !self.startsWith('...') nor !(self in [...])", errCEL, term)
		}
		var values []any
		for v := range strings.SplitSeq(m[1], ",") {
			q := quoted.FindStringSubmatch(strings.TrimSpace(v))
			if q == nil {
				return nil, fmt.Errorf("%w: list item %q is not a quoted string", errCEL, v)
			}
			values = append(values, q[1])
		}
		out = append(out, map[string]any{"enum": values})
	}
	return out, nil
}

// title turns a field name into a form label: minTasks -> Min tasks.
func title(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case i == 0:
			b.WriteString(strings.ToUpper(string(r)))
		case r >= 'A' && r <= 'Z':
			b.WriteByte(' ')
			b.WriteString(strings.ToLower(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fieldOrders walks a Go type and records, for every object path, the JSON
// names of its fields in declaration order (array items are path[]).
func fieldOrders(path string, t reflect.Type, out map[string][]string) {
	if t.Kind() == reflect.Pointer {
		fieldOrders(path, t.Elem(), out)
		return
	}
	if t.Kind() == reflect.Slice {
		fieldOrders(path+"[]", t.Elem(), out)
		return
	}
	if t.Kind() != reflect.Struct {
		return
	}
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		fieldOrders(path+"."+name, f.Type, out)
	}
	out[path] = names
}
