package diagram

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// rendered is a small crossplane render output: the XR with two part
// conditions, three composed resources (one referring to the other two), a
// Usage, and a Result.
const rendered = `apiVersion: catalog.example.org/v1alpha1
kind: CatalogApi
metadata: {name: catalog-api, namespace: team-catalog}
status:
  conditions:
  - {type: Ready, status: "False", reason: Creating}
  - {type: NetworkReady, status: "True", reason: Available}
  - {type: SecurityReady, status: "False", reason: Creating}
---
apiVersion: ec2.aws.m.upbound.io/v1beta1
kind: VPC
metadata:
  name: catalog-api-vpc
  labels: {catalog.example.org/part: Network}
  annotations: {crossplane.io/composition-resource-name: vpc}
spec: {forProvider: {cidrBlock: 10.0.0.0/16}}
---
apiVersion: ec2.aws.m.upbound.io/v1beta1
kind: Subnet
metadata:
  name: catalog-api-subnet-public-a
  labels: {catalog.example.org/resource: subnet-public-a, catalog.example.org/part: Network}
spec: {forProvider: {vpcIdRef: {name: catalog-api-vpc}}}
---
apiVersion: ec2.aws.m.upbound.io/v1beta1
kind: SecurityGroupIngressRule
metadata:
  name: catalog-api-sg-rule-tasks-ingress-alb
  labels: {catalog.example.org/resource: sg-rule-tasks-ingress-alb, catalog.example.org/part: Security}
spec:
  forProvider:
    securityGroupIdRef: {name: catalog-api-vpc}
    nested: [{subnetIdRefs: [{name: catalog-api-subnet-public-a}, {name: not-in-the-stack}]}]
  initProvider: {vpcIdRef: {name: catalog-api-vpc}}
---
apiVersion: protection.crossplane.io/v1beta1
kind: Usage
metadata:
  name: catalog-api-usage-vpc-by-subnet-public-a
  labels: {catalog.example.org/resource: usage-vpc-by-subnet-public-a, catalog.example.org/part: Teardown}
spec:
  of: {resourceRef: {name: catalog-api-vpc}}
  by: {resourceRef: {name: catalog-api-subnet-public-a}}
---
apiVersion: render.crossplane.io/v1beta1
kind: Result
severity: SEVERITY_NORMAL
message: hello
`

// observed: the VPC is Ready, the subnet is not, the rule does not exist.
const observed = `apiVersion: ec2.aws.m.upbound.io/v1beta1
kind: VPC
metadata:
  name: catalog-api-vpc
  annotations: {crossplane.io/composition-resource-name: vpc}
status: {conditions: [{type: Synced, status: "True"}, {type: Ready, status: "True"}]}
---
apiVersion: ec2.aws.m.upbound.io/v1beta1
kind: Subnet
metadata:
  name: catalog-api-subnet-public-a
  labels: {catalog.example.org/resource: subnet-public-a}
status: {conditions: [{type: Ready, status: "False", reason: Creating}]}
`

func TestParse(t *testing.T) {
	cases := map[string]struct {
		observed string
		want     *Graph
	}{
		"rendered only": {
			want: graph(Unknown, Unknown, Unknown),
		},
		"with observed resources": {
			observed: observed,
			want:     graph(Ready, NotReady, Creating),
		},
		"with observed resources as kubectl get -o yaml prints them": {
			observed: asList(t, observed),
			want:     graph(Ready, NotReady, Creating),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var obs *strings.Reader
			if tc.observed != "" {
				obs = strings.NewReader(tc.observed)
			}
			got, err := parseWith(strings.NewReader(rendered), obs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("graph (-want +got):\n%s", diff)
			}
		})
	}
}

// asList is these YAML documents as one kind: List, the way kubectl get
// -o yaml prints them.
func asList(t *testing.T, docs string) string {
	t.Helper()
	var items []any
	for d := range strings.SplitSeq(docs, "\n---\n") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			t.Fatal(err)
		}
		items = append(items, o)
	}
	b, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseWith passes a nil observed reader as a nil interface.
func parseWith(r, observed *strings.Reader) (*Graph, error) {
	if observed == nil {
		return Parse(r, nil)
	}
	return Parse(r, observed)
}

