package preview

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/internal/engine"
)

// Impact kinds of the preview's own.
const (
	ImpactRefusal  = "refusal"
	ImpactDeletion = "deletion"
	ImpactCost     = "cost"
)

// Impact kinds the function's parts declare (engine.ChangeImpact), named
// here for callers that look for one; the preview finds them from the
// declarations alone.
const (
	ImpactRollout       = fn.ImpactRollout
	ImpactInstanceClass = fn.ImpactInstanceClass
	ImpactScaling       = fn.ImpactScaling
)

// Impact is what a change means for the running stack, for a person.
type Impact struct {
	Kind       string    `json:"kind"`
	Summary    string    `json:"summary"`
	Details    []string  `json:"details,omitempty"`
	Estimate   *Estimate `json:"estimate,omitempty"`
	References []string  `json:"references,omitempty"`
}

// Estimate is how long something usually takes, and how that was worked out.
type Estimate struct {
	MinSeconds int    `json:"minSeconds"`
	MaxSeconds int    `json:"maxSeconds"`
	Basis      string `json:"basis"`
}

// Impacts derives what the changes mean from what the rendered resources
// declare (engine.Desired.OnChange): one impact per declared kind that a
// change triggers, in the order the kinds are first declared, then the
// deletions. declared are the rendered resources in the order the parts
// render them (declarations).
func Impacts(changes []ResourceChange, declared []engine.Desired) []Impact {
	byKey := make(map[string]ResourceChange, len(changes))
	for _, c := range changes {
		byKey[c.Key] = c
	}
	var out []Impact
	for _, kind := range declaredKinds(declared) {
		if im, ok := declaredImpact(kind, declared, byKey); ok {
			out = append(out, im)
		}
	}
	if im, ok := deletions(changes); ok {
		out = append(out, im)
	}
	return out
}

// declarations are the plan's rendered resources in part and render order:
// the order their impacts are reported in.
func declarations(plan *engine.Plan) []engine.Desired {
	var out []engine.Desired
	for _, p := range plan.Parts {
		out = append(out, p.Resources...)
	}
	return out
}

// declaredKinds are the impact kinds the resources declare, each once, in
// the order of their first declaration.
func declaredKinds(declared []engine.Desired) []string {
	var out []string
	for _, d := range declared {
		for _, ci := range d.OnChange {
			if !slices.Contains(out, ci.Kind) {
				out = append(out, ci.Kind)
			}
		}
	}
	return out
}

// trigger is one declaration that a resource's change triggers.
type trigger struct {
	impact engine.ChangeImpact
	// says are the declared fields that changed, each as its Says reads.
	says []string
	// vars fill the declaration's templates.
	vars templateVars
}

// declaredImpact is the impact of one kind: the declarations of it that
// the changes trigger, merged (mergeTriggers). Declarations that only join
// count when another one triggers the impact.
func declaredImpact(kind string, declared []engine.Desired, byKey map[string]ResourceChange) (Impact, bool) {
	var lead, joined []trigger
	for _, d := range declared {
		c, ok := byKey[d.Key]
		if !ok {
			continue
		}
		for _, ci := range d.OnChange {
			t, ok := triggered(ci, c)
			if ci.Replaces != "" {
				t, ok = takesOver(ci, c, byKey)
			}
			switch {
			case ci.Kind != kind || !ok:
			case ci.Joins:
				joined = append(joined, t)
			default:
				lead = append(lead, t)
			}
		}
	}
	if len(lead) == 0 {
		return Impact{}, false
	}
	return mergeTriggers(kind, append(lead, joined...)), true
}

// takesOver reports whether a created resource takes over from the one its
// declaration names, which the same change deletes.
func takesOver(ci engine.ChangeImpact, c ResourceChange, byKey map[string]ResourceChange) (trigger, bool) {
	t := trigger{impact: ci, vars: templateVars{name: c.Name, replaces: ci.Replaces}}
	old, ok := byKey[ci.Replaces]
	if ok {
		t.vars.replaces = old.Name
	}
	return t, c.Action == ActionCreate && ok && old.Action == ActionDelete
}

