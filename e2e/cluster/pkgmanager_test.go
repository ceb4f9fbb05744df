package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// TestInstallThroughPackageManager installs the product the way a platform
// team does: the packages come from an OCI registry (one inside the test,
// over TLS with its own CA), pushed with `crossplane xpkg push` to a path
// other than the one the packages name; ImageConfigs rewrite the prefixes
// (examples/install/image-configs.yaml's pattern) and Crossplane trusts the registry
// through its CA bundle; only the Configuration is installed. Its
// dependencies resolve (the function, multi-arch, and provider packages
// carrying the pinned provider-aws v2.5.0 CRDs; their controllers do not run:
// the test plays the provider), the XRD and Composition come from the
// package, the Function gets the name the Composition calls, the production
// runtime config (examples/install/function-runtime.yaml) is applied, and a claim
// reaches Ready.
//
// Crossplane runs with the permissions its Helm chart gives it: the pinned
// module's chart is rendered by helm template and applied, Crossplane core
// (init and start) runs as the chart's crossplane service account, whose
// ClusterRole is the aggregation the chart sets up, and the RBAC manager
// (crossplane rbac start, as the chart's Deployment runs it) as its own,
// adding the roles for the XRD and the provider revisions; both
// authenticate with TokenRequest tokens (chartrbac_test.go). What they are
// not granted, they cannot do, and the test fails.
//
// Crossplane runs with --package-runtime=External: nothing here can run a
// pod, so the test plays the package runtime (it names each revision's
// webhook TLS Secret), the function runs as a local process and its
// revision's endpoint is set by the test, as in TestClaimInARealControlPlane.
// The test itself, the played runtime and the played provider act as the
// admin.
func TestInstallThroughPackageManager(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the packages and starts a real control plane; skipped with -short")
	}
	tm := newTimings(t)
	root := repoRoot(t)
	bins := buildBinaries(t, tm, root)
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()

	reg := startRegistry(ctx, t)
	var pkgs packageFiles
	tm.phase("build packages (.ci/build-packages; provider packages)", func() {
		pkgs = buildAllPackages(ctx, t, root)
	})
	tm.phase("push packages (crossplane xpkg push)", func() { pushAll(ctx, t, reg, pkgs) })

	// Crossplane trusts the registry's CA through --ca-bundle-path, as the
	// Helm chart's registryCaBundleConfig sets it.
	t.Setenv(crossplaneArgsEnv, strings.TrimSpace(os.Getenv(crossplaneArgsEnv)+" --ca-bundle-path="+reg.caFile))
	fresh := time.Now()
	cp := startControlPlane(ctx, t, tm, root, bins, controlPlaneOptions{chartRBAC: true})

	runtimeCtx, stopRuntime := context.WithCancel(ctx)
	defer stopRuntime()
	go cp.playPackageRuntime(runtimeCtx)
	tm.phase("install the Configuration; dependencies resolve", func() {
		cp.applyObjects(ctx, imageConfigs(reg))
		cp.applyObjects(ctx, []*unstructured.Unstructured{configuration()})
		cp.waitPackages(ctx, pkgs)
	})
	cp.checkFromPackage(ctx, t)
	tm.phase("production runtime config, function serving, provider playing", func() {
		cp.applyFile(ctx, functionRuntimeFile)
		cp.checkRuntimeConfig(ctx, t)
		cp.connectFunction(ctx, cp.startFunction(ctx))
		cp.notePackagedProviderKinds(ctx)
		cp.checkCrossplaneGrants(ctx, catalogGVR)
	})
	prov := startProvider(ctx, cp, cp.providerGVRs)
	var xr *unstructured.Unstructured
	tm.phase("claim examples/xr.yaml until Ready", func() {
		xr = cp.claimExample(ctx, t)
		cp.waitXRReady(ctx, t, xr)
	})
	cp.checkReadyXR(ctx, t, xr)
	if errs := prov.errors(); len(errs) > 0 {
		t.Errorf("the played provider failed to write: %s", strings.Join(errs, "; "))
	}
	t.Logf("fresh control plane (etcd, kube-apiserver, chart, Crossplane and RBAC manager started) to a Ready claim through the package manager: %s",
		time.Since(fresh).Round(100*time.Millisecond))
	t.Logf("phases:\n%s", tm.report())
}

