package providersim

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/internal/fntest"
)

// renderedStacks are the golden files of the rendered stack, phase by
// phase, as providersim observed them: every kind the function renders.
const renderedStacks = "../../examples/observed/*.yaml"

// TestEveryRenderedKindHasARow: the table has a row for every kind the
// function renders, and no row for a kind it does not render.
func TestEveryRenderedKindHasARow(t *testing.T) {
	rendered := renderedKinds(t)
	for kind, u := range rendered {
		if _, err := factsOf(u); err != nil {
			t.Errorf("%s (%s): %v", kind, compositionResourceName(u), err)
		}
	}
	for kind := range kinds() {
		if rendered[kind] == nil {
			t.Errorf("the table has a row for %s, which no rendered stack (%s) has", kind, renderedStacks)
		}
	}
	t.Logf("%d kinds rendered, %d rows", len(rendered), len(kinds()))
}

// renderedKinds are the kinds of the golden files' objects, each with one
// object of it.
func renderedKinds(t *testing.T) map[string]*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob(renderedStacks)
	if err != nil || len(files) == 0 {
		t.Fatalf("no rendered stacks at %s: %v", renderedStacks, err)
	}
	out := map[string]*unstructured.Unstructured{}
	for _, file := range files {
		for _, u := range fntest.ReadObjects(t, file) {
			out[kindOf(u)] = u
		}
	}
	return out
}

// unknownKinds are a provider-aws kind and a kind of another API group
// that the table has no row for, and a route that references the first.
func unknownKinds() []*unstructured.Unstructured {
	carrier := testObject("ec2", "CarrierGateway", "carrier-gateway", nil)
	route := testObject("ec2", "Route", "route", map[string]any{"gatewayIdRef": map[string]any{"name": "xr-carrier-gateway"}})
	widget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.org/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "xr-widget", "annotations": map[string]any{AnnotationCompositionResourceName: "widget"}},
	}}
	return []*unstructured.Unstructured{carrier, route, widget, testObject("ec2", "VPC", "vpc", nil)}
}

// TestSimulateUnknownKind: a kind without a row is not created with a
// default identity; the provider reports why, and what references it
// cannot be created either.
func TestSimulateUnknownKind(t *testing.T) {
	const noFacts = "the simulated provider has no facts for apiVersion ec2.aws.m.upbound.io/v1beta1, kind CarrierGateway: add its row to the table in fn/providersim/kinds.go"
	out, err := Simulate(unknownKinds())
	checkSimulateErrors(t, err, []string{
		"carrier-gateway: " + noFacts,
		"widget: the simulated provider has no facts for apiVersion example.org/v1, kind Widget",
		`route: spec.forProvider.gatewayId references "xr-carrier-gateway", which cannot be created`,
	})
	checkSimulatedFields(t, out, map[string]string{
		"carrier-gateway status.conditions.0.type":                           "=Synced",
		"carrier-gateway status.conditions.0.status":                         "=False",
		"carrier-gateway status.conditions.0.message":                        "=" + noFacts,
		"carrier-gateway status.conditions.1":                                "=<nil>",
		"carrier-gateway status.atProvider":                                  "=<nil>",
		"carrier-gateway metadata.annotations.crossplane\\.io/external-name": "=<nil>",
		"widget status.conditions.0.status":                                  "=False",
		"route status.conditions.0.status":                                   "=False",
		"vpc status.conditions.0.status":                                     "=True",
	})
}

// TestTeardownUnknownKind: a teardown does not delete a kind without a
// row, and says why.
func TestTeardownUnknownKind(t *testing.T) {
	res := Teardown(unknownKinds())
	got := map[string][]string{"order": res.Order, "stuck": res.Stuck, "unknown": res.Unknown}
	want := map[string][]string{
		"order": {"route", "vpc"},
		"stuck": {"carrier-gateway", "widget"},
		"unknown": {
			"carrier-gateway: the simulated provider has no facts for apiVersion ec2.aws.m.upbound.io/v1beta1, kind CarrierGateway: add its row to the table in fn/providersim/kinds.go",
			"widget: the simulated provider has no facts for apiVersion example.org/v1, kind Widget: add its row to the table in fn/providersim/kinds.go",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Teardown() (-want +got):\n%s", diff)
	}
}

// TestKindOf: provider-aws kinds are keyed by their short group, others by
// their whole group, so the two cannot collide.
func TestKindOf(t *testing.T) {
	got := map[string]string{}
	for _, u := range unknownKinds() {
		got[compositionResourceName(u)] = kindOf(u)
	}
	want := map[string]string{"carrier-gateway": "ec2/CarrierGateway", "route": "ec2/Route", "widget": "example.org/Widget", "vpc": "ec2/VPC"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kindOf (-want +got):\n%s", diff)
	}
}

// TestTeardownDefaultSecurityGroup: deleting the adopted default security
// group only forgets it (at once, never refused), and it does not hold
// the VPC's deletion; a subnet still does.
func TestTeardownDefaultSecurityGroup(t *testing.T) {
	inVPC := map[string]any{"vpcIdRef": map[string]any{"name": "xr-vpc"}}
	cases := map[string]struct {
		composed    []*unstructured.Unstructured
		wantRefused []string
	}{
		"OnlyForgetsTheGroup": {
			composed: []*unstructured.Unstructured{testObject("ec2", "VPC", "vpc", nil), testObject("ec2", "DefaultSecurityGroup", "security-group-default", inVPC)},
		},
		"ASubnetStillHoldsTheVPC": {
			composed: []*unstructured.Unstructured{
				testObject("ec2", "VPC", "vpc", nil), testObject("ec2", "DefaultSecurityGroup", "security-group-default", inVPC),
				testObject("ec2", "Subnet", "subnet", inVPC),
			},
			wantRefused: []string{"vpc: DependencyViolation: the VPC has dependencies: in use by subnet"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := Teardown(tc.composed)
			if len(res.Stuck) != 0 || len(res.Leaked) != 0 || len(res.Order) != len(tc.composed) {
				t.Errorf("teardown: order %v, stuck %v, leaked %v", res.Order, res.Stuck, res.Leaked)
			}
			if diff := cmp.Diff(tc.wantRefused, res.Refused, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("refused (-want +got):\n%s", diff)
			}
		})
	}
}
