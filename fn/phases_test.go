package fn

import (
	"fmt"
	"maps"
	"slices"
	"strings"
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
		desired := renderPhase(tb, xr, observed)
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

// renderPhase renders xr on observed as Crossplane does within one phase:
// while the render holds resources back (one of a kind first, its TTL says
// so), what it composes is created, not yet Ready, and it renders again. It
// returns the phase's last render: what is composed before anything new
// becomes Ready.
func renderPhase(tb testing.TB, xr string, observed map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	tb.Helper()
	return runPhase(tb, xr, observed).GetDesired().GetResources()
}

// runPhase is renderPhase's last response.
func runPhase(tb testing.TB, xr string, observed map[string]*fnv1.Resource) *fnv1.RunFunctionResponse {
	tb.Helper()
	for range maxHoldingRenders {
		rsp := run(tb, newRequest(xr, observed))
		if !holds(rsp) {
			return rsp
		}
		observed = providersim.Created(observed, rsp.GetDesired().GetResources())
	}
	tb.Fatalf("the render still holds resources back after %d renders", maxHoldingRenders)
	return nil
}

// holds reports whether a render held resources back: its Normal result
// says so.
func holds(rsp *fnv1.RunFunctionResponse) bool {
	for _, r := range rsp.GetResults() {
		if strings.HasPrefix(r.GetMessage(), HeldMessage) {
			return true
		}
	}
	return false
}

// maxHoldingRenders bounds the renders of one phase: one of each new kind,
// then the rest of them.
const maxHoldingRenders = 3

// convergeRenders is how many phases the stack needs (each may take more
// than one render, renderPhase): the first holds
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

// TestOneOfAKindFirst: no render of the stack's creation composes two
// resources of a kind the XR does not have yet, and holding them back costs
// at most one extra render per phase.
func TestOneOfAKindFirst(t *testing.T) {
	var observed map[string]*fnv1.Resource
	renders, phases := 0, 0
	for range convergeRenders + 1 {
		phases++
		for {
			rsp := run(t, newRequest(testXR, observed))
			renders++
			desired := rsp.GetDesired().GetResources()
			checkOneOfEachNewKind(t, observed, desired)
			if !holds(rsp) {
				break
			}
			observed = providersim.Created(observed, desired)
		}
		next := providersim.Observe(renderPhase(t, testXR, observed))
		if slices.Equal(sortedKeys(next), sortedKeys(observed)) {
			break
		}
		observed = next
	}
	if renders > 2*phases {
		t.Errorf("%d renders for %d phases: holding back costs more than one render a phase", renders, phases)
	}
	t.Logf("%d renders until converged, %d phases (%d extra renders from one of a kind first)", renders, phases, renders-phases)
}

// checkOneOfEachNewKind fails if desired composes two resources of a kind
// no observed resource has.
func checkOneOfEachNewKind(t *testing.T, observed, desired map[string]*fnv1.Resource) {
	t.Helper()
	has := map[string]bool{}
	for _, r := range observed {
		has[kindOfResource(r)] = true
	}
	newOnes := map[string][]string{}
	for _, k := range sortedKeys(desired) {
		if _, ok := observed[k]; ok {
			continue
		}
		if kind := kindOfResource(desired[k]); !has[kind] {
			newOnes[kind] = append(newOnes[kind], k)
		}
	}
	for kind, keys := range newOnes {
		if len(keys) > 1 {
			t.Errorf("one render composes %d resources of the new kind %s: %v", len(keys), kind, keys)
		}
	}
}

func kindOfResource(r *fnv1.Resource) string {
	m := r.GetResource().AsMap()
	return fmt.Sprintf("%v/%v", m["apiVersion"], m["kind"])
}