// Where the test's packages are named, and where it pushes them.
const (
	// The paths apis/crossplane.yaml names (they are names: an ImageConfig
	// rewrites them to where the packages are).
	packagePrefix  = "xpkg.example.org/platform/"
	providerPrefix = "xpkg.upbound.io/upbound/provider-"
	// Where the test pushes them: not the named paths.
	mirrorPackages  = "mirror/platform-team/"
	mirrorProviders = "mirror/provider-aws/provider-"

	packageVersion      = "v0.1.0"
	providerVersion     = "v2.5.0"
	configurationName   = "configuration-catalog-api"
	functionRuntimeFile = "examples/install/function-runtime.yaml"
	runtimeConfigName   = "function-catalog-api"
	familyProvider      = "family-aws"
	// packageArchesEnv overrides the architectures of the function package
	// (default: amd64 and arm64, pushed as one multi-arch package).
	packageArchesEnv = "CATALOG_E2E_PACKAGE_ARCHES"
	packageTimeout   = 4 * time.Minute
)

// packageFiles are the built packages: the function per architecture, the
// Configuration, and a provider package per family (family-aws included).
type packageFiles struct {
	crossplaneCLI string
	function      []string
	arches        []string // os/arch of each function package
	configuration string
	providers     map[string]string // family (ec2, ..., family-aws) -> xpkg
}

// buildAllPackages runs .ci/build-packages (its Crossplane CLI is used for
// the rest) and builds the provider packages.
func buildAllPackages(ctx context.Context, t *testing.T, root string) packageFiles {
	t.Helper()
	out := t.TempDir()
	arches := strings.Fields(os.Getenv(packageArchesEnv))
	if len(arches) == 0 {
		arches = []string{"amd64", "arm64"}
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, ".ci", "build-packages"))
	cmd.Env = append(os.Environ(), "OUTPUT_DIR="+out, "ARCHES="+strings.Join(arches, " "))
	log, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf(".ci/build-packages: %v\n%s", err, log)
	}
	t.Logf(".ci/build-packages:\n%s", log)
	pkgs := packageFiles{
		crossplaneCLI: filepath.Join(out, "bin", "crossplane"),
		configuration: filepath.Join(out, "configuration-catalog-api.xpkg"),
		providers:     map[string]string{},
	}
	for _, arch := range arches {
		pkgs.function = append(pkgs.function, filepath.Join(out, "function-catalog-api-"+arch+".xpkg"))
		pkgs.arches = append(pkgs.arches, "linux/"+arch)
	}
	crds := providerCRDsByFamily(ctx, t, root)
	for _, family := range configurationProviderFamilies(t, root) {
		if len(crds[family]) == 0 {
			t.Fatalf("the Configuration depends on provider-aws-%s, but the stack renders none of its kinds", family)
		}
		pkgs.providers[family] = buildProviderPackage(ctx, t, pkgs.crossplaneCLI, family, crds[family], out)
	}
	pkgs.providers[familyProvider] = buildProviderPackage(ctx, t, pkgs.crossplaneCLI, familyProvider, crds[familyProvider], out)
	for _, f := range slices.Concat(pkgs.function, []string{pkgs.configuration}, slices.Sorted(maps.Values(pkgs.providers))) {
		if fi, err := os.Stat(f); err == nil {
			t.Logf("%-40s %10d bytes (%.1f MiB)", filepath.Base(f), fi.Size(), float64(fi.Size())/(1<<20))
		}
	}
	return pkgs
}

