// Package fntest holds the helpers the function's tests share: package fn's
// own tests, the end-to-end tests and the real control plane test. It does
// not import package fn, so that fn's tests can use it too.
package fntest

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// KeysWhere returns the keys of m for which keep holds, sorted; e.g. the
// task definitions of a stack with fn.IsTaskDefinitionKey.
func KeysWhere[V any](m map[string]V, keep func(key string) bool) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if keep(k) {
			out = append(out, k)
		}
	}
	return out
}

// FatalMessage is the message of the response's last Fatal result, "" if
// it has none; a Fatal result without a message reads as one that says so,
// so that a test cannot take it for no Fatal result.
func FatalMessage(rsp *fnv1.RunFunctionResponse) string {
	var fatal string
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
			continue
		}
		fatal = r.GetMessage()
		if fatal == "" {
			fatal = "(empty Fatal message)"
		}
	}
	return fatal
}

// Condition is the condition of this type of an object (an XR or a
// composed resource), or nil.
func Condition(u *unstructured.Unstructured, typ string) map[string]any {
	conditions, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conditions {
		if c, ok := c.(map[string]any); ok && c["type"] == typ {
			return c
		}
	}
	return nil
}

// SuffixRefusalMissing returns what a refusal of a second CatalogApi with
// the same spec.environmentSuffix fails to name: the field, the suffix and
// the CatalogApi (namespace/name) that holds it.
func SuffixRefusalMissing(msg, suffix, holder string) []string {
	var missing []string
	for _, want := range []string{"spec.environmentSuffix", `"` + suffix + `"`, holder} {
		if !strings.Contains(msg, want) {
			missing = append(missing, want)
		}
	}
	return missing
}

// ReadObjects reads every object of a multi-document YAML file, or fails
// the test.
func ReadObjects(tb testing.TB, path string) []*unstructured.Unstructured {
	tb.Helper()
	objs, err := yamlobj.Read(path)
	if err != nil {
		tb.Fatal(err)
	}
	return objs
}
