package fn

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// Helpers shared by the part tests (buildNetwork, buildService, ...): a Spec
// built the way RunFunction builds it, observed resources as a provider
// reports them, and look-ups into what a part rendered.

// Values the test CatalogApi and its observed resources carry.
const (
	testImage       = "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.0.0"
	testDBEndpoint  = "aurora-cluster-dev.cluster-abc.eu-north-1.rds.amazonaws.com"
	testDBSecretARN = "arn:aws:secretsmanager:eu-north-1:123456789012:secret:rds!cluster-0000-AbCdEf"
	testTaskRoleARN = "arn:aws:iam::123456789012:role/role-task-dev"
)

// specFixture is what testSpec builds a Spec from.
type specFixture struct {
	xr       *composite.Unstructured
	in       *v1beta1.Input
	observed engine.Observed
}

// specOption changes the CatalogApi or the Input of a test Spec.
type specOption func(f *specFixture)

// testSpec is the validated Spec of the CatalogApi of testXR
// (team-catalog/catalog-api, suffix "dev", image testImage) with an empty
// Input, changed by opts in order.
func testSpec(t *testing.T, opts ...specOption) *Spec {
	t.Helper()
	s, err := newTestSpec(opts...)
	if err != nil {
		t.Fatalf("NewSpec: %v", err)
	}
	// RunFunction decides the claim from the required resources; a test
	// Spec holds its suffix, so Compose renders the whole stack.
	s.Claim = ClaimHeld
	return s
}

// newTestSpec is NewSpec of testSpec's CatalogApi and Input, changed by
// opts, with its error.
func newTestSpec(opts ...specOption) (*Spec, error) {
	xr := composite.New()
	xr.SetAPIVersion("catalog.example.org/v1alpha1")
	xr.SetKind("CatalogApi")
	xr.SetName("catalog-api")
	xr.SetNamespace("team-catalog")
	xr.Object["spec"] = map[string]any{"environmentSuffix": "dev", "image": testImage}
	f := &specFixture{xr: xr, in: &v1beta1.Input{}}
	for _, o := range opts {
		o(f)
	}
	return NewSpec(f.xr, f.in, f.observed)
}

// xrNamed names the CatalogApi: composed object names and UniqueID derive
// from it.
func xrNamed(name, namespace string) specOption {
	return func(f *specFixture) {
		f.xr.SetName(name)
		f.xr.SetNamespace(namespace)
	}
}

// withSpecField sets one top-level field of the CatalogApi's spec.
func withSpecField(field string, value any) specOption {
	return func(f *specFixture) {
		spec, _ := f.xr.Object["spec"].(map[string]any)
		spec[field] = value
	}
}

// withInput is the function's Input (the Composition's pipeline input).
func withInput(in *v1beta1.Input) specOption {
	return func(f *specFixture) { f.in = in }
}

// observedResource is a composed resource as a provider reports it.
type observedResource struct {
	key string
	// ready sets the condition Ready=True; otherwise there is no Ready
	// condition, which Observed.Ready reads as not ready.
	ready bool
	spec  map[string]any
	// atProvider is status.atProvider; nil for no status at all.
	atProvider map[string]any
	created    time.Time
	// annotations are metadata.annotations (the external name).
	annotations map[string]string
}

// observedOf is the Observed state of these composed resources.
func observedOf(t *testing.T, rs ...observedResource) engine.Observed {
	t.Helper()
	o := map[string]*fnv1.Resource{}
	for _, r := range rs {
		u := composed.New()
		u.Object = map[string]any{"apiVersion": "test.aws.m.upbound.io/v1beta1", "kind": "Test"}
		u.SetName("catalog-api-" + r.key)
		u.SetCreationTimestamp(metav1.NewTime(r.created))
		u.SetAnnotations(r.annotations)
		if r.spec != nil {
			u.Object["spec"] = r.spec
		}
		if r.atProvider != nil {
			if err := u.SetValue("status.atProvider", r.atProvider); err != nil {
				t.Fatal(err)
			}
		}
		if r.ready {
			u.SetConditions(xpv1.Available())
		}
		o[r.key] = &fnv1.Resource{Resource: structOf(t, u.Object)}
	}
	return engine.NewObserved(o)
}

// structOf is an object as a request carries it. The JSON round trip turns
// typed values (a []string, an int) into what a request holds.
func structOf(t *testing.T, obj map[string]any) *structpb.Struct {
	t.Helper()
	j, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(j, s); err != nil {
		t.Fatal(err)
	}
	return s
}

// observedReady is a resource the provider reports Ready and nothing else.
func observedReady(key string) observedResource { return observedResource{key: key, ready: true} }

// observedDatabase is the Aurora cluster once AWS has created it.
// testAccount is the AWS account of the observed claim marker
// (observedAccount).
const testAccount = "210987654321"

// observedAccount is the claim marker (the VPC) as observed once it
// exists: it reports the AWS account, which the service-principal trust
// policies name.
func observedAccount() observedResource {
	return observedResource{key: KeyVPC, ready: true, atProvider: map[string]any{"ownerId": testAccount}}
}

func observedDatabase() observedResource {
	return observedResource{key: KeyDBCluster, ready: true, atProvider: map[string]any{
		"endpoint":         testDBEndpoint,
		"masterUserSecret": []any{map[string]any{"secretArn": testDBSecretARN}},
	}}
}