// triggered reports whether a resource's change triggers a declaration: a
// replace, for OnReplace; otherwise an update of one of its fields.
func triggered(ci engine.ChangeImpact, c ResourceChange) (trigger, bool) {
	t := trigger{impact: ci, vars: templateVars{name: c.Name, replaces: c.Replaces}}
	if ci.OnReplace && c.Action == ActionReplace {
		return t, true
	}
	if c.Action != ActionUpdate {
		return t, false
	}
	for _, field := range ci.Fields {
		f, ok := changedField(c, field.Path)
		if !ok {
			continue
		}
		v := t.vars
		v.path, v.old, v.new = f.Path, Format(f.Old), Format(f.New)
		if len(t.says) == 0 {
			t.vars = v // The summary names the first change.
		}
		t.says = append(t.says, v.fill(cmp.Or(field.Says, "{path}: {old} -> {new}")))
	}
	return t, len(t.says) > 0
}

// mergeTriggers makes one impact of the triggered declarations of a kind:
// the first one's summary and estimate; the changed fields (in the summary
// if it names {changes}, else leading the details); then every
// declaration's details and references, each once.
func mergeTriggers(kind string, ts []trigger) Impact {
	first := ts[0]
	var changes []string
	for _, t := range ts {
		changes = append(changes, t.says...)
	}
	v := first.vars
	v.changes = strings.Join(changes, ", ")
	im := Impact{Kind: kind, Summary: v.fill(first.impact.Summary)}
	if !strings.Contains(first.impact.Summary, "{changes}") {
		im.Details = changes
	}
	for _, t := range ts {
		for _, d := range t.impact.Details {
			im.Details = appendNew(im.Details, t.vars.fill(d))
		}
		im.References = appendNew(im.References, t.impact.References...)
		if im.Estimate == nil && t.impact.Estimate != nil {
			e := t.impact.Estimate
			im.Estimate = &Estimate{MinSeconds: e.MinSeconds, MaxSeconds: e.MaxSeconds, Basis: e.Basis}
		}
	}
	return im
}

// templateVars are the values of a declaration's templates (see
// engine.ChangeImpact).
type templateVars struct {
	path, old, new, name, replaces, changes string
}

func (v templateVars) fill(template string) string {
	return strings.NewReplacer(
		"{path}", v.path, "{old}", v.old, "{new}", v.new,
		"{name}", v.name, "{replaces}", v.replaces, "{changes}", v.changes,
	).Replace(template)
}

// appendNew appends the values out does not have yet.
func appendNew(out []string, values ...string) []string {
	for _, s := range values {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// changedField returns the change of the field at path (or below it, or
// of its reference field).
func changedField(c ResourceChange, prefix string) (FieldChange, bool) {
	for _, f := range c.Fields {
		if f.Path == prefix || strings.HasPrefix(f.Path, prefix+".") || strings.HasPrefix(f.Path, prefix+"[") || strings.HasPrefix(f.Path, prefix+"Ref") {
			return f, true
		}
	}
	return FieldChange{}, false
}

// deletions lists what is deleted.
func deletions(changes []ResourceChange) (Impact, bool) {
	var details []string
	for _, c := range changes {
		if c.Action == ActionDelete {
			details = append(details, fmt.Sprintf("%s (%s %s): %s", c.Key, c.Kind, c.Name, c.Note))
		}
	}
	if len(details) == 0 {
		return Impact{}, false
	}
	return Impact{Kind: ImpactDeletion, Summary: fmt.Sprintf("%d resource(s) deleted", len(details)), Details: details}, true
}

// Format renders a field value compactly for people: strings bare, the
// rest as JSON, absent as "(none)".
func Format(v any) string {
	switch t := v.(type) {
	case nil:
		return "(none)"
	case string:
		return t
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
