package cluster

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/internal/fntest"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// holdCheck is how long the old task definition must stay while the
// service has not moved: several renders (the played provider reports the
// new task definition within a second).
const holdCheck = 8 * time.Second

// dayTwoImage changes the image: a new task definition appears, the
// service's reference moves to it, and the old one is deleted only once the
// provider reports that the service runs the new one.
func (cp *controlPlane) dayTwoImage(ctx context.Context, t *testing.T, tm *timings, prov *provider, xr *unstructured.Unstructured) {
	t.Helper()
	tm.phase("day 2: new image, new task definition, old retired after the service moved", func() {
		before, err := cp.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		oldKey := fntest.KeysWhere(before, fn.IsTaskDefinitionKey)
		if len(oldKey) != 1 {
			t.Fatalf("want one task definition before the change, got %v", oldKey)
		}
		old := before[oldKey[0]]
		// The provider has not yet got to the service: it still runs the
		// old revision.
		prov.setHold(xr.GetNamespace(), fn.KeyService, true)
		// What the preview says before the change (against the API server
		// and offline) is what Crossplane then composes.
		r := cp.previewImageChange(ctx, t, xr, cp.imageChange(t, xr))
		cp.applyImageUpdate(ctx, t, xr)
		newKey := cp.waitNewTaskDefinition(ctx, t, xr, oldKey[0])
		cp.checkPreviewApplied(ctx, t, xr, r)
		cp.checkOldKept(ctx, t, xr, old, newKey)
		prov.setHold(xr.GetNamespace(), fn.KeyService, false)
		cp.waitGone(ctx, t, old)
		after, err := cp.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		if keys := fntest.KeysWhere(after, fn.IsTaskDefinitionKey); len(keys) != 1 || keys[0] != newKey {
			t.Errorf("after the rollout: task definitions %v, want only %s", keys, newKey)
		}
		arn, _, _ := unstructured.NestedString(after[newKey].Object, "status", "atProvider", "arn")
		got, _, _ := unstructured.NestedString(after[fn.KeyService].Object, "spec", "forProvider", "taskDefinition")
		if got != arn {
			t.Errorf("the service runs %q, want the new task definition %q", got, arn)
		}
		cp.waitReady(ctx, t, xr)
	})
}

func (cp *controlPlane) applyImageUpdate(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	objs, err := yamlobj.Read(filepath.Join(cp.root, xrImageUpdate))
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: want one CatalogApi: %v", xrImageUpdate, err)
	}
	up := objs[0]
	if up.GetNamespace() != xr.GetNamespace() || up.GetName() != xr.GetName() {
		t.Fatalf("%s is for %s/%s, the test claimed %s/%s first", xrImageUpdate, up.GetNamespace(), up.GetName(), xr.GetNamespace(), xr.GetName())
	}
	if _, err := cp.apply(ctx, up); err != nil {
		t.Fatal(err)
	}
}

// waitNewTaskDefinition waits until the XR composes a second task
// definition, the provider reports it Ready, and the service references it.
func (cp *controlPlane) waitNewTaskDefinition(ctx context.Context, t *testing.T, xr *unstructured.Unstructured, oldKey string) string {
	t.Helper()
	var newKey string
	err := waitFor(ctx, readyTimeout, "a new task definition", cp.crossplane, func(ctx context.Context) error {
		got, err := cp.composed(ctx, xr)
		if err != nil {
			return err
		}
		for _, k := range fntest.KeysWhere(got, fn.IsTaskDefinitionKey) {
			if k == oldKey {
				continue
			}
			newKey = k
			if s, why := conditionOf(got[k], "Ready"); s != "True" {
				return fmt.Errorf("%w: new task definition %s not Ready: %s", errNotYet, k, why)
			}
			ref, _, _ := unstructured.NestedString(got[fn.KeyService].Object, "spec", "forProvider", "taskDefinitionRef", "name")
			if ref != got[k].GetName() {
				return fmt.Errorf("%w: the service references %q, not the new %q", errNotYet, ref, got[k].GetName())
			}
			return nil
		}
		return errNotYet
	})
	if err != nil {
		t.Fatal(err)
	}
	return newKey
}

// checkOldKept checks that the old task definition stays, not even being
// deleted, while the service (held by the provider) still runs it.
func (cp *controlPlane) checkOldKept(ctx context.Context, t *testing.T, xr, old *unstructured.Unstructured, newKey string) {
	t.Helper()
	ri, err := cp.resourceFor(old)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(holdCheck)
	for time.Now().Before(deadline) {
		cur, err := ri.Get(ctx, old.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the old task definition went while the service still runs it: %v", err)
		}
		if cur.GetDeletionTimestamp() != nil {
			t.Fatalf("the old task definition is being deleted while the service still runs it")
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("%s: new task definition %s Ready, the old %s kept for %s while the service had not moved", xr.GetName(), newKey, old.GetName(), holdCheck)
}

// waitGone waits until an object no longer exists.
func (cp *controlPlane) waitGone(ctx context.Context, t *testing.T, u *unstructured.Unstructured) {
	t.Helper()
	ri, err := cp.resourceFor(u)
	if err != nil {
		t.Fatal(err)
	}
	err = waitFor(ctx, readyTimeout, u.GetKind()+" "+u.GetName()+" deleted", cp.crossplane, func(ctx context.Context) error {
		cur, err := ri.Get(ctx, u.GetName(), metav1.GetOptions{})
		if kerrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("get: %w", err)
		}
		return fmt.Errorf("%w: still there (deleting: %v, finalizers %v)", errNotYet, cur.GetDeletionTimestamp() != nil, cur.GetFinalizers())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (cp *controlPlane) waitReady(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	err := waitFor(ctx, readyTimeout, xr.GetName()+" Ready", cp.crossplane, func(ctx context.Context) error {
		cur, err := cp.getXR(ctx, xr)
		if err != nil {
			return err
		}
		if s, why := conditionOf(cur, "Ready"); s != "True" {
			return fmt.Errorf("%w: %s", errNotYet, why)
		}
		return nil
	})
	if err != nil {
		cp.dumpXR(ctx, t, xr)
		t.Fatal(err)
	}
}

// checkAdmission: the API server itself refuses a change of an immutable
// field and a bad CatalogApi, naming the field.
func (cp *controlPlane) checkAdmission(ctx context.Context, t *testing.T, tm *timings, xr *unstructured.Unstructured) {
	t.Helper()
	tm.phase("admission: immutable change and bad CatalogApi refused", func() {
		cur, err := cp.getXR(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		changed := cp.catalogAPI(t, claim{namespace: xr.GetNamespace(), name: xr.GetName(), suffix: "other"})
		image, _, _ := unstructured.NestedString(cur.Object, "spec", "image")
		_ = unstructured.SetNestedField(changed.Object, image, "spec", "image")
		_, err = cp.apply(ctx, changed)
		wantRefused(t, "changing spec.environmentSuffix", err, "spec.environmentSuffix is immutable")

		bad := cp.catalogAPI(t, claim{namespace: xr.GetNamespace(), name: "bad-api", suffix: "Bad_Suffix"})
		_, err = cp.apply(ctx, bad)
		wantRefused(t, "a CatalogApi with environmentSuffix Bad_Suffix", err, "spec.environmentSuffix")
		if _, err := cp.getXR(ctx, bad); !kerrors.IsNotFound(err) {
			t.Errorf("the refused CatalogApi: want not found, got %v", err)
		}
	})
}

func wantRefused(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: the API server accepted it", what)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: refused with %q, want a message with %q", what, err, want)
	default:
		t.Logf("%s: refused: %v", what, err)
	}
}
