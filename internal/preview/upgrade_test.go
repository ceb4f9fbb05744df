package preview

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/fn"
)

// TestPreviewFunctionUpgrade: a live stack rendered by an older function,
// whose default Aurora version was 16.6, previewed against this function
// with no spec change: nothing would change (the cluster keeps the version
// it was rendered with). Asking for the new version in the spec is an
// update of the cluster.
func TestPreviewFunctionUpgrade(t *testing.T) {
	in := mustLoadFiles(t, Files{Change: exampleXR, LiveXR: exampleXR, Observed: exampleObserved, Composition: exampleComposition})
	renderedWith(t, in, "16.6")
	r := mustRun(t, in)
	if r.ExitCode() != ExitUnchanged {
		t.Errorf("function upgrade without a spec change: exit %d, summary %+v, impacts %v; want nothing to change", r.ExitCode(), r.Summary, impactKinds(r))
	}
	spec, _ := in.Change.Object["spec"].(map[string]any)
	spec["database"] = map[string]any{"engineVersion": fn.DefaultEngineVersion}
	r = mustRun(t, in)
	if kinds := impactKinds(r); !slices.Contains(kinds, fn.ImpactEngineUpgrade) {
		t.Errorf("an asked engine upgrade has impacts %v, want %s", kinds, fn.ImpactEngineUpgrade)
	}
	if !slices.ContainsFunc(r.Resources, func(c ResourceChange) bool { return c.Key == fn.KeyDBCluster && c.Action == ActionUpdate }) {
		t.Errorf("spec.database.engineVersion %s on a 16.6 cluster: no update of %s (summary %+v)", fn.DefaultEngineVersion, fn.KeyDBCluster, r.Summary)
	}
}

// renderedWith makes the live Aurora cluster one an older function
// rendered, and AWS runs, at version v.
func renderedWith(t *testing.T, in Input, v string) {
	t.Helper()
	for _, u := range in.Live.Composed {
		if u.GetAnnotations()["crossplane.io/composition-resource-name"] != fn.KeyDBCluster {
			continue
		}
		for _, path := range [][]string{{"spec", "forProvider", "engineVersion"}, {"status", "atProvider", "engineVersionActual"}} {
			if err := unstructured.SetNestedField(u.Object, v, path...); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	t.Fatalf("the observed fixture has no %s", fn.KeyDBCluster)
}
