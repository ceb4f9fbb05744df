package preview

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/fake"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// fakeCluster is a cluster holding the converged example stack: the
// CatalogApi with its resourceRefs and Composition, the composed resources
// of examples/observed/phase-5.yaml, and the Secret of a step credential
// (testdata/composition-with-credentials.yaml).
type fakeCluster struct {
	objects   []runtime.Object
	mapper    *meta.DefaultRESTMapper
	listKinds map[schema.GroupVersionResource]string
}

// fakeXRUID is the UID of the fake cluster's CatalogApi.
const fakeXRUID = "8d0c7a3e-0000-4000-8000-000000000001"

func newFakeCluster(t *testing.T) *fakeCluster {
	t.Helper()
	f := &fakeCluster{mapper: meta.NewDefaultRESTMapper(nil), listKinds: map[schema.GroupVersionResource]string{}}
	composed, err := yamlobj.Read(exampleObserved)
	if err != nil {
		t.Fatal(err)
	}
	xr, err := yamlobj.ReadOne(exampleXR)
	if err != nil {
		t.Fatal(err)
	}
	xr.SetUID(fakeXRUID)
	refs := make([]any, 0, len(composed)+1)
	for _, c := range composed {
		f.add(c)
		refs = append(refs, map[string]any{"apiVersion": c.GetAPIVersion(), "kind": c.GetKind(), "name": c.GetName()})
	}
	// A reference to a resource that is gone: not observed.
	refs = append(refs, map[string]any{"apiVersion": "ec2.aws.m.upbound.io/v1beta1", "kind": "VPC", "name": "catalog-api-gone"})
	if err := unstructured.SetNestedSlice(xr.Object, refs, "spec", "crossplane", "resourceRefs"); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(xr.Object, "catalogapis.catalog.example.org", "spec", "crossplane", "compositionRef", "name"); err != nil {
		t.Fatal(err)
	}
	f.add(xr)
	// Another CatalogApi's VPC in the same namespace: not read.
	other := composed[len(composed)-1].DeepCopy()
	other.SetName("other-vpc")
	other.SetLabels(map[string]string{LabelComposite: "other"})
	f.add(other)
	for _, path := range []string{credentialsComposition, credentialsFile} {
		o, err := yamlobj.ReadOne(path)
		if err != nil {
			t.Fatal(err)
		}
		f.add(o)
	}
	return f
}

func (f *fakeCluster) add(o *unstructured.Unstructured) {
	gvk := o.GroupVersionKind()
	// The fake client's tracker files objects under the guessed resource.
	gvr, singular := meta.UnsafeGuessKindToResource(gvk)
	scope := meta.RESTScopeNamespace
	if gvk.Kind == "Composition" {
		scope = meta.RESTScopeRoot
	}
	f.mapper.AddSpecific(gvk, gvr, singular, scope)
	f.listKinds[gvr] = gvk.Kind + "List"
	f.objects = append(f.objects, o)
}

func TestClusterLoad(t *testing.T) {
	f := newFakeCluster(t)
	client := fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), f.listKinds, f.objects...)
	change, err := yamlobj.ReadOne("../../examples/xr-image-update.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in, err := Cluster{Client: client, Mapper: f.mapper}.Load(context.Background(), change, ClusterOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	checkReadOnly(t, client)
	files := mustLoadFiles(t, Files{Change: "../../examples/xr-image-update.yaml", LiveXR: exampleXR, Observed: exampleObserved, Composition: credentialsComposition, Credentials: credentialsFile})
	// A live XR written out with kubectl carries its UID (the function
	// names the final database snapshot from it).
	files.Live.XR.SetUID(fakeXRUID)
	files.Change.SetUID(fakeXRUID)
	if got, want := keysOf(in.Live.Composed), keysOf(files.Live.Composed); !cmp.Equal(got, want) {
		t.Errorf("composed resources: got %d, want the %d of the example:\n%s", len(got), len(want), cmp.Diff(want, got))
	}
	if in.Live.XR.GetUID() == "" {
		t.Error("the live XR is the cluster's (with its UID)")
	}
	fromCluster, fromFiles := mustRun(t, in), mustRun(t, files)
	// The same live state gives the same preview, read from the cluster or
	// from files.
	if diff := cmp.Diff(fromFiles, fromCluster); diff != "" {
		t.Errorf("preview from the cluster differs from the one from files (-files +cluster):\n%s", diff)
	}
	if fromCluster.ExitCode() != ExitChanges {
		t.Errorf("exit code: got %d, want %d", fromCluster.ExitCode(), ExitChanges)
	}
}

// checkReadOnly checks that the client was only used to read.
func checkReadOnly(t *testing.T, client *fake.FakeDynamicClient) {
	t.Helper()
	for _, a := range client.Actions() {
		if v := a.GetVerb(); v != "get" && v != "list" {
			t.Errorf("a preview must only read, but it did %s %s", v, a.GetResource())
		}
	}
}

func TestClusterLoadNeedsTheCredentials(t *testing.T) {
	f := newFakeCluster(t)
	var objs []runtime.Object
	for _, o := range f.objects {
		if o.GetObjectKind().GroupVersionKind().Kind != "Secret" {
			objs = append(objs, o)
		}
	}
	client := fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), f.listKinds, objs...)
	change, err := yamlobj.ReadOne(exampleXR)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Cluster{Client: client, Mapper: f.mapper}.Load(context.Background(), change, ClusterOptions{})
	if err == nil || !strings.Contains(err.Error(), "--credentials") {
		t.Errorf("got %v, want an error that says how to give the credentials", err)
	}
}

func keysOf(objs []*unstructured.Unstructured) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.GetAnnotations()[AnnotationCompositionResourceName])
	}
	return out
}