// providerCRDsByFamily groups the provider-aws v2.5.0 CRD files of every
// kind the stack composes by family (the API group's first label), and adds
// the family provider's ProviderConfig CRDs (aws.m.upbound.io).
func providerCRDsByFamily(ctx context.Context, t *testing.T, root string) map[string][]string {
	t.Helper()
	files, err := (&controlPlane{root: root}).providerCRDFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byFamily := map[string][]string{}
	for _, f := range files {
		family, _, _ := strings.Cut(filepath.Base(f), ".")
		byFamily[family] = append(byFamily[family], f)
	}
	dir := filepath.Dir(files[0])
	for _, plural := range []string{"clusterproviderconfigs", "providerconfigs", "providerconfigusages"} {
		byFamily[familyProvider] = append(byFamily[familyProvider], filepath.Join(dir, "aws.m.upbound.io_"+plural+".yaml"))
	}
	return byFamily
}

// configurationProviderFamilies are the families of the provider-aws
// packages apis/crossplane.yaml depends on.
func configurationProviderFamilies(t *testing.T, root string) []string {
	t.Helper()
	var families []string
	for _, dep := range configurationDependencies(t, root) {
		if family, ok := strings.CutPrefix(dep, providerPrefix+"aws-"); ok {
			families = append(families, family)
		}
	}
	if len(families) == 0 {
		t.Fatal("apis/crossplane.yaml depends on no provider-aws family provider")
	}
	sort.Strings(families)
	return families
}

// configurationDependencies are the packages apis/crossplane.yaml depends on.
func configurationDependencies(t *testing.T, root string) []string {
	t.Helper()
	objs, err := yamlobj.Read(filepath.Join(root, "apis", "crossplane.yaml"))
	if err != nil || len(objs) != 1 {
		t.Fatalf("apis/crossplane.yaml: %v (%d objects)", err, len(objs))
	}
	deps, _, _ := unstructured.NestedSlice(objs[0].Object, "spec", "dependsOn")
	out := make([]string, 0, len(deps))
	for _, d := range deps {
		m, _ := d.(map[string]any)
		pkg, _ := m["package"].(string)
		out = append(out, pkg)
	}
	return out
}

// buildProviderPackage builds a provider package the way the real
// provider-aws family providers are laid out: a Provider meta object that
// depends on provider-family-aws (except that one), and the CRDs. It has no
// controller image: the test plays the provider.
func buildProviderPackage(ctx context.Context, t *testing.T, cli, family string, crds []string, out string) string {
	t.Helper()
	name, meta := providerMeta(family)
	files := map[string][]byte{"crossplane.yaml": meta}
	for _, f := range crds {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Join("crds", filepath.Base(f))] = data
	}
	dir := filepath.Join(t.TempDir(), family)
	examples := filepath.Join(t.TempDir(), "no-examples")
	if err := writeTree(dir, files); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(examples, 0o750); err != nil {
		t.Fatal(err)
	}
	xpkg := filepath.Join(out, name+".xpkg")
	cmd := exec.CommandContext(ctx, cli, "xpkg", "build", "--package-root="+dir, "--examples-root="+examples, "-o", xpkg)
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("crossplane xpkg build %s: %v\n%s", name, err, log)
	}
	return xpkg
}

// providerMeta is a family provider's name and its crossplane.yaml: pinned
// to Crossplane v2, depending on provider-family-aws unless it is that one.
func providerMeta(family string) (name string, meta []byte) {
	name = "provider-aws-" + family
	if family == familyProvider {
		name = "provider-" + family
	}
	yaml := "apiVersion: meta.pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: " + name + "\n" +
		"spec:\n  crossplane:\n    version: \">=v2.0.0\"\n"
	if family != familyProvider {
		yaml += "  dependsOn:\n  - apiVersion: pkg.crossplane.io/v1\n    kind: Provider\n" +
			"    package: " + providerPrefix + familyProvider + "\n    version: " + providerVersion + "\n"
	}
	return name, []byte(yaml)
}