// desiredByKey returns the rendered resource with this key. The test fails
// if it is not rendered, or if any key is rendered twice.
func desiredByKey(t *testing.T, b engine.Built, key string) engine.Desired {
	t.Helper()
	seen := map[string]bool{}
	var found *engine.Desired
	for i, d := range b.Resources {
		if seen[d.Key] {
			t.Fatalf("key %q rendered twice", d.Key)
		}
		seen[d.Key] = true
		if d.Key == key {
			found = &b.Resources[i]
		}
	}
	if found == nil {
		t.Fatalf("%s is not rendered; rendered: %v", key, renderedKeys(b))
	}
	return *found
}

// objectByKey returns the object of the rendered resource with this key,
// which must be a T.
func objectByKey[T any](t *testing.T, b engine.Built, key string) T {
	t.Helper()
	d := desiredByKey(t, b, key)
	o, ok := d.Object.(T)
	if !ok {
		t.Fatalf("%s is a %T, want a %T", key, d.Object, o)
	}
	return o
}

// renderedKeys are the keys of the rendered resources, in render order.
func renderedKeys(b engine.Built) []string {
	keys := make([]string, 0, len(b.Resources))
	for _, d := range b.Resources {
		keys = append(keys, d.Key)
	}
	return keys
}

// sortedRenderedKeys are the keys of the rendered resources, sorted.
func sortedRenderedKeys(b engine.Built) []string {
	keys := renderedKeys(b)
	sort.Strings(keys)
	return keys
}

// checkRendersAtOnce checks that a part renders exactly these keys, in this
// order, and waits for nothing; why says why it needs nothing observed.
func checkRendersAtOnce(t *testing.T, b engine.Built, wantKeys []string, why string) {
	t.Helper()
	if diff := cmp.Diff(wantKeys, renderedKeys(b)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if len(b.Waiting) != 0 {
		t.Errorf("Waiting = %v, want nothing: %s", b.Waiting, why)
	}
}

// checkPhase checks one phase of a part: the keys it rendered (in any
// order; none is the same as an empty list) and how many things it is
// still waiting for. reason says why.
func checkPhase(t *testing.T, b engine.Built, reason string, wantKeys []string, wantWaiting int) {
	t.Helper()
	want := slices.Clone(wantKeys)
	sort.Strings(want)
	if diff := cmp.Diff(want, sortedRenderedKeys(b), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: keys -want, +got:\n%s", reason, diff)
	}
	if len(b.Waiting) != wantWaiting {
		t.Errorf("%s: want %d waiting messages, got %q", reason, wantWaiting, b.Waiting)
	}
}

// refTo is the reference a builder should write to the composed resource
// with this key.
func refTo(s *Spec, key string) *xpv1.NamespacedReference {
	return &xpv1.NamespacedReference{Name: s.ObjectName(key)}
}

// refName is the name a reference points at, "" for no reference.
func refName(r *xpv1.NamespacedReference) string {
	if r == nil {
		return ""
	}
	return r.Name
}

// deref is the value p points at, or an untyped nil for a nil pointer, so
// that a view can tell "unset" from a zero value.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// derefStrings is the inverse of ptrList.
func derefStrings(p []*string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[i] = *s
	}
	return out
}

// gotWant is one row of a table of rendered values: what a builder set and
// what the contract wants.
type gotWant struct {
	got, want any
}

// checkValues compares every row of a table of rendered values in a subtest
// of its own.
func checkValues(t *testing.T, rows map[string]gotWant) {
	t.Helper()
	for name, row := range rows {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(row.want, row.got); diff != "" {
				t.Errorf("-want, +got:\n%s", diff)
			}
		})
	}
}

// policyJSON is an IAM policy document parsed back generically, so that a
// test checks the JSON AWS receives rather than the Go types.
type policyJSON struct {
	Version   string `json:"Version"`
	Statement []struct {
		Sid       string                       `json:"Sid"`
		Effect    string                       `json:"Effect"`
		Principal any                          `json:"Principal"`
		Action    []string                     `json:"Action"`
		Resource  []string                     `json:"Resource"`
		Condition map[string]map[string]string `json:"Condition"`
	} `json:"Statement"`
}

// parsePolicy parses a rendered policy document; what names it in the
// failure.
func parsePolicy(t *testing.T, what, doc string) policyJSON {
	t.Helper()
	var p policyJSON
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, doc)
	}
	return p
}

// warnings are the messages of a response's Warning results.
func warnings(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
			out = append(out, r.GetMessage())
		}
	}
	return out
}

// xrdEnum is the enum of a spec field in apis/xrd.yaml, by the names from
// spec down ("database", "instanceClass" is spec.database.instanceClass).
func xrdEnum(t *testing.T, field ...string) []string {
	t.Helper()
	b, err := os.ReadFile("../apis/xrd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	xrd := map[string]any{}
	if err := yaml.Unmarshal(b, &xrd); err != nil {
		t.Fatal(err)
	}
	versions, _, _ := unstructured.NestedSlice(xrd, "spec", "versions")
	if len(versions) != 1 {
		t.Fatalf("apis/xrd.yaml has %d versions, want 1", len(versions))
	}
	path := make([]string, 0, 5+2*len(field))
	path = append(path, "schema", "openAPIV3Schema", "properties", "spec")
	for _, f := range field {
		path = append(path, "properties", f)
	}
	v, _ := versions[0].(map[string]any)
	enum, found, err := unstructured.NestedStringSlice(v, append(path, "enum")...)
	if err != nil || !found || len(enum) == 0 {
		t.Fatalf("apis/xrd.yaml: no enum at spec.%s (%v)", strings.Join(field, "."), err)
	}
	return enum
}
