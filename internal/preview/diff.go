package preview

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/platform/function-catalog-api/fn"
)

// Action is what applying the render does to one composed resource.
type Action string

// Actions, in the order the table lists them.
const (
	ActionCreate    Action = "create"
	ActionReplace   Action = "replace"
	ActionUpdate    Action = "update"
	ActionDelete    Action = "delete"
	ActionUnchanged Action = "unchanged"
)

// FieldChange is one field the render changes.
type FieldChange struct {
	Path string `json:"path"`
	// Old is nil when the field is new.
	Old any `json:"old"`
	// New is nil when the field goes away (only inside a JSON document the
	// function owns whole, such as a policy).
	New any `json:"new"`
	// CreationOnly marks spec.initProvider fields: the provider uses them
	// only to create the resource, so a change does nothing to an existing
	// one.
	CreationOnly bool `json:"creationOnly,omitempty"`
}

// ResourceChange is what happens to one composed resource.
type ResourceChange struct {
	// Key is the composition resource name.
	Key        string `json:"key"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Action     Action `json:"action"`
	// Replaces is the key of the resource this one takes over from, for a
	// replace.
	Replaces string `json:"replaces,omitempty"`
	// Fields are the changed fields of an update, or for a replace the
	// fields that differ from the resource it replaces.
	Fields []FieldChange `json:"fields,omitempty"`
	// Note says why, for a person.
	Note string `json:"note,omitempty"`
	// Pending is true when the function would make this change without the
	// edit too: the live stack has not caught up with its CatalogApi yet.
	Pending bool `json:"pending,omitempty"`
}

// objects are composed resources by key, as plain JSON-like maps.
type objects map[string]map[string]any

// Compare classifies every composed resource: desired (what the function
// renders) against observed (what exists).
func Compare(desired, observed objects) []ResourceChange {
	replaced := replacedTaskDefinition(desired, observed)
	out := make([]ResourceChange, 0, len(desired))
	for _, k := range sortedKeys(desired) {
		out = append(out, classify(k, desired[k], observed, replaced))
	}
	for _, k := range sortedKeys(observed) {
		if _, ok := desired[k]; ok {
			continue
		}
		c := newResourceChange(k, observed[k])
		c.Action = ActionDelete
		c.Note = "no longer rendered: Crossplane deletes it"
		if isTaskDefinitionOrUsage(k) {
			c.Note = "a task definition revision the service has left: the function stops composing it (it stays registered in ECS: skipDestroy)"
		}
		out = append(out, c)
	}
	return out
}

// classify compares one rendered resource with what exists. replaced is the
// task definition a new one replaces, if any.
func classify(k string, d map[string]any, observed objects, replaced string) ResourceChange {
	c := newResourceChange(k, d)
	o, exists := observed[k]
	switch {
	case !exists && fn.IsTaskDefinitionKey(k) && replaced != "":
		c.Action, c.Replaces = ActionReplace, replaced
		c.Fields = diffOwned(d, observed[replaced], false)
		c.Note = "an ECS task definition cannot change in place: this registers a new revision; the one the service runs now is kept until the service runs on the new one"
	case !exists:
		c.Action = ActionCreate
	default:
		c.Fields = diffOwned(d, o, true)
		c.Action = ActionUnchanged
		if len(c.Fields) > 0 {
			c.Action = ActionUpdate
		}
	}
	return c
}

func newResourceChange(key string, obj map[string]any) ResourceChange {
	c := ResourceChange{Key: key}
	c.APIVersion, _ = obj["apiVersion"].(string)
	c.Kind, _ = obj["kind"].(string)
	md, _ := obj["metadata"].(map[string]any)
	c.Name, _ = md["name"].(string)
	return c
}

// isTaskDefinitionOrUsage reports whether a key is a task definition or the
// Usage that protects one while the service runs it.
func isTaskDefinitionOrUsage(key string) bool {
	if fn.IsTaskDefinitionKey(key) {
		return true
	}
	td, ok := strings.CutPrefix(key, "usage-")
	return ok && fn.IsTaskDefinitionKey(td)
}

// replacedTaskDefinition is the key of the observed task definition a newly
// rendered one replaces: the one the observed service runs. It is "" when
// the render adds no task definition or nothing runs one yet.
func replacedTaskDefinition(desired, observed objects) string {
	isNew := false
	for k := range desired {
		if _, exists := observed[k]; fn.IsTaskDefinitionKey(k) && !exists {
			isNew = true
		}
	}
	if !isNew {
		return ""
	}
	running := str(observed[fn.KeyService], "spec", "forProvider", "taskDefinitionRef", "name")
	for _, k := range sortedKeys(observed) {
		if fn.IsTaskDefinitionKey(k) && running != "" && str(observed[k], "metadata", "name") == running {
			return k
		}
	}
	return ""
}

// diffOwned compares what the function owns of a resource: its name,
// labels and annotations it sets, and every spec field it sets. Fields only
// the observed resource has are the provider's (late-initialized values,
// resolved references) or Crossplane's and are not changes. With live set,
// spec.initProvider changes are marked creation-only.
func diffOwned(desired, observed map[string]any, live bool) []FieldChange {
	w := &walker{live: live}
	dm, _ := desired["metadata"].(map[string]any)
	om, _ := observed["metadata"].(map[string]any)
	for _, f := range []string{"labels", "annotations"} {
		w.walk("metadata."+f, dm[f], lookup(om, f))
	}
	w.walk("spec", desired["spec"], lookup(observed, "spec"))
	return w.out
}

// value is a field of the observed side and whether it exists.
type value struct {
	v  any
	ok bool
}

func lookup(m map[string]any, k string) value {
	v, ok := m[k]
	return value{v, ok}
}

type walker struct {
	live bool
	out  []FieldChange
}

func (w *walker) add(path string, old, now any) {
	w.out = append(w.out, FieldChange{
		Path: path, Old: old, New: now,
		CreationOnly: w.live && strings.HasPrefix(path, "spec.initProvider"),
	})
}

// walk compares desired d with observed o at path, one-sided: only what d
// sets counts.
func (w *walker) walk(path string, d any, o value) {
	switch dv := d.(type) {
	case map[string]any:
		w.walkMap(path, dv, o)
	case []any:
		w.walkList(path, dv, o)
	case nil:
		// A null the function sets means unset: nothing to compare.
	default:
		w.scalar(path, d, o)
	}
}

func (w *walker) walkMap(path string, d map[string]any, o value) {
	om, isMap := o.v.(map[string]any)
	if o.ok && o.v != nil && !isMap {
		w.add(path, o.v, d)
		return
	}
	for _, k := range sortedKeys(d) {
		w.walk(child(path, k), d[k], lookup(om, k))
	}
}

// walkList compares lists element by element when their lengths agree, and
// as one value otherwise.
func (w *walker) walkList(path string, d []any, o value) {
	ol, isList := o.v.([]any)
	if !isList || len(ol) != len(d) {
		w.add(path, o.v, d)
		return
	}
	for i := range d {
		w.walk(fmt.Sprintf("%s[%d]", path, i), d[i], value{ol[i], true})
	}
}

// scalar compares two leaf values. Two JSON documents (IAM policies,
// container definitions) are compared as documents, as the provider does.
func (w *walker) scalar(path string, d any, o value) {
	if o.ok && reflect.DeepEqual(d, o.v) {
		return
	}
	ds, dIsStr := d.(string)
	os, oIsStr := o.v.(string)
	if dIsStr && oIsStr {
		dj, dok := jsonDocument(ds)
		oj, ook := jsonDocument(os)
		if dok && ook {
			for _, c := range diffJSON(path+"(json)", oj, dj) {
				w.add(c.Path, c.Old, c.New)
			}
			return
		}
	}
	w.add(path, o.v, d)
}

// jsonDocument decodes s if it is a JSON object or array.
func jsonDocument(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return nil, false
	}
	return v, true
}

// diffJSON compares two JSON documents both ways: the function owns the
// whole document, so a key it drops is a change too.
func diffJSON(path string, old, now any) []FieldChange {
	if n, ok := now.(map[string]any); ok {
		if o, ok := old.(map[string]any); ok {
			return diffJSONMaps(path, o, n)
		}
	}
	if n, ok := now.([]any); ok {
		if o, ok := old.([]any); ok && len(o) == len(n) {
			var out []FieldChange
			for i := range n {
				out = append(out, diffJSON(fmt.Sprintf("%s[%d]", path, i), o[i], n[i])...)
			}
			return out
		}
	}
	if reflect.DeepEqual(old, now) {
		return nil
	}
	return []FieldChange{{Path: path, Old: old, New: now}}
}

func diffJSONMaps(path string, old, now map[string]any) []FieldChange {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range now {
		keys[k] = true
	}
	out := make([]FieldChange, 0, len(keys))
	for _, k := range sortedKeys(keys) {
		out = append(out, diffJSON(child(path, k), old[k], now[k])...)
	}
	return out
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// child is the path of key k below path: a.b, or a[k.with/dots].
func child(path, k string) string {
	if identifier.MatchString(k) {
		return path + "." + k
	}
	return path + "[" + k + "]"
}

// str reads a string at a path of nested maps, or "".
func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}
