package fn

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	"github.com/crossplane/function-sdk-go/request"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// The product contract, asserted by value on the converged render of the
// example CatalogApi. Each subtest is one promise of the README.

// rendered is the converged desired state: key -> object.
func renderedStack(t *testing.T) map[string]map[string]any {
	t.Helper()
	rsp := run(t, newRequest(testXR, testPhases(t)["Complete"]))
	out := map[string]map[string]any{}
	for k, r := range rsp.GetDesired().GetResources() {
		out[k] = r.GetResource().AsMap()
	}
	return out
}

func val(obj map[string]any, path string) any {
	v, err := fieldpath.Pave(obj).GetValue(path)
	if err != nil {
		return nil
	}
	return v
}

func str(obj map[string]any, path string) string {
	s, _ := val(obj, path).(string)
	return s
}

func num(obj map[string]any, path string) float64 {
	f, _ := val(obj, path).(float64)
	return f
}

func kindOf(obj map[string]any) string {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	return strings.Split(apiVersion, "/")[0] + "/" + kind
}

func ofKind(stack map[string]map[string]any, kind string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for k, o := range stack {
		if kindOf(o) == kind {
			out[k] = o
		}
	}
	return out
}

// convergedFixture is the committed converged stack, as provider-aws would
// report it (e2e's TestRenderExamples regenerates it and fails when it is
// out of date): its resources by kind are what the product promises.
const convergedFixture = "../examples/observed/phase-5.yaml"

// kindCounts counts the objects of each kind, Usages left out (their number
// follows from the deletion edges, which TestUsagesAreTheReduction checks).
func kindCounts(objs []map[string]any) map[string]int {
	out := map[string]int{}
	for _, o := range objs {
		if k := kindOf(o); k != "protection.crossplane.io/Usage" {
			out[k]++
		}
	}
	return out
}

// TestContractKinds: the converged render has the committed fixture's
// resources of every kind, no more and no fewer; adding a resource changes
// the fixture (regenerated), not this test.
func TestContractKinds(t *testing.T) {
	stack := renderedStack(t)
	objs := fntest.ReadObjects(t, convergedFixture)
	fixture := make([]map[string]any, 0, len(objs))
	for _, u := range objs {
		fixture = append(fixture, u.Object)
	}
	want := kindCounts(fixture)
	if len(want) < 20 {
		t.Fatalf("%s has %d kinds: not the converged stack", convergedFixture, len(want))
	}
	got := kindCounts(slices.Collect(maps.Values(stack)))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resources by kind: -%s, +rendered:\n%s", convergedFixture, diff)
	}
	for k, o := range stack {
		apiVersion, _ := o["apiVersion"].(string)
		g, _, _ := strings.Cut(apiVersion, "/")
		if !strings.HasSuffix(g, ".aws.m.upbound.io") && g != "protection.crossplane.io" {
			t.Errorf("%s: %s is not a namespaced provider-aws kind", k, o["apiVersion"])
		}
	}
}

func TestContractTagsAndRegion(t *testing.T) {
	stack := renderedStack(t)
	schemas := providerSchemas(t)
	for k, o := range stack {
		if o["apiVersion"] == "protection.crossplane.io/v1beta1" {
			continue
		}
		fp := schemas[kindOf(o)]
		if fp == nil {
			t.Errorf("%s: no provider CRD for %s", k, kindOf(o))
			continue
		}
		props, _ := fp["properties"].(map[string]any)
		if _, taggable := props["tags"]; taggable {
			if str(o, "spec.forProvider.tags.Environment") != "production" || str(o, "spec.forProvider.tags.Project") != "catalog-api" {
				t.Errorf("%s: taggable %s lacks Environment=production/Project=catalog-api: %v", k, kindOf(o), val(o, "spec.forProvider.tags"))
			}
		}
		if _, regional := props["region"]; regional && str(o, "spec.forProvider.region") != "eu-north-1" {
			t.Errorf("%s: region = %q, want eu-north-1", k, str(o, "spec.forProvider.region"))
		}
	}
}

func TestContractService(t *testing.T) {
	stack := renderedStack(t)
	checkTaskDefinitions(t, stack)
	checkServiceCapacity(t, stack)
	checkHealthAndScaling(t, stack)
}

// checkTaskDefinitions: task size, port and the database environment.
func checkTaskDefinitions(t *testing.T, stack map[string]map[string]any) {
	t.Helper()
	for _, td := range ofKind(stack, "ecs.aws.m.upbound.io/TaskDefinition") {
		if str(td, "spec.forProvider.cpu") != "1024" || str(td, "spec.forProvider.memory") != "2048" {
			t.Errorf("task size = %s/%s, want 1024/2048", str(td, "spec.forProvider.cpu"), str(td, "spec.forProvider.memory"))
		}
		cd := str(td, "spec.forProvider.containerDefinitions")
		for _, want := range []string{`"containerPort":3000`, `"DB_HOST"`, `"DB_PORT"`, `"DB_NAME"`, `"DB_USER"`, `"DB_PASSWORD"`, `:password::"`} {
			if !strings.Contains(cd, want) {
				t.Errorf("containerDefinitions lacks %s: %s", want, cd)
			}
		}
	}
}

