package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/platform/function-catalog-api/e2e"
	"github.com/platform/function-catalog-api/internal/fntest"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// What the platform team installs, from the repository.
const (
	xrdFile           = e2e.XRD
	compositionFile   = "apis/composition.yaml"
	inputCRDDir       = "package/input"
	providerAWSModule = "github.com/upbound/provider-aws/v2"
	functionName      = "platform-function-catalog-api"
	fieldManager      = "platform-team"
	establishTimeout  = 2 * time.Minute
)

// errNoCRD: the provider module lacks a kind the stack composes.
var errNoCRD = errors.New("provider-aws has no CRD")

// GVRs the test uses directly.
var (
	crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}           //nolint:gochecknoglobals // A constant.
	xrdGVR = schema.GroupVersionResource{Group: "apiextensions.crossplane.io", Version: "v2", Resource: "compositeresourcedefinitions"} //nolint:gochecknoglobals // A constant.
	fnrGVR = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "functionrevisions"}                      //nolint:gochecknoglobals // A constant.
)

// resourceFor maps an object's kind to its resource, refreshing discovery
// once if the kind is new (a CRD just installed).
func (cp *controlPlane) resourceFor(u *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := u.GroupVersionKind()
	m, err := cp.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		cp.mapper.Reset()
		m, err = cp.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("no API for %s: %w", gvk, err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return cp.dyn.Resource(m.Resource).Namespace(u.GetNamespace()), nil
	}
	return cp.dyn.Resource(m.Resource), nil
}

// apply server-side applies an object as the platform team (or an
// application team) would with kubectl apply --server-side.
func (cp *controlPlane) apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ri, err := cp.resourceFor(u)
	if err != nil {
		return nil, err
	}
	b, err := u.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("cannot encode %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	force := true
	out, err := ri.Patch(ctx, u.GetName(), types.ApplyPatchType, b, metav1.PatchOptions{FieldManager: fieldManager, Force: &force})
	if err != nil {
		return nil, fmt.Errorf("cannot apply %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return out, nil
}

// install installs what a platform team installs, in order, and waits until
// each part is usable.
func (cp *controlPlane) install(ctx context.Context, fnEndpoint string) {
	cp.t.Helper()
	cp.timings.phase("install provider-aws CRDs, Input CRD", func() {
		cp.installCRDs(ctx)
	})
	cp.timings.phase("install XRD (Established), Composition, function", func() {
		cp.installXRD(ctx)
		cp.applyFile(ctx, compositionFile)
		cp.installFunction(ctx, fnEndpoint)
	})
}

func (cp *controlPlane) applyFile(ctx context.Context, file string) {
	cp.t.Helper()
	objs, err := yamlobj.Read(filepath.Join(cp.root, file))
	if err != nil {
		cp.t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := cp.apply(ctx, o); err != nil {
			cp.t.Fatal(err)
		}
	}
}

// installCRDs creates the provider-aws v2.5.0 CRDs of every kind the stack
// composes (the kinds of the converged stack's fixture) and the function's
// Input CRD, and waits until all are established.
func (cp *controlPlane) installCRDs(ctx context.Context) {
	cp.t.Helper()
	files, err := cp.providerCRDFiles(ctx)
	if err != nil {
		cp.t.Fatal(err)
	}
	input, err := filepath.Glob(filepath.Join(cp.root, inputCRDDir, "*.yaml"))
	if err != nil || len(input) == 0 {
		cp.t.Fatalf("no Input CRD in %s: %v", inputCRDDir, err)
	}
	files = append(files, input...)
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, cp.createCRDs(ctx, f)...)
	}
	for _, n := range names {
		cp.waitCondition(ctx, cp.dyn.Resource(crdGVR), n, "Established")
	}
	cp.mapper.Reset()
	cp.t.Logf("installed %d CRDs (provider-aws kinds of the stack and the Input)", len(names))
}

// createCRDs creates the CRDs in file f (an existing one is left as it is),
// notes the provider kinds they serve, and returns their names.
func (cp *controlPlane) createCRDs(ctx context.Context, f string) []string {
	cp.t.Helper()
	objs, err := yamlobj.Read(f)
	if err != nil {
		cp.t.Fatal(err)
	}
	names := make([]string, 0, len(objs))
	for _, crd := range objs {
		if _, err := cp.dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{FieldManager: fieldManager}); err != nil && !kerrors.IsAlreadyExists(err) {
			cp.t.Fatalf("cannot create CRD %s: %v", crd.GetName(), err)
		}
		names = append(names, crd.GetName())
		if gvr, kind, ok := servedGVR(crd); ok && strings.HasSuffix(gvr.Group, ".aws.m.upbound.io") {
			cp.providerGVRs[gvr] = kind
		}
	}
	return names
}

