package cluster

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// eventWait is how long the refusal's Kubernetes event may take to appear
// after the condition.
const eventWait = 15 * time.Second

// checkRefused checks every claim the function must refuse: its XR says
// Synced=False with the function's Fatal (naming the CatalogApi that holds
// the suffix and the field), an event says it too, nothing of it exists
// but at most its own VPC, and deleting it leaves the holder's stack as it
// was.
func (cp *controlPlane) checkRefused(ctx context.Context, t *testing.T, tm *timings, refused []refusedClaim, xrs []*unstructured.Unstructured) {
	t.Helper()
	if len(refused) == 0 {
		return
	}
	tm.phase("a second CatalogApi with a suffix in use: refused, then deleted", func() {
		before := cp.snapshot(ctx, t, xrs)
		for _, rc := range refused {
			cp.waitRefusal(ctx, t, rc)
			cp.checkRefusalEvent(ctx, t, rc)
			cp.checkNothingButVPC(ctx, t, rc)
			ri, err := cp.resourceFor(rc.xr)
			if err != nil {
				t.Fatal(err)
			}
			if err := ri.Delete(ctx, rc.name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete the refused CatalogApi %s/%s: %v", rc.namespace, rc.name, err)
			}
			cp.waitEmpty(ctx, t, rc.namespace)
		}
		after := cp.snapshot(ctx, t, xrs)
		if !maps.Equal(before, after) {
			t.Errorf("the refused claims changed the other stacks:\nbefore: %v\nafter:  %v", before, after)
		}
		for _, xr := range xrs {
			cur, err := cp.getXR(ctx, xr)
			if err != nil {
				t.Fatal(err)
			}
			if s, why := conditionOf(cur, "Ready"); s != "True" {
				t.Errorf("%s is not Ready after the refused claim was deleted: %s", xr.GetName(), why)
			}
		}
		t.Logf("the other stacks kept all %d composed resources (same UIDs) while the refused claims came and went", len(before))
	})
}

// waitRefusal waits until the refused XR reports the function's Fatal.
func (cp *controlPlane) waitRefusal(ctx context.Context, t *testing.T, rc refusedClaim) {
	t.Helper()
	var msg string
	err := waitFor(ctx, readyTimeout, rc.name+" refused", cp.crossplane, func(ctx context.Context) error {
		cur, err := cp.getXR(ctx, rc.xr)
		if err != nil {
			return err
		}
		s, why := conditionOf(cur, "Synced")
		if s != "False" || !refusalNames(why, rc) {
			return fmt.Errorf("%w: Synced %q: %s", errNotYet, s, why)
		}
		msg = why
		return nil
	})
	if err != nil {
		cp.dumpXR(ctx, t, rc.xr)
		t.Fatal(err)
	}
	t.Logf("%s/%s (suffix %q) refused: Synced=False: %s", rc.namespace, rc.name, rc.suffix, msg)
}

func refusalNames(msg string, rc refusedClaim) bool {
	return len(fntest.SuffixRefusalMissing(msg, rc.suffix, rc.refusedBy)) == 0
}

// checkRefusalEvent looks for the Warning event Crossplane records on the
// refused XR with the function's message.
func (cp *controlPlane) checkRefusalEvent(ctx context.Context, t *testing.T, rc refusedClaim) {
	t.Helper()
	var seen []string
	err := waitFor(ctx, eventWait, "refusal event of "+rc.name, cp.crossplane, func(ctx context.Context) error {
		l, err := cp.kube.CoreV1().Events(rc.namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("list events: %w", err)
		}
		seen = seen[:0]
		for _, e := range l.Items {
			if e.InvolvedObject.Name != rc.name {
				continue
			}
			seen = append(seen, e.Type+" "+e.Reason+": "+e.Message)
			if e.Type == "Warning" && refusalNames(e.Message, rc) {
				seen = []string{e.Reason + " (" + e.Source.Component + ")"}
				return nil
			}
		}
		return errNotYet
	})
	if err != nil {
		t.Errorf("no Warning event on %s/%s names %s: events %q", rc.namespace, rc.name, rc.refusedBy, seen)
		return
	}
	t.Logf("%s/%s: a Warning event %s names %s", rc.namespace, rc.name, seen[0], rc.refusedBy)
}

// checkNothingButVPC checks that the refused claim composed nothing but at
// most its own VPC, which never holds the suffix.
func (cp *controlPlane) checkNothingButVPC(ctx context.Context, t *testing.T, rc refusedClaim) {
	t.Helper()
	var extra []string
	for _, left := range cp.leftIn(ctx, rc.namespace) {
		if left == "CatalogApi/"+rc.name || left == "VPC/"+rc.name+"-"+fn.KeyVPC {
			continue
		}
		extra = append(extra, left)
	}
	if len(extra) > 0 {
		t.Errorf("the refused %s/%s has more than its VPC: %v", rc.namespace, rc.name, extra)
	}
	vpcs, err := cp.dyn.Resource(vpcGVR).Namespace(rc.namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vpcs.Items {
		if c := v.GetLabels()[fn.LabelSuffixClaim]; c == fn.ClaimHeld {
			t.Errorf("the refused %s/%s's VPC says it holds the suffix", rc.namespace, rc.name)
		}
	}
	t.Logf("the refused %s/%s composed %d VPC(s) and nothing else", rc.namespace, rc.name, len(vpcs.Items))
}

// snapshot is every composed resource of the XRs, by namespace/key, with
// its UID: a resource deleted and made again shows.
func (cp *controlPlane) snapshot(ctx context.Context, t *testing.T, xrs []*unstructured.Unstructured) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, xr := range xrs {
		got, err := cp.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range slices.Sorted(maps.Keys(got)) {
			out[xr.GetNamespace()+"/"+k] = string(got[k].GetUID())
		}
	}
	return out
}
