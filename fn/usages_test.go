package fn

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"
	elbv2 "github.com/upbound/provider-aws/v2/apis/namespaced/elbv2/v1beta1"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/platform/function-catalog-api/fn/providersim"
)

// edge is a shorthand: by uses of.
func edge(of, by string) UsageEdge { return UsageEdge{Of: of, By: by} }

func TestImpliedEdges(t *testing.T) {
	cases := map[string]struct {
		edges []UsageEdge
		want  []UsageEdge // implied, in key order
	}{
		"Chain": {
			// a outlives b, b outlives c: a outlives c through b.
			edges: []UsageEdge{edge("a", "b"), edge("b", "c"), edge("a", "c")},
			want:  []UsageEdge{edge("a", "c")},
		},
		"LongChain": {
			edges: []UsageEdge{edge("a", "b"), edge("b", "c"), edge("c", "d"), edge("a", "d"), edge("b", "d")},
			want:  []UsageEdge{edge("a", "d"), edge("b", "d")},
		},
		"Diamond": {
			// d uses b and c, both use a: no edge is implied but d -> a.
			edges: []UsageEdge{edge("b", "d"), edge("c", "d"), edge("a", "b"), edge("a", "c"), edge("a", "d")},
			want:  []UsageEdge{edge("a", "d")},
		},
		"Independent": {
			edges: []UsageEdge{edge("a", "b"), edge("c", "d"), edge("a", "d")},
		},
		"Cycle": {
			// Never declared by the stack (it would deadlock a teardown);
			// the reduction must still keep every ordering the edges make.
			edges: []UsageEdge{edge("a", "b"), edge("b", "a"), edge("b", "c"), edge("c", "a")},
			want:  []UsageEdge{edge("b", "a")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			implied := impliedEdges(tc.edges)
			var got []UsageEdge
			for _, e := range tc.edges {
				if implied[e] {
					got = append(got, e)
				}
			}
			slices.SortFunc(got, func(a, b UsageEdge) int { return strings.Compare(a.Key(), b.Key()) })
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("impliedEdges(): -want, +got:\n%s", diff)
			}
			checkClosure(t, tc.edges, implied)
		})
	}
}

// checkClosure checks that the kept edges order everything the declared
// ones order: each declared edge is a path of kept edges.
func checkClosure(t *testing.T, edges []UsageEdge, implied map[UsageEdge]bool) {
	t.Helper()
	kept := map[string]map[string]bool{}
	for _, e := range edges {
		if implied[e] {
			continue
		}
		if kept[e.By] == nil {
			kept[e.By] = map[string]bool{}
		}
		kept[e.By][e.Of] = true
	}
	for _, e := range edges {
		if !reaches(kept, e.By, e.Of) {
			t.Errorf("declared edge %s is no longer enforced", e.Key())
		}
	}
}

