package cluster

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// checkNoCrossTalk checks that each CatalogApi's stack stays its own: every
// composed resource is labelled for its XR, every reference and Usage
// points inside the same stack, AWS names carry its own suffix (a Route 53
// record is named in the claim's own spec.domain instead), and no status
// value is shared.
func (cp *controlPlane) checkNoCrossTalk(ctx context.Context, t *testing.T, xrs []*unstructured.Unstructured) {
	t.Helper()
	urls := map[string]string{}
	for i, xr := range xrs {
		got, err := cp.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		domain, _ := claims[i].domain["name"].(string)
		checkOwnStack(t, xr.GetName(), ownNames{suffix: claims[i].suffix, domain: domain}, got)
		cur, err := cp.getXR(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		url, _, _ := unstructured.NestedString(cur.Object, "status", "url")
		if other, dup := urls[url]; dup {
			t.Errorf("%s and %s report the same URL %q", other, xr.GetName(), url)
		}
		urls[url] = xr.GetName()
	}
	t.Logf("no cross-talk between %v", slices.Sorted(maps.Values(urls)))
}

// ownNames are what a stack's AWS names carry: its suffix, and for the
// Route 53 records its own domain ("" without spec.domain).
type ownNames struct {
	suffix, domain string
}

// owns reports whether the AWS name n of a composed resource of kind is
// the stack's own.
func (o ownNames) owns(kind, n string) bool {
	if kind == "Record" {
		return o.domain != "" && strings.HasSuffix(strings.TrimSuffix(n, "."), o.domain)
	}
	return strings.Contains(n, o.suffix)
}

// checkOwnStack checks the composed resources of the XR named xr: each is
// labelled for it, references only resources of the same stack, and is named
// in AWS with the XR's suffix (or, a record, in its domain).
func checkOwnStack(t *testing.T, xr string, own ownNames, got map[string]*unstructured.Unstructured) {
	t.Helper()
	names := map[string]bool{}
	for _, u := range got {
		names[u.GetName()] = true
	}
	for key, u := range got {
		if u.GetLabels()[labelComposite] != xr {
			t.Errorf("%s: %s is labelled for %q", xr, key, u.GetLabels()[labelComposite])
		}
		for _, ref := range referencedNames(u.Object) {
			if !names[ref] {
				t.Errorf("%s: %s references %q, which is not part of its stack", xr, key, ref)
			}
		}
		if n, ok, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "name"); ok && u.GetKind() != "Usage" && !own.owns(u.GetKind(), n) {
			t.Errorf("%s: %s is named %q in AWS, neither with its suffix %q nor in its domain %q", xr, key, n, own.suffix, own.domain)
		}
	}
}

// referencedNames returns the names of every xRef / xRefs and Usage
// resourceRef in an object's spec.
func referencedNames(obj map[string]any) []string {
	var out []string
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			isRef := strings.HasSuffix(key, "Ref") || strings.HasSuffix(key, "Refs") || key == "resourceRef"
			// The provider config is the platform's, shared on purpose.
			if isRef && key != "providerConfigRef" {
				if n, ok := v["name"].(string); ok {
					out = append(out, n)
				}
			}
			for k, c := range v {
				walk(c, k)
			}
		case []any:
			for _, c := range v {
				walk(c, key)
			}
		}
	}
	walk(obj["spec"], "spec")
	return out
}
