package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/fake"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// otherThing is a second managed kind for the tests.
type otherThing struct{ fake.ModernManaged }

// The test kinds, registered in composed.Scheme as the function registers
// provider-aws's kinds, so that Compose can tell them apart.
var (
	thingKind = schema.GroupVersionKind{Group: "test.example.org", Version: "v1", Kind: "Thing"} //nolint:gochecknoglobals // A constant.
	otherKind = schema.GroupVersionKind{Group: "test.example.org", Version: "v1", Kind: "Other"} //nolint:gochecknoglobals // A constant.
)

func init() { //nolint:gochecknoinits // The scheme must know the test kinds before any test composes.
	composed.Scheme.AddKnownTypeWithName(thingKind, &fake.ModernManaged{})
	composed.Scheme.AddKnownTypeWithName(otherKind, &otherThing{})
}

func thing(key string) Desired { return Desired{Key: key, Object: &fake.ModernManaged{}} }
func other(key string) Desired { return Desired{Key: key, Object: &otherThing{}} }

// observedOf observes these keys as resources of these kinds.
func observedOf(kinds map[string]schema.GroupVersionKind) Observed {
	o := Observed{}
	for k, gvk := range kinds {
		u := composed.New()
		u.SetGroupVersionKind(gvk)
		o[k] = u
	}
	return o
}

// TestOneOfANewKind: a render composes every resource of a kind the XR has
// and the first of each other kind; an observed resource is never held.
func TestOneOfANewKind(t *testing.T) {
	cases := map[string]struct {
		render   []Desired
		observed Observed
		wantKeys []string
		wantHeld []string
	}{
		"NothingObservedFirstOfEachKind": {
			render:   []Desired{thing("a"), thing("b"), other("x"), thing("c"), other("y")},
			wantKeys: []string{"a", "x"},
			wantHeld: []string{"b", "c", "y"},
		},
		"KindObservedEverythingOfIt": {
			render:   []Desired{thing("a"), thing("b"), other("x"), other("y")},
			observed: observedOf(map[string]schema.GroupVersionKind{"a": thingKind}),
			wantKeys: []string{"a", "b", "x"},
			wantHeld: []string{"y"},
		},
		"ObservedNeverHeld": {
			// The XR has x and y of kind Other observed under another
			// kind's name: what is observed is rendered, whatever its kind.
			render:   []Desired{other("x"), other("y")},
			observed: observedOf(map[string]schema.GroupVersionKind{"y": thingKind}),
			wantKeys: []string{"x", "y"},
		},
		"Converged": {
			render:   []Desired{thing("a"), other("x")},
			observed: observedOf(map[string]schema.GroupVersionKind{"a": thingKind, "x": otherKind}),
			wantKeys: []string{"a", "x"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			render, held := oneOfANewKind(tc.render, tc.observed, observedKinds(tc.observed))
			keys := make([]string, len(render))
			for i, d := range render {
				keys[i] = d.Key
			}
			if diff := cmp.Diff(tc.wantKeys, keys); diff != "" {
				t.Errorf("rendered: -want, +got:\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantHeld, held); diff != "" {
				t.Errorf("held: -want, +got:\n%s", diff)
			}
		})
	}
}

// TestComposeHoldsUsagesWithTheirEnds: a Usage follows the resources it
// orders, and only one Usage is composed while the XR has none.
func TestComposeHoldsUsagesWithTheirEnds(t *testing.T) {
	parts := []Part[struct{}]{partOf("One",
		Desired{Key: "db", Object: &fake.ModernManaged{}},
		Desired{Key: "app", Object: &otherThing{}, Uses: []string{"db"}},
		Desired{Key: "worker", Object: &otherThing{}, Uses: []string{"db"}},
	)}
	plan, err := Compose(parts, struct{}{}, testMeta(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"worker"}, plan.Held); diff != "" {
		t.Errorf("held: -want, +got:\n%s", diff)
	}
	keys := make([]string, 0, len(plan.Resources))
	for _, d := range plan.Resources {
		keys = append(keys, d.Key)
	}
	if diff := cmp.Diff([]string{"app", "db", UsageKey("db", "app")}, keys); diff != "" {
		t.Errorf("rendered: -want, +got:\n%s", diff)
	}
}
