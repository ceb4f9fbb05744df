package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/platform/function-catalog-api/fn"
)

// Every input rule is enforced twice: by the XRD at admission (OpenAPI and
// CEL, checked here with the real `crossplane beta validate`), and by the
// function for XRs that reach it without admission (a Fatal result that
// names the field). Each case runs through both.

type inputCase struct {
	name string
	spec string // YAML of spec
	// field is the field both enforcement points must name; "" for a good XR.
	field string
	// xrdSays is what validate reports for a bad XR.
	xrdSays string
}

var inputCases = []inputCase{
	{name: "minimal", spec: `{environmentSuffix: dev, image: "nginx:1.27"}`},
	{name: "everything", spec: `{environmentSuffix: prod-eu-1, image: "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api@sha256:` + strings.Repeat("ab", 32) + `", region: us-west-2,
		network: {vpcCidr: 172.16.0.0/20}, service: {env: [{name: LOG_LEVEL, value: info}]},
		scaling: {minTasks: 3, maxTasks: 30, targetCpuUtilization: 60},
		database: {instanceClass: db.r6g.large, name: shop, masterUsername: shop_admin, backupRetentionDays: 14}}`},
	{name: "no-suffix", spec: `{image: "nginx:1.27"}`, field: "spec.environmentSuffix", xrdSays: "Required value"},
	{name: "no-image", spec: `{environmentSuffix: dev}`, field: "spec.image", xrdSays: "Required value"},
	{name: "suffix-uppercase", spec: `{environmentSuffix: Dev, image: "nginx:1.27"}`, field: "spec.environmentSuffix", xrdSays: "should match"},
	{name: "suffix-double-hyphen", spec: `{environmentSuffix: a--b, image: "nginx:1.27"}`, field: "spec.environmentSuffix", xrdSays: "should match"},
	{name: "suffix-too-long", spec: `{environmentSuffix: abcdefghijklmnopqrstu, image: "nginx:1.27"}`, field: "spec.environmentSuffix", xrdSays: "Too long"},
	{name: "image-invalid", spec: `{environmentSuffix: dev, image: "Not An Image"}`, field: "spec.image", xrdSays: "should match"},
	{name: "region-unknown", spec: `{environmentSuffix: dev, image: "nginx:1.27", region: mars-east-1}`, field: "spec.region", xrdSays: "Unsupported value"},
	{name: "cidr-too-large", spec: `{environmentSuffix: dev, image: "nginx:1.27", network: {vpcCidr: 10.0.0.0/8}}`, field: "spec.network.vpcCidr", xrdSays: "should match"},
	{name: "cidr-too-small", spec: `{environmentSuffix: dev, image: "nginx:1.27", network: {vpcCidr: 10.0.0.0/26}}`, field: "spec.network.vpcCidr", xrdSays: "should match"},
	{name: "cidr-not-an-address", spec: `{environmentSuffix: dev, image: "nginx:1.27", network: {vpcCidr: 300.0.0.0/16}}`, field: "spec.network.vpcCidr", xrdSays: "should match"},
	{name: "env-reserved", spec: `{environmentSuffix: dev, image: "nginx:1.27", service: {env: [{name: DB_PASSWORD, value: x}]}}`, field: "spec.service.env[0].name", xrdSays: "DB_ are reserved"},
	{name: "env-bad-name", spec: `{environmentSuffix: dev, image: "nginx:1.27", service: {env: [{name: 1BAD, value: x}]}}`, field: "spec.service.env[0].name", xrdSays: "should match"},
	{name: "min-above-max", spec: `{environmentSuffix: dev, image: "nginx:1.27", scaling: {minTasks: 5, maxTasks: 3}}`, field: "spec.scaling.minTasks", xrdSays: "must be less than or equal to spec.scaling.maxTasks"},
	{name: "min-zero", spec: `{environmentSuffix: dev, image: "nginx:1.27", scaling: {minTasks: 0}}`, field: "spec.scaling.minTasks", xrdSays: "should be greater than or equal to 1"},
	{name: "max-too-high", spec: `{environmentSuffix: dev, image: "nginx:1.27", scaling: {maxTasks: 51}}`, field: "spec.scaling.maxTasks", xrdSays: "should be less than or equal to 50"},
	{name: "cpu-target-too-high", spec: `{environmentSuffix: dev, image: "nginx:1.27", scaling: {targetCpuUtilization: 95}}`, field: "spec.scaling.targetCpuUtilization", xrdSays: "should be less than or equal to 90"},
	{name: "class-too-small", spec: `{environmentSuffix: dev, image: "nginx:1.27", database: {instanceClass: db.t3.micro}}`, field: "spec.database.instanceClass", xrdSays: "Unsupported value"},
	{name: "db-name-invalid", spec: `{environmentSuffix: dev, image: "nginx:1.27", database: {name: 1db}}`, field: "spec.database.name", xrdSays: "should match"},
	{name: "db-user-too-long", spec: `{environmentSuffix: dev, image: "nginx:1.27", database: {masterUsername: a_very_long_admin_name}}`, field: "spec.database.masterUsername", xrdSays: "should match"},
	{name: "db-user-reserved", spec: `{environmentSuffix: dev, image: "nginx:1.27", database: {masterUsername: postgres}}`, field: "spec.database.masterUsername", xrdSays: "is reserved"},
	{name: "backups-off", spec: `{environmentSuffix: dev, image: "nginx:1.27", database: {backupRetentionDays: 0}}`, field: "spec.database.backupRetentionDays", xrdSays: "should be greater than or equal to 1"},
}

