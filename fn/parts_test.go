package fn

import (
	"testing"

	"github.com/platform/function-catalog-api/internal/engine"
)

// TestPartLabel: every resource of the converged render carries the part
// that rendered it in its engine.LabelPart label, and every Usage
// engine.TeardownPart, so tools that read a stack group it without a table
// of keys.
func TestPartLabel(t *testing.T) {
	states := converge(t, testXR)
	observed := states[len(states)-1]
	plan, err := Compose(testSpec(t), engine.NewObserved(observed))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, pr := range plan.Parts {
		for _, d := range pr.Resources {
			want[d.Key] = pr.Name
		}
	}
	rsp := run(t, newRequest(testXR, observed))
	usages := 0
	for key, r := range rsp.GetDesired().GetResources() {
		part, ok := want[key]
		if !ok {
			part = engine.TeardownPart
			usages++
		}
		labels := r.GetResource().GetFields()["metadata"].GetStructValue().GetFields()["labels"].GetStructValue().GetFields()
		if got := labels[engine.LabelPart].GetStringValue(); got != part {
			t.Errorf("%s: label %s = %q, want %q", key, engine.LabelPart, got, part)
		}
	}
	if usages == 0 || len(want) < 60 {
		t.Fatalf("the converged stack has %d part resources and %d Usages: not the complete stack", len(want), usages)
	}
}