// providerCRDFiles finds the CRD file of every provider-aws kind the
// converged stack holds, in the provider module's package/crds.
func (cp *controlPlane) providerCRDFiles(ctx context.Context) ([]string, error) {
	// Every kind the function renders for the examples: the converged
	// stack, a custom app's (the task role's policy attachments), VPC
	// endpoints, and the options (the certificate and the records).
	fixtures, err := filepath.Glob(filepath.Join(cp.root, "examples", "observed", "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("the kinds of the stack: %w", err)
	}
	if len(fixtures) == 0 {
		return nil, errors.New("the kinds of the stack: no observed fixtures in examples/observed")
	}
	var objs []*unstructured.Unstructured
	for _, f := range fixtures {
		got, err := yamlobj.Read(f)
		if err != nil {
			return nil, fmt.Errorf("the kinds of the stack: %w", err)
		}
		objs = append(objs, got...)
	}
	want := map[schema.GroupKind]bool{}
	for _, o := range objs {
		if gk := o.GroupVersionKind().GroupKind(); strings.HasSuffix(gk.Group, ".aws.m.upbound.io") {
			want[gk] = true
		}
	}
	mod, err := e2e.GoModuleDir(ctx, cp.root, providerAWSModule)
	if err != nil {
		return nil, fmt.Errorf("the provider-aws module: %w", err)
	}
	dir := filepath.Join(mod, "package", "crds")
	files := make([]string, 0, len(want))
	for gk := range want {
		f, err := crdFileOf(dir, gk)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	sort.Strings(files)
	return files, nil
}

// crdFileOf finds <group>_<plural>.yaml for a kind, trying the plural forms
// the provider's generator uses, and checks the file's kind.
func crdFileOf(dir string, gk schema.GroupKind) (string, error) {
	lower := strings.ToLower(gk.Kind)
	candidates := []string{lower + "s", lower + "es", lower}
	if stem, ok := strings.CutSuffix(lower, "y"); ok {
		candidates = append(candidates, stem+"ies")
	}
	for _, plural := range candidates {
		f := filepath.Join(dir, gk.Group+"_"+plural+".yaml")
		objs, err := yamlobj.Read(f)
		if err != nil {
			continue
		}
		if len(objs) == 1 {
			if kind, _, _ := unstructured.NestedString(objs[0].Object, "spec", "names", "kind"); kind == gk.Kind {
				return f, nil
			}
		}
	}
	return "", fmt.Errorf("%w for %s in %s", errNoCRD, gk, dir)
}

// installXRD creates the XRD and waits until Crossplane has established it
// (its CRD is served and its controller runs).
func (cp *controlPlane) installXRD(ctx context.Context) {
	cp.t.Helper()
	objs, err := yamlobj.Read(filepath.Join(cp.root, xrdFile))
	if err != nil {
		cp.t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := cp.apply(ctx, o); err != nil {
			cp.t.Fatal(err)
		}
		cp.waitCondition(ctx, cp.dyn.Resource(xrdGVR), o.GetName(), "Established")
	}
	cp.mapper.Reset()
}

// installFunction registers the function the way Crossplane's package
// manager leaves it once a Function package is installed: an active
// FunctionRevision with the composition capability and an endpoint.
// Nothing pulls an image: both objects are paused, and the function runs
// as a local process at endpoint, serving mTLS with a certificate from
// Crossplane's CA.
func (cp *controlPlane) installFunction(ctx context.Context, endpoint string) {
	cp.t.Helper()
	paused := map[string]any{"crossplane.io/paused": "true"}
	fn := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "pkg.crossplane.io/v1", "kind": "Function",
		"metadata": map[string]any{"name": functionName, "annotations": paused},
		"spec":     map[string]any{"package": "xpkg.example.org/platform/function-catalog-api:v0.1.0"},
	}}
	if _, err := cp.apply(ctx, fn); err != nil {
		cp.t.Fatal(err)
	}
	rev := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "pkg.crossplane.io/v1", "kind": "FunctionRevision",
		"metadata": map[string]any{
			"name":        functionName + "-local",
			"annotations": paused,
			"labels":      map[string]any{"pkg.crossplane.io/package": functionName},
		},
		"spec": map[string]any{
			"image":        "xpkg.example.org/platform/function-catalog-api:v0.1.0",
			"revision":     int64(1),
			"desiredState": "Active",
		},
	}}
	if _, err := cp.apply(ctx, rev); err != nil {
		cp.t.Fatal(err)
	}
	status := map[string]any{"status": map[string]any{"endpoint": endpoint, "capabilities": []any{"composition"}}}
	b, err := json.Marshal(status)
	if err != nil {
		cp.t.Fatal(err)
	}
	if _, err := cp.dyn.Resource(fnrGVR).Patch(ctx, rev.GetName(), types.MergePatchType, b, metav1.PatchOptions{}, "status"); err != nil {
		cp.t.Fatalf("cannot set the FunctionRevision's endpoint: %v", err)
	}
}

// waitCondition waits until the named object has condition typ True.
func (cp *controlPlane) waitCondition(ctx context.Context, ri dynamic.ResourceInterface, name, typ string) {
	cp.t.Helper()
	err := waitFor(ctx, establishTimeout, name+" "+typ, cp.crossplane, func(ctx context.Context) error {
		u, err := ri.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get: %w", err)
		}
		if s, reason := conditionOf(u, typ); s != "True" {
			return fmt.Errorf("%w: %s is %q (%s)", errNotYet, typ, s, reason)
		}
		return nil
	})
	if err != nil {
		cp.t.Fatal(err)
	}
}

// conditionOf returns a condition's status and reason+message.
func conditionOf(u *unstructured.Unstructured, typ string) (status, detail string) {
	c := fntest.Condition(u, typ)
	if c == nil {
		return "", "no condition"
	}
	status, _ = c["status"].(string)
	reason, _ := c["reason"].(string)
	msg, _ := c["message"].(string)
	return status, strings.TrimSpace(reason + " " + msg)
}

// servedGVR returns a CRD's storage version resource and kind.
func servedGVR(crd *unstructured.Unstructured) (schema.GroupVersionResource, string, bool) {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		m, _ := v.(map[string]any)
		if storage, _ := m["storage"].(bool); storage {
			name, _ := m["name"].(string)
			return schema.GroupVersionResource{Group: group, Version: name, Resource: plural}, kind, true
		}
	}
	return schema.GroupVersionResource{}, "", false
}
