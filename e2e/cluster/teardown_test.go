package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
	"github.com/platform/function-catalog-api/internal/preview"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// expectedEdgesPerXR sizes the edge lists (about 33 per stack).
const expectedEdgesPerXR = 40

// usageEdge is one Usage: by must be deleted before of.
type usageEdge struct{ namespace, of, by string }

// teardown checks that the Usage webhook refuses deleting a protected
// resource directly, then deletes every CatalogApi and checks that
// everything goes, in an order every Usage allows.
func (cp *controlPlane) teardown(ctx context.Context, t *testing.T, tm *timings, prov *provider, xrs []*unstructured.Unstructured) {
	t.Helper()
	edges := make([]usageEdge, 0, len(xrs)*expectedEdgesPerXR)
	declared := make([]usageEdge, 0, len(xrs)*expectedEdgesPerXR)
	for _, xr := range xrs {
		edges = append(edges, cp.usageEdges(ctx, t, xr.GetNamespace())...)
		declared = append(declared, cp.declaredEdges(ctx, t, xr)...)
	}
	cp.checkProtected(ctx, t, xrs[0])
	// Only the teardown's deletions count: day 2 retired a task definition
	// (and its Usage) before.
	before := len(prov.deletedInOrder())
	tm.phase("teardown: delete every CatalogApi until nothing is left", func() {
		for _, xr := range xrs {
			ri, err := cp.resourceFor(xr)
			if err != nil {
				t.Fatal(err)
			}
			if err := ri.Delete(ctx, xr.GetName(), metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete CatalogApi %s: %v", xr.GetName(), err)
			}
		}
		for _, xr := range xrs {
			cp.waitEmpty(ctx, t, xr.GetNamespace())
		}
	})
	deleted := map[string]int{}
	for i, d := range prov.deletedInOrder()[before:] {
		deleted[d.namespace+"/"+d.name] = i
	}
	checkOrder(t, "Usage", edges, deleted)
	// The function renders Usages only for the edges that no path of other
	// Usages implies (fn/usages.go): every declared edge must hold too.
	checkOrder(t, "declared edge", declared, deleted)
	refused := prov.refusedDeletions()
	t.Logf("teardown: the provider deleted %d resources in an order all %d Usages and all %d declared deletion edges allow; AWS refused (and the provider retried) %d deletions: %s",
		len(deleted), len(edges), len(declared), len(refused), strings.Join(sortedRefusals(refused), "; "))
	if len(refused) == 0 {
		t.Errorf("teardown: AWS refused no deletion; the stack relies on its refusals where it has no Usage")
	}
}

// sortedRefusals are "key: why" lines in key order.
func sortedRefusals(refused map[string]string) []string {
	out := make([]string, 0, len(refused))
	for _, k := range slices.Sorted(maps.Keys(refused)) {
		out = append(out, k+": "+refused[k])
	}
	return out
}

// checkOrder checks that the user of every edge was deleted before what it
// uses.
func checkOrder(t *testing.T, what string, edges []usageEdge, deleted map[string]int) {
	t.Helper()
	for _, e := range edges {
		by, okBy := deleted[e.namespace+"/"+e.by]
		of, okOf := deleted[e.namespace+"/"+e.of]
		if !okBy || !okOf {
			t.Errorf("%s %s: %s by %s: the provider deleted %v / %v of them", what, e.namespace, e.of, e.by, okOf, okBy)
			continue
		}
		if by > of {
			t.Errorf("%s %s: %s was deleted before %s, which uses it", what, e.namespace, e.of, e.by)
		}
	}
}

// declaredEdges are the deletion edges the function declares for the XR's
// live state (the parts' Uses between rendered resources), by object name:
// it composes the stack in-process from the live CatalogApi, the
// Composition's Input and the composed resources.
func (cp *controlPlane) declaredEdges(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) []usageEdge {
	t.Helper()
	live, got := cp.liveState(ctx, t, xr)
	obs := map[string]*fnv1.Resource{}
	for k, u := range got {
		st, err := structpb.NewStruct(u.Object)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		obs[k] = &fnv1.Resource{Resource: st}
	}
	o := engine.NewObserved(obs)
	s, err := fn.NewSpec(&composite.Unstructured{Unstructured: *live}, cp.stepInput(t), o)
	if err != nil {
		t.Fatal(err)
	}
	s.Claim = fn.ClaimHeld // The converged stack holds its suffix.
	plan, err := fn.Compose(s, o)
	if err != nil {
		t.Fatal(err)
	}
	rendered := map[string]engine.Desired{}
	for _, d := range plan.Resources {
		rendered[d.Key] = d
	}
	de := engine.DeclaredEdges(plan.Resources, rendered)
	out := make([]usageEdge, 0, len(de))
	for _, e := range de {
		out = append(out, usageEdge{namespace: xr.GetNamespace(), of: s.ObjectName(e.Of), by: s.ObjectName(e.By)})
	}
	if len(out) == 0 {
		t.Fatalf("%s: the function declares no deletion edge", xr.GetName())
	}
	return out
}

