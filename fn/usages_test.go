package fn

import (
	"maps"
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
	"github.com/platform/function-catalog-api/internal/engine"
)

// convergedPlan is the plan of the converged stack.
func convergedPlan(t *testing.T) *engine.Plan {
	t.Helper()
	states := converge(t, testXR)
	plan, err := Compose(testSpec(t), engine.NewObserved(states[len(states)-1]))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// declaredEdges are every declared deletion edge between the plan's
// rendered resources.
func declaredEdges(plan *engine.Plan) []engine.UsageEdge {
	rendered := map[string]engine.Desired{}
	for _, d := range plan.Resources {
		rendered[d.Key] = d
	}
	return engine.DeclaredEdges(plan.Resources, rendered)
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
	implied := map[engine.UsageEdge]bool{}
	for _, e := range edges {
		if !rendered[e.Key()] {
			implied[e] = true
		}
	}
	// TestTeardownKeepsEveryDeclaredEdge checks that every declared edge
	// stays enforced; internal/engine's tests check the reduction itself.
	if len(rendered) > maxUsages {
		t.Errorf("%d Usages, want at most %d", len(rendered), maxUsages)
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
	key := engine.UsageKey(KeyTargetGroup, KeyService)
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
	d := engine.NewUsage(s.meta(), engine.Desired{Key: KeyTargetGroup, Object: &elbv2.LBTargetGroup{}}, engine.Desired{Key: KeyService, Object: &ecs.Service{}})
	s.meta().SetMetadata(d, engine.TeardownPart)
	return &fnv1.Resource{Resource: usageStruct(t, d)}
}

// usageStruct is a rendered Usage as the response carries it.
func usageStruct(t *testing.T, d engine.Desired) *structpb.Struct {
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
	d := engine.NewUsage(s.meta(), engine.Desired{Key: KeyTargetGroup, Object: &elbv2.LBTargetGroup{}}, engine.Desired{Key: KeyService, Object: &ecs.Service{}})
	d.Annotations = map[string]string{"example.org/note": "n"}
	s.meta().SetMetadata(d, engine.TeardownPart)
	want, err := structpb.NewStruct(map[string]any{
		"apiVersion": "protection.crossplane.io/v1beta1",
		"kind":       "Usage",
		"metadata": map[string]any{
			"name":        s.ObjectName(d.Key),
			"labels":      map[string]any{engine.LabelResource: d.Key, engine.LabelPart: engine.TeardownPart, LabelDefaultsRevision: BuiltinRevisions().Current().Revision},
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
// value (the engine.LabelResource label carries it): the API server refuses longer
// ones, as it did for the secret-rotation event target's Usage.
func TestKeysFitALabel(t *testing.T) {
	for _, d := range convergedPlan(t).Resources {
		if len(d.Key) > engine.MaxKeyLength {
			t.Errorf("key %q has %d characters, a label value at most %d", d.Key, len(d.Key), engine.MaxKeyLength)
		}
	}
	long := engine.UsageKey("event-rule-secret-rotation", "event-target-secret-rotation")
	other := engine.UsageKey("event-rule-secret-rotation", "event-target-secret-rotations")
	if len(long) > engine.MaxKeyLength || !strings.HasPrefix(long, "usage-event-rule-secret-rotation-by-") || long == other {
		t.Errorf("UsageKey of a long pair = %q (%d characters), of another = %q: want distinct usage- keys of at most %d", long, len(long), other, engine.MaxKeyLength)
	}
	if got := engine.UsageKey(KeyTargetGroup, KeyService); got != "usage-"+KeyTargetGroup+"-by-"+KeyService {
		t.Errorf("a short engine.UsageKey changed: %q", got)
	}
}
