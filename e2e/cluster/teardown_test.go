package cluster

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// usageEdge is one Usage: by must be deleted before of.
type usageEdge struct{ namespace, of, by string }

// teardown checks that the Usage webhook refuses deleting a protected
// resource directly, then deletes every CatalogApi and checks that
// everything goes, in an order every Usage allows.
func (cp *controlPlane) teardown(ctx context.Context, t *testing.T, tm *timings, prov *provider, xrs []*unstructured.Unstructured) {
	t.Helper()
	edges := make([]usageEdge, 0, len(xrs))
	for _, xr := range xrs {
		edges = append(edges, cp.usageEdges(ctx, t, xr.GetNamespace())...)
	}
	cp.checkProtected(ctx, t, xrs[0])
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
	deleted := checkDeletionOrder(t, prov, edges)
	t.Logf("teardown: the provider deleted %d resources in an order all %d Usages allow", len(deleted), len(edges))
}

// checkDeletionOrder checks that the provider deleted every resource a
// Usage names, the user before the used, and returns the deletion order
// by namespace/name.
func checkDeletionOrder(t *testing.T, prov *provider, edges []usageEdge) map[string]int {
	t.Helper()
	deleted := map[string]int{}
	for i, d := range prov.deletedInOrder() {
		deleted[d.namespace+"/"+d.name] = i
	}
	for _, e := range edges {
		by, okBy := deleted[e.namespace+"/"+e.by]
		of, okOf := deleted[e.namespace+"/"+e.of]
		if !okBy || !okOf {
			t.Errorf("Usage %s: %s by %s: the provider deleted %v / %v of them", e.namespace, e.of, e.by, okOf, okBy)
			continue
		}
		if by > of {
			t.Errorf("Usage %s: %s was deleted before %s, which uses it", e.namespace, e.of, e.by)
		}
	}
	return deleted
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
	tg := got[keyTargetGroup]
	if tg == nil {
		t.Fatalf("no %s composed", keyTargetGroup)
	}
	if tg.GetLabels()["crossplane.io/in-use"] != "true" {
		t.Errorf("the target group is not labelled in use: %v", tg.GetLabels())
	}
	ri, err := cp.resourceFor(tg)
	if err != nil {
		t.Fatal(err)
	}
	err = ri.Delete(ctx, tg.GetName(), metav1.DeleteOptions{})
	wantRefused(t, "deleting the target group while the service uses it", err, "in-use")
	cur, err := ri.Get(ctx, tg.GetName(), metav1.GetOptions{})
	if err != nil || cur.GetDeletionTimestamp() != nil {
		t.Errorf("the protected target group was deleted (%v)", err)
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