// graph is the expected graph of rendered, with these readiness states for
// the VPC, the subnet and the rule.
func graph(vpc, subnet, rule Readiness) *Graph {
	return &Graph{
		XR: "CatalogApi team-catalog/catalog-api",
		Parts: []Part{
			{Name: "Network", Status: "ready", Resources: []Resource{
				{Key: "subnet-public-a", Kind: "Subnet", Group: "ec2.aws.m.upbound.io", Name: "catalog-api-subnet-public-a", Part: "Network", Readiness: subnet},
				{Key: "vpc", Kind: "VPC", Group: "ec2.aws.m.upbound.io", Name: "catalog-api-vpc", Part: "Network", Readiness: vpc},
			}},
			{Name: "Security", Status: "not ready: Creating", Resources: []Resource{
				{Key: "sg-rule-tasks-ingress-alb", Kind: "SecurityGroupIngressRule", Group: "ec2.aws.m.upbound.io", Name: "catalog-api-sg-rule-tasks-ingress-alb", Part: "Security", Readiness: rule},
			}},
		},
		Edges: []Edge{
			{From: "sg-rule-tasks-ingress-alb", To: "subnet-public-a", Label: "subnetId", Kind: Reference},
			{From: "sg-rule-tasks-ingress-alb", To: "vpc", Label: "securityGroupId", Kind: Reference},
			{From: "sg-rule-tasks-ingress-alb", To: "vpc", Label: "vpcId", Kind: Reference},
			{From: "subnet-public-a", To: "vpc", Label: "vpcId", Kind: Reference},
			{From: "subnet-public-a", To: "vpc", Label: "deleted before", Kind: DeletionOrder},
		},
	}
}

func TestParseRefusesAStackWithoutComposedResources(t *testing.T) {
	_, err := Parse(strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "no composed resources") {
		t.Errorf("error %v, want one saying there are no composed resources", err)
	}
}

func TestFormats(t *testing.T) {
	g := graph(Ready, NotReady, Creating)
	cases := map[string]struct {
		out  string
		want []string
	}{
		"mermaid": {out: g.Mermaid(), want: []string{
			"title: CatalogApi team-catalog/catalog-api",
			"flowchart LR",
			`  subgraph n_part_Network["Network · ready"]`,
			`    n_vpc["vpc<br/>VPC (ec2)"]:::ready`,
			`    n_subnet_public_a["subnet-public-a<br/>Subnet (ec2)"]:::notready`,
			`    n_sg_rule_tasks_ingress_alb["sg-rule-tasks-ingress-alb<br/>SecurityGroupIngressRule (ec2)"]:::creating`,
			"  n_subnet_public_a -->|vpcId| n_vpc",
			"  n_subnet_public_a -.->|deleted before| n_vpc",
			"  classDef ready fill:#d8f3dc,stroke:#2d6a4f",
		}},
		"dot": {out: g.DOT(), want: []string{
			"digraph stack {",
			`  subgraph cluster_Security {`,
			`    label="Security · not ready: Creating"; style="rounded"; color="#adb5bd";`,
			`    n_vpc [label="vpc\nVPC (ec2)", fillcolor="#d8f3dc", color="#2d6a4f"];`,
			`  n_subnet_public_a -> n_vpc [label="vpcId"];`,
			`  n_subnet_public_a -> n_vpc [label="deleted before", style=dashed, color="#c1121f", fontcolor="#c1121f"];`,
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			lines := strings.Split(tc.out, "\n")
			for _, w := range tc.want {
				if !slices.Contains(lines, w) {
					t.Errorf("no line %q in:\n%s", w, tc.out)
				}
			}
		})
	}
}

// TestConvergedExample draws the converged example stack (the observed
// fixture of phase 4 is the rendered stack as AWS reports it): every resource
// belongs to a part and is Ready, every Usage becomes a deletion-order edge,
// and the output is the same every time.
func TestConvergedExample(t *testing.T) {
	const fixture = "../../examples/observed/phase-5.yaml"
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(strings.NewReader(string(b)), strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	resources, references, deletions := count(t, g)
	usages := strings.Count(string(b), "\nkind: Usage\n")
	if resources < 50 || references < 50 || deletions != usages {
		t.Errorf("%d resources, %d references, %d deletion-order edges for %d Usages", resources, references, deletions, usages)
	}
	again, err := Parse(strings.NewReader(string(b)), strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if g.DOT() != again.DOT() || g.Mermaid() != again.Mermaid() {
		t.Error("two draws of the same stack differ")
	}
}

// count counts a graph's resources and edges; every resource must be in a
// part and Ready.
func count(t *testing.T, g *Graph) (resources, references, deletions int) {
	t.Helper()
	for _, p := range g.Parts {
		if p.Name == "" {
			t.Errorf("resources in no part: %v", p.Resources)
		}
		for _, r := range p.Resources {
			resources++
			if r.Readiness != Ready {
				t.Errorf("%s: readiness %q, want Ready", r.Key, r.Readiness)
			}
		}
	}
	for _, e := range g.Edges {
		if e.Kind == DeletionOrder {
			deletions++
		} else {
			references++
		}
	}
	return resources, references, deletions
}