// stepInput is the function's Input in the installed Composition.
func (cp *controlPlane) stepInput(t *testing.T) *v1beta1.Input {
	t.Helper()
	comp, err := yamlobj.ReadOne(filepath.Join(cp.root, compositionFile))
	if err != nil {
		t.Fatal(err)
	}
	step, err := preview.FindStep(comp, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := step.Input.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	in := &v1beta1.Input{}
	if err := json.Unmarshal(b, in); err != nil {
		t.Fatalf("the Composition's Input: %v", err)
	}
	return in
}

// usageEdges reads the Usages of a namespace.
func (cp *controlPlane) usageEdges(ctx context.Context, t *testing.T, namespace string) []usageEdge {
	t.Helper()
	l, err := cp.dyn.Resource(usageGVR).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list Usages: %v", err)
	}
	out := make([]usageEdge, 0, len(l.Items))
	for _, u := range l.Items {
		if u.GetDeletionTimestamp() != nil {
			// Going already (a retired task definition's Usage whose
			// finalizer Crossplane has not removed yet): not part of
			// the teardown.
			continue
		}
		of, _, _ := unstructured.NestedString(u.Object, "spec", "of", "resourceRef", "name")
		by, _, _ := unstructured.NestedString(u.Object, "spec", "by", "resourceRef", "name")
		out = append(out, usageEdge{namespace: namespace, of: of, by: by})
	}
	return out
}

// checkProtected deletes a resource that a Usage protects, directly: the
// webhook must refuse it and the resource must stay.
func (cp *controlPlane) checkProtected(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	got, err := cp.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	tg := got[fn.KeyLogBucket]
	if tg == nil {
		t.Fatalf("no %s composed", fn.KeyLogBucket)
	}
	if tg.GetLabels()["crossplane.io/in-use"] != "true" {
		t.Errorf("the access-log bucket is not labelled in use: %v", tg.GetLabels())
	}
	ri, err := cp.resourceFor(tg)
	if err != nil {
		t.Fatal(err)
	}
	err = ri.Delete(ctx, tg.GetName(), metav1.DeleteOptions{})
	wantRefused(t, "deleting the access-log bucket while the load balancer and the distribution write to it", err, "in-use")
	cur, err := ri.Get(ctx, tg.GetName(), metav1.GetOptions{})
	if err != nil || cur.GetDeletionTimestamp() != nil {
		t.Errorf("the protected access-log bucket was deleted (%v)", err)
	}
}

// waitEmpty waits until a namespace holds no managed resource, Usage or
// CatalogApi.
func (cp *controlPlane) waitEmpty(ctx context.Context, t *testing.T, namespace string) {
	t.Helper()
	err := waitFor(ctx, teardownTimeout, "namespace "+namespace+" empty", cp.crossplane, func(ctx context.Context) error {
		left := cp.leftIn(ctx, namespace)
		if len(left) > 0 {
			return fmt.Errorf("%w: %d left: %s", errNotYet, len(left), strings.Join(left, ", "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// leftIn lists what is left in a namespace of every kind the stack uses.
func (cp *controlPlane) leftIn(ctx context.Context, namespace string) []string {
	var left []string
	gvrs := map[schema.GroupVersionResource]string{usageGVR: "Usage", catalogGVR: "CatalogApi"}
	maps.Copy(gvrs, cp.providerGVRs)
	for gvr, kind := range gvrs {
		l, err := cp.dyn.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			left = append(left, fmt.Sprintf("(list %s: %v)", kind, err))
			continue
		}
		for _, u := range l.Items {
			left = append(left, kind+"/"+u.GetName())
		}
	}
	sort.Strings(left)
	return left
}