// checkServiceCapacity: the service runs on Fargate Spot through a capacity
// provider strategy, without a launch type.
func checkServiceCapacity(t *testing.T, stack map[string]map[string]any) {
	t.Helper()
	svc := stack[KeyService]
	if got := str(svc, "spec.forProvider.capacityProviderStrategy[0].capacityProvider"); got != "FARGATE_SPOT" {
		t.Errorf("service capacity provider = %q, want FARGATE_SPOT", got)
	}
	if val(svc, "spec.forProvider.launchType") != nil {
		t.Errorf("service sets launchType together with a capacity provider strategy")
	}
}

// checkHealthAndScaling: the target group's health check and the scaling
// bounds and metric.
func checkHealthAndScaling(t *testing.T, stack map[string]map[string]any) {
	t.Helper()
	tg := stack[KeyTargetGroup]
	if str(tg, "spec.forProvider.healthCheck.path") != "/health" || num(tg, "spec.forProvider.healthCheck.interval") != 30 || num(tg, "spec.forProvider.healthCheck.unhealthyThreshold") != 2 {
		t.Errorf("health check = %v, want /health every 30 s, unhealthy after 2", val(tg, "spec.forProvider.healthCheck"))
	}
	target := stack[KeyScalingTarget]
	if num(target, "spec.forProvider.minCapacity") != 2 || num(target, "spec.forProvider.maxCapacity") != 10 {
		t.Errorf("scaling = %v..%v, want 2..10", val(target, "spec.forProvider.minCapacity"), val(target, "spec.forProvider.maxCapacity"))
	}
	if got := str(stack[KeyScalingPolicy], "spec.forProvider.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"); got != "ECSServiceAverageCPUUtilization" {
		t.Errorf("scaling metric = %q", got)
	}
}

func TestContractDatabaseAndEdge(t *testing.T) {
	stack := renderedStack(t)
	db := stack[KeyDBCluster]
	checks := map[string]any{
		"spec.forProvider.engine":                   "aurora-postgresql",
		"spec.forProvider.manageMasterUserPassword": true,
		"spec.forProvider.storageEncrypted":         true,
		"spec.forProvider.skipFinalSnapshot":        false,
		"spec.forProvider.deleteAutomatedBackups":   false,
		"spec.forProvider.deletionProtection":       false,
	}
	for path, want := range checks {
		if got := val(db, path); got != want {
			t.Errorf("aurora %s = %v, want %v", path, got, want)
		}
	}
	if num(db, "spec.forProvider.backupRetentionPeriod") < 1 {
		t.Errorf("aurora keeps no backups")
	}
	if val(db, "spec.forProvider.availabilityZones") != nil {
		t.Errorf("aurora cluster sets availabilityZones (AWS expands them and the provider loops)")
	}
	w, r := stack[KeyDBWriter], stack[KeyDBReader]
	if str(w, "spec.forProvider.availabilityZone") == str(r, "spec.forProvider.availabilityZone") {
		t.Errorf("writer and reader share AZ %q", str(w, "spec.forProvider.availabilityZone"))
	}
	if str(w, "spec.forProvider.instanceClass") != "db.t3.medium" {
		t.Errorf("writer class = %q", str(w, "spec.forProvider.instanceClass"))
	}
	cf := stack[KeyDistribution]
	if got := str(cf, "spec.forProvider.defaultCacheBehavior.cachePolicyId"); got != CachingDisabledPolicyID {
		t.Errorf("cache policy = %q, want the managed CachingDisabled %q", got, CachingDisabledPolicyID)
	}
	if got := str(cf, "spec.forProvider.origin[0].domainName"); !strings.HasSuffix(got, ".elb.amazonaws.com") {
		t.Errorf("CloudFront origin = %q, want the ALB DNS name", got)
	}
}

func TestContractSecurityAndTeardown(t *testing.T) {
	stack := renderedStack(t)
	checkNoOpenIngress(t, stack)
	checkDeletable(t, stack)
	for _, v := range noPlainSecrets(stack) {
		t.Error(v)
	}
	checkLogBucketAndNames(t, stack)
}

// checkNoOpenIngress: no security group rule opens ingress to the internet.
func checkNoOpenIngress(t *testing.T, stack map[string]map[string]any) {
	t.Helper()
	for k, o := range ofKind(stack, "ec2.aws.m.upbound.io/SecurityGroupIngressRule") {
		if str(o, "spec.forProvider.cidrIpv4") == "0.0.0.0/0" || str(o, "spec.forProvider.cidrIpv6") == "::/0" {
			t.Errorf("%s opens ingress to the internet", k)
		}
	}
}