// writeTree writes files (relative path -> content) under dir.
func writeTree(dir string, files map[string][]byte) error {
	for rel, data := range files {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	return nil
}

// pushAll pushes every package with the Crossplane CLI, trusting only the
// registry's CA: the function's two architectures as one multi-arch package
// (an image index), under paths other than the ones the packages name.
func pushAll(ctx context.Context, t *testing.T, reg *ociRegistry, pkgs packageFiles) {
	t.Helper()
	push := func(ref string, files ...string) {
		cmd := exec.CommandContext(ctx, pkgs.crossplaneCLI, "xpkg", "push", "-f", strings.Join(files, ","), ref)
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+reg.caFile)
		if log, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("crossplane xpkg push %s: %v\n%s", ref, err, log)
		}
	}
	push(reg.host+"/"+mirrorPackages+"function-catalog-api:"+packageVersion, pkgs.function...)
	if len(pkgs.function) > 1 {
		checkMultiArch(ctx, t, reg, mirrorPackages+"function-catalog-api", packageVersion, pkgs.arches)
	}
	push(reg.host+"/"+mirrorPackages+"configuration-catalog-api:"+packageVersion, pkgs.configuration)
	for family, f := range pkgs.providers {
		push(reg.host+"/"+mirrorProviders+providerRepoSuffix(family)+":"+providerVersion, f)
	}
}

// checkMultiArch checks that the function's tag is one multi-arch package:
// an image index with a manifest per architecture built.
func checkMultiArch(ctx context.Context, t *testing.T, reg *ociRegistry, repo, tag string, want []string) {
	t.Helper()
	ref := repo + ":" + tag
	got, err := reg.platforms(ctx, repo, tag)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))); diff != "" {
		t.Errorf("platforms of %s (-want +got):\n%s", ref, diff)
	}
	t.Logf("%s is an image index of %s", ref, strings.Join(got, ", "))
}

// providerRepoSuffix is a provider's repository after the "provider-"
// prefix: aws-ec2, ..., family-aws.
func providerRepoSuffix(family string) string {
	if family == familyProvider {
		return family
	}
	return "aws-" + family
}

// imageConfigs point the named paths at the registry: the platform's own
// packages and the providers (as examples/install/image-configs.yaml does for a
// mirror or the crossplane-contrib builds).
func imageConfigs(reg *ociRegistry) []*unstructured.Unstructured {
	ic := func(name, prefix, rewrite string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "pkg.crossplane.io/v1beta1", "kind": "ImageConfig",
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{
				"matchImages":  []any{map[string]any{"type": "Prefix", "prefix": prefix}},
				"rewriteImage": map[string]any{"prefix": rewrite},
			},
		}}
	}
	return []*unstructured.Unstructured{
		ic("catalog-api-packages", packagePrefix, reg.host+"/"+mirrorPackages),
		ic("provider-aws-mirror", providerPrefix, reg.host+"/"+mirrorProviders),
	}
}

// configuration is the one object a platform team applies (docs/install.md).
func configuration() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "pkg.crossplane.io/v1", "kind": "Configuration",
		"metadata": map[string]any{"name": configurationName},
		"spec":     map[string]any{"package": packagePrefix + "configuration-catalog-api:" + packageVersion},
	}}
}

func (cp *controlPlane) applyObjects(ctx context.Context, objs []*unstructured.Unstructured) {
	cp.t.Helper()
	for _, o := range objs {
		if _, err := cp.apply(ctx, o); err != nil {
			cp.t.Fatal(err)
		}
	}
}

var pkgGVR = func(resource string) schema.GroupVersionResource { //nolint:gochecknoglobals // A constant function.
	return schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: resource}
}

