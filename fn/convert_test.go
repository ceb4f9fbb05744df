package fn

import (
	"testing"

	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"

	"github.com/platform/function-catalog-api/input/v1beta1"
)

// TestToComposedMatchesSDK: the fast conversion gives exactly what
// composed.From gives (less the zero status composed.From emits, and but for
// empty strings, which composed.From drops), for every resource of every
// phase of every security scenario.
func TestToComposedMatchesSDK(t *testing.T) {
	for name, xr := range securityScenarios {
		for i, obs := range converge(t, xr, 3) {
			req := newRequest(xr, obs)
			oxr, err := request.GetObservedCompositeResource(req)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSpec(oxr.Resource, &v1beta1.Input{})
			if err != nil {
				t.Fatal(err)
			}
			o, err := request.GetObservedComposedResources(req)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := Compose(s, Observed(o))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range plan.Resources {
				if _, ok := d.Object.(*composed.Unstructured); ok {
					continue
				}
				got, err := toComposed(d.Object)
				if err != nil {
					t.Fatal(err)
				}
				want, err := composed.From(d.Object.DeepCopyObject())
				if err != nil {
					t.Fatal(err)
				}
				delete(want.Object, "status")
				if d.Key == KeyLogBucketLifecycle {
					// The one intended difference: composed.From's JSON drops
					// empty strings, and with them the lifecycle rule's
					// explicit empty filter prefix (see logging.go).
					if err := want.SetValue("spec.forProvider.rule[0].filter[0].prefix", ""); err != nil {
						t.Fatal(err)
					}
				}
				if diff := cmp.Diff(want.Object, got.Object); diff != "" {
					t.Errorf("%s render %d, %s (-composed.From +toComposed):\n%s", name, i+1, d.Key, diff)
				}
			}
		}
	}
}