// checkDeletable: nothing is deletion-protected and every resource may be deleted.
func checkDeletable(t *testing.T, stack map[string]map[string]any) {
	t.Helper()
	for k, o := range stack {
		if v := val(o, "spec.forProvider.deletionProtection"); v == true {
			t.Errorf("%s has deletion protection", k)
		}
		if v := val(o, "spec.forProvider.enableDeletionProtection"); v == true {
			t.Errorf("%s has deletion protection", k)
		}
		if p, ok := val(o, "spec.managementPolicies").([]any); ok && !slices.ContainsFunc(p, func(v any) bool { return v == "*" || v == "Delete" }) {
			t.Errorf("%s: management policies %v do not allow deletion", k, p)
		}
	}
}

// checkLogBucketAndNames: the access-log bucket goes with the stack, its logs
// expire, and the ALB names fit AWS's 32 characters.
func checkLogBucketAndNames(t *testing.T, stack map[string]map[string]any) {
	t.Helper()
	if val(stack[KeyLogBucket], "spec.forProvider.forceDestroy") != true {
		t.Errorf("access-log bucket is not force-destroyed")
	}
	if got := num(stack[KeyLogBucketLifecycle], "spec.forProvider.rule[0].expiration[0].days"); got != 30 {
		t.Errorf("access-log expiration = %v days, want 30", got)
	}
	for _, key := range []string{KeyLoadBalancer, KeyTargetGroup} {
		if n := str(stack[key], "spec.forProvider.name"); len(n) > 32 || n == "" {
			t.Errorf("%s name %q must be 1..32 characters", key, n)
		}
	}
}

// loadSchemasOnce loads the provider's schemas once per test binary: every
// contract test reads them.
var loadSchemasOnce = sync.OnceValues(loadProviderSchemas)

// providerSchemas loads, from the provider-aws module's CRDs, the
// spec.forProvider schema of every namespaced kind: group/Kind -> schema.
func providerSchemas(t *testing.T) map[string]map[string]any {
	t.Helper()
	schemas, err := loadSchemasOnce()
	if err != nil {
		t.Fatal(err)
	}
	return schemas
}

func loadProviderSchemas() (map[string]map[string]any, error) {
	const module = "github.com/upbound/provider-aws/v2"
	dir, err := exec.CommandContext(context.Background(), "go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		return nil, fmt.Errorf("cannot find the directory of %s: %w", module, err)
	}
	files, err := filepath.Glob(filepath.Join(strings.TrimSpace(string(dir)), "package", "crds", "*.aws.m.upbound.io_*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("cannot list the provider's CRDs: %w", err)
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("cannot read CRD: %w", err)
		}
		crd := map[string]any{}
		if err := yaml.Unmarshal(b, &crd); err != nil {
			return nil, fmt.Errorf("cannot parse CRD %s: %w", f, err)
		}
		kind := str(crd, "spec.group") + "/" + str(crd, "spec.names.kind")
		if fp, ok := val(crd, "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.forProvider").(map[string]any); ok {
			out[kind] = fp
		}
	}
	return out, nil
}

// TestLifecycleFilterPrefixSurvivesConversion: the rendered lifecycle rule
// keeps its explicit empty filter prefix (an empty filter block is what the
// Terraform resource under the provider rejects).
func TestLifecycleFilterPrefixSurvivesConversion(t *testing.T) {
	stack := renderedStack(t)
	p, ok := val(stack[KeyLogBucketLifecycle], lifecycleFilterPrefix).(string)
	if !ok || p != "" {
		t.Errorf("%s = %#v, want the empty string", lifecycleFilterPrefix, val(stack[KeyLogBucketLifecycle], lifecycleFilterPrefix))
	}
}

// TestContractNameTag: every builder tags a taggable resource with the AWS
// name it declares (Desired.AWSName), and with no Name tag when it declares
// none, so that the Name tag and the external name never disagree.
func TestContractNameTag(t *testing.T) {
	plan := convergedPlanOfRequest(t)
	tagged := 0
	for _, d := range plan.Resources {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d.Object)
		if err != nil {
			t.Fatal(err)
		}
		tags, ok := val(u, "spec.forProvider.tags").(map[string]any)
		if !ok {
			continue
		}
		tagged++
		name, hasName := tags["Name"]
		if d.AWSName == "" && hasName {
			t.Errorf("%s: Name tag %v, but the builder declares no AWS name", d.Key, name)
		}
		if d.AWSName != "" && name != d.AWSName {
			t.Errorf("%s: Name tag %v, want the declared AWS name %q", d.Key, name, d.AWSName)
		}
	}
	if tagged == 0 {
		t.Error("no rendered resource has tags")
	}
}

// convergedPlanOfRequest composes the converged example stack from the
// request, as RunFunction does.
func convergedPlanOfRequest(t *testing.T) *engine.Plan {
	t.Helper()
	req := newRequest(testXR, testPhases(t)["Complete"])
	xr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSpec(xr.Resource, &v1beta1.Input{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Claim = ClaimHeld // The converged stack holds its suffix (claim.go).
	plan, err := Compose(s, engine.NewObserved(req.GetObserved().GetResources()))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}