// waitPackages waits until the Configuration and every package its
// dependencies install are installed, under the names the package manager
// derives from the named (not the pushed) paths: the Configuration
// Installed and Healthy, the function and the providers Installed with a
// healthy current revision (their CRDs established). Their runtime health
// stays Unknown: with --package-runtime=External nothing reports it.
func (cp *controlPlane) waitPackages(ctx context.Context, pkgs packageFiles) {
	cp.t.Helper()
	want := map[string]string{configurationName: "configuration", functionName: "function"}
	for family := range pkgs.providers {
		want["upbound-provider-"+providerRepoSuffix(family)] = "provider"
	}
	names := slices.Sorted(maps.Keys(want))
	for _, name := range names {
		kind := want[name]
		err := waitFor(ctx, packageTimeout, kind+" "+name+" installed", cp.crossplane, func(ctx context.Context) error {
			return cp.packageInstalled(ctx, kind, name)
		})
		if err != nil {
			cp.t.Fatal(err)
		}
	}
	cp.t.Logf("installed through the package manager: %s", strings.Join(names, ", "))
}

// packageInstalled is nil once a package is installed and its current
// revision healthy (a Configuration: the package Healthy).
func (cp *controlPlane) packageInstalled(ctx context.Context, kind, name string) error {
	u, err := cp.dyn.Resource(pkgGVR(kind+"s")).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	conditions := []string{"Installed", "Healthy"}
	if kind != "configuration" {
		conditions = conditions[:1]
	}
	for _, typ := range conditions {
		if s, why := conditionOf(u, typ); s != "True" {
			return fmt.Errorf("%w: %s %q: %s", errNotYet, typ, s, why)
		}
	}
	if kind == "configuration" {
		return nil
	}
	revName, _, _ := unstructured.NestedString(u.Object, "status", "currentRevision")
	rev, err := cp.dyn.Resource(pkgGVR(kind+"revisions")).Get(ctx, revName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("revision %q: %w", revName, err)
	}
	if s, why := conditionOf(rev, "RevisionHealthy"); s != "True" {
		return fmt.Errorf("%w: revision %s RevisionHealthy %q: %s", errNotYet, revName, s, why)
	}
	return nil
}

