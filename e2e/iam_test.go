package e2e

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/platform/function-catalog-api/internal/fntest"
)

// The provider identity's IAM permissions are files: docs/iam/actions.yaml
// lists, per managed resource kind the function renders, the AWS actions the
// provider calls for it and where that list comes from; the policies beside
// it, one per provider-aws family, are generated from it. TestIAMPolicies
// checks the list against the kinds the function renders (the observed
// fixtures examples/observed, regenerated from renders by TestRenderExamples)
// and the policy files against the list; -update rewrites the policy files.

const (
	iamDir         = "docs/iam"
	iamActionsFile = iamDir + "/actions.yaml"
	// maxManagedPolicyChars is IAM's size limit of a managed policy,
	// whitespace not counted (IAM and AWS STS quotas).
	maxManagedPolicyChars = 6144
	iamPolicyVersion      = "2012-10-17"
	passRoleAction        = "iam:PassRole"
)

// kindPermissions is one entry of docs/iam/actions.yaml.
type kindPermissions struct {
	Source             string   `json:"source"`
	Actions            []string `json:"actions"`
	ServiceLinkedRoles []string `json:"serviceLinkedRoles,omitempty"`
}

// iamPolicy is an IAM policy document as the files hold it.
type iamPolicy struct {
	Version   string         `json:"Version"`
	Statement []iamStatement `json:"Statement"`
}