// convergedPlan is the plan of the converged stack.
func convergedPlan(t *testing.T) *Plan {
	t.Helper()
	states := converge(t, testXR)
	plan, err := Compose(testSpec(t), NewObserved(states[len(states)-1]))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// declaredEdges are every declared deletion edge between the plan's
// rendered resources.
func declaredEdges(plan *Plan) []UsageEdge {
	rendered := map[string]Desired{}
	for _, d := range plan.Resources {
		rendered[d.Key] = d
	}
	return DeclaredEdges(plan.Resources, rendered)
}

// TestUsagesAreTheReduction: the converged stack renders a Usage for every
// declared edge that no path of other Usages implies, and no other Usage;
// every declared edge stays enforced.
func TestUsagesAreTheReduction(t *testing.T) {
	plan := convergedPlan(t)
	edges := declaredEdges(plan)
	rendered := map[string]bool{}
	for _, d := range plan.Resources {
		if strings.HasPrefix(d.Key, "usage-") {
			rendered[d.Key] = true
		}
	}
	implied := map[UsageEdge]bool{}
	for _, e := range edges {
		if !rendered[e.Key()] {
			implied[e] = true
		}
	}
	checkClosure(t, edges, implied)
	if len(implied) == 0 {
		t.Errorf("no declared edge of the converged stack is implied; want at least the target group's by the service (through the listener rule)")
	}
	if !implied[edge(KeyTargetGroup, KeyService)] {
		t.Errorf("the service's edge to the target group has a Usage; the listener rule's two Usages imply it")
	}
	if len(rendered) != len(edges)-len(implied) {
		t.Errorf("%d Usages rendered for %d declared edges, %d implied", len(rendered), len(edges), len(implied))
	}
	t.Logf("%d declared edges, %d Usages, %d implied", len(edges), len(rendered), len(implied))
}

// TestTeardownKeepsEveryDeclaredEdge: the simulated teardown of the
// converged stack (its rendered Usages only) deletes the user of every
// declared edge before what it uses, implied edges included.
func TestTeardownKeepsEveryDeclaredEdge(t *testing.T) {
	plan := convergedPlan(t)
	res := providersim.Teardown(convergedObjects(t))
	at := map[string]int{}
	for i, k := range res.Order {
		at[k] = i
	}
	for _, e := range declaredEdges(plan) {
		by, okBy := at[e.By]
		of, okOf := at[e.Of]
		if !okBy || !okOf || by > of {
			t.Errorf("declared edge %s: %s deleted at %d (%v), %s at %d (%v): want the user first", e.Key(), e.By, by, okBy, e.Of, of, okOf)
		}
	}
}

// TestImpliedUsageLetGo: an observed Usage whose edge the other Usages now
// imply (e.g. rendered by an older function) is dropped on purpose, with a
// Normal result, not kept with a Warning.
func TestImpliedUsageLetGo(t *testing.T) {
	states := converge(t, testXR)
	obs := states[len(states)-1]
	key := UsageKey(KeyTargetGroup, KeyService)
	if _, ok := obs[key]; ok {
		t.Fatalf("the converged stack already has %s", key)
	}
	withOld := maps.Clone(obs)
	withOld[key] = impliedUsage(t)
	rsp := run(t, newRequest(testXR, withOld))
	if _, ok := rsp.GetDesired().GetResources()[key]; ok {
		t.Errorf("the implied Usage %s is still rendered", key)
	}
	normal, warning := resultsAbout(rsp, key)
	if len(normal) != 1 || !strings.Contains(normal[0], "letting go") || len(warning) != 0 {
		t.Errorf("results about %s: Normal %q, Warning %q; want one Normal letting go of it", key, normal, warning)
	}
	for k := range obs {
		if _, ok := rsp.GetDesired().GetResources()[k]; !ok {
			t.Errorf("observed %s dropped", k)
		}
	}
}

// impliedUsage is the Usage of the target group by the service, as the
// function rendered it before the reduction, observed.
func impliedUsage(t *testing.T) *fnv1.Resource {
	t.Helper()
	s := testSpec(t)
	d := usage(s, Desired{Key: KeyTargetGroup, Object: &elbv2.LBTargetGroup{}}, Desired{Key: KeyService, Object: &ecs.Service{}})
	s.setMetadata(d)
	return &fnv1.Resource{Resource: usageStruct(t, d)}
}

// usageStruct is a rendered Usage as the response carries it.
func usageStruct(t *testing.T, d Desired) *structpb.Struct {
	t.Helper()
	u, err := composed.From(d.Object)
	if err != nil {
		t.Fatalf("composed.From(%T): %v", d.Object, err)
	}
	st, err := resource.AsStruct(u)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestUsageRendered: a Usage is written as Crossplane's
// protection.crossplane.io/v1beta1 Usage, with the metadata a render set and
// no empty status.
func TestUsageRendered(t *testing.T) {
	s := testSpec(t)
	d := usage(s, Desired{Key: KeyTargetGroup, Object: &elbv2.LBTargetGroup{}}, Desired{Key: KeyService, Object: &ecs.Service{}})
	d.Annotations = map[string]string{"example.org/note": "n"}
	s.setMetadata(d)
	want, err := structpb.NewStruct(map[string]any{
		"apiVersion": "protection.crossplane.io/v1beta1",
		"kind":       "Usage",
		"metadata": map[string]any{
			"name":        s.ObjectName(d.Key),
			"labels":      map[string]any{LabelResource: d.Key},
			"annotations": map[string]any{"example.org/note": "n"},
		},
		"spec": map[string]any{
			"of":             map[string]any{"apiVersion": "elbv2.aws.m.upbound.io/v1beta1", "kind": "LBTargetGroup", "resourceRef": map[string]any{"name": s.ObjectName(KeyTargetGroup)}},
			"by":             map[string]any{"apiVersion": "ecs.aws.m.upbound.io/v1beta1", "kind": "Service", "resourceRef": map[string]any{"name": s.ObjectName(KeyService)}},
			"replayDeletion": true,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, usageStruct(t, d), protocmp.Transform()); diff != "" {
		t.Errorf("Usage as a Struct: -want, +got:\n%s", diff)
	}
}

// resultsAbout returns the messages of the Normal and Warning results that
// mention key.
func resultsAbout(rsp *fnv1.RunFunctionResponse, key string) (normal, warning []string) {
	for _, r := range rsp.GetResults() {
		if !strings.Contains(r.GetMessage(), key) {
			continue
		}
		if r.GetSeverity() == fnv1.Severity_SEVERITY_NORMAL {
			normal = append(normal, r.GetMessage())
		}
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
			warning = append(warning, r.GetMessage())
		}
	}
	return normal, warning
}

// TestKeysFitALabel: every key of the converged stack is a valid label
// value (the LabelResource label carries it): the API server refuses longer
// ones, as it did for the secret-rotation event target's Usage.
func TestKeysFitALabel(t *testing.T) {
	for _, d := range convergedPlan(t).Resources {
		if len(d.Key) > maxKeyLength {
			t.Errorf("key %q has %d characters, a label value at most %d", d.Key, len(d.Key), maxKeyLength)
		}
	}
	long := UsageKey("event-rule-secret-rotation", "event-target-secret-rotation")
	other := UsageKey("event-rule-secret-rotation", "event-target-secret-rotations")
	if len(long) > maxKeyLength || !strings.HasPrefix(long, "usage-event-rule-secret-rotation-by-") || long == other {
		t.Errorf("UsageKey of a long pair = %q (%d characters), of another = %q: want distinct usage- keys of at most %d", long, len(long), other, maxKeyLength)
	}
	if got := UsageKey(KeyTargetGroup, KeyService); got != "usage-"+KeyTargetGroup+"-by-"+KeyService {
		t.Errorf("a short UsageKey changed: %q", got)
	}
}