// checkFromPackage checks that the XRD and the Composition are the
// Configuration's (owned by its revision), that the Composition's step calls
// the Function the dependency installed, and that the Function was pulled
// from the registry it was pushed to.
func (cp *controlPlane) checkFromPackage(ctx context.Context, t *testing.T) {
	t.Helper()
	xrd, err := cp.dyn.Resource(xrdGVR).Get(ctx, "catalogapis.catalog.example.org", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Configuration did not install the XRD: %v", err)
	}
	cp.waitCondition(ctx, cp.dyn.Resource(xrdGVR), xrd.GetName(), "Established")
	compositions, err := cp.dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.crossplane.io", Version: "v1", Resource: "compositions"}).List(ctx, metav1.ListOptions{})
	if err != nil || len(compositions.Items) != 1 {
		t.Fatalf("want the Configuration's one Composition: %v (%d)", err, len(compositions.Items))
	}
	for _, o := range []*unstructured.Unstructured{xrd, &compositions.Items[0]} {
		if !ownedByKind(o, "ConfigurationRevision") {
			t.Errorf("%s %s is not owned by a ConfigurationRevision: %v", o.GetKind(), o.GetName(), o.GetOwnerReferences())
		}
	}
	steps, _, _ := unstructured.NestedSlice(compositions.Items[0].Object, "spec", "pipeline")
	for _, s := range steps {
		step, _ := s.(map[string]any)
		ref, _, _ := unstructured.NestedString(step, "functionRef", "name")
		if _, err := cp.dyn.Resource(pkgGVR("functions")).Get(ctx, ref, metav1.GetOptions{}); err != nil {
			t.Errorf("the Composition's step %v calls Function %q, which the dependencies did not install: %v", step["step"], ref, err)
		}
	}
	fn, err := cp.dyn.Resource(pkgGVR("functions")).Get(ctx, functionName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	resolved, _, _ := unstructured.NestedString(fn.Object, "status", "resolvedPackage")
	if !strings.Contains(resolved, "/"+mirrorPackages) {
		t.Errorf("Function %s resolved to %q, want the pushed path %s...", functionName, resolved, mirrorPackages)
	}
	pkg, _, _ := unstructured.NestedString(fn.Object, "spec", "package")
	t.Logf("Function %s: spec.package %s, resolved %s", functionName, pkg, resolved)
}

func ownedByKind(u *unstructured.Unstructured, kind string) bool {
	for _, o := range u.GetOwnerReferences() {
		if o.Kind == kind {
			return true
		}
	}
	return false
}

// checkRuntimeConfig checks that applying examples/install/function-runtime.yaml after
// the dependency created the Function pointed it at the runtime config.
// (With --package-runtime=External no Deployment is made from it.)
func (cp *controlPlane) checkRuntimeConfig(ctx context.Context, t *testing.T) {
	t.Helper()
	fn, err := cp.dyn.Resource(pkgGVR("functions")).Get(ctx, functionName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedString(fn.Object, "spec", "runtimeConfigRef", "name"); got != runtimeConfigName {
		t.Errorf("Function %s runtimeConfigRef = %q, want %q", functionName, got, runtimeConfigName)
	}
	drc := schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1beta1", Resource: "deploymentruntimeconfigs"}
	if _, err := cp.dyn.Resource(drc).Get(ctx, runtimeConfigName, metav1.GetOptions{}); err != nil {
		t.Errorf("DeploymentRuntimeConfig %s: %v", runtimeConfigName, err)
	}
}

// connectFunction points the Function's active revision, which the package
// manager made, at the local function process: paused, so that nothing
// rewrites it, with the endpoint a runtime would have written.
func (cp *controlPlane) connectFunction(ctx context.Context, endpoint string) {
	cp.t.Helper()
	var rev *unstructured.Unstructured
	err := waitFor(ctx, packageTimeout, "the Function's active revision", cp.crossplane, func(ctx context.Context) error {
		l, err := cp.dyn.Resource(fnrGVR).List(ctx, metav1.ListOptions{LabelSelector: "pkg.crossplane.io/package=" + functionName})
		if err != nil {
			return fmt.Errorf("list function revisions: %w", err)
		}
		for i := range l.Items {
			if s, _, _ := unstructured.NestedString(l.Items[i].Object, "spec", "desiredState"); s == "Active" {
				rev = &l.Items[i]
				return nil
			}
		}
		return fmt.Errorf("%w: %d revisions, none active", errNotYet, len(l.Items))
	})
	if err != nil {
		cp.t.Fatal(err)
	}
	pause, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{"crossplane.io/paused": "true"}}})
	if err != nil {
		cp.t.Fatal(err)
	}
	if _, err := cp.dyn.Resource(fnrGVR).Patch(ctx, rev.GetName(), types.MergePatchType, pause, metav1.PatchOptions{}); err != nil {
		cp.t.Fatal(err)
	}
	status, err := json.Marshal(map[string]any{"status": map[string]any{"endpoint": endpoint, "capabilities": []any{"composition"}}})
	if err != nil {
		cp.t.Fatal(err)
	}
	if _, err := cp.dyn.Resource(fnrGVR).Patch(ctx, rev.GetName(), types.MergePatchType, status, metav1.PatchOptions{}, "status"); err != nil {
		cp.t.Fatalf("cannot set the FunctionRevision's endpoint: %v", err)
	}
}

