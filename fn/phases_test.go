package fn

import (
	"maps"
	"slices"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn/providersim"
)

// converge renders xr, lets the simulated provider create everything, and
// renders again until the set of desired resources stops changing. It
// returns the observed state before each render; the last is the converged
// one. It fails the test if a render drops an observed resource or if the
// stack does not converge within convergeRenders.
func converge(tb testing.TB, xr string) []map[string]*fnv1.Resource {
	tb.Helper()
	var states []map[string]*fnv1.Resource
	var observed map[string]*fnv1.Resource
	for range convergeRenders + 1 {
		states = append(states, observed)
		rsp := run(tb, newRequest(xr, observed))
		desired := rsp.GetDesired().GetResources()
		for key := range observed {
			if _, ok := desired[key]; !ok {
				tb.Fatalf("render %d dropped observed resource %q", len(states), key)
			}
		}
		if observed != nil && slices.Equal(sortedKeys(desired), sortedKeys(observed)) {
			return states
		}
		observed = providersim.Observe(desired)
	}
	tb.Fatalf("the stack did not converge within %d renders", convergeRenders)
	return nil
}

// convergeRenders is how many renders the stack needs: the first holds
// only the claim marker (the VPC); the second renders what needs nothing
// observed; the third what needs the Aurora cluster and the ALB (the task
// definition, the execution role's policy, CloudFront, the rotation rule and
// target); the fourth the ECS service, which waits until the Aurora writer
// and the execution role's policy are Ready; the fifth what needs the
// service (autoscaling, the rotation state machine's policy).
const convergeRenders = 5

// testPhases are the observed states of the lifecycle: nothing yet, the
// claim marker (the VPC) Ready, the first stack render's resources Ready,
// and the converged stack.
func testPhases(tb testing.TB) map[string]map[string]*fnv1.Resource {
	tb.Helper()
	states := converge(tb, testXR)
	return map[string]map[string]*fnv1.Resource{
		"Nothing":          nil,
		"Claimed":          states[1],
		"FirstRenderReady": states[2],
		"Complete":         states[len(states)-1],
	}
}

// claimObserved is what is observed once the claim marker of testXR (its
// VPC, the only resource of the first render) is Ready: the state from which
// a CatalogApi renders its stack.
func claimObserved(tb testing.TB) map[string]*fnv1.Resource {
	tb.Helper()
	return providersim.Observe(run(tb, newRequest(testXR, nil)).GetDesired().GetResources())
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