func caseXR(t *testing.T, c inputCase) map[string]any {
	t.Helper()
	spec := map[string]any{}
	if err := yaml.Unmarshal([]byte(c.spec), &spec); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return map[string]any{
		"apiVersion": "catalog.example.org/v1alpha1", "kind": "CatalogApi",
		"metadata": map[string]any{"name": c.name, "namespace": "team-catalog"},
		"spec":     spec,
	}
}

// TestInputRulesInFunction: the function rejects every bad case with a
// Fatal result naming the field, and renders nothing; good cases render.
func TestInputRulesInFunction(t *testing.T) {
	f := fn.NewFunction(logging.NewNopLogger())
	for _, c := range inputCases {
		t.Run(c.name, func(t *testing.T) {
			xr, err := structpb.NewStruct(caseXR(t, c))
			if err != nil {
				t.Fatal(err)
			}
			rsp, err := f.RunFunction(context.Background(), &fnv1.RunFunctionRequest{
				Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}},
			})
			if err != nil {
				t.Fatal(err)
			}
			var fatal string
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
					fatal = r.GetMessage()
				}
			}
			switch {
			case c.field == "" && fatal != "":
				t.Errorf("good XR rejected: %s", fatal)
			case c.field != "" && !strings.Contains(fatal, c.field+": invalid value"):
				t.Errorf("Fatal result %q does not name %s", fatal, c.field)
			case c.field != "" && len(rsp.GetDesired().GetResources()) != 0:
				t.Errorf("rendered %d resources alongside the Fatal result", len(rsp.GetDesired().GetResources()))
			}
		})
	}
}

// TestInputRulesInXRD validates every case against the XRD with the real
// Crossplane CLI: good XRs pass, each bad one fails with the rule's message.
func TestInputRulesInXRD(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Crossplane CLI")
	}
	cli := crossplaneCLI(t)
	dir := t.TempDir()
	var files []string
	for _, c := range inputCases {
		b, err := yaml.Marshal(caseXR(t, c))
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, c.name+".yaml")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cache, image := crossplaneSchemaCache(t)
	// validate fails on the bad cases: its summary and messages are checked.
	out, _ := Validate(t.Context(), cli, []string{repoPath(XRD)}, files, cache, image)
	sum, err := ParseValidateSummary(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	bad := slices.IndexFunc(inputCases, func(c inputCase) bool { return c.field != "" })
	if want := (ValidateSummary{Total: len(inputCases), Success: bad, Failures: len(inputCases) - bad}); sum != want {
		t.Errorf("validate summary = %v, want %v\n%s", sum, want, out)
	}
	for _, c := range inputCases {
		lines := linesAbout(out, c.name)
		switch {
		case c.field == "" && len(lines) > 0:
			t.Errorf("%s: good XR reported: %v", c.name, lines)
		case c.field != "" && !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, c.xrdSays) }):
			t.Errorf("%s: no validation error says %q; got %v", c.name, c.xrdSays, lines)
		}
	}
}

// linesAbout returns validate's error lines about the XR named name.
func linesAbout(out, name string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "[x]") && strings.Contains(l, fmt.Sprintf(", %s :", name)) {
			lines = append(lines, l)
		}
	}
	return lines
}