// notePackagedProviderKinds records the provider-aws kinds the provider
// packages installed, for the played provider.
func (cp *controlPlane) notePackagedProviderKinds(ctx context.Context) {
	cp.t.Helper()
	// The package manager has created the CRDs, but the API server may not
	// serve them yet: a played provider that starts watching a kind before
	// it is Established backs off, and can miss the claim's first render.
	var l *unstructured.UnstructuredList
	err := waitFor(ctx, startTimeout, "provider-aws CRDs Established", cp.crossplane, func(ctx context.Context) error {
		var err error
		if l, err = cp.dyn.Resource(crdGVR).List(ctx, metav1.ListOptions{}); err != nil {
			return fmt.Errorf("list CRDs: %w", err)
		}
		for i := range l.Items {
			if group, _, _ := unstructured.NestedString(l.Items[i].Object, "spec", "group"); strings.HasSuffix(group, ".aws.m.upbound.io") {
				if s, _ := conditionOf(&l.Items[i], "Established"); s != "True" {
					return fmt.Errorf("%w: %s not Established", errNotYet, l.Items[i].GetName())
				}
			}
		}
		return nil
	})
	if err != nil {
		cp.t.Fatal(err)
	}
	for i := range l.Items {
		if gvr, kind, ok := servedGVR(&l.Items[i]); ok && strings.HasSuffix(gvr.Group, ".aws.m.upbound.io") && gvr.Group != "aws.m.upbound.io" {
			cp.providerGVRs[gvr] = kind
		}
	}
	cp.mapper.Reset()
	cp.t.Logf("the provider packages installed %d provider-aws kinds", len(cp.providerGVRs))
}

// claimExample creates examples/xr.yaml in its namespace.
func (cp *controlPlane) claimExample(ctx context.Context, t *testing.T) *unstructured.Unstructured {
	t.Helper()
	objs, err := yamlobj.Read(filepath.Join(cp.root, xrExample))
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: %v (%d objects)", xrExample, err, len(objs))
	}
	xr := objs[0]
	cp.createNamespace(ctx, xr.GetNamespace())
	if _, err := cp.apply(ctx, xr); err != nil {
		t.Fatal(err)
	}
	cp.events.claimed(xr.GetNamespace()+"/"+xr.GetName(), time.Now())
	return xr
}

// playPackageRuntime stands in for the package runtime, which
// --package-runtime=External leaves to an outside controller: Crossplane
// establishes a provider's or function's objects (CRDs) only once the
// runtime has named the revision's webhook TLS Secret
// (status.tlsServerSecretName) and the Secret holds a certificate. It does
// that for every provider and function revision until ctx ends.
func (cp *controlPlane) playPackageRuntime(ctx context.Context) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, resource := range []string{"providerrevisions", "functionrevisions"} {
			if err := cp.nameRuntimeSecrets(ctx, pkgGVR(resource)); err != nil && ctx.Err() == nil {
				cp.t.Logf("package runtime: %s: %v", resource, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// nameRuntimeSecrets gives every revision of one kind without a webhook TLS
// Secret one: a Secret whose certificate is signed by Crossplane's CA (no
// conversion webhook is ever called: the provider-aws CRDs of the stack
// have none).
func (cp *controlPlane) nameRuntimeSecrets(ctx context.Context, gvr schema.GroupVersionResource) error {
	l, err := cp.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	for i := range l.Items {
		rev := &l.Items[i]
		if name, _, _ := unstructured.NestedString(rev.Object, "status", "tlsServerSecretName"); name != "" {
			continue
		}
		secret := rev.GetName() + "-tls-server"
		s := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": secret, "namespace": crossplaneNamespace},
			"data":     map[string]any{"tls.crt": base64.StdEncoding.EncodeToString(cp.xpCA.certPEM)},
		}}
		if _, err := cp.apply(ctx, s); err != nil {
			return err
		}
		b, err := json.Marshal(map[string]any{"status": map[string]any{"tlsServerSecretName": secret}})
		if err != nil {
			return fmt.Errorf("encode the status patch: %w", err)
		}
		if _, err := cp.dyn.Resource(gvr).Patch(ctx, rev.GetName(), types.MergePatchType, b, metav1.PatchOptions{}, "status"); err != nil {
			return fmt.Errorf("%s: %w", rev.GetName(), err)
		}
	}
	return nil
}