type iamStatement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Action    []string                  `json:"Action"`
	Resource  string                    `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

func TestIAMPolicies(t *testing.T) {
	perKind := readKindPermissions(t)
	t.Run("EveryRenderedKindListed", func(t *testing.T) {
		rendered := renderedProviderKinds(t)
		if diff := cmp.Diff(rendered, slices.Sorted(maps.Keys(perKind))); diff != "" {
			t.Errorf("%s does not list exactly the kinds the function renders (-rendered +listed):\n%s", iamActionsFile, diff)
		}
	})
	t.Run("EntriesComplete", func(t *testing.T) { checkEntries(t, perKind) })

	want := familyPolicies(perKind)
	t.Run("OneFamilyPerDependency", func(t *testing.T) {
		if diff := cmp.Diff(configurationProviderFamilies(t), slices.Sorted(maps.Keys(want))); diff != "" {
			t.Errorf("provider families of the Configuration's dependencies and of the rendered kinds differ (-dependsOn +rendered):\n%s", diff)
		}
	})
	for family, policy := range want {
		t.Run("Policy/"+family, func(t *testing.T) { checkPolicyFile(t, family, policy) })
	}
}

// checkEntries checks that every entry names its source and lists single
// IAM actions (service:Action, no wildcard).
func checkEntries(t *testing.T, perKind map[string]kindPermissions) {
	t.Helper()
	for kind, p := range perKind {
		if strings.TrimSpace(p.Source) == "" {
			t.Errorf("%s: no source for its action list", kind)
		}
		if len(p.Actions) == 0 {
			t.Errorf("%s: no actions", kind)
		}
		for _, a := range p.Actions {
			if service, action, ok := strings.Cut(a, ":"); !ok || service == "" || action == "" || strings.ContainsAny(a, "* ") {
				t.Errorf("%s: %q is not a single IAM action (service:Action, no wildcard)", kind, a)
			}
		}
	}
}

// readKindPermissions reads docs/iam/actions.yaml.
func readKindPermissions(t *testing.T) map[string]kindPermissions {
	t.Helper()
	b, err := os.ReadFile(repoPath(iamActionsFile))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Kinds map[string]kindPermissions `json:"kinds"`
	}
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		t.Fatalf("%s: %v", iamActionsFile, err)
	}
	return f.Kinds
}

// renderedProviderKinds are the provider-aws kinds (group/Kind) of every
// observed fixture: all the function renders for the example, phase by phase.
func renderedProviderKinds(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(repoPath("examples/observed/*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no observed fixtures: %v", err)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		for _, o := range fntest.ReadObjects(t, p) {
			if gvk := o.GroupVersionKind(); strings.HasSuffix(gvk.Group, providerGroupSuffix) {
				seen[gvk.Group+"/"+gvk.Kind] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// configurationProviderFamilies are the families (ec2, ecs, ...) of the
// provider-aws packages the Configuration depends on.
func configurationProviderFamilies(t *testing.T) []string {
	t.Helper()
	meta := fntest.ReadObjects(t, repoPath("apis/crossplane.yaml"))
	if len(meta) != 1 {
		t.Fatalf("apis/crossplane.yaml: want one object, got %d", len(meta))
	}
	deps, _, _ := unstructured.NestedSlice(meta[0].Object, "spec", "dependsOn")
	var families []string
	for _, d := range deps {
		dep, _ := d.(map[string]any)
		pkg, _ := dep["package"].(string)
		if dep["kind"] != "Provider" {
			continue
		}
		_, family, ok := strings.Cut(pkg[strings.LastIndex(pkg, "/")+1:], "provider-aws-")
		if !ok {
			t.Errorf("dependency %s is not a provider-aws family provider", pkg)
			continue
		}
		families = append(families, family)
	}
	slices.Sort(families)
	return families
}

// familyPolicies groups the per-kind lists by provider family: one policy
// per family provider, so that each family's identity can be given only its
// own (and no policy reaches IAM's managed policy size limit).
func familyPolicies(perKind map[string]kindPermissions) map[string]iamPolicy {
	type lists struct{ actions, passRole, slr map[string]bool }
	byFamily := map[string]*lists{}
	for kind, p := range perKind {
		family, _, _ := strings.Cut(kind, ".")
		l := byFamily[family]
		if l == nil {
			l = &lists{actions: map[string]bool{}, passRole: map[string]bool{}, slr: map[string]bool{}}
			byFamily[family] = l
		}
		for _, a := range p.Actions {
			if a == passRoleAction {
				l.passRole[a] = true
				continue
			}
			l.actions[a] = true
		}
		for _, s := range p.ServiceLinkedRoles {
			l.slr[s] = true
		}
	}
	out := make(map[string]iamPolicy, len(byFamily))
	for family, l := range byFamily {
		p := iamPolicy{Version: iamPolicyVersion}
		p.Statement = append(p.Statement, allow(sid(family), slices.Sorted(maps.Keys(l.actions))))
		if len(l.passRole) > 0 {
			// Separate, so that a platform can narrow Resource to the
			// stack's role ARNs.
			p.Statement = append(p.Statement, allow("PassStackRoles", []string{passRoleAction}))
		}
		if len(l.slr) > 0 {
			s := allow("CreateServiceLinkedRoles", []string{"iam:CreateServiceLinkedRole"})
			s.Condition = map[string]map[string]any{
				"StringEquals": {"iam:AWSServiceName": slices.Sorted(maps.Keys(l.slr))},
			}
			p.Statement = append(p.Statement, s)
		}
		out[family] = p
	}
	return out
}

func allow(sid string, actions []string) iamStatement {
	return iamStatement{Sid: sid, Effect: "Allow", Action: actions, Resource: "*"}
}

// sid is a statement ID: IAM allows only [A-Za-z0-9].
func sid(family string) string {
	return "CatalogApi" + strings.ToUpper(family[:1]) + family[1:]
}

// policyFile is the policy file of a family.
func policyFile(family string) string {
	return filepath.Join(iamDir, "provider-aws-"+family+".json")
}

// checkPolicyFile compares a family's policy file with the one generated
// from the list (or writes it with -update) and checks IAM's size limit.
func checkPolicyFile(t *testing.T, family string, want iamPolicy) {
	t.Helper()
	b, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := repoPath(policyFile(family))
	if *update {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate with -update)", err)
	}
	if diff := cmp.Diff(string(b), string(got)); diff != "" {
		t.Errorf("%s is not the policy of %s (-want +got; regenerate with -update):\n%s", policyFile(family), iamActionsFile, diff)
	}
	if n := len(bytes.Join(bytes.Fields(got), nil)); n > maxManagedPolicyChars {
		t.Errorf("%s has %d characters without whitespace; a managed policy allows %d", policyFile(family), n, maxManagedPolicyChars)
	}
}
