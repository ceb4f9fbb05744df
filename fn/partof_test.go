package fn

import (
	"testing"

	"github.com/platform/function-catalog-api/internal/engine"
)

// TestPartOf: for every resource of the converged stack, PartOf names the
// part that rendered it (and TeardownPart for the Usages).
func TestPartOf(t *testing.T) {
	states := converge(t, testXR)
	plan, err := Compose(testSpec(t), engine.NewObserved(states[len(states)-1]))
	if err != nil {
		t.Fatal(err)
	}
	want, usages := partsOf(plan)
	if usages == 0 || len(want) < 60 {
		t.Fatalf("the converged stack has %d resources and %d usages: not the complete stack", len(want), usages)
	}
	for key, part := range want {
		if got := PartOf(key); got != part {
			t.Errorf("PartOf(%q) = %q, want %q", key, got, part)
		}
	}
	if got := PartOf("not-a-key"); got != "" {
		t.Errorf("PartOf(an unknown key) = %q, want \"\"", got)
	}
}

// partsOf maps every key of a plan to the part that rendered it, and the
// rest (the Usages) to TeardownPart; it also counts those.
func partsOf(plan *engine.Plan) (parts map[string]string, usageCount int) {
	want := map[string]string{}
	for _, pr := range plan.Parts {
		for _, d := range pr.Resources {
			want[d.Key] = pr.Name
		}
	}
	usages := 0
	for _, d := range plan.Resources {
		if _, ok := want[d.Key]; !ok {
			want[d.Key] = TeardownPart
			usages++
		}
	}
	return want, usages
}
