package apis

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
)

// TestXRDMatchesGoTypes walks the XRD's schema and the Go types together:
// every property must be a Go field and every Go field a property, at every
// depth. It fails when apis/xrd.yaml was not regenerated after a type change.
func TestXRDMatchesGoTypes(t *testing.T) {
	schema := loadXRDSchema(t)
	props := object(t, schema["properties"], "openAPIV3Schema.properties")
	cases := map[string]struct {
		schema map[string]any
		typ    reflect.Type
	}{
		"spec":   {schema: object(t, props["spec"], "properties.spec"), typ: reflect.TypeFor[v1alpha1.CatalogApiSpec]()},
		"status": {schema: object(t, props["status"], "properties.status"), typ: reflect.TypeFor[v1alpha1.CatalogApiStatus]()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var diffs []string
			compareSchema(name, tc.schema, tc.typ, &diffs)
			if len(diffs) > 0 {
				t.Errorf("apis/xrd.yaml and the Go types disagree (run go generate -tags generate ./apis):\n%s", strings.Join(diffs, "\n"))
			}
		})
	}
}

func TestXRDIdentity(t *testing.T) {
	xrd := loadXRD(t)
	spec := object(t, xrd["spec"], "spec")
	got := map[string]any{
		"apiVersion": xrd["apiVersion"],
		"kind":       object(t, spec["names"], "spec.names")["kind"],
		"group":      spec["group"],
		"scope":      spec["scope"],
		"version":    onlyVersion(t, spec)["name"],
	}
	want := map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v2",
		"kind":       v1alpha1.Kind,
		"group":      v1alpha1.Group,
		"scope":      "Namespaced",
		"version":    v1alpha1.Version,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("XRD identity (-want +got):\n%s", diff)
	}
}

func loadXRD(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("xrd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	xrd := map[string]any{}
	if err := yaml.Unmarshal(b, &xrd); err != nil {
		t.Fatal(err)
	}
	return xrd
}

func loadXRDSchema(t *testing.T) map[string]any {
	t.Helper()
	v := onlyVersion(t, object(t, loadXRD(t)["spec"], "spec"))
	return object(t, object(t, v["schema"], "schema")["openAPIV3Schema"], "schema.openAPIV3Schema")
}

// onlyVersion is the XRD's one version; it fails the test unless there is
// exactly one.
func onlyVersion(t *testing.T, spec map[string]any) map[string]any {
	t.Helper()
	versions, ok := spec["versions"].([]any)
	if !ok || len(versions) != 1 {
		t.Fatalf("spec.versions is %v, want exactly one version", spec["versions"])
	}
	return object(t, versions[0], "spec.versions[0]")
}

// object is v as a YAML object; it fails the test when v is not one.
func object(t *testing.T, v any, path string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, not an object", path, v)
	}
	return m
}

// compareSchema records, for the schema and the Go type at path, every
// property without a field and every field without a property.
func compareSchema(path string, schema map[string]any, typ reflect.Type, diffs *[]string) {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
		if items, ok := schema["items"].(map[string]any); ok {
			schema = items
		}
	}
	if typ.Kind() != reflect.Struct {
		return
	}
	props, _ := schema["properties"].(map[string]any)
	fields := jsonFields(typ)
	for _, name := range sortedKeys(props) {
		if _, ok := fields[name]; !ok {
			*diffs = append(*diffs, path+"."+name+": in the XRD, not in the Go types")
		}
	}
	for _, name := range sortedKeys(fields) {
		sub, ok := props[name].(map[string]any)
		if !ok {
			*diffs = append(*diffs, path+"."+name+": in the Go types, not in the XRD")
			continue
		}
		compareSchema(path+"."+name, sub, fields[name], diffs)
	}
}

func jsonFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
