package preview

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/platform/function-catalog-api/internal/engine"
)

// widgetImpact is a test part's declaration: a change of the widget's size
// restarts it.
func widgetImpact() engine.ChangeImpact {
	return engine.ChangeImpact{
		Kind:       "widget-restart",
		Fields:     []engine.ImpactField{{Path: "spec.forProvider.size", Says: "size {old} -> {new}"}, {Path: "spec.forProvider.color"}},
		Summary:    "restart of {name} ({old} -> {new})",
		Details:    []string{"the widget is down while it restarts"},
		Estimate:   &engine.Duration{MinSeconds: 10, MaxSeconds: 20, Basis: "measured"},
		References: []string{"https://example.org/widget"},
	}
}

// gadgetNote joins a widget restart when the gadget is replaced.
func gadgetNote() engine.ChangeImpact {
	return engine.ChangeImpact{Kind: "widget-restart", OnReplace: true, Joins: true, Details: []string{"{replaces} is retired"}}
}

func update(key, name string, fields ...FieldChange) ResourceChange {
	return ResourceChange{Key: key, Name: name, Action: ActionUpdate, Fields: fields}
}

// TestImpactsFromDeclarations: an impact is found from what a resource
// declares, for the declared fields only; a joining declaration adds to it
// but never makes one alone.
func TestImpactsFromDeclarations(t *testing.T) {
	declared := []engine.Desired{
		{Key: "widget", OnChange: []engine.ChangeImpact{widgetImpact()}},
		{Key: "gadget-2", OnChange: []engine.ChangeImpact{gadgetNote()}},
	}
	replaced := ResourceChange{Key: "gadget-2", Action: ActionReplace, Replaces: "gadget-1"}
	want := Impact{
		Kind:       "widget-restart",
		Summary:    "restart of api-widget (1 -> 2)",
		Details:    []string{"size 1 -> 2", "spec.forProvider.color: red -> (none)", "the widget is down while it restarts", "gadget-1 is retired"},
		Estimate:   &Estimate{MinSeconds: 10, MaxSeconds: 20, Basis: "measured"},
		References: []string{"https://example.org/widget"},
	}
	got := Impacts([]ResourceChange{
		update("widget", "api-widget",
			FieldChange{Path: "spec.forProvider.size", Old: float64(1), New: float64(2)},
			FieldChange{Path: "spec.forProvider.color", Old: "red"},
		),
		replaced,
	}, declared)
	if diff := cmp.Diff([]Impact{want}, got); diff != "" {
		t.Errorf("impacts (-want +got):\n%s", diff)
	}
	cases := map[string][]ResourceChange{
		"an undeclared field":       {update("widget", "api-widget", FieldChange{Path: "spec.forProvider.weight", Old: "1", New: "2"})},
		"a joining one on its own":  {replaced},
		"an undeclared resource":    {update("other", "api-other", FieldChange{Path: "spec.forProvider.size", Old: "1", New: "2"})},
		"a declared field, created": {{Key: "widget", Action: ActionCreate, Fields: []FieldChange{{Path: "spec.forProvider.size", New: "2"}}}},
	}
	for name, changes := range cases {
		if got := Impacts(changes, declared); len(got) != 0 {
			t.Errorf("%s: got %+v, want no impact", name, got)
		}
	}
}

// TestImpactsMergeOneKind: the declarations of one kind on several
// resources are one impact: the changes of all in {changes}, shared
// details once.
func TestImpactsMergeOneKind(t *testing.T) {
	decl := func(path, says string) engine.ChangeImpact {
		return engine.ChangeImpact{Kind: "k", Fields: []engine.ImpactField{{Path: path, Says: says}}, Summary: "k: {changes}", Details: []string{"shared"}}
	}
	declared := []engine.Desired{
		{Key: "a", OnChange: []engine.ChangeImpact{decl("spec.x", "x {old} -> {new}")}},
		{Key: "b", OnChange: []engine.ChangeImpact{decl("spec.y", "y {old} -> {new}")}},
	}
	got := Impacts([]ResourceChange{
		update("b", "api-b", FieldChange{Path: "spec.y", Old: "3", New: "4"}),
		update("a", "api-a", FieldChange{Path: "spec.xRef.name", Old: "1", New: "2"}),
	}, declared)
	want := []Impact{{Kind: "k", Summary: "k: x 1 -> 2, y 3 -> 4", Details: []string{"shared"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("impacts (-want +got):\n%s", diff)
	}
}
