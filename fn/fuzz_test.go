package fn

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/internal/fntest"
)

// FuzzRunFunction feeds arbitrary CatalogApi specs to RunFunction. Every
// response must be either a Fatal result with a message and nothing
// rendered, or a complete first render whose AWS names fit their limits.
//
// Run briefly with the tests (the seed corpus), or long with:
//
//	go test ./fn -run '^$' -fuzz FuzzRunFunction -fuzztime 10m
func FuzzRunFunction(f *testing.F) {
	f.Add("dev", "nginx:1.27", "eu-north-1", "10.0.0.0/16", "db.t3.medium", "catalog", "catalog_admin", "LOG_LEVEL", 2, 10, 70, 7)
	f.Add("prod-1", "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api@sha256:"+"ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", "us-east-1", "172.16.0.0/22", "db.r6g.large", "shop", "admin_x", "A", 1, 1, 10, 1)
	f.Add("", "", "", "", "", "", "", "", 0, 0, 0, 0)
	f.Add("a--b", "UPPER/Case:tag", "mars-1", "10.0.0.1/16", "db.t3.micro", "1db", "postgres", "DB_HOST", 11, 3, 95, 40)
	f.Add("x"+string(rune(0x2028)), "nginx", "eu-west-1", "300.0.0.0/16", "db.t4g.medium", "db", "u", "1BAD", -1, 60, 50, 35)

	claimed := claimObserved(f)
	baseline := firstRenderKeys(f, claimed)
	f.Fuzz(func(t *testing.T, suffix, image, region, cidr, class, dbName, dbUser, envName string, minT, maxT, cpu, backup int) {
		spec := map[string]any{
			"environmentSuffix": suffix, "image": image, "region": region,
			"network":  map[string]any{"vpcCidr": cidr},
			"scaling":  map[string]any{"minTasks": minT, "maxTasks": maxT, "targetCpuUtilization": cpu},
			"database": map[string]any{"instanceClass": class, "name": dbName, "masterUsername": dbUser, "backupRetentionDays": backup},
			"service":  map[string]any{"env": []any{map[string]any{"name": envName, "value": "v"}}},
		}
		rsp := runPhase(t, fuzzXR(t, spec), claimed)
		if fatal := fntest.FatalMessage(rsp); fatal != "" {
			if n := len(rsp.GetDesired().GetResources()); n != 0 {
				t.Fatalf("Fatal result %q but %d resources rendered", fatal, n)
			}
			return
		}
		for _, r := range rsp.GetResults() {
			if r.GetMessage() == "" {
				t.Fatalf("result without a message: %v", r)
			}
		}
		if got := sortedKeys(rsp.GetDesired().GetResources()); !slices.Equal(got, baseline) {
			t.Fatalf("accepted spec %v rendered keys %v, want the complete first render %v", spec, got, baseline)
		}
		assertNamesFit(t, rsp)
	})
}

func fuzzXR(t *testing.T, spec map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"apiVersion": "catalog.example.org/v1alpha1", "kind": "CatalogApi",
		"metadata": map[string]any{"name": "fuzz", "namespace": "fuzz"},
		"spec":     spec,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstRenderKeys are the keys of the first render of the stack, once the
// claim is observed.
func firstRenderKeys(f *testing.F, claimed map[string]*fnv1.Resource) []string {
	f.Helper()
	rsp := runPhase(f, testXR, claimed)
	if msg := fntest.FatalMessage(rsp); msg != "" {
		f.Fatalf("baseline render failed: %s", msg)
	}
	return sortedKeys(rsp.GetDesired().GetResources())
}

var (
	albNameRe    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)
	bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	rdsIDRe      = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9]){0,62}$`)
)

// assertNamesFit checks the AWS names with the tightest limits.
func assertNamesFit(t *testing.T, rsp *fnv1.RunFunctionResponse) {
	t.Helper()
	res := rsp.GetDesired().GetResources()
	get := func(key, path string) string { return str(res[key].GetResource().AsMap(), path) }
	for _, key := range []string{KeyLoadBalancer, KeyTargetGroup} {
		if n := get(key, "spec.forProvider.name"); !albNameRe.MatchString(n) {
			t.Fatalf("%s name %q breaks the 32-character ELB name rule", key, n)
		}
	}
	if n := get(KeyLogBucket, "metadata.annotations[crossplane.io/external-name]"); !bucketNameRe.MatchString(n) {
		t.Fatalf("bucket name %q breaks the S3 name rule", n)
	}
	for _, key := range []string{KeyDBCluster, KeyDBWriter, KeyDBReader, KeyDBSubnetGroup} {
		if n := get(key, "metadata.annotations[crossplane.io/external-name]"); !rdsIDRe.MatchString(n) {
			t.Fatalf("%s identifier %q breaks the RDS identifier rule", key, n)
		}
	}
	for _, key := range []string{KeyExecutionRole, KeyTaskRole, KeyFlowLogRole} {
		if n := get(key, "metadata.annotations[crossplane.io/external-name]"); len(n) > 64 || n == "" {
			t.Fatalf("%s role name %q must be 1..64 characters", key, n)
		}
	}
}
